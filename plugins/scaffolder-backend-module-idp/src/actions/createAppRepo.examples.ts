import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `idp:gitlab:create-app-repo`; a test runs each against the GitLab double. */
export const examples: TemplateExample[] = [
  {
    description:
      'Create the application project of a service in its team group',
    example: yaml.stringify({
      steps: [
        {
          id: 'app-repo',
          name: 'Create the application repository',
          action: 'idp:gitlab:create-app-repo',
          input: {
            group: 'idp/team-payments',
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
      'Create missing subgroups of an existing top-level group, with a custom CI path',
    example: yaml.stringify({
      steps: [
        {
          id: 'app-repo',
          name: 'Create the application repository',
          action: 'idp:gitlab:create-app-repo',
          input: {
            group: 'idp/team-payments/experiments',
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
