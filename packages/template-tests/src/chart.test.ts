import fs from 'node:fs';
import { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import {
  ControlPlane,
  GitLabDouble,
  KubeObject,
  KubeRest,
  parseManifests,
  startControlPlane,
  startGitLabDouble,
} from '@internal/test-platform';
import {
  Renderer,
  composedResources,
  eventually,
  outcome,
  startRenderer,
} from '@internal/platform-tests';
import { Portal, startPortal } from './portal';
import { TemplateTools, run, subtree, templateTools, writeTree } from './tools';

// The deployment skeleton's Helm chart, as the golden path generates it, rendered with helm for
// each environment and applied to a real kube-apiserver in the namespace the
// ApplicationEnvironment composition creates (crank render of platform/crossplane), with its
// guardrails on: Pod Security "restricted", the size's ResourceQuota and LimitRange.
jest.setTimeout(600_000);

const NAME = 'payments-refunds';
const TEAM = 'team-payments';
const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
const namespaceOf = (env: string) => `${TEAM}-${NAME}-${env}`;

describe('the generated Helm chart on the environment the composition creates', () => {
  let cp: ControlPlane;
  let gitlab: GitLabDouble;
  let portal: Portal;
  let renderer: Renderer;
  let tools: TemplateTools;
  let admin: KubeRest;
  let core: CoreV1Api;
  let chartDir: string;

  beforeAll(async () => {
    tools = templateTools();
    [cp, gitlab, renderer] = await Promise.all([
      startControlPlane(),
      startGitLabDouble({ basePath: '/gitlab' }),
      startRenderer(),
    ]);
    gitlab.addGroup({ path: 'idp' });
    gitlab.addGroup({ path: TEAM, parent: 'idp' });
    portal = await startPortal({
      cp,
      gitlab,
      gitlabToken: gitlab.createToken({ user: 'root' }),
    });
    admin = new KubeRest(cp.kubeConfig('admin'));
    core = cp.kubeConfig('admin').makeApiClient(CoreV1Api);

    // The chart exactly as the golden path renders it (public exposure: with its HTTPRoute).
    const rendered = await portal.dryRun('service/python-fastapi.yaml', {
      name: NAME,
      description: 'Refunds for card payments',
      owner: `group:default/${TEAM}`,
      system: 'system:default/payments',
      environment: 'development',
      size: 'small',
      exposure: 'public',
      hostname: 'refunds.apps.acme.example',
    });
    if (rendered.status !== 200) {
      throw new Error(`dry run failed: ${JSON.stringify(rendered.body)}`);
    }
    chartDir = writeTree(subtree(rendered.files, 'deployment'), 'idp-chart-');

    // What the platform installs: the Gateway API CRDs; what Crossplane composes per environment.
    await cp.apply(
      tools.gatewayApiCrds.flatMap(f =>
        parseManifests(fs.readFileSync(f, 'utf8')),
      ),
    );
    for (const environment of ENVIRONMENTS) {
      const composed = composedResources(
        await renderer.render({
          apiVersion: 'idp.acme.example/v1alpha1',
          kind: 'ApplicationEnvironment',
          metadata: { name: `${NAME}-${environment}` },
          spec: {
            team: TEAM,
            system: 'payments',
            component: NAME,
            environment,
            size: 'small',
            repository: {
              url: `${gitlab.baseUrl}/idp/${TEAM}/${NAME}-deployment.git`,
            },
            exposure: {
              mode: 'public',
              hostname: 'refunds.apps.acme.example',
              port: 8080,
            },
          },
        }),
      ).filter(o => o.kind !== 'Application');
      await cp.apply(
        composed.sort(
          (a, b) =>
            Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'),
        ),
      );
      // Quota admission refuses pods until the quota controller has counted usage.
      const namespace = namespaceOf(environment);
      const rest = admin;
      await eventually(`the ${environment} quota status`, async () => {
        const quota = await rest.get(
          'v1',
          'ResourceQuota',
          'team-quota',
          namespace,
        );
        return quota?.status?.hard ? quota : undefined;
      });
    }
  });

  afterAll(async () => {
    await portal?.stop();
    await renderer?.stop();
    await Promise.all([cp?.stop(), gitlab?.stop()]);
    if (chartDir) fs.rmSync(chartDir, { recursive: true, force: true });
  });

  /** helm template with the value files Argo CD uses: values.yaml, environments/<env>.yaml. */
  async function helmTemplate(environment: string): Promise<KubeObject[]> {
    const result = await run(
      tools.helm,
      [
        'template',
        NAME,
        '.',
        '--namespace',
        namespaceOf(environment),
        '--values',
        'values.yaml',
        '--values',
        `environments/${environment}.yaml`,
      ],
      { cwd: chartDir },
    );
    expect(`${result.code}\n${result.stderr}`).toBe('0\n');
    return parseManifests(result.stdout);
  }

  it('passes helm lint --strict in every environment', async () => {
    for (const environment of ENVIRONMENTS) {
      const lint = await run(
        tools.helm,
        [
          'lint',
          '--strict',
          '.',
          '--values',
          `environments/${environment}.yaml`,
        ],
        { cwd: chartDir },
      );
      expect(`${lint.code} ${lint.output}`).toMatch(
        /^0 .*1 chart\(s\) linted, 0 chart\(s\) failed/s,
      );
    }
  });

  it.each(ENVIRONMENTS)(
    '%s: every object is admitted as-is and its pods fit the guardrails',
    async environment => {
      const namespace = namespaceOf(environment);
      const objects = await helmTemplate(environment);
      const kinds = objects.map(o => o.kind).sort();
      expect(kinds).toEqual(
        [
          'Deployment',
          'HTTPRoute',
          'PodDisruptionBudget',
          'Service',
          'ServiceAccount',
          ...(environment === 'production' ? ['HorizontalPodAutoscaler'] : []),
        ].sort(),
      );
      // The portal finds every object by the entity's backstage.io/kubernetes-id.
      for (const o of objects) {
        expect(o.metadata.labels?.['backstage.io/kubernetes-id']).toBe(NAME);
      }
      const deployment = objects.find(o => o.kind === 'Deployment')!;
      expect(
        deployment.spec.template.metadata.labels['backstage.io/kubernetes-id'],
      ).toBe(NAME);

      // Server-side applied as Argo CD would: a dry run first, then for real.
      for (const dryRun of [true, false]) {
        for (const o of objects) {
          const object = { ...o, metadata: { ...o.metadata, namespace } };
          await expect(
            admin.apply(object, { fieldManager: 'argocd-controller', dryRun }),
          ).resolves.toBeDefined();
        }
      }

      // No kubelet or ReplicaSet controller runs here, so the Deployment's pods are created as
      // the ReplicaSet controller would: the most the environment ever runs (the HPA's maximum,
      // or the replicas) plus the rollout's surge pod. Pod Security, LimitRange and quota
      // admission decide.
      const replicas = deployment.spec.replicas ?? 0;
      const hpa = objects.find(o => o.kind === 'HorizontalPodAutoscaler');
      const peak =
        (hpa ? hpa.spec.maxReplicas : replicas) +
        deployment.spec.strategy.rollingUpdate.maxSurge;
      for (let i = 0; i < peak; i++) {
        const pod: V1Pod = {
          metadata: {
            name: `${NAME}-pod-${i}`,
            labels: deployment.spec.template.metadata.labels,
          },
          spec: deployment.spec.template.spec,
        };
        const result = await outcome(
          core.createNamespacedPod({ namespace, body: pod }),
        );
        expect(`${pod.metadata!.name}: ${result.code} ${result.message}`).toBe(
          `${pod.metadata!.name}: 201 `,
        );
      }
      const service = objects.find(o => o.kind === 'Service')!;
      const pods = await core.listNamespacedPod({
        namespace,
        labelSelector: Object.entries(service.spec.selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      });
      expect(pods.items).toHaveLength(peak);

      // Control: the same pod without its security context is refused by Pod Security, so the
      // admissions above were decided by the guardrails, not waved through.
      const insecure = {
        metadata: { name: `${NAME}-insecure` },
        spec: {
          ...deployment.spec.template.spec,
          securityContext: {},
          containers: deployment.spec.template.spec.containers.map(
            (c: any) => ({ ...c, securityContext: {} }),
          ),
        },
      };
      const refused = await outcome(
        core.createNamespacedPod({ namespace, body: insecure }),
      );
      expect(refused.code).toBe(403);
      expect(refused.message).toContain('violates PodSecurity "restricted');
    },
  );

  it('fails to render public exposure without a hostname, with a message', async () => {
    const result = await run(
      tools.helm,
      ['template', NAME, '.', '--set', 'exposure.hostname='],
      { cwd: chartDir },
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'exposure.hostname is required when exposure.mode is public',
    );
  });
});
