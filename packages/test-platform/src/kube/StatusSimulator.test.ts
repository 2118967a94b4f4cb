import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { ControlPlane, startControlPlane } from './startControlPlane';
import { KubeRest } from './KubeRest';
import { StatusSimulator } from './StatusSimulator';

jest.setTimeout(180_000);

const xr = (name: string, component: string) => ({
  apiVersion: 'idp.acme.example/v1alpha1',
  kind: 'ApplicationEnvironment',
  metadata: { name },
  spec: {
    team: 'team-payments',
    system: 'payments',
    component,
    environment: 'development',
    repository: {
      url: `https://gitlab.acme.example/idp/team-payments/${component}-deployment.git`,
    },
  },
});

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

describe('StatusSimulator', () => {
  let cp: ControlPlane;
  let sim: StatusSimulator;
  let portal: KubeRest;

  beforeAll(async () => {
    cp = await startControlPlane();
    sim = new StatusSimulator(cp.kubeConfig('admin'));
    portal = new KubeRest(cp.kubeConfig('portal'));
  });
  afterAll(async () => {
    await cp?.stop();
  });

  const conditions = async (name: string) => {
    const obj = await portal.get(
      'idp.acme.example/v1alpha1',
      'ApplicationEnvironment',
      name,
    );
    return Object.fromEntries(
      ((obj?.status?.conditions ?? []) as any[]).map(c => [c.type, c]),
    );
  };

  it('composes an environment, reports Synced at once and Ready after the delay, and garbage-collects on delete', async () => {
    const controller = sim.runEnvironmentController({ readyAfterMs: 1500 });
    try {
      const applied = Date.now();
      // The portal's own identity applies the XR, as the scaffolder action will.
      await portal.apply(
        xr('payments-refunds-development', 'payments-refunds') as any,
        {
          fieldManager: 'idp-portal',
        },
      );
      const creating = await until('Synced', async () => {
        const c = await conditions('payments-refunds-development');
        return c.Synced?.status === 'True' ? c : undefined;
      });
      expect(creating.Ready).toMatchObject({
        status: 'False',
        reason: 'Creating',
      });
      const ready = await until('Ready', async () => {
        const c = await conditions('payments-refunds-development');
        return c.Ready?.status === 'True' ? c : undefined;
      });
      expect(ready.Ready.reason).toBe('Available');
      expect(Date.now() - applied).toBeGreaterThanOrEqual(1400);

      const status = (await portal.get(
        'idp.acme.example/v1alpha1',
        'ApplicationEnvironment',
        'payments-refunds-development',
      ))!.status;
      expect(status).toMatchObject({
        namespace: 'team-payments-payments-refunds-development',
        argocdApplication: 'payments-refunds-development',
      });
      const core = cp.kubeConfig('portal').makeApiClient(CoreV1Api);
      const ns = await core.readNamespace({ name: status.namespace });
      expect(ns.metadata?.labels).toMatchObject({
        'backstage.io/kubernetes-id': 'payments-refunds',
        'pod-security.kubernetes.io/enforce': 'restricted',
      });
      const app = await portal.get(
        'argoproj.io/v1alpha1',
        'Application',
        status.argocdApplication,
        'argocd',
      );
      expect(app?.spec.destination.namespace).toBe(status.namespace);

      // Deleting the XR removes what it composed (real garbage collection).
      await portal.delete(
        'idp.acme.example/v1alpha1',
        'ApplicationEnvironment',
        'payments-refunds-development',
      );
      await until(
        'namespace gone',
        async () =>
          (await core
            .readNamespace({ name: status.namespace })
            .catch((e: any) => e.code)) === 404
            ? true
            : undefined,
        60_000,
      );
      await until('application gone', async () =>
        (await portal.get(
          'argoproj.io/v1alpha1',
          'Application',
          status.argocdApplication,
          'argocd',
        )) === undefined
          ? true
          : undefined,
      );
    } finally {
      await controller.stop();
    }
  });

  it('keeps an environment unready with the failure message', async () => {
    const controller = sim.runEnvironmentController({
      readyAfterMs: 0,
      fail: o =>
        o.spec.component === 'payments-broken'
          ? 'cannot apply composed resource "application": admission webhook denied the request'
          : undefined,
    });
    try {
      await portal.apply(
        xr('payments-broken-development', 'payments-broken') as any,
        {
          fieldManager: 'idp-portal',
        },
      );
      const c = await until('failure message', async () => {
        const got = await conditions('payments-broken-development');
        return got.Ready?.message?.includes('admission webhook')
          ? got
          : undefined;
      });
      expect(c.Ready.status).toBe('False');
      await new Promise(r => setTimeout(r, 600));
      expect(
        (await conditions('payments-broken-development')).Ready.status,
      ).toBe('False');
    } finally {
      await controller.stop();
    }
  });

  it('writes Argo CD Application status the portal can read', async () => {
    await portal.apply(
      xr('payments-ledger-development', 'payments-ledger') as any,
      {
        fieldManager: 'idp-portal',
      },
    );
    const names = await sim.composeEnvironment('payments-ledger-development');
    const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    await sim.setApplicationStatus(names.application, {
      sync: 'OutOfSync',
      health: 'Degraded',
      healthMessage:
        'Deployment "payments-ledger" exceeded its progress deadline',
      revision: sha,
      operation: {
        phase: 'Failed',
        message: 'one or more objects failed to apply',
        startedAt: '2026-11-21T10:00:00Z',
        finishedAt: '2026-11-21T10:00:30Z',
      },
      history: [
        { revision: '0'.repeat(40), deployedAt: '2026-11-20T09:00:00Z' },
      ],
      resources: [
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: names.namespace,
          name: 'payments-ledger',
          status: 'OutOfSync',
          health: 'Degraded',
        },
      ],
    });
    const custom = cp.kubeConfig('portal').makeApiClient(CustomObjectsApi);
    const app: any = await custom.getNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'argocd',
      plural: 'applications',
      name: names.application,
    });
    expect(app.status.sync).toMatchObject({
      status: 'OutOfSync',
      revision: sha,
    });
    expect(app.status.health.status).toBe('Degraded');
    expect(app.status.operationState).toMatchObject({
      phase: 'Failed',
      finishedAt: '2026-11-21T10:00:30Z',
    });
    expect(app.status.history).toHaveLength(1);
    expect(app.status.resources[0]).toMatchObject({
      kind: 'Deployment',
      health: { status: 'Degraded' },
    });
  });

  it('writes pods in every state the deployment view distinguishes, admitted under restricted Pod Security', async () => {
    await portal.apply(
      xr('payments-pods-development', 'payments-pods') as any,
      {
        fieldManager: 'idp-portal',
      },
    );
    const { namespace } = await sim.composeEnvironment(
      'payments-pods-development',
    );
    const labels = {
      'backstage.io/kubernetes-id': 'payments-pods',
      app: 'payments-pods',
    };
    await sim.setPods(namespace, labels, [
      {
        name: 'payments-pods-7d9f-aaaaa',
        state: 'Running',
        image: 'registry.acme.example/payments-pods:abc1234',
      },
      {
        name: 'payments-pods-7d9f-bbbbb',
        state: 'CrashLoopBackOff',
        restarts: 7,
      },
      { name: 'payments-pods-7d9f-ccccc', state: 'OOMKilled' },
      { name: 'payments-pods-7d9f-ddddd', state: 'ImagePullBackOff' },
      { name: 'payments-pods-7d9f-eeeee', state: 'Pending' },
    ]);
    const core = cp.kubeConfig('portal').makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({
      namespace,
      labelSelector: 'backstage.io/kubernetes-id=payments-pods',
    });
    const byName = Object.fromEntries(
      pods.items.map(p => [p.metadata!.name!, p.status!]),
    );
    expect(byName['payments-pods-7d9f-aaaaa'].containerStatuses![0].ready).toBe(
      true,
    );
    expect(
      byName['payments-pods-7d9f-bbbbb'].containerStatuses![0],
    ).toMatchObject({
      restartCount: 7,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
    });
    expect(
      byName['payments-pods-7d9f-ccccc'].containerStatuses![0].lastState!
        .terminated!.reason,
    ).toBe('OOMKilled');
    expect(
      byName['payments-pods-7d9f-ddddd'].containerStatuses![0].state!.waiting!
        .reason,
    ).toBe('ImagePullBackOff');
    expect(byName['payments-pods-7d9f-eeeee']).toMatchObject({
      phase: 'Pending',
      conditions: [{ reason: 'Unschedulable' }],
    });

    // The namespace really enforces restricted: a privileged pod is refused, even to an admin.
    const admin = cp.kubeConfig('admin').makeApiClient(CoreV1Api);
    const privileged = await admin
      .createNamespacedPod({
        namespace,
        body: {
          metadata: { name: 'privileged' },
          spec: {
            containers: [
              {
                name: 'x',
                image: 'busybox',
                securityContext: { privileged: true },
              },
            ],
          },
        },
      })
      .catch(e => e);
    expect(privileged.code).toBe(403);
    expect(JSON.parse(privileged.body).message).toContain(
      'violates PodSecurity "restricted:latest"',
    );
  });
});
