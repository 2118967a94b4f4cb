import request from 'supertest';
import { Entity } from '@backstage/catalog-model';
import {
  TestDatabaseId,
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ControlPlane,
  KubeRest,
  startControlPlane,
} from '@internal/test-platform';
import { ClusterClient } from '@internal/plugin-idp-node';
import { deploymentPlugin } from '../plugin';
import { ExpiredPreview, PreviewEnvironments } from './PreviewEnvironments';

// Preview environments through the deployment backend against a real kube-apiserver serving
// the real XRD (its schema and CEL rules validate every preview), as the portal's
// least-privilege service account. The removal of expired previews runs in Backstage's real
// scheduler on PostgreSQL with two replicas sharing the database, as in production.
jest.setTimeout(180_000);

const XR = 'idp.acme.example/v1alpha1';
const DEVELOPER = 'user:default/diego.alvarez'; // team-payments
const OTHER_TEAM = 'user:default/mei.chen'; // team-storefront
const PIPELINE = 'gitlab-ci-team-payments';
const PATH = '/api/deployment/entities/default/component/payments-refunds';

/** A service token with that subject, as an external access token's. */
const pipeline = (subject: string) =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(subject),
    targetPluginId: 'deployment',
  });

const component = (name: string, owner: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': name },
  },
  spec: { type: 'service', owner },
});
const refunds = component('payments-refunds', 'group:default/team-payments');
const web = component('storefront-web', 'group:default/team-storefront');
const lonely = component('payments-lonely', 'group:default/team-payments');

/** Polls `probe` every 200 ms until it holds, or fails naming `what`. */
async function until(what: string, probe: () => Promise<unknown>, ms = 30_000) {
  for (const deadline = Date.now() + ms; !(await probe()); ) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

function postgresIds(): TestDatabaseId[] {
  return Object.keys(process.env)
    .map(k =>
      /^BACKSTAGE_TEST_DATABASE_POSTGRES(\d+)_CONNECTION_STRING$/.exec(k),
    )
    .filter((m): m is RegExpExecArray => !!m)
    .map(m => `POSTGRES_${m[1]}` as TestDatabaseId);
}
const pgIds = postgresIds();
if (process.env.CI && pgIds.length === 0) {
  throw new Error(
    'CI is set but no BACKSTAGE_TEST_DATABASE_POSTGRES<N>_CONNECTION_STRING is: run scripts/test.sh',
  );
}
const databases = TestDatabases.create({
  ids: pgIds.slice(0, 1),
  disableDocker: true,
});

describe('preview environments', () => {
  let cp: ControlPlane;
  let admin: KubeRest;
  const events: Array<{ replica: string; options: any; outcome?: string }> = [];

  const auditorOf = (replica: string) =>
    mockServices.auditor.mock({
      createEvent: async (options: any) => {
        const event: (typeof events)[number] = { replica, options };
        events.push(event);
        return {
          success: async () => {
            event.outcome = 'success';
          },
          fail: async () => {
            event.outcome = 'fail';
          },
        };
      },
    });

  const config = (reapIntervalSeconds: number) => ({
    kubernetes: {
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name: 'dev-cluster',
              url: cp.server,
              authProvider: 'serviceAccount',
              serviceAccountToken: cp.portalToken,
              caData: cp.caData,
            },
          ],
        },
      ],
    },
    idp: {
      environment: {
        clusters: {
          development: 'dev-cluster',
          staging: 'dev-cluster',
          production: 'dev-cluster',
        },
      },
    },
    deployment: {
      previews: {
        defaultTtlHours: 24,
        maxTtlHours: 48,
        reapIntervalSeconds,
        pipelines: [{ subject: PIPELINE, team: 'team-payments' }],
      },
    },
  });

  /** The portal's policy in small: a service's owners (and nobody else) may act on it. */
  const authorize = jest.fn(async (requests: any[], options: any) =>
    requests.map(() => ({
      result:
        options?.credentials?.principal?.userEntityRef === OTHER_TEAM
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
    })),
  );

  const backendWith = (replica: string, extra: any[], reapSeconds: number) =>
    startTestBackend({
      features: [
        deploymentPlugin,
        catalogServiceMock.factory({ entities: [refunds, web, lonely] }),
        mockServices.permissions.mock({ authorize: authorize as any }).factory,
        auditorOf(replica).factory,
        mockServices.rootConfig.factory({ data: config(reapSeconds) }),
        ...extra,
      ],
    });

  const xrNames = async () =>
    (await admin.list(XR, 'ApplicationEnvironment'))
      .map((x: any) => x.metadata.name)
      .sort();

  beforeAll(async () => {
    cp = await startControlPlane();
    admin = new KubeRest(cp.kubeConfig('admin'));
    // The service's development environment as the golden path leaves it.
    for (const c of [refunds, web]) {
      const team = String(c.spec!.owner).replace('group:default/', '');
      await admin.apply(
        {
          apiVersion: XR,
          kind: 'ApplicationEnvironment',
          metadata: {
            name: `${c.metadata.name}-development`,
            labels: {
              'backstage.io/kubernetes-id': c.metadata.name,
              'idp.acme.example/team': team,
              'idp.acme.example/component': c.metadata.name,
              'idp.acme.example/environment': 'development',
            },
          },
          spec: {
            team,
            system: 'payments',
            component: c.metadata.name,
            environment: 'development',
            size: 'medium',
            repository: {
              url: `https://gitlab.acme.example/idp/${team}/${c.metadata.name}-deployment.git`,
            },
            exposure: {
              mode: 'public',
              hostname: `${c.metadata.name}.apps.acme.example`,
              port: 9000,
            },
          },
        },
        { fieldManager: 'test' },
      );
    }
  });

  afterAll(async () => {
    await cp?.stop();
  });

  describe('through the API', () => {
    let backend: Awaited<ReturnType<typeof startTestBackend>>;

    beforeAll(async () => {
      // The default test scheduler: the scheduled task runs only when a test triggers it.
      backend = await backendWith('api', [], 300);
    });
    afterAll(async () => {
      await backend?.stop();
    });

    const post = (
      body: object,
      auth = mockCredentials.user.header(DEVELOPER),
    ) =>
      request(backend.server)
        .post(`${PATH}/previews`)
        .set('Authorization', auth)
        .send(body);

    it('refuses bad input, other teams and unknown pipelines, and changes nothing', async () => {
      const before = await xrNames();
      const refused: Array<[object, number, RegExp, string?]> = [
        [
          { branch: 'feature/x', ttlHours: 49 },
          400,
          /ttlHours: must be more than 0 and at most 48/,
        ],
        [{ branch: 'feature/x', ttlHours: 0 }, 400, /ttlHours/],
        [{ branch: 'a..b' }, 400, /branch: is not a git branch name/],
        [{ branch: '-x' }, 400, /branch: is not a git branch name/],
        [
          { branch: 'x', name: 'Bad_Name' },
          400,
          /name 'Bad_Name': may contain only/,
        ],
        [
          { branch: 'x', name: 'a'.repeat(21) },
          400,
          /must be 1 to 20 characters/,
        ],
        [
          { branch: 'x', image: 'registry/app' },
          400,
          /image: 'registry\/app' is not repository:tag/,
        ],
        [{ branch: 'x', mergeRequest: 0 }, 400, /mergeRequest/],
        [{ branch: 'x', team: 'team-storefront' }, 400, /Unrecognized key/],
        [
          { branch: 'x' },
          403,
          /only its owners and platform engineers/,
          mockCredentials.user.header(OTHER_TEAM),
        ],
        [
          { branch: 'x' },
          403,
          /not in deployment.previews.pipelines/,
          pipeline('gitlab-ci-other'),
        ],
      ];
      for (const [body, status, message, auth] of refused) {
        const res = await post(body, auth);
        expect({ body, status: res.status }).toEqual({ body, status });
        expect(res.body.error.message).toMatch(message);
      }
      // A pipeline token of team-payments on team-storefront's service.
      const cross = await request(backend.server)
        .post(
          '/api/deployment/entities/default/component/storefront-web/previews',
        )
        .set('Authorization', pipeline(PIPELINE))
        .send({ branch: 'x' });
      expect(cross.status).toBe(403);
      expect(cross.body.error.message).toMatch(
        /may change previews of team team-payments's services only; component:default\/storefront-web is owned by group:default\/team-storefront/,
      );
      // A service without a development environment.
      const none = await request(backend.server)
        .post(
          '/api/deployment/entities/default/component/payments-lonely/previews',
        )
        .set('Authorization', mockCredentials.user.header(DEVELOPER))
        .send({ branch: 'x' });
      expect(none.status).toBe(409);
      expect(none.body.error.message).toMatch(
        /payments-lonely has no development environment/,
      );
      expect(await xrNames()).toEqual(before);
      expect(events.filter(e => e.outcome === 'success')).toEqual([]);
    });

    it('creates a preview of a merge request from the development environment, and shows it', async () => {
      const started = Date.now();
      const res = await post(
        {
          branch: 'feature/refund-limits',
          mergeRequest: 42,
          image:
            'registry.acme.example/idp/team-payments/payments-refunds:mr-42-3f2c1a9',
        },
        pipeline(PIPELINE),
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        outcome: 'created',
        resource: 'payments-refunds-preview-mr-42',
        cluster: 'dev-cluster',
        namespace: 'team-payments-payments-refunds-preview-mr-42',
        preview: {
          name: 'mr-42',
          branch: 'feature/refund-limits',
          mergeRequest: 42,
          image:
            'registry.acme.example/idp/team-payments/payments-refunds:mr-42-3f2c1a9',
        },
      });
      const expires = Date.parse(res.body.preview.expiresAt);
      expect(expires).toBeGreaterThanOrEqual(started + 24 * 3_600_000 - 2000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);

      const xr: any = await admin.get(
        XR,
        'ApplicationEnvironment',
        'payments-refunds-preview-mr-42',
      );
      // The platform's facts from development, the request's branch and image; never public.
      expect(xr.spec).toMatchObject({
        team: 'team-payments',
        system: 'payments',
        component: 'payments-refunds',
        environment: 'development',
        size: 'medium',
        repository: {
          url: 'https://gitlab.acme.example/idp/team-payments/payments-refunds-deployment.git',
        },
        exposure: { mode: 'internal', port: 9000 },
        preview: {
          name: 'mr-42',
          branch: 'feature/refund-limits',
          mergeRequest: 42,
          image: {
            repository:
              'registry.acme.example/idp/team-payments/payments-refunds',
            tag: 'mr-42-3f2c1a9',
          },
        },
      });
      expect(xr.metadata.labels).toMatchObject({
        'idp.acme.example/preview': 'mr-42',
        'idp.acme.example/team': 'team-payments',
        'idp.acme.example/component': 'payments-refunds',
      });
      expect(xr.metadata.annotations['idp.acme.example/requested-by']).toBe(
        `pipeline:${PIPELINE}`,
      );
      expect(events.at(-1)).toMatchObject({
        outcome: 'success',
        options: {
          eventId: 'environment-preview',
          meta: {
            actionType: 'create',
            entityRef: 'component:default/payments-refunds',
          },
        },
      });

      // What Crossplane would report (no controller runs here): the view lists environments
      // that report something.
      for (const name of [
        'payments-refunds-development',
        'payments-refunds-preview-mr-42',
      ]) {
        await admin.mergePatch(
          XR,
          'ApplicationEnvironment',
          name,
          {
            status: {
              conditions: [
                {
                  type: 'Ready',
                  status: 'True',
                  reason: 'Available',
                  lastTransitionTime: new Date()
                    .toISOString()
                    .replace(/\.\d+Z$/, 'Z'),
                },
              ],
            },
          },
          { subresource: 'status' },
        );
      }
      const view = await request(backend.server)
        .get(PATH)
        .set('Authorization', mockCredentials.user.header(DEVELOPER));
      const envs = view.body.clusters[0].environments;
      expect(envs.map((e: any) => [e.name, e.preview?.name])).toEqual([
        ['payments-refunds-development', undefined],
        ['payments-refunds-preview-mr-42', 'mr-42'],
      ]);
      const listed = await request(backend.server)
        .get(`${PATH}/previews`)
        .set('Authorization', mockCredentials.user.header(DEVELOPER));
      expect(listed.body).toEqual([res.body.preview]);
    });

    it('renews a preview when the pipeline posts it again, and a user removes it', async () => {
      const again = await post({
        branch: 'feature/refund-limits',
        mergeRequest: 42,
        ttlHours: 48,
        image:
          'registry.acme.example/idp/team-payments/payments-refunds:mr-42-9e8d7c6',
      });
      expect(again.status).toBe(200);
      expect(again.body.outcome).toBe('updated');
      const xr: any = await admin.get(
        XR,
        'ApplicationEnvironment',
        'payments-refunds-preview-mr-42',
      );
      expect(xr.spec.preview.image.tag).toBe('mr-42-9e8d7c6');
      expect(Date.parse(xr.spec.preview.expiresAt)).toBeGreaterThan(
        Date.now() + 47 * 3_600_000,
      );

      const denied = await request(backend.server)
        .delete(`${PATH}/previews/mr-42`)
        .set('Authorization', mockCredentials.user.header(OTHER_TEAM));
      expect(denied.status).toBe(403);
      const unknown = await request(backend.server)
        .delete(`${PATH}/previews/mr-43`)
        .set('Authorization', mockCredentials.user.header(DEVELOPER));
      expect(unknown.status).toBe(404);
      const removed = await request(backend.server)
        .delete(`${PATH}/previews/mr-42`)
        .set('Authorization', mockCredentials.user.header(DEVELOPER));
      expect(removed.status).toBe(202);
      // Foreground deletion: the garbage collector removes it shortly.
      await until(
        'the removed preview stayed',
        async () =>
          !(await xrNames()).includes('payments-refunds-preview-mr-42'),
      );
      expect(await xrNames()).toEqual([
        'payments-refunds-development',
        'storefront-web-development',
      ]);
    });
  });

  it('of two passes that listed the same expired preview, only one removes and reports it', async () => {
    await admin.apply(
      {
        apiVersion: XR,
        kind: 'ApplicationEnvironment',
        metadata: {
          name: 'payments-refunds-preview-race',
          finalizers: ['test.idp.acme.example/hold'],
          labels: { 'idp.acme.example/preview': 'race' },
        },
        spec: {
          team: 'team-payments',
          system: 'payments',
          component: 'payments-refunds',
          environment: 'development',
          repository: { url: 'https://gitlab.acme.example/x.git' },
          preview: {
            name: 'race',
            branch: 'race',
            expiresAt: '2026-01-01T00:00:00Z',
          },
        },
      },
      { fieldManager: 'test' },
    );
    const client = ClusterClient.create({
      name: 'dev-cluster',
      url: cp.server,
      serviceAccountToken: cp.portalToken,
      caData: cp.caData,
    } as any);
    const api = {
      apiVersion: XR,
      kind: 'ApplicationEnvironment',
      scope: 'Cluster' as const,
      fieldManager: 'idp-portal',
      clusters: { development: 'dev-cluster' },
      waitTimeoutSeconds: 60,
      pollIntervalSeconds: 1,
    };
    const settings = {
      defaultTtlHours: 1,
      maxTtlHours: 2,
      reapIntervalSeconds: 1,
      pipelines: [],
    };
    const removed: ExpiredPreview[] = [];
    // Both list before either deletes (no scheduler lock between them): the precondition on
    // the listed resourceVersion refuses the second delete.
    const passes = await Promise.all(
      [1, 2].map(() =>
        new PreviewEnvironments(() => client, api, settings).reapExpired(
          async p => {
            removed.push(p);
          },
        ),
      ),
    );
    expect(removed.map(p => p.resource)).toEqual([
      'payments-refunds-preview-race',
    ]);
    expect(passes.map(p => p.removed).sort()).toEqual([0, 1]);
    await admin.mergePatch(
      XR,
      'ApplicationEnvironment',
      'payments-refunds-preview-race',
      {
        metadata: { finalizers: null },
      },
    );
  });

  // Skipped only outside CI without PostgreSQL (a single test run by hand); in CI a missing
  // PostgreSQL fails the suite above instead.
  (pgIds.length ? describe : describe.skip)(
    'expiry: the scheduled task on two replicas sharing PostgreSQL',
    () => {
      it('removes an expired preview once, keeps the others', async () => {
        const knex = await databases.init(pgIds[0]);
        // A preview that expired, one that has not, and development: only the first goes. A
        // finalizer holds the expired one after its delete (as Crossplane's does while it
        // removes the composed resources), so a second replica would see it still there.
        const preview = (name: string, expiresAt: string) => ({
          apiVersion: XR,
          kind: 'ApplicationEnvironment',
          metadata: {
            name: `payments-refunds-preview-${name}`,
            finalizers: ['test.idp.acme.example/hold'],
            labels: {
              'backstage.io/kubernetes-id': 'payments-refunds',
              'idp.acme.example/team': 'team-payments',
              'idp.acme.example/component': 'payments-refunds',
              'idp.acme.example/environment': 'development',
              'idp.acme.example/preview': name,
            },
          },
          spec: {
            team: 'team-payments',
            system: 'payments',
            component: 'payments-refunds',
            environment: 'development',
            repository: { url: 'https://gitlab.acme.example/x.git' },
            preview: { name, branch: `feature/${name}`, expiresAt },
          },
        });
        await admin.apply(preview('old', '2026-01-01T00:00:00Z'), {
          fieldManager: 'test',
        });
        await admin.apply(preview('new', '2099-01-01T00:00:00Z'), {
          fieldManager: 'test',
        });
        events.length = 0;

        // One after the other, as a rolling deployment starts them (the first one creates the
        // scheduler's tables).
        const replicas: Array<Awaited<ReturnType<typeof startTestBackend>>> =
          [];
        for (const r of ['replica-a', 'replica-b']) {
          replicas.push(
            await backendWith(
              r,
              [
                mockServices.database.factory({ knex }),
                schedulerServiceFactory,
              ],
              1,
            ),
          );
        }
        try {
          const deleting = async () =>
            (
              await admin.get(
                XR,
                'ApplicationEnvironment',
                'payments-refunds-preview-old',
              )
            )?.metadata?.deletionTimestamp;
          await until(
            'the expired preview was never removed',
            deleting,
            60_000,
          );
          // Several more passes of both replicas while the finalizer holds it.
          await new Promise(r => setTimeout(r, 4000));
          const expired = events.filter(
            e => e.options.meta?.actionType === 'expire',
          );
          expect(expired).toHaveLength(1);
          expect(expired[0]).toMatchObject({
            outcome: 'success',
            options: {
              eventId: 'environment-preview',
              meta: {
                resource: 'payments-refunds-preview-old',
                preview: 'old',
                branch: 'feature/old',
                team: 'team-payments',
              },
            },
          });
          // Let it go, as Crossplane does once the composed resources are gone.
          await admin.mergePatch(
            XR,
            'ApplicationEnvironment',
            'payments-refunds-preview-old',
            {
              metadata: { finalizers: null },
            },
          );
          await until(
            'the expired preview stayed',
            async () =>
              !(await xrNames()).includes('payments-refunds-preview-old'),
          );
          expect(await xrNames()).toEqual([
            'payments-refunds-development',
            'payments-refunds-preview-new',
            'storefront-web-development',
          ]);
        } finally {
          await Promise.all(replicas.map(b => b.stop()));
          await admin.mergePatch(
            XR,
            'ApplicationEnvironment',
            'payments-refunds-preview-new',
            {
              metadata: { finalizers: null },
            },
          );
        }
      });
    },
  );
});
