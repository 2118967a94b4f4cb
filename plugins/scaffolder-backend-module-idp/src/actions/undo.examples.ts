import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `idp:undo`; a test runs each. */
export const examples: TemplateExample[] = [
  {
    description:
      'Decommission a service: remove everything its golden path created',
    example: yaml.stringify({
      steps: [
        {
          id: 'undo',
          name: 'Remove the service',
          action: 'idp:undo',
          input: { entityRef: '${{ parameters.entity }}' },
        },
      ],
    }),
  },
  {
    description:
      'Clean up after a failed task, from the records in its log, archiving projects',
    example: yaml.stringify({
      steps: [
        {
          id: 'undo',
          name: 'Clean up the failed run',
          action: 'idp:undo',
          input: {
            taskId: '${{ parameters.taskId }}',
            projects: 'archive',
          },
        },
      ],
    }),
  },
];
