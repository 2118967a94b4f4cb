import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `idp:gitlab:create-deploy-repo`; a test runs each against the GitLab double. */
export const examples: TemplateExample[] = [
  {
    description:
      'Create the GitOps deployment project beside the application project, with a branch per environment',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy-repo',
          name: 'Create the deployment repository',
          action: 'idp:gitlab:create-deploy-repo',
          input: {
            owner: 'group:default/team-payments',
            name: 'payments-refunds',
            appProjectId: '${{ steps["app-repo"].output.projectId }}',
            sourcePath: 'deployment',
          },
        },
      ],
    }),
  },
  {
    description: 'Only development and production branches',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy-repo',
          name: 'Create the deployment repository',
          action: 'idp:gitlab:create-deploy-repo',
          input: {
            owner: 'group:default/team-payments',
            name: 'payments-refunds',
            appProjectId: 'idp/team-payments/payments-refunds',
            environments: ['development', 'production'],
            visibility: 'private',
          },
        },
      ],
    }),
  },
];
