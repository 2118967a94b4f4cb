import path from 'node:path';
import request from 'supertest';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { permissionsRegistryServiceFactory } from '@backstage/backend-defaults/permissionsRegistry';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import authPlugin from '@backstage/plugin-auth-backend';
import { localUsersModule } from '@internal/plugin-auth-backend-module-idp';
import { portalCatalogConfig } from '@internal/test-platform';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import deploymentPlugin from '@internal/plugin-deployment-backend';
import idpActions, {
  GOLDEN_PATH_AUDIT_EVENT,
} from '@internal/plugin-scaffolder-backend-module-idp';
import { permissionModuleIdpRoles as idpRoles } from './module';
import {
  Access,
  MATRIX_COLUMNS,
  MatrixColumn,
  OTHER_READ,
  OTHER_WRITE,
  PERMISSION_MATRIX,
} from './matrix';

/*
 * The permission matrix, cell by cell, through real HTTP requests: a backend with the catalog
 * (the sample catalog and templates), the scaffolder with our actions, the Kubernetes and
 * deployment backends, and the permission backend with our policy. Plugins ask the permission
 * backend over HTTP (the real permissions service), conditional decisions are applied by the
 * catalog and the scaffolder themselves. The expected outcome of every request is computed from
 * the same matrix the policy decides from and the README shows.
 *
 * Identity is real too: each sample user signs in through local mode's sign-in
 * (plugins/auth-backend-module-idp) and calls with the Backstage token it issues, whose
 * ownership claims (the user and their groups) are what the policy maps to roles.
 */

const root = path.resolve(__dirname, '../../..');

/** One sample user per column (catalog-info/org.yaml). */
const USERS: Record<MatrixColumn, string> = {
  'platform-engineer': 'user:default/priya.sharma',
  developer: 'user:default/diego.alvarez', // team-payments
  manager: 'user:default/morgan.lee',
  auditor: 'user:default/ari.cohen',
  none: 'user:default/sam.okafor',
};

/** Which subject a request is about, for conditional grants. */
type Case =
  | 'plain'
  | 'own'
  | 'others'
  | 'developer-template'
  | 'other-template'
  | 'undo'
  | 'production-own'
  | 'production-other'
  | 'builtin-action';

/** Whether a grant allows a request about that subject. */
function allows(access: Access, subject: Case): boolean {
  switch (access) {
    case 'yes':
      return true;
    case 'no':
      return false;
    case 'owned':
    case 'own-tasks':
      return subject === 'own';
    case 'developer-templates':
      return subject !== 'other-template';
    case 'no-templates':
      return subject === 'plain';
    case 'developer-actions':
      // The golden paths' actions, for their own team only (the action checks the team).
      return subject === 'plain' || subject === 'production-own';
    default:
      throw new Error(`unknown access ${access}`);
  }
}

type AuditEvent = {
  eventId: string;
  meta: any;
  outcome?: 'success' | 'fail';
  error?: string;
};

describe('permission matrix', () => {
  let server: any;
  let stop: () => Promise<void>;
  const audit: AuditEvent[] = [];

  const tokens: Partial<Record<MatrixColumn, string>> = {};
  const as = (column: MatrixColumn) => `Bearer ${tokens[column]}`;

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        authPlugin,
        localUsersModule,
        authServiceFactory,
        httpAuthServiceFactory,
        userInfoServiceFactory,
        permissionPlugin,
        idpRoles,
        catalogPlugin,
        scaffolderEntityModel,
        scaffolderPlugin,
        idpActions,
        kubernetesPlugin,
        deploymentPlugin,
        permissionsServiceFactory,
        permissionsRegistryServiceFactory,
        mockServices.auditor.mock({
          createEvent: async (options: any) => {
            const event: AuditEvent = {
              eventId: options.eventId,
              meta: options.meta,
            };
            audit.push(event);
            return {
              success: async () => {
                event.outcome = 'success';
              },
              fail: async (o: any) => {
                event.outcome = 'fail';
                event.error = String(o.error?.message ?? o.error);
              },
            };
          },
        }).factory,
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            auth: { environment: 'development', providers: { local: {} } },
            permission: { enabled: true },
            integrations: {
              gitlab: [
                {
                  host: 'gitlab.acme.example',
                  apiBaseUrl: 'https://gitlab.acme.example/api/v4',
                  token: 'unused',
                },
              ],
            },
            catalog: {
              // The portal's locations with their rules, and the probe Templates (a location
              // of their own, allowed Templates like the portal's templates/all.yaml).
              ...portalCatalogConfig({
                extraLocations: [
                  {
                    target: path.join(__dirname, '__fixtures__/templates.yaml'),
                    allow: ['Template'],
                  },
                ],
              }),
              processingInterval: { seconds: 1 },
            },
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [{ type: 'config', clusters: [] }],
            },
            idp: {
              gitlab: { host: 'gitlab.acme.example' },
              // GitOps mode: the environment check needs no cluster.
              environment: {
                gitops: {
                  host: 'gitlab.acme.example',
                  project: 'idp/environments',
                },
              },
            },
          },
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
    // Wait until the catalog has the sample users and the probe templates, then sign each in.
    const deadline = Date.now() + 60_000;
    for (const column of MATRIX_COLUMNS) {
      for (;;) {
        const res = await request(server)
          .get('/api/auth/local/refresh')
          .set('x-idp-local-user', USERS[column]);
        if (res.status === 200) {
          tokens[column] = res.body.backstageIdentity.token;
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(
            `sign-in as ${USERS[column]}: ${res.status} ${JSON.stringify(
              res.body,
            )}`,
          );
        }
        await new Promise(r => setTimeout(r, 250));
      }
    }
    for (;;) {
      const res = await request(server)
        .get('/api/catalog/entities/by-name/template/default/matrix-undo')
        .set('Authorization', as('platform-engineer'));
      if (res.status === 200) break;
      if (Date.now() > deadline) throw new Error('catalog did not load');
      await new Promise(r => setTimeout(r, 250));
    }
  }, 90_000);

  afterAll(async () => {
    await stop?.();
  });

  /** Runs a template as a user; 'refused' if the task cannot be created or an action was not allowed. */
  async function runTask(
    column: MatrixColumn,
    template: string,
    values: object,
  ): Promise<{ allowed: boolean; taskId?: string; detail: string }> {
    const created = await request(server)
      .post('/api/scaffolder/v2/tasks')
      .set('Authorization', as(column))
      .send({ templateRef: `template:default/${template}`, values });
    if (created.status === 403 || created.status === 404) {
      return { allowed: false, detail: `create ${created.status}` };
    }
    if (created.status !== 201) {
      throw new Error(
        `POST /v2/tasks ${template} as ${column}: ${
          created.status
        } ${JSON.stringify(created.body)}`,
      );
    }
    const taskId = created.body.id;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const task = await request(server)
        .get(`/api/scaffolder/v2/tasks/${taskId}`)
        .set('Authorization', as('platform-engineer'));
      if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
        const events = await request(server)
          .get(`/api/scaffolder/v2/tasks/${taskId}/events`)
          .set('Authorization', as('platform-engineer'));
        const errors = events.body
          .filter((e: any) => e.type === 'completion')
          .map((e: any) => e.body?.error?.message ?? '')
          .join(' ');
        if (task.body.status === 'completed') {
          return { allowed: true, taskId, detail: 'completed' };
        }
        // Refused by the permission policy before the step, or by the action's own check of
        // the team (TeamAuthority) before any side effect.
        if (/Unauthorized action|is not a member of/.test(errors)) {
          return { allowed: false, taskId, detail: errors };
        }
        throw new Error(
          `task ${template} as ${column} failed for another reason: ${errors}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`task ${taskId} hung`);
      await new Promise(r => setTimeout(r, 200));
    }
  }

  /** The status of a request, read as allowed (true) or refused (false). */
  const allowedBy = (status: number, refused = [403]) => {
    if (status === 401) throw new Error('not signed in');
    return !refused.includes(status);
  };

  const tasksOf: Partial<Record<MatrixColumn, string>> = {};

  /** How each row is exercised: one request per case, answering allowed or refused. */
  const probes: Record<
    string,
    Partial<
      Record<Case, (column: MatrixColumn) => Promise<boolean | undefined>>
    >
  > = {
    'catalog-read': {
      plain: async c =>
        (
          await request(server)
            .get(
              '/api/catalog/entities/by-name/component/default/payments-checkout',
            )
            .set('Authorization', as(c))
        ).status === 200,
      'developer-template': async c =>
        (
          await request(server)
            .get(
              '/api/catalog/entities/by-name/template/default/python-fastapi-service',
            )
            .set('Authorization', as(c))
        ).status === 200,
      'other-template': async c =>
        (
          await request(server)
            .get(
              '/api/catalog/entities/by-name/template/default/decommission-service',
            )
            .set('Authorization', as(c))
        ).status === 200,
    },
    'catalog-locations-read': {
      plain: async c =>
        allowedBy(
          (
            await request(server)
              .get('/api/catalog/locations')
              .set('Authorization', as(c))
          ).status,
        ),
    },
    'catalog-register': {
      plain: async c =>
        allowedBy(
          (
            await request(server)
              .post('/api/catalog/locations?dryRun=true')
              .set('Authorization', as(c))
              .send({
                type: 'file',
                target: path.join(root, 'catalog-info/components.yaml'),
              })
          ).status,
        ),
    },
    'catalog-refresh': {
      own: async c =>
        allowedBy(
          (
            await request(server)
              .post('/api/catalog/refresh')
              .set('Authorization', as(c))
              .send({ entityRef: 'component:default/payments-checkout' })
          ).status,
        ),
      others: async c =>
        allowedBy(
          (
            await request(server)
              .post('/api/catalog/refresh')
              .set('Authorization', as(c))
              .send({ entityRef: 'component:default/storefront-web' })
          ).status,
        ),
    },
    'catalog-unregister': {
      plain: async c => {
        const entity = await request(server)
          .get(
            '/api/catalog/entities/by-name/api/default/idp-portal-catalog-api',
          )
          .set('Authorization', as('platform-engineer'));
        expect(entity.status).toBe(200);
        return allowedBy(
          (
            await request(server)
              .delete(
                `/api/catalog/entities/by-uid/${entity.body.metadata.uid}`,
              )
              .set('Authorization', as(c))
          ).status,
        );
      },
    },
    'template-read': {
      plain: async c =>
        allowedBy(
          (
            await request(server)
              .get(
                '/api/scaffolder/v2/templates/default/template/matrix-log/parameter-schema',
              )
              .set('Authorization', as(c))
          ).status,
          [403, 404],
        ),
    },
    'task-create': {
      plain: async c => {
        const run = await runTask(c, 'matrix-log', {
          message: `hello from ${c}`,
        });
        if (run.taskId) tasksOf[c] = run.taskId;
        return run.allowed;
      },
    },
    'action-execute': {
      // The developer's own team (team-payments) and another team, in development and
      // production: a developer acts only for their own team, in every environment.
      plain: async c =>
        (
          await runTask(c, 'matrix-environment', {
            owner: 'group:default/team-payments',
            environment: 'development',
          })
        ).allowed,
      others: async c =>
        (
          await runTask(c, 'matrix-environment', {
            owner: 'group:default/team-storefront',
            environment: 'development',
          })
        ).allowed,
      'production-own': async c =>
        (
          await runTask(c, 'matrix-environment', {
            owner: 'group:default/team-payments',
            environment: 'production',
          })
        ).allowed,
      'production-other': async c =>
        (
          await runTask(c, 'matrix-environment', {
            owner: 'group:default/team-storefront',
            environment: 'production',
          })
        ).allowed,
      'builtin-action': async c =>
        (await runTask(c, 'matrix-builtin', {})).allowed,
      undo: async c => (await runTask(c, 'matrix-undo', {})).allowed,
    },
    'task-read': {
      // Someone else's task: the platform engineer's.
      others: async c => {
        const id = tasksOf['platform-engineer']!;
        const task = await request(server)
          .get(`/api/scaffolder/v2/tasks/${id}`)
          .set('Authorization', as(c));
        const events = await request(server)
          .get(`/api/scaffolder/v2/tasks/${id}/events`)
          .set('Authorization', as(c));
        const allowed = allowedBy(task.status, [403, 404]);
        expect(allowedBy(events.status, [403, 404])).toBe(allowed);
        return allowed;
      },
      own: async c => {
        const id = tasksOf[c];
        if (!id) return noOwnTask(c);
        return allowedBy(
          (
            await request(server)
              .get(`/api/scaffolder/v2/tasks/${id}/events`)
              .set('Authorization', as(c))
          ).status,
          [403, 404],
        );
      },
    },
    'task-cancel': {
      others: async c =>
        allowedBy(
          (
            await request(server)
              .post(
                `/api/scaffolder/v2/tasks/${tasksOf['platform-engineer']}/cancel`,
              )
              .set('Authorization', as(c))
          ).status,
          [403, 404],
        ),
      own: async c => {
        const id = tasksOf[c];
        if (!id) return noOwnTask(c);
        return allowedBy(
          (
            await request(server)
              .post(`/api/scaffolder/v2/tasks/${id}/cancel`)
              .set('Authorization', as(c))
          ).status,
          [403, 404],
        );
      },
    },
    'template-manage': {
      plain: async c => {
        const dryRun = await request(server)
          .post('/api/scaffolder/v2/dry-run')
          .set('Authorization', as(c))
          .send({
            template: {
              apiVersion: 'scaffolder.backstage.io/v1beta3',
              kind: 'Template',
              metadata: { name: 'dry' },
              spec: {
                type: 'service',
                steps: [
                  { id: 'log', action: 'debug:log', input: { message: 'x' } },
                ],
              },
            },
            values: {},
            directoryContents: [],
          });
        const manage = await authorize(c, {
          type: 'basic',
          name: 'scaffolder.template.management',
          attributes: {},
        });
        expect(manage).toBe(allowedBy(dryRun.status));
        return manage;
      },
    },
    'deployment-read': {
      plain: async c => {
        const view = await request(server)
          .get('/api/deployment/entities/default/component/payments-checkout')
          .set('Authorization', as(c));
        const clusters = await request(server)
          .get('/api/kubernetes/clusters')
          .set('Authorization', as(c));
        expect(allowedBy(clusters.status)).toBe(allowedBy(view.status));
        return allowedBy(view.status);
      },
    },
    'deployment-act': {
      own: async c =>
        allowedBy(
          (
            await request(server)
              .post(
                '/api/deployment/entities/default/component/payments-checkout/actions',
              )
              .set('Authorization', as(c))
              .send({
                action: 'refresh',
                cluster: 'development',
                application: 'payments-checkout-development',
              })
          ).status,
        ),
      others: async c =>
        allowedBy(
          (
            await request(server)
              .post(
                '/api/deployment/entities/default/component/storefront-web/actions',
              )
              .set('Authorization', as(c))
              .send({
                action: 'sync',
                cluster: 'development',
                application: 'storefront-web-development',
              })
          ).status,
        ),
    },
    'kubernetes-proxy': {
      plain: async c =>
        allowedBy(
          (
            await request(server)
              .get('/api/kubernetes/proxy/api/v1/namespaces')
              .set('Authorization', as(c))
              .set('Backstage-Kubernetes-Cluster', 'development')
          ).status,
        ),
    },
  };

  /**
   * "Their own task" does not apply to someone who may not run templates: no cell for them
   * (and they really may not: the task-create row checks it).
   */
  function noOwnTask(column: MatrixColumn): undefined {
    const taskCreate = PERMISSION_MATRIX.find(r => r.id === 'task-create')!;
    expect(allows(taskCreate.access[column], 'plain')).toBe(false);
    return undefined;
  }

  /** Asks the permission backend directly, for permissions no plugin here exposes. */
  async function authorize(column: MatrixColumn, permission: object) {
    const res = await request(server)
      .post('/api/permission/authorize')
      .set('Authorization', as(column))
      .send({ items: [{ id: '1', permission }] });
    expect(res.status).toBe(200);
    return res.body.items[0].result === 'ALLOW';
  }

  // The platform engineer goes last: unregistering really removes the entity.
  const columns = [...MATRIX_COLUMNS].sort(
    (a, b) =>
      Number(a === 'platform-engineer') - Number(b === 'platform-engineer'),
  );
  // Task rows first: later rows read and cancel the tasks they created.
  const rows = [...PERMISSION_MATRIX].sort(
    (a, b) => Number(b.id === 'task-create') - Number(a.id === 'task-create'),
  );

  it('allows and refuses exactly what the matrix says, for every role and operation', async () => {
    const expected: Record<string, boolean> = {};
    const actual: Record<string, boolean> = {};
    // Platform engineers' tasks exist before anyone reads "someone else's task".
    tasksOf['platform-engineer'] = (
      await runTask('platform-engineer', 'matrix-log', { message: 'setup' })
    ).taskId;
    for (const row of rows) {
      const cases = probes[row.id];
      expect(cases).toBeDefined();
      for (const column of columns) {
        for (const [subject, probe] of Object.entries(cases)) {
          const cell = `${row.id} ${column} ${subject}`;
          const allowed = await probe!(column);
          if (allowed === undefined) continue;
          expected[cell] = allows(row.access[column], subject as Case);
          actual[cell] = allowed;
        }
      }
    }
    for (const column of MATRIX_COLUMNS) {
      for (const [name, access] of [
        ['other-read', OTHER_READ[column]],
        ['other-write', OTHER_WRITE[column]],
      ] as const) {
        const cell = `${name} ${column} plain`;
        expected[cell] = allows(access, 'plain');
        actual[cell] = await authorize(column, {
          type: 'basic',
          name: `example.thing.${name === 'other-read' ? 'read' : 'delete'}`,
          attributes: { action: name === 'other-read' ? 'read' : 'delete' },
        });
      }
    }
    const summary = Object.entries(actual).map(
      ([cell, allowed]) => `${cell}: ${allowed ? 'allowed' : 'refused'}`,
    );
    process.stdout.write(
      `permission matrix: ${summary.length} requests\n${summary.join('\n')}\n`,
    );
    expect(actual).toEqual(expected);
  }, 300_000);

  it('audited the golden-path actions and the deployment actions, with the actor and the outcome', () => {
    const actions = audit.filter(e => e.eventId === GOLDEN_PATH_AUDIT_EVENT);
    // Only the platform engineer's undo ran (the developer's was refused before the handler);
    // environment checks change nothing and are not audited.
    expect(actions).toEqual([
      expect.objectContaining({
        meta: expect.objectContaining({
          actor: USERS['platform-engineer'],
          action: 'idp:undo',
          template: 'template:default/matrix-undo',
        }),
        outcome: 'success',
      }),
    ]);
    const argo = audit.filter(e => e.eventId === 'argocd-application');
    // One event per request, refused ones included, each failing here: refused with 403, or
    // allowed but the cluster does not exist in this backend.
    expect(argo.length).toBeGreaterThanOrEqual(MATRIX_COLUMNS.length * 2);
    expect(argo.every(e => e.outcome === 'fail')).toBe(true);
    const refused = argo.filter(e => /You may not/.test(e.error ?? ''));
    expect(refused.map(e => e.meta.entityRef).sort()).toEqual(
      expect.arrayContaining(['component:default/storefront-web']),
    );
  });
});
