import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `idp:environment:remove`. */
export const examples: TemplateExample[] = [
  {
    description:
      "Remove a service's staging environment (the service and its other environments stay)",
    example: yaml.stringify({
      steps: [
        {
          id: 'remove',
          name: 'Remove the environment',
          action: 'idp:environment:remove',
          input: {
            component: 'component:default/payments-refunds',
            environment: 'staging',
            confirmation: 'payments-refunds-staging',
          },
        },
      ],
    }),
  },
];
