import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `idp:catalog:register`; a test runs each against a catalog. */
export const examples: TemplateExample[] = [
  {
    description:
      "Register the new application project's catalog-info.yaml, checked to be its owner's, and wait for its entity",
    example: yaml.stringify({
      steps: [
        {
          id: 'register',
          name: 'Register in the catalog',
          action: 'idp:catalog:register',
          input: {
            repoContentsUrl: '${{ steps["app-repo"].output.repoContentsUrl }}',
            catalogInfoPath: '/catalog-info.yaml',
            owner: '${{ parameters.owner }}',
          },
        },
      ],
    }),
  },
  {
    description: 'Register a file by its full URL, waiting at most 30 seconds',
    example: yaml.stringify({
      steps: [
        {
          id: 'register',
          name: 'Register in the catalog',
          action: 'idp:catalog:register',
          input: {
            catalogInfoUrl:
              'https://gitlab.example.com/idp/team-payments/payments-refunds/-/blob/main/catalog-info.yaml',
            timeoutSeconds: 30,
          },
        },
      ],
    }),
  },
];
