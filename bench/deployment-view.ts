/*
 * The deployment view's data for one service with 200 pods across three clusters, against
 * Backstage's own Kubernetes tab loading the same service, in one run.
 *
 * Three real kube-apiservers (the test platform), each with the service's ApplicationEnvironment,
 * Argo CD Application and a third of the pods; one backend with both plugins, configured with
 * the three clusters and the portal's own object types (app-config.yaml). Each request is what
 * the page asks for when it opens: GET /api/deployment/entities/... for our tab, and
 * POST /api/kubernetes/services/:name for Backstage's (its pods, deployments, services, ...).
 *
 * Usage: bench/deployment-view.sh [--runs N] [--warmup N] [--pods N]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Entity } from '@backstage/catalog-model';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import deploymentPlugin from '@internal/plugin-deployment-backend';
import {
  ControlPlane,
  KubeRest,
  SimulatedPod,
  StatusSimulator,
  repoRoot,
  startControlPlane,
} from '@internal/test-platform';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const RUNS = option('runs', 30);
const WARMUP = option('warmup', 5);
const PODS = option('pods', 200);
const CLUSTERS = ['development', 'staging', 'production'];
const NAME = 'bench-service';
const TEAM = 'team-payments';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: NAME,
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': NAME },
  },
  spec: { type: 'service', owner: `group:default/${TEAM}` },
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

/** One environment of the service on a cluster, as the composition and Argo CD leave it. */
async function seed(cp: ControlPlane, environment: string, pods: number) {
  const admin = new KubeRest(cp.kubeConfig('admin'));
  const simulator = new StatusSimulator(cp.kubeConfig('admin'));
  await admin.apply(
    {
      apiVersion: 'idp.acme.example/v1alpha1',
      kind: 'ApplicationEnvironment',
      metadata: { name: `${NAME}-${environment}` },
      spec: {
        team: TEAM,
        system: 'payments',
        component: NAME,
        environment,
        repository: {
          url: `https://gitlab.acme.example/idp/${TEAM}/${NAME}-deployment.git`,
        },
      },
    },
    { fieldManager: 'bench' },
  );
  const controller = simulator.runEnvironmentController({
    readyAfterMs: 0,
    pollMs: 50,
  });
  for (const deadline = Date.now() + 30_000; ; ) {
    const app = await admin.get(
      'argoproj.io/v1alpha1',
      'Application',
      `${NAME}-${environment}`,
      'argocd',
    );
    if (app) break;
    if (Date.now() > deadline)
      throw new Error(
        'the composition simulator never created the Application',
      );
    await new Promise(r => setTimeout(r, 100));
  }
  await controller.stop();
  const revision = 'ab'.repeat(20);
  await simulator.setApplicationStatus(`${NAME}-${environment}`, {
    sync: 'Synced',
    health: 'Healthy',
    revision,
    history: [{ revision, deployedAt: new Date().toISOString() }],
  });
  const states: SimulatedPod['state'][] = [
    'Running',
    'Running',
    'Running',
    'CrashLoopBackOff',
  ];
  await simulator.setPods(
    `${TEAM}-${NAME}-${environment}`,
    { 'backstage.io/kubernetes-id': NAME },
    Array.from({ length: pods }, (_, i) => ({
      name: `${NAME}-${environment}-${String(i).padStart(3, '0')}`,
      state: states[i % states.length],
      image: `registry.acme.example/${NAME}:${revision.slice(0, 8)}`,
    })),
  );
}

async function main() {
  const started = Date.now();
  const planes = await Promise.all(CLUSTERS.map(() => startControlPlane()));
  try {
    const perCluster = CLUSTERS.map(
      (_, i) =>
        Math.floor(PODS / CLUSTERS.length) +
        (i < PODS % CLUSTERS.length ? 1 : 0),
    );
    await Promise.all(
      planes.map((cp, i) => seed(cp, CLUSTERS[i], perCluster[i])),
    );
    process.stderr.write(
      `seeded ${PODS} pods on ${CLUSTERS.length} clusters in ${
        Date.now() - started
      } ms\n`,
    );

    // The portal's own Kubernetes configuration (object types, custom resources), pointed at
    // the three clusters with the portal's least-privilege token.
    const appConfig = parse(
      fs.readFileSync(path.join(repoRoot(), 'app-config.yaml'), 'utf8'),
    );
    const backend = await startTestBackend({
      features: [
        kubernetesPlugin,
        deploymentPlugin,
        catalogServiceMock.factory({ entities: [entity] }),
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              ...appConfig.kubernetes,
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: planes.map((cp, i) => ({
                    name: CLUSTERS[i],
                    url: cp.server,
                    authProvider: 'serviceAccount',
                    serviceAccountToken: cp.portalToken,
                    caData: cp.caData,
                    skipMetricsLookup: true,
                  })),
                },
              ],
            },
          },
        }),
      ],
    });
    const base = `http://localhost:${(backend.server.address() as any).port}`;
    const auth = mockCredentials.user.header('user:default/diego.alvarez');
    const views = {
      'deployment view (ours)': () =>
        fetch(`${base}/api/deployment/entities/default/component/${NAME}`, {
          headers: { authorization: auth },
        }),
      "Backstage's Kubernetes tab": () =>
        fetch(`${base}/api/kubernetes/services/${NAME}`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ entity }),
        }),
    };
    const results: Record<
      string,
      { times: number[]; bytes: number; pods: number }
    > = {};
    for (const label of Object.keys(views)) {
      results[label] = { times: [], bytes: 0, pods: 0 };
    }
    // Interleaved, so both see the same machine load.
    for (let i = 0; i < WARMUP + RUNS; i++) {
      for (const [label, call] of Object.entries(views)) {
        const t0 = performance.now();
        const res = await call();
        const body = await res.text();
        const ms = performance.now() - t0;
        if (res.status !== 200)
          throw new Error(`${label}: ${res.status} ${body.slice(0, 300)}`);
        if (i < WARMUP) continue;
        results[label].times.push(ms);
        results[label].bytes = body.length;
        const json = JSON.parse(body);
        results[label].pods = json.clusters
          ? json.clusters.reduce(
              (n: number, c: any) =>
                n +
                c.environments.reduce(
                  (m: number, e: any) => m + e.pods.length,
                  0,
                ),
              0,
            )
          : json.items.reduce(
              (n: number, c: any) =>
                n +
                (c.resources.find((r: any) => r.type === 'pods')?.resources
                  .length ?? 0),
              0,
            );
      }
    }
    await backend.stop();

    const rows = Object.entries(results).map(([label, r]) => ({
      label,
      p50: percentile(r.times, 50),
      p95: percentile(r.times, 95),
      bytes: r.bytes,
      pods: r.pods,
    }));
    process.stdout.write(
      `Deployment data for one service, ${PODS} pods on ${CLUSTERS.length} clusters, ${RUNS} runs after ${WARMUP} warm-up (interleaved)\n`,
    );
    for (const r of rows) {
      process.stdout.write(
        `  ${r.label.padEnd(28)} p50 ${r.p50
          .toFixed(1)
          .padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms  ${(
          r.bytes / 1024
        )
          .toFixed(0)
          .padStart(5)} KiB  ${r.pods} pods\n`,
      );
    }
    const [ours, theirs] = rows;
    if (ours.pods !== PODS || theirs.pods !== PODS) {
      throw new Error(
        `expected ${PODS} pods from both, got ${ours.pods} and ${theirs.pods}`,
      );
    }
    process.stdout.write(
      `  ratio (Kubernetes tab / ours): p50 ${(theirs.p50 / ours.p50).toFixed(
        2,
      )}x, p95 ${(theirs.p95 / ours.p95).toFixed(2)}x, payload ${(
        theirs.bytes / ours.bytes
      ).toFixed(2)}x\n`,
    );
  } finally {
    await Promise.all(planes.map(cp => cp.stop()));
  }
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
