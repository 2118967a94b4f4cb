import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `idp:environment:prepare`, as the add-environment template uses it. */
export const examples: TemplateExample[] = [
  {
    description:
      'Add staging to an existing service: prepare it, then apply it with what prepare found',
    example: yaml.stringify({
      steps: [
        {
          id: 'prepare',
          name: 'Check and prepare the environment',
          action: 'idp:environment:prepare',
          input: {
            component: 'component:default/payments-refunds',
            environment: 'staging',
          },
        },
        {
          id: 'environment',
          name: 'Create the environment',
          action: 'idp:environment:apply',
          input: {
            owner: '${{ steps.prepare.output.owner }}',
            system: '${{ steps.prepare.output.system }}',
            component: '${{ steps.prepare.output.component }}',
            environment: '${{ steps.prepare.output.environment }}',
            size: '${{ steps.prepare.output.size }}',
            repository: {
              url: '${{ steps.prepare.output.repositoryUrl }}',
              revision: '${{ steps.prepare.output.branch }}',
            },
            exposure: '${{ steps.prepare.output.exposure }}',
          },
        },
      ],
    }),
  },
];
