import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { ControlPlane, startControlPlane } from './startControlPlane';

// The harness's own guarantees, against the real kube-apiserver it starts.
jest.setTimeout(180_000);

const GROUP = 'idp.acme.example';
const VERSION = 'v1alpha1';
const PLURAL = 'applicationenvironments';

function appEnv(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'ApplicationEnvironment',
    metadata: { name },
    spec: {
      team: 'team-payments',
      system: 'payments',
      component: 'payments-refunds',
      environment: 'development',
      repository: {
        url: 'https://gitlab.acme.example/idp/team-payments/payments-refunds-deployment.git',
      },
      ...spec,
    },
  };
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (e: any) {
    return e.code ?? -1;
  }
}

describe('startControlPlane', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('serves a ready apiserver with the platform CRDs installed', async () => {
    const core = cp.kubeConfig('admin').makeApiClient(CoreV1Api);
    const ns = await core.readNamespace({ name: 'default' });
    expect(ns.metadata?.name).toBe('default');
    const custom = cp.kubeConfig('admin').makeApiClient(CustomObjectsApi);
    const served: Array<[string, string, string, string?]> = [
      ['argoproj.io', 'v1alpha1', 'applications', 'argocd'],
      ['argoproj.io', 'v1alpha1', 'appprojects', 'argocd'],
      ['apiextensions.crossplane.io', 'v1', 'compositions'],
      [GROUP, VERSION, PLURAL],
    ];
    for (const [group, version, plural, namespace] of served) {
      await expect(
        namespace
          ? custom.listNamespacedCustomObject({
              group,
              version,
              plural,
              namespace,
            })
          : custom.listClusterCustomObject({ group, version, plural }),
      ).resolves.toHaveProperty('items');
    }
  });

  it('enforces RBAC: the portal reads workloads and applies environments, and nothing more', async () => {
    const portal = cp.kubeConfig('portal');
    const core = portal.makeApiClient(CoreV1Api);
    const apps = portal.makeApiClient(AppsV1Api);
    const custom = portal.makeApiClient(CustomObjectsApi);

    expect(await statusOf(core.listPodForAllNamespaces())).toBe(200);
    expect(await statusOf(core.listNamespace())).toBe(200);
    // Refused: secrets, and any write outside ApplicationEnvironments.
    expect(
      await statusOf(core.listNamespacedSecret({ namespace: 'default' })),
    ).toBe(403);
    expect(
      await statusOf(
        apps.createNamespacedDeployment({
          namespace: 'default',
          body: {
            metadata: { name: 'not-allowed' },
            spec: {
              selector: { matchLabels: { app: 'x' } },
              template: {
                metadata: { labels: { app: 'x' } },
                spec: { containers: [{ name: 'x', image: 'busybox' }] },
              },
            },
          },
        }),
      ),
    ).toBe(403);
    expect(await statusOf(core.deleteNamespace({ name: 'default' }))).toBe(403);

    // Allowed: server-side apply of an ApplicationEnvironment, then delete it.
    const objects = KubernetesObjectApi.makeApiClient(portal);
    await objects.patch(
      appEnv('rbac-check', {}) as any,
      undefined,
      undefined,
      'idp-portal',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(
      await statusOf(
        custom.deleteClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          name: 'rbac-check',
        }),
      ),
    ).toBe(200);
  });

  it('enforces RBAC for the developer too: no cluster-wide reads', async () => {
    const core = cp.kubeConfig('developer').makeApiClient(CoreV1Api);
    expect(await statusOf(core.listPodForAllNamespaces())).toBe(403);
  });

  it('rejects an invalid ApplicationEnvironment with the schema message', async () => {
    const custom = cp.kubeConfig('admin').makeApiClient(CustomObjectsApi);
    const create = (name: string, spec: Record<string, unknown>) =>
      custom.createClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        body: appEnv(name, spec),
      });
    const badEnvironment = await create('bad-env', { environment: 'qa' }).catch(
      e => e,
    );
    expect(badEnvironment.code).toBe(422);
    expect(JSON.parse(badEnvironment.body).message).toContain(
      'spec.environment: Unsupported value: "qa"',
    );

    const otherTeamsNamespace = await create('bad-ns', {
      targetNamespace: 'team-storefront-web',
    }).catch(e => e);
    expect(otherTeamsNamespace.code).toBe(422);
    expect(JSON.parse(otherTeamsNamespace.body).message).toContain(
      'targetNamespace must start with the team',
    );

    await expect(create('good', {})).resolves.toBeDefined();
  });

  it('completes a namespace deletion and garbage-collects owned objects', async () => {
    const core = cp.kubeConfig('admin').makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    const owner = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'owner' } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: {
        metadata: {
          name: 'owned',
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'owner',
              uid: owner.metadata!.uid!,
            },
          ],
        },
      },
    });
    await core.createNamespacedConfigMap({
      namespace: 'doomed',
      body: { metadata: { name: 'inside' } },
    });

    await core.deleteNamespace({ name: 'doomed' });
    await core.deleteNamespacedConfigMap({
      name: 'owner',
      namespace: 'default',
    });

    const gone = async (read: () => Promise<unknown>) => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if ((await statusOf(read())) === 404) return true;
        await new Promise(r => setTimeout(r, 250));
      }
      return false;
    };
    expect(await gone(() => core.readNamespace({ name: 'doomed' }))).toBe(true);
    expect(
      await gone(() =>
        core.readNamespacedConfigMap({ name: 'owned', namespace: 'default' }),
      ),
    ).toBe(true);
  });

  it('uses an existing cluster when IDP_TEST_KUBECONFIG points at one, and leaves it running', async () => {
    const saved = process.env.IDP_TEST_KUBECONFIG;
    process.env.IDP_TEST_KUBECONFIG = cp.kubeconfigFiles.admin;
    try {
      const existing = await startControlPlane();
      expect(existing.external).toBe(true);
      expect(existing.server).toBe(cp.server);
      const pods = existing.kubeConfig('portal').makeApiClient(CoreV1Api);
      expect(await statusOf(pods.listPodForAllNamespaces())).toBe(200);
      expect(
        await statusOf(pods.listNamespacedSecret({ namespace: 'default' })),
      ).toBe(403);
      expect(() => existing.kubeConfig('developer')).toThrow(
        /no developer identity/,
      );
      await existing.stop();
      // Stopping the handle of an existing cluster stops nothing of that cluster.
      const admin = cp.kubeConfig('admin').makeApiClient(CoreV1Api);
      expect(await statusOf(admin.readNamespace({ name: 'default' }))).toBe(
        200,
      );
    } finally {
      if (saved === undefined) delete process.env.IDP_TEST_KUBECONFIG;
      else process.env.IDP_TEST_KUBECONFIG = saved;
    }
  });
});
