import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `idp:environment:apply`; a test runs each against a real kube-apiserver. */
export const examples: TemplateExample[] = [
  {
    description:
      "Apply a service's development environment and wait until it is Ready",
    example: yaml.stringify({
      steps: [
        {
          id: 'environment',
          name: 'Create the development environment',
          action: 'idp:environment:apply',
          input: {
            owner: 'group:default/team-payments',
            system: 'payments',
            component: 'payments-refunds',
            environment: 'development',
            size: 'small',
            repository: {
              url: '${{ steps["deploy-repo"].output.cloneUrl }}',
            },
            exposure: { mode: 'internal', port: 8080 },
          },
        },
      ],
    }),
  },
  {
    description:
      'A public service in its own namespace on a named cluster, waiting at most five minutes',
    example: yaml.stringify({
      steps: [
        {
          id: 'environment',
          name: 'Create the staging environment',
          action: 'idp:environment:apply',
          input: {
            cluster: 'development',
            owner: 'group:default/team-payments',
            system: 'payments',
            component: 'payments-refunds',
            environment: 'staging',
            targetNamespace: 'team-payments-refunds',
            repository: {
              url: 'https://gitlab.example.com/idp/team-payments/payments-refunds-deployment.git',
              revision: 'staging',
            },
            exposure: {
              mode: 'public',
              hostname: 'refunds-staging.apps.acme.example',
            },
            timeoutSeconds: 300,
          },
        },
      ],
    }),
  },
];
