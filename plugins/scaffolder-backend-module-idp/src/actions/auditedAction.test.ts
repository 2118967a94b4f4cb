import { mockServices } from '@backstage/backend-test-utils';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { auditedAction, GOLDEN_PATH_AUDIT_EVENT } from './auditedAction';
import { recordCreated } from './createdResources';

describe('auditedAction', () => {
  const events: Array<{
    options: any;
    outcome?: string;
    meta?: any;
    error?: Error;
  }> = [];
  const auditor = mockServices.auditor.mock({
    createEvent: async (options: any) => {
      const event: (typeof events)[number] = { options };
      events.push(event);
      return {
        success: async (o?: any) => {
          event.outcome = 'success';
          event.meta = o?.meta;
        },
        fail: async (o: any) => {
          event.outcome = 'fail';
          event.meta = o.meta;
          event.error = o.error;
        },
      };
    },
  });

  const project = (id: number) => ({
    type: 'gitlab-project' as const,
    host: 'gitlab.acme.example',
    id,
    path: `idp/team-payments/p${id}`,
    role: 'app' as const,
  });

  const action = (fail: boolean) =>
    auditedAction(
      createTemplateAction({
        id: 'idp:gitlab:create-app-repo',
        supportsDryRun: true,
        schema: {
          input: {
            group: z => z.string(),
            name: z => z.string(),
            checkOnly: z => z.boolean().optional(),
          },
        },
        async handler(ctx) {
          recordCreated(ctx.logger, project(1), 'Created project 1');
          // The same record twice (a retry's checkpoint): audited once.
          recordCreated(ctx.logger, project(1), 'Created project 1');
          recordCreated(ctx.logger.child({}), project(2), 'Created project 2');
          if (fail) throw new Error('GitLab said no');
        },
      }),
      auditor,
    );

  beforeEach(() => {
    events.length = 0;
  });

  const context = (input: any, extra: any = {}): any =>
    createMockActionContext({
      input,
      user: { ref: 'user:default/diego.alvarez' },
      templateInfo: { entityRef: 'template:default/python-fastapi-service' },
      ...extra,
    });

  it('writes one event with the actor, the target and what was created', async () => {
    await action(false).handler(
      context({ group: 'idp/team-payments', name: 'refunds' }),
    );
    expect(events).toHaveLength(1);
    expect(events[0].options).toMatchObject({
      eventId: GOLDEN_PATH_AUDIT_EVENT,
      severityLevel: 'medium',
      meta: {
        actor: 'user:default/diego.alvarez',
        action: 'idp:gitlab:create-app-repo',
        target: 'gitlab project idp/team-payments/refunds',
        template: 'template:default/python-fastapi-service',
      },
    });
    expect(events[0].outcome).toBe('success');
    expect(events[0].meta.created).toEqual([
      'gitlab-project:gitlab.acme.example:1',
      'gitlab-project:gitlab.acme.example:2',
    ]);
  });

  it('on failure, says what was created before it and why it failed', async () => {
    await expect(
      action(true).handler(
        context({ group: 'idp/team-payments', name: 'refunds' }),
      ),
    ).rejects.toThrow('GitLab said no');
    expect(events.map(e => e.outcome)).toEqual(['fail']);
    expect(events[0].error?.message).toBe('GitLab said no');
    expect(events[0].meta.created).toHaveLength(2);
  });

  it('does not audit dry runs and checks, which change nothing', async () => {
    const dryRun = context({ group: 'idp/team-payments', name: 'refunds' });
    (dryRun as any).isDryRun = true;
    await action(false).handler(dryRun);
    await action(false).handler(
      context({ group: 'idp/team-payments', name: 'refunds', checkOnly: true }),
    );
    expect(events).toHaveLength(0);
  });
});
