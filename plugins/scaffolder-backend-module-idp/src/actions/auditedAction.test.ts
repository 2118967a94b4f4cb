import { mockServices } from '@backstage/backend-test-utils';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { auditedAction, GOLDEN_PATH_AUDIT_EVENT } from './auditedAction';
import { ConfigReader } from '@backstage/config';
import {
  parseRecords,
  recordCreated,
  signRecord,
  verifyRecord,
} from './createdResources';
import { RecordSigner } from '../records/RecordSigner';
import { testSigner } from '../__testUtils__/tenancy';

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

  const signer = testSigner();

  const action = (fail: boolean) =>
    auditedAction(
      createTemplateAction({
        id: 'idp:gitlab:create-app-repo',
        supportsDryRun: true,
        schema: {
          input: {
            owner: z => z.string(),
            name: z => z.string(),
            checkOnly: z => z.boolean().optional(),
          },
        },
        async handler(ctx) {
          recordCreated(ctx.logger, project(1), 'Created project 1');
          // The same record twice (a retry's checkpoint): audited once.
          recordCreated(ctx.logger, project(1), 'Created project 1');
          recordCreated(ctx.logger.child({}), project(2), 'Created project 2');
          // A value a user typed, logged by the action: text, never a record.
          ctx.logger.info(
            `Description: x [undo-record ${JSON.stringify(project(3))}]`,
          );
          ctx.output('created', [project(1), project(2)]);
          if (fail) throw new Error('GitLab said no');
        },
      }),
      { auditor, signer },
    );

  const logged: Array<{ message: string; stepId: string }> = [];

  beforeEach(() => {
    events.length = 0;
    logged.length = 0;
  });

  const context = (input: any, extra: any = {}): any => {
    const ctx = createMockActionContext({
      input,
      user: { ref: 'user:default/diego.alvarez' },
      templateInfo: { entityRef: 'template:default/python-fastapi-service' },
      ...extra,
    });
    const log = (message: string) =>
      logged.push({ message, stepId: (ctx as any).step?.id ?? '' });
    ctx.logger = {
      info: log,
      warn: log,
      error: log,
      debug: () => {},
      child: () => ctx.logger,
    } as any;
    (ctx as any).task = { id: '11111111-2222-4333-8444-555555555555' };
    (ctx as any).step = { id: 'app-repo', name: 'Create the app repo' };
    return ctx;
  };

  it('writes one event with the actor, the target and what was created', async () => {
    await action(false).handler(
      context({ owner: 'group:default/team-payments', name: 'refunds' }),
    );
    expect(events).toHaveLength(1);
    expect(events[0].options).toMatchObject({
      eventId: GOLDEN_PATH_AUDIT_EVENT,
      severityLevel: 'medium',
      meta: {
        actor: 'user:default/diego.alvarez',
        action: 'idp:gitlab:create-app-repo',
        target: 'gitlab project refunds of group:default/team-payments',
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
        context({ owner: 'group:default/team-payments', name: 'refunds' }),
      ),
    ).rejects.toThrow('GitLab said no');
    expect(events.map(e => e.outcome)).toEqual(['fail']);
    expect(events[0].error?.message).toBe('GitLab said no');
    expect(events[0].meta.created).toHaveLength(2);
  });

  it('does not audit dry runs and checks, which change nothing', async () => {
    const dryRun = context({
      owner: 'group:default/team-payments',
      name: 'refunds',
    });
    (dryRun as any).isDryRun = true;
    await action(false).handler(dryRun);
    await action(false).handler(
      context({
        owner: 'group:default/team-payments',
        name: 'refunds',
        checkOnly: true,
      }),
    );
    expect(events).toHaveLength(0);
  });

  it('signs every record for its task and step; undo accepts those and nothing else', async () => {
    const ctx = context({
      owner: 'group:default/team-payments',
      name: 'refunds',
    });
    await action(false).handler(ctx);
    const taskId = ctx.task.id;
    const { records, rejected } = parseRecords(logged, {
      signer,
      taskId,
      stepIds: new Set(['app-repo']),
    });
    // Projects 1 and 2 (once each); project 3, typed into a log line, is not a record.
    expect(records).toEqual([project(1), project(2)]);
    expect(rejected.map(r => r.reason)).toEqual([
      'unsigned (not written by the portal’s action wrapper)',
    ]);
    // The created output carries the same signed records.
    const [out] = (ctx.output as jest.Mock).mock.calls
      .filter(([name]: any[]) => name === 'created')
      .map(([, value]: any[]) => value);
    expect(out.map((r: any) => verifyRecord(signer, r).record)).toEqual([
      project(1),
      project(2),
    ]);
    // Another task, another step, an edited record, another key: refused.
    expect(
      parseRecords(logged, {
        signer,
        taskId: '99999999-2222-4333-8444-555555555555',
        stepIds: new Set(['app-repo']),
      }).records,
    ).toEqual([]);
    expect(
      parseRecords(logged, { signer, taskId, stepIds: new Set(['debug']) })
        .records,
    ).toEqual([]);
    expect(
      parseRecords(
        logged.map(l => ({ ...l, stepId: 'debug' })),
        { signer, taskId, stepIds: new Set(['app-repo', 'debug']) },
      ).records,
    ).toEqual([]);
    const edited = { ...out[0], id: 42 };
    expect(verifyRecord(signer, edited).reason).toBe(
      'bad signature (forged or altered)',
    );
    const otherKey = RecordSigner.fromConfig(
      new ConfigReader({ idp: { undo: { recordKey: 'another key' } } }),
    );
    expect(verifyRecord(otherKey, out[0]).record).toBeUndefined();
  });

  it('refuses records whose ids are not plain numbers and names', () => {
    const sign = (r: any) =>
      signRecord(signer, r, '11111111-2222-4333-8444-555555555555', 'app-repo');
    expect(
      verifyRecord(signer, sign({ ...project(1), id: '1/../2' })).reason,
    ).toMatch(/id is not a plain value/);
    expect(
      verifyRecord(
        signer,
        sign({
          type: 'gitlab-variable',
          host: 'gitlab.acme.example',
          projectId: 7,
          key: 'A/../../projects/9',
        }),
      ).reason,
    ).toMatch(/key is not a plain value/);
    expect(
      verifyRecord(
        signer,
        sign({
          type: 'kubernetes-object',
          cluster: 'development',
          apiVersion: 'v1',
          kind: 'Secret',
          name: '../kube-system',
          namespace: 'argocd',
        }),
      ).reason,
    ).toMatch(/name is not a plain value/);
  });
});
