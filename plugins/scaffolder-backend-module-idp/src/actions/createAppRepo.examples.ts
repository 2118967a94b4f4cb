import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `idp:gitlab:create-app-repo`; a test runs each against the GitLab double. */
export const examples: TemplateExample[] = [
  {
    description:
      "Create the application project of a service in its owner's GitLab group",
    example: yaml.stringify({
      steps: [
        {
          id: 'app-repo',
          name: 'Create the application repository',
          action: 'idp:gitlab:create-app-repo',
          input: {
            owner: 'group:default/team-payments',
            name: 'payments-refunds',
            description: 'Refunds for card payments',
            topics: ['python', 'fastapi'],
            visibility: 'internal',
            sourcePath: 'app',
          },
        },
      ],
    }),
  },
  {
    description:
      "Create the team's GitLab group if it is missing, with a custom CI path and default branch",
    example: yaml.stringify({
      steps: [
        {
          id: 'app-repo',
          name: 'Create the application repository',
          action: 'idp:gitlab:create-app-repo',
          input: {
            owner: 'group:default/team-payments',
            name: 'ledger-spike',
            createMissingGroups: true,
            ciConfigPath: 'ci/pipeline.yml',
            defaultBranch: 'trunk',
          },
        },
      ],
    }),
  },
];
