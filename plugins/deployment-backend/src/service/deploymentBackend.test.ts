import net from 'node:net';
import request from 'supertest';
import { Entity } from '@backstage/catalog-model';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { DeploymentStatus } from '@internal/plugin-deployment-common';
import {
  ControlPlane,
  KubeRest,
  StatusSimulator,
  startControlPlane,
} from '@internal/test-platform';
import { deploymentPlugin } from '../plugin';

// The deployment view's backend against a real kube-apiserver, reading with the portal's
// least-privilege service account (platform/portal/access/rbac.yaml). The simulator plays Crossplane
// (the XR's namespace, Application and conditions) and Argo CD and the kubelet (statuses).
// Three more clusters are configured: one refuses connections, one does not answer, and one
// rejects the token; each shows its own error and the good cluster still renders.
jest.setTimeout(180_000);

const XR = 'idp.acme.example/v1alpha1';
const ARGO = 'argoproj.io/v1alpha1';
const DEVELOPER = 'user:default/diego.alvarez';
const REVISION = '3f2c1a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-refunds',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': 'payments-refunds',
      'backstage.io/kubernetes-namespace':
        'team-payments-payments-refunds-development',
    },
  },
  spec: { type: 'service', owner: 'group:default/team-payments' },
};
const other: Entity = {
  ...entity,
  metadata: {
    name: 'storefront-web',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'storefront-web' },
  },
};

/**
 * A component another team registered that copies payments-refunds' kubernetes-id and
 * namespace annotation: it must get nothing of team-payments' deployment, and act on none of it.
 */
const copycat: Entity = {
  ...entity,
  metadata: {
    name: 'storefront-copycat',
    namespace: 'default',
    annotations: { ...entity.metadata.annotations },
  },
  spec: { type: 'service', owner: 'group:default/team-storefront' },
};

describe('deployment backend', () => {
  let cp: ControlPlane;
  let admin: KubeRest;
  let simulator: StatusSimulator;
  let silent: net.Server;
  let silentPort: number;

  const authorize = jest.fn(
    async (): Promise<Array<{ result: AuthorizeResult }>> => [
      { result: AuthorizeResult.ALLOW },
    ],
  );
  const events: Array<{ options: any; outcome?: string; error?: Error }> = [];
  const auditor = mockServices.auditor.mock({
    createEvent: async (options: any) => {
      const event: (typeof events)[number] = { options };
      events.push(event);
      return {
        success: async () => {
          event.outcome = 'success';
        },
        fail: async ({ error }: { error: Error }) => {
          event.outcome = 'fail';
          event.error = error;
        },
      };
    },
  });

  async function start(clusters: object[]) {
    return startTestBackend({
      features: [
        deploymentPlugin,
        catalogServiceMock.factory({ entities: [entity, other, copycat] }),
        mockServices.permissions.mock({ authorize: authorize as any }).factory,
        auditor.factory,
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              clusterLocatorMethods: [{ type: 'config', clusters }],
            },
            deployment: { clusterTimeoutSeconds: 2 },
          },
        }),
      ],
    });
  }

  const good = () => ({
    name: 'development',
    url: cp.server,
    authProvider: 'serviceAccount',
    serviceAccountToken: cp.portalToken,
    caData: cp.caData,
  });

  beforeAll(async () => {
    cp = await startControlPlane();
    admin = new KubeRest(cp.kubeConfig('admin'));
    simulator = new StatusSimulator(cp.kubeConfig('admin'));
    // A TCP server that accepts and never answers: a hung cluster.
    silent = net.createServer(() => {});
    await new Promise<void>(r => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as net.AddressInfo).port;

    // The environment as the composition leaves it, Ready, deployed by Argo CD.
    await admin.apply(
      {
        apiVersion: XR,
        kind: 'ApplicationEnvironment',
        // No labels, as when applied by hand: found by spec.component.
        metadata: { name: 'payments-refunds-development' },
        spec: {
          team: 'team-payments',
          system: 'payments',
          component: 'payments-refunds',
          environment: 'development',
          repository: {
            url: 'https://gitlab.acme.example/idp/team-payments/payments-refunds-deployment.git',
          },
        },
      },
      { fieldManager: 'test' },
    );
    const controller = simulator.runEnvironmentController({
      readyAfterMs: 0,
      pollMs: 50,
    });
    for (const deadline = Date.now() + 30_000; ; ) {
      const xr = await admin.get(
        XR,
        'ApplicationEnvironment',
        'payments-refunds-development',
      );
      if (
        xr?.status?.conditions?.some(
          (c: any) => c.type === 'Ready' && c.status === 'True',
        )
      )
        break;
      if (Date.now() > deadline) throw new Error('the XR never became Ready');
      await new Promise(r => setTimeout(r, 100));
    }
    await controller.stop();
    await simulator.setApplicationStatus('payments-refunds-development', {
      sync: 'OutOfSync',
      health: 'Degraded',
      healthMessage: 'Deployment payments-refunds has 1 unavailable replica',
      revision: REVISION,
      operation: {
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        startedAt: '2026-11-21T10:00:00Z',
        finishedAt: '2026-11-21T10:00:05Z',
      },
      history: [
        { revision: 'a'.repeat(40), deployedAt: '2026-11-20T09:00:00Z' },
        { revision: REVISION, deployedAt: '2026-11-21T10:00:05Z' },
      ],
      resources: [
        {
          version: 'v1',
          kind: 'Service',
          namespace: 'team-payments-payments-refunds-development',
          name: 'payments-refunds',
          status: 'Synced',
          health: 'Healthy',
        },
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: 'team-payments-payments-refunds-development',
          name: 'payments-refunds',
          status: 'OutOfSync',
          health: 'Degraded',
          healthMessage: 'Deployment has 1 unavailable replica',
        },
      ],
    });
    await simulator.setPods(
      'team-payments-payments-refunds-development',
      { 'backstage.io/kubernetes-id': 'payments-refunds' },
      [
        {
          name: 'payments-refunds-a',
          state: 'Running',
          image: 'registry.acme.example/refunds:3f2c1a9e',
        },
        { name: 'payments-refunds-b', state: 'CrashLoopBackOff', restarts: 7 },
        { name: 'payments-refunds-c', state: 'OOMKilled', restarts: 2 },
        { name: 'payments-refunds-d', state: 'ImagePullBackOff' },
        { name: 'payments-refunds-e', state: 'Pending' },
      ],
    );
  });

  afterAll(async () => {
    silent?.close();
    await cp?.stop();
  });

  beforeEach(() => {
    authorize.mockClear();
    events.length = 0;
  });

  it('reads environments, the Application and pods from the good cluster while the others show their own errors', async () => {
    const backend = await start([
      good(),
      {
        name: 'refused',
        url: 'https://127.0.0.1:1',
        authProvider: 'serviceAccount',
        serviceAccountToken: 'x',
        skipTLSVerify: true,
      },
      {
        name: 'hung',
        url: `https://127.0.0.1:${silentPort}`,
        authProvider: 'serviceAccount',
        serviceAccountToken: 'x',
        skipTLSVerify: true,
      },
      { ...good(), name: 'wrong-token', serviceAccountToken: 'not-a-token' },
    ]);
    const started = Date.now();
    const res = await request(backend.server)
      .get('/api/deployment/entities/default/component/payments-refunds')
      .set('Authorization', mockCredentials.user.header(DEVELOPER));
    const elapsed = Date.now() - started;
    await backend.stop();
    expect(res.status).toBe(200);
    const status = res.body as DeploymentStatus;
    expect(status.clusters.map(c => c.cluster)).toEqual([
      'development',
      'refused',
      'hung',
      'wrong-token',
    ]);
    const [dev, refused, hung, wrongToken] = status.clusters;
    expect(refused.error?.kind).toBe('unreachable');
    expect(hung.error?.kind).toBe('timeout');
    expect(wrongToken.error?.kind).toBe('forbidden');
    // The hung cluster costs its timeout (2 s), not more.
    expect(elapsed).toBeLessThan(10_000);

    expect(dev.error).toBeUndefined();
    expect(dev.environments).toHaveLength(1);
    const env = dev.environments[0];
    expect(env).toMatchObject({
      name: 'payments-refunds-development',
      environment: 'development',
      namespace: 'team-payments-payments-refunds-development',
    });
    expect(env.conditions.map(c => [c.type, c.status])).toEqual([
      ['Synced', 'True'],
      ['Ready', 'True'],
    ]);
    expect(env.application).toMatchObject({
      name: 'payments-refunds-development',
      namespace: 'argocd',
      syncStatus: 'OutOfSync',
      healthStatus: 'Degraded',
      healthMessage: 'Deployment payments-refunds has 1 unavailable replica',
      revision: REVISION,
      revisionUrl: `https://gitlab.acme.example/idp/team-payments/payments-refunds-deployment/-/commit/${REVISION}`,
      targetRevision: 'development',
      operation: { phase: 'Succeeded', startedAt: '2026-11-21T10:00:00Z' },
    });
    expect(env.application!.history.map(h => h.revision)).toEqual([
      REVISION,
      'a'.repeat(40),
    ]);
    expect(env.application!.problemResources).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        syncStatus: 'OutOfSync',
        healthStatus: 'Degraded',
      }),
    ]);
    // Failing pods first, each with what is wrong; the healthy one last.
    expect(env.pods.map(p => [p.name, p.problem])).toEqual([
      ['payments-refunds-b', 'CrashLoopBackOff'],
      ['payments-refunds-c', 'OOMKilled'],
      ['payments-refunds-d', 'ImagePullBackOff'],
      ['payments-refunds-e', 'Pending'],
      ['payments-refunds-a', undefined],
    ]);
    expect(env.pods[0].restarts).toBe(7);
    expect(env.pods[4]).toMatchObject({
      phase: 'Running',
      readyContainers: 1,
      totalContainers: 1,
      imageTag: '3f2c1a9e',
    });
  });

  it('refreshes and syncs an Application of the entity, audited, with the user as initiator', async () => {
    const backend = await start([good()]);
    const act = (body: object) =>
      request(backend.server)
        .post(
          '/api/deployment/entities/default/component/payments-refunds/actions',
        )
        .set('Authorization', mockCredentials.user.header(DEVELOPER))
        .send(body);
    const refresh = await act({
      action: 'refresh',
      cluster: 'development',
      application: 'payments-refunds-development',
    });
    expect(refresh.status).toBe(202);
    const sync = await act({
      action: 'sync',
      cluster: 'development',
      application: 'payments-refunds-development',
    });
    expect(sync.status).toBe(202);
    expect(sync.body.message).toBe(
      'Sync of payments-refunds-development on development requested',
    );
    const again = await act({
      action: 'sync',
      cluster: 'development',
      application: 'payments-refunds-development',
    });
    expect(again.status).toBe(409);
    await backend.stop();

    const app = await admin.get(
      ARGO,
      'Application',
      'payments-refunds-development',
      'argocd',
    );
    expect(app?.metadata.annotations?.['argocd.argoproj.io/refresh']).toBe(
      'normal',
    );
    expect(app?.operation).toMatchObject({
      initiatedBy: { username: DEVELOPER },
      sync: { revision: 'development' },
    });
    expect(authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({
            name: 'deployment.application.act',
          }),
          resourceRef: 'component:default/payments-refunds',
        },
      ],
      expect.anything(),
    );
    expect(
      events.map(e => [
        e.options.eventId,
        e.options.meta.actionType,
        e.outcome,
      ]),
    ).toEqual([
      ['argocd-application', 'refresh', 'success'],
      ['argocd-application', 'sync', 'success'],
      ['argocd-application', 'sync', 'fail'],
    ]);
    expect(events[0].options.meta).toMatchObject({
      entityRef: 'component:default/payments-refunds',
      cluster: 'development',
      application: 'payments-refunds-development',
    });
  });

  it('refuses a user the permission denies, changes nothing, and audits the refusal', async () => {
    authorize.mockImplementationOnce(async () => [
      { result: AuthorizeResult.DENY },
    ]);
    const before = await admin.get(
      ARGO,
      'Application',
      'payments-refunds-development',
      'argocd',
    );
    const backend = await start([good()]);
    const res = await request(backend.server)
      .post(
        '/api/deployment/entities/default/component/payments-refunds/actions',
      )
      .set(
        'Authorization',
        mockCredentials.user.header('user:default/morgan.lee'),
      )
      .send({
        action: 'refresh',
        cluster: 'development',
        application: 'payments-refunds-development',
      });
    await backend.stop();
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('You may not refresh');
    const after = await admin.get(
      ARGO,
      'Application',
      'payments-refunds-development',
      'argocd',
    );
    expect(after?.metadata.resourceVersion).toBe(
      before?.metadata.resourceVersion,
    );
    expect(events.map(e => e.outcome)).toEqual(['fail']);
  });

  it("refuses another entity's Application and bad input", async () => {
    const backend = await start([good()]);
    const post = (body: object) =>
      request(backend.server)
        .post(
          '/api/deployment/entities/default/component/storefront-web/actions',
        )
        .set('Authorization', mockCredentials.user.header(DEVELOPER))
        .send(body);
    const foreign = await post({
      action: 'sync',
      cluster: 'development',
      application: 'payments-refunds-development',
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.message).toContain(
      "component:default/storefront-web has no Argo CD Application 'payments-refunds-development'",
    );
    const bad = await post({
      action: 'delete',
      cluster: 'development',
      application: 'x',
    });
    expect(bad.status).toBe(400);
    const unknownCluster = await post({
      action: 'refresh',
      cluster: 'nope',
      application: 'x',
    });
    expect(unknownCluster.status).toBe(400);
    const missing = await request(backend.server)
      .get('/api/deployment/entities/default/component/nope')
      .set('Authorization', mockCredentials.user.header(DEVELOPER));
    expect(missing.status).toBe(404);
    const nothing = await request(backend.server)
      .get('/api/deployment/entities/default/component/storefront-web')
      .set('Authorization', mockCredentials.user.header(DEVELOPER));
    await backend.stop();
    expect(nothing.body.clusters[0].environments).toEqual([]);
  });

  it("a component that copies another team's kubernetes-id and namespace gets nothing of it", async () => {
    const backend = await start([good()]);
    const appRef = [
      'argoproj.io/v1alpha1',
      'Application',
      'payments-refunds-development',
      'argocd',
    ] as const;
    const before = await admin.get(...appRef);
    const own = await request(backend.server)
      .get('/api/deployment/entities/default/component/payments-refunds')
      .set('Authorization', mockCredentials.user.header(DEVELOPER));
    const copied = await request(backend.server)
      .get('/api/deployment/entities/default/component/storefront-copycat')
      .set('Authorization', mockCredentials.user.header(DEVELOPER));
    const sync = await request(backend.server)
      .post(
        '/api/deployment/entities/default/component/storefront-copycat/actions',
      )
      .set('Authorization', mockCredentials.user.header(DEVELOPER))
      .send({
        action: 'sync',
        cluster: 'development',
        application: 'payments-refunds-development',
      });
    const after = await admin.get(...appRef);
    await backend.stop();
    // The owner's view has its environment and pods; the copy has the same annotations and
    // sees none of them.
    expect(own.body.clusters[0].environments.length).toBeGreaterThan(0);
    expect(
      own.body.clusters[0].environments.some((e: any) => e.pods.length > 0),
    ).toBe(true);
    expect(copied.status).toBe(200);
    expect(copied.body.clusters[0].environments).toEqual([]);
    expect(sync.status).toBe(404);
    expect(sync.body.error.message).toContain(
      "component:default/storefront-copycat has no Argo CD Application 'payments-refunds-development'",
    );
    // Nothing was written to the Application.
    expect(after!.metadata.resourceVersion).toBe(
      before!.metadata.resourceVersion,
    );
  });
});
