import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { HomePageWidgetBlueprint } from '@backstage/plugin-home-react/alpha';
import { MarkdownContent } from '@backstage/core-components';
import { usePermission } from '@backstage/plugin-permission-react';
import { taskCreatePermission } from '@backstage/plugin-scaffolder-common/alpha';
import { toolkitWidget } from './toolkitWidget';

const createLine = `- **[Create a service](/create)**: pick a golden-path template, fill in a short form, and get a
  GitLab repository, a GitOps deployment repository and a Kubernetes environment in minutes.
`;

const content = (canCreate: boolean) => `
## Welcome to the Acme Developer Portal

One place to find every service, who owns it and where it runs, and to start a new one
on a golden path that creates its repositories, its environment and its catalog entry for you.

### Start here

- **[Browse the catalog](/catalog)**: teams, systems, services, APIs and the clusters they run on.
${
  canCreate ? createLine : ''
}- **[Explore APIs](/api-docs)**: every API with its owner and its consumers.

### Need help?

The Platform Engineering team owns this portal: find it in the catalog as
[platform-team](/catalog/default/group/platform-team).
`;

/** The welcome text; "Create a service" only for those who may run templates. */
function GettingStarted() {
  const { allowed } = usePermission({ permission: taskCreatePermission });
  return <MarkdownContent content={content(allowed)} />;
}

const gettingStartedWidget = HomePageWidgetBlueprint.make({
  name: 'getting-started',
  params: {
    name: 'GettingStarted',
    title: 'Getting started',
    description: 'Where to go first in the Acme Developer Portal',
    components: async () => ({
      Content: GettingStarted,
    }),
  },
});

export const homeModule = createFrontendModule({
  pluginId: 'home',
  extensions: [gettingStartedWidget, toolkitWidget],
});
