import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { HomePageWidgetBlueprint } from '@backstage/plugin-home-react/alpha';
import { MarkdownContent } from '@backstage/core-components';

const content = `
## Welcome to the Acme Developer Portal

One place to find every service, who owns it and where it runs, and to start a new one
on a golden path that creates its repositories, its environment and its catalog entry for you.

### Start here

- **[Browse the catalog](/catalog)**: teams, systems, services, APIs and the clusters they run on.
- **[Create a service](/create)**: pick a golden-path template, fill in a short form, and get a
  GitLab repository, a GitOps deployment repository and a Kubernetes environment in minutes.
- **[Explore APIs](/api-docs)**: every API with its owner and its consumers.

### Need help?

The Platform Engineering team owns this portal: find it in the catalog as
[platform-team](/catalog/default/group/platform-team).
`;

const gettingStartedWidget = HomePageWidgetBlueprint.make({
  name: 'getting-started',
  params: {
    name: 'GettingStarted',
    title: 'Getting started',
    description: 'Where to go first in the Acme Developer Portal',
    components: async () => ({
      Content: () => <MarkdownContent content={content} />,
    }),
  },
});

export const homeModule = createFrontendModule({
  pluginId: 'home',
  extensions: [gettingStartedWidget],
});
