import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { ChildProcess } from 'node:child_process';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../kube/compositeResourceCrd';
import { KubeRest } from '../kube/KubeRest';
import {
  runToCompletion,
  startOnFreePort,
  startProcess,
  tail,
  waitFor,
} from '../kube/processes';
import { freePort, tcpOpen } from '../net';
import { repoRoot } from '../paths';
import { ControllerBinaries } from './controllerBinaries';
import {
  DEFAULT_FAKE_NODES,
  FakeNode,
  fakeNodeObjects,
  kwokConfig,
} from './kwok';
import {
  CROSSPLANE_CA_SECRET,
  CROSSPLANE_CLIENT_SECRET,
  CROSSPLANE_NAMESPACE,
  LocalFunction,
  cachedFunctionPackage,
  functionServerCertificate,
  platformComposition,
  platformFunctions,
} from './crossplane';
import { ARGOCD_NAMESPACE, argocdNamespaceObjects } from './argocd';

/**
 * Which real controllers {@link startControlPlane} runs (`controllers: true` is all of them).
 * Off by default: without them the StatusSimulator plays Crossplane and Argo CD.
 */
export interface ControllersOptions {
  /**
   * Crossplane core v2.2 with the platform's XRD, Composition and both composition functions
   * running as local processes; XR conditions and composed resources are Crossplane's.
   */
  crossplane?: boolean;
  /**
   * Argo CD's application controller and repo server (with redis): Application sync, health,
   * operation and history are Argo CD's. `reconciliationSeconds` is how often it compares an
   * Application with git (default 10 s here; 120 s in a cluster). `persistResourceHealth`
   * writes each resource's health into `status.resources[].health` (argocd-cmd-params-cm
   * `controller.resource.health.persist`); off by default since Argo CD 3.0, as here.
   */
  argocd?:
    | boolean
    | { reconciliationSeconds?: number; persistResourceHealth?: boolean };
  /**
   * kube-scheduler and kwok with fake Nodes (default one of 8 CPU / 16 GiB): pods are
   * scheduled and become Running and Ready, or play a fault by their image name
   * (packages/test-platform/kwok/fault-stages.yaml).
   */
  kwok?: boolean | { nodes?: FakeNode[] };
}

/** The controllers option with defaults filled in. */
export interface ResolvedControllers {
  crossplane: boolean;
  argocd: boolean;
  kwok: boolean;
  reconciliationSeconds: number;
  persistResourceHealth: boolean;
  nodes: FakeNode[];
}

/** Resolves the option; undefined when no controller runs. */
export function resolveControllers(
  option: boolean | ControllersOptions | undefined,
): ResolvedControllers | undefined {
  if (!option) return undefined;
  const o: ControllersOptions =
    option === true ? { crossplane: true, argocd: true, kwok: true } : option;
  const resolved = {
    crossplane: Boolean(o.crossplane),
    argocd: Boolean(o.argocd),
    kwok: Boolean(o.kwok),
    reconciliationSeconds:
      (typeof o.argocd === 'object' && o.argocd.reconciliationSeconds) || 10,
    persistResourceHealth:
      typeof o.argocd === 'object' && Boolean(o.argocd.persistResourceHealth),
    nodes: (typeof o.kwok === 'object' && o.kwok.nodes) || DEFAULT_FAKE_NODES,
  };
  return resolved.crossplane || resolved.argocd || resolved.kwok
    ? resolved
    : undefined;
}

/**
 * The controllers kube-controller-manager runs in addition when real controllers are on, so
 * Deployments become ReplicaSets and Pods (and Nodes lose their not-ready taint once kwok
 * reports them Ready).
 */
export const WORKLOAD_CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'disruption-controller',
  'node-lifecycle-controller',
  'pod-garbage-collector-controller',
];

/** What the control plane hands the controllers. */
export interface ControllerContext {
  /** The control plane's data folder (logs go to `<name>.log` there). */
  dir: string;
  adminKubeconfig: string;
  adminKc: KubeConfig;
  kubeScheduler: string;
  xrdFile?: string;
  /** Server-side applies objects as admin. */
  apply(objects: KubeObject[]): Promise<void>;
  /** Registers a process for stop() (reverse order) and for {@link processes}. */
  track(name: string, child: ChildProcess): void;
}

/** Running controllers (their processes are stopped by the control plane's stop()). */
export interface RunningControllers {
  enabled: ResolvedControllers;
  /** Milliseconds each part took to start, e.g. `{ kwok: 900, crossplane: 9000, argocd: 5000 }`. */
  startupMs: Record<string, number>;
  /** Names of the fake Nodes. */
  nodes: string[];
  /** Ends background loops (the external function runtime). */
  stop(): Promise<void>;
  /** Waits until the Nodes can take pods (no not-ready taint); once the controller manager runs. */
  nodesSchedulable(): Promise<void>;
}

function getStatus(url: string): Promise<number> {
  return new Promise(resolve => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(
      url,
      { timeout: 2000, rejectUnauthorized: false },
      res => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

/** Crossplane's name of a package's TLS server Secret: `<package>-tls-server` (apis/pkg/v1). */
const TLS_SERVER_SECRET_SUFFIX = '-tls-server';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function logTails(dir: string, ...names: string[]): () => string {
  return () =>
    names
      .map(n => `--- ${n}.log\n${tail(path.join(dir, `${n}.log`), 20)}`)
      .join('\n');
}

async function startSchedulerAndKwok(
  ctx: ControllerContext,
  bins: ControllerBinaries,
  nodes: FakeNode[],
) {
  const schedulerDir = path.join(ctx.dir, 'kube-scheduler');
  fs.mkdirSync(schedulerDir, { recursive: true });
  const scheduler = await startOnFreePort(
    'kube-scheduler',
    ctx.kubeScheduler,
    port => [
      `--kubeconfig=${ctx.adminKubeconfig}`,
      `--authentication-kubeconfig=${ctx.adminKubeconfig}`,
      `--authorization-kubeconfig=${ctx.adminKubeconfig}`,
      '--leader-elect=false',
      `--secure-port=${port}`,
      '--bind-address=127.0.0.1',
      `--cert-dir=${schedulerDir}`,
      '--profiling=false',
    ],
    ctx.dir,
    async port =>
      (await getStatus(`https://127.0.0.1:${port}/healthz`)) === 200,
    60_000,
  );
  ctx.track('kube-scheduler', scheduler.child);

  // Nodes as a kubelet registers them: the create keeps capacity, the status patch makes sure.
  const rest = new KubeRest(ctx.adminKc);
  for (const node of fakeNodeObjects(nodes)) {
    await rest.apply(node, { fieldManager: 'idp-test-platform' });
    await rest.mergePatch(
      'v1',
      'Node',
      node.metadata.name,
      { status: node.status },
      { subresource: 'status' },
    );
  }
  const config = path.join(ctx.dir, 'kwok.yaml');
  fs.writeFileSync(config, kwokConfig(bins.kwokStageDir));
  const kwok = startProcess(
    'kwok',
    bins.kwok,
    [`--kubeconfig=${ctx.adminKubeconfig}`, `--config=${config}`],
    ctx.dir,
  );
  ctx.track('kwok', kwok);
  await waitFor(
    'kwok to report the fake Nodes Ready',
    async () => {
      for (const node of nodes) {
        const n = await rest.get('v1', 'Node', node.name);
        const ready = (n?.status?.conditions ?? []).find(
          (c: any) => c.type === 'Ready',
        );
        if (ready?.status !== 'True') return false;
      }
      return true;
    },
    60_000,
    logTails(ctx.dir, 'kwok'),
    kwok,
  );
}

/**
 * The External package runtime of Crossplane, what its Deployment runtime's FunctionHooks.Pre
 * would write (internal/controller/pkg/runtime/runtime_function.go): each active
 * FunctionRevision of a locally running function gets `status.endpoint` (its process) and
 * `status.tlsServerSecretName` (the Secret with its server certificate; the revision
 * reconciler refuses to establish the package's CRDs without it: "waiting for package runtime
 * controller to set revision's webhook TLS secret").
 */
function startExternalFunctionRuntime(
  rest: KubeRest,
  endpoints: Record<string, string>,
) {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const revisions = await rest.list(
          'pkg.crossplane.io/v1',
          'FunctionRevision',
        );
        for (const rev of revisions) {
          const fn = rev.metadata.labels?.['pkg.crossplane.io/package'];
          const endpoint = fn ? endpoints[fn] : undefined;
          if (!endpoint || rev.spec?.desiredState !== 'Active') continue;
          const tlsServerSecretName = `${fn}${TLS_SERVER_SECRET_SUFFIX}`;
          // RuntimeHealthy, as the Deployment runtime reports its Deployment's availability:
          // here, whether the function's process accepts connections.
          const up = await tcpOpen(Number(endpoint.split(':')[1]));
          const conditions = (rev.status?.conditions ?? []) as any[];
          const current = conditions.find(c => c.type === 'RuntimeHealthy');
          const status = up ? 'True' : 'False';
          if (
            rev.status?.endpoint === endpoint &&
            rev.status?.tlsServerSecretName === tlsServerSecretName &&
            current?.status === status
          ) {
            continue;
          }
          const runtimeHealthy = {
            type: 'RuntimeHealthy',
            status,
            reason: up ? 'HealthyPackageRevision' : 'UnhealthyPackageRevision',
            ...(up ? {} : { message: `nothing listens on ${endpoint}` }),
            lastTransitionTime:
              current?.status === status
                ? current.lastTransitionTime
                : new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          };
          // A merge patch replaces the conditions list: send it whole, guarded by the
          // resourceVersion so a concurrent update by Crossplane wins and we retry.
          await rest.mergePatch(
            'pkg.crossplane.io/v1',
            'FunctionRevision',
            rev.metadata.name,
            {
              metadata: { resourceVersion: rev.metadata.resourceVersion },
              status: {
                endpoint,
                tlsServerSecretName,
                conditions: [
                  ...conditions.filter(c => c.type !== 'RuntimeHealthy'),
                  runtimeHealthy,
                ],
              },
            },
            { subresource: 'status' },
          );
        }
      } catch {
        // A conflict with Crossplane's own status update, or the apiserver stopping: next round.
      }
      await sleep(500);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

function secretFile(secret: KubeObject | undefined, key: string): string {
  const value = secret?.data?.[key];
  if (!value) {
    throw new Error(
      `Secret ${secret?.metadata?.name ?? '(missing)'} has no ${key}`,
    );
  }
  return Buffer.from(value, 'base64').toString('utf8');
}

async function startCrossplane(
  ctx: ControllerContext,
  bins: ControllerBinaries,
  onStop: (fn: () => Promise<void>) => void,
) {
  const dir = path.join(ctx.dir, 'crossplane');
  fs.mkdirSync(dir, { recursive: true });
  const env = { KUBECONFIG: ctx.adminKubeconfig };
  const rest = new KubeRest(ctx.adminKc);
  await ctx.apply([
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: CROSSPLANE_NAMESPACE },
    },
  ]);

  // What the Helm chart's init container does: Crossplane's CRDs, its CA and client
  // certificate, the package Lock, the default DeploymentRuntimeConfig and activation policy.
  // Settings through the environment variables Crossplane documents for each flag: kong spells
  // some flag names oddly (--cr-ds-path, --tlsca-secret-name).
  // Run again when it fails, as Kubernetes restarts an init container: a first run can apply
  // the CRDs and then fail to create the Lock before the apiserver serves its new type.
  for (let attempt = 1; ; attempt++) {
    try {
      await runToCompletion(
        'crossplane-init',
        bins.crossplane,
        ['core', 'init'],
        ctx.dir,
        {
          ...env,
          POD_NAMESPACE: CROSSPLANE_NAMESPACE,
          POD_SERVICE_ACCOUNT: 'crossplane',
          CRDS_PATH: bins.crossplaneCrdDir,
          ENABLE_WEBHOOKS: 'false',
          TLS_CA_SECRET_NAME: CROSSPLANE_CA_SECRET,
          TLS_CLIENT_SECRET_NAME: CROSSPLANE_CLIENT_SECRET,
        },
      );
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(1000);
    }
  }
  const caSecret = await rest.get(
    'v1',
    'Secret',
    CROSSPLANE_CA_SECRET,
    CROSSPLANE_NAMESPACE,
  );
  const ca = {
    cert: secretFile(caSecret, 'tls.crt'),
    key: secretFile(caSecret, 'tls.key'),
  };
  const clientSecret = await rest.get(
    'v1',
    'Secret',
    CROSSPLANE_CLIENT_SECRET,
    CROSSPLANE_NAMESPACE,
  );
  const clientDir = path.join(dir, 'tls-client');
  fs.mkdirSync(clientDir, { recursive: true });
  for (const key of ['tls.crt', 'tls.key', 'ca.crt']) {
    fs.writeFileSync(path.join(clientDir, key), secretFile(clientSecret, key), {
      mode: 0o600,
    });
  }

  // The functions, as the External runtime: local processes with mTLS from Crossplane's CA.
  const functions: LocalFunction[] = [
    {
      name: 'function-applicationenvironment',
      bin: bins.functionApplicationEnvironment,
      packageDir: path.join(
        repoRoot(),
        'platform',
        'crossplane',
        'function-applicationenvironment',
        'package',
      ),
    },
    {
      name: 'function-auto-ready',
      bin: bins.functionAutoReady,
      packageDir: bins.functionAutoReadyPackageDir,
    },
  ];
  const endpoints: Record<string, string> = {};
  for (const fn of functions) {
    const certs = path.join(dir, `${fn.name}-tls`);
    functionServerCertificate(certs, fn.name, ca);
    // Where the Deployment runtime keeps it, and the revision reconciler looks for it.
    await ctx.apply([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: `${fn.name}${TLS_SERVER_SECRET_SUFFIX}`,
          namespace: CROSSPLANE_NAMESPACE,
        },
        type: 'Opaque',
        data: Object.fromEntries(
          ['tls.crt', 'tls.key', 'ca.crt'].map(key => [
            key,
            fs.readFileSync(path.join(certs, key)).toString('base64'),
          ]),
        ),
      },
    ]);
    const { child, port } = await startOnFreePort(
      fn.name,
      fn.bin,
      p => [`--address=127.0.0.1:${p}`],
      ctx.dir,
      p => tcpOpen(p),
      30_000,
      { TLS_SERVER_CERTS_DIR: certs },
    );
    ctx.track(fn.name, child);
    endpoints[fn.name] = `127.0.0.1:${port}`;
  }
  const cacheDir = path.join(dir, 'xpkg');
  const declared = platformFunctions();
  const functionObjects = functions.map(fn =>
    cachedFunctionPackage(fn, declared, cacheDir),
  );

  const metricsPort = await freePort();
  const webhookPort = await freePort();
  const core = await startOnFreePort(
    'crossplane',
    bins.crossplane,
    port => [
      'core',
      'start',
      `--namespace=${CROSSPLANE_NAMESPACE}`,
      '--service-account=crossplane',
      '--package-runtime=External',
      `--xpkg-cache-dir=${cacheDir}`,
      `--tls-client-certs-dir=${clientDir}`,
      `--health-probe-port=${port}`,
      `--metrics-port=${metricsPort}`,
      `--webhook-port=${webhookPort}`,
      '--max-concurrent-reconciles=10',
    ],
    ctx.dir,
    async port => (await getStatus(`http://127.0.0.1:${port}/readyz`)) === 200,
    120_000,
    { ...env, ENABLE_WEBHOOKS: 'false' },
  );
  ctx.track('crossplane', core.child);

  await ctx.apply(functionObjects);
  const runtime = startExternalFunctionRuntime(rest, endpoints);
  onStop(runtime.stop);
  let seen = '';
  await waitFor(
    'Crossplane to install the Functions from its package cache',
    async () => {
      const installed = await rest.list('pkg.crossplane.io/v1', 'Function');
      const revisions = await rest.list(
        'pkg.crossplane.io/v1',
        'FunctionRevision',
      );
      seen = JSON.stringify(
        [...installed, ...revisions].map(o => ({
          kind: o.kind,
          name: o.metadata.name,
          desiredState: o.spec?.desiredState,
          status: o.status,
        })),
      );
      return functions.every(
        fn =>
          installed.some(
            f =>
              f.metadata.name === fn.name &&
              (f.status?.conditions ?? []).some(
                (c: any) => c.type === 'Healthy' && c.status === 'True',
              ),
          ) &&
          revisions.some(
            rev =>
              rev.metadata.labels?.['pkg.crossplane.io/package'] === fn.name &&
              rev.spec?.desiredState === 'Active' &&
              rev.status?.endpoint === endpoints[fn.name],
          ),
      );
    },
    90_000,
    () => `${seen}\n${logTails(ctx.dir, 'crossplane')()}`,
    core.child,
  );

  // The platform's API: Crossplane establishes the XRD (and serves its XR CRD) itself.
  const { xrd, composition } = platformComposition(ctx.xrdFile);
  await ctx.apply([xrd]);
  const version =
    xrd.spec.versions.find((v: any) => v.referenceable)?.name ??
    xrd.spec.versions[0].name;
  await waitFor(
    `Crossplane to establish the XRD ${xrd.metadata.name}`,
    async () => {
      const live = await rest.get(
        'apiextensions.crossplane.io/v2',
        'CompositeResourceDefinition',
        xrd.metadata.name,
      );
      const established = (live?.status?.conditions ?? []).some(
        (c: any) => c.type === 'Established' && c.status === 'True',
      );
      if (!established) return false;
      const list = await rest.request(
        'GET',
        `/apis/${xrd.spec.group}/${version}/${xrd.spec.names.plural}?limit=1`,
      );
      return list.status === 200;
    },
    90_000,
    logTails(ctx.dir, 'crossplane'),
    core.child,
  );
  await ctx.apply(composition);
}

async function startArgoCD(
  ctx: ControllerContext,
  bins: ControllerBinaries,
  { reconciliationSeconds, persistResourceHealth }: ResolvedControllers,
) {
  const dir = path.join(ctx.dir, 'argocd');
  const sub = (name: string) => {
    const d = path.join(dir, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  await ctx.apply(argocdNamespaceObjects());

  const redis = await startOnFreePort(
    'redis',
    bins.redisServer,
    port => [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      sub('redis'),
      '--protected-mode',
      'yes',
    ],
    ctx.dir,
    port => tcpOpen(port),
    30_000,
  );
  ctx.track('redis', redis.child);
  const redisAddress = `127.0.0.1:${redis.port}`;

  // What the install manifests mount or set: empty TLS, SSH and GnuPG data folders (no custom
  // CAs, known hosts or signature keys), a private temp folder for clones, and the resync
  // period (the repo server also caches resolved branch revisions that long).
  const common = {
    ARGOCD_TLS_DATA_PATH: sub('tls'),
    ARGOCD_SSH_DATA_PATH: sub('ssh'),
    ARGOCD_GNUPGHOME: sub('gnupg'),
    ARGOCD_GPG_ENABLED: 'false',
    ARGOCD_RECONCILIATION_TIMEOUT: `${reconciliationSeconds}s`,
    TMPDIR: sub('tmp'),
    // git and helm for the repo server; `argocd` too: git's askpass helper is `argocd`
    // started as argocd-git-ask-pass, which hands the repository Secret's credentials to git.
    PATH: [bins.argocdBinDir, bins.helmBinDir, process.env.PATH].join(
      path.delimiter,
    ),
  };
  const repoMetricsPort = await freePort();
  const repoServer = await startOnFreePort(
    'argocd-repo-server',
    bins.argocdRepoServer,
    port => [
      '--address=127.0.0.1',
      `--port=${port}`,
      '--metrics-address=127.0.0.1',
      `--metrics-port=${repoMetricsPort}`,
      `--redis=${redisAddress}`,
      '--disable-tls',
      '--logformat=text',
      '--loglevel=info',
    ],
    ctx.dir,
    async port =>
      (await tcpOpen(port)) &&
      (await getStatus(`http://127.0.0.1:${repoMetricsPort}/healthz`)) === 200,
    60_000,
    {
      ...common,
      ARGOCD_ASK_PASS_SOCK: path.join(dir, 'askpass.sock'),
      ARGOCD_PLUGINSOCKFILEPATH: sub('plugins'),
    },
  );
  ctx.track('argocd-repo-server', repoServer.child);

  // Out of cluster like Argo CD's own Procfile: ARGOCD_FAKE_IN_CLUSTER makes the in-cluster
  // destination https://kubernetes.default.svc (the Composition's inClusterServer) use
  // KUBECONFIG instead of a service account.
  const controller = await startOnFreePort(
    'argocd-application-controller',
    bins.argocdApplicationController,
    port => [
      `--kubeconfig=${ctx.adminKubeconfig}`,
      `--namespace=${ARGOCD_NAMESPACE}`,
      `--redis=${redisAddress}`,
      `--repo-server=127.0.0.1:${repoServer.port}`,
      '--repo-server-plaintext',
      `--metrics-port=${port}`,
      `--app-resync=${reconciliationSeconds}`,
      `--persist-resource-health=${persistResourceHealth}`,
      '--status-processors=4',
      '--operation-processors=2',
      '--logformat=text',
      '--loglevel=info',
    ],
    ctx.dir,
    async port => (await getStatus(`http://127.0.0.1:${port}/healthz`)) === 200,
    120_000,
    {
      ...common,
      KUBECONFIG: ctx.adminKubeconfig,
      ARGOCD_FAKE_IN_CLUSTER: 'true',
      HOSTNAME: 'argocd-application-controller-0',
    },
  );
  ctx.track('argocd-application-controller', controller.child);
}

/**
 * Starts the real controllers against a control plane whose CRDs are installed: kube-scheduler
 * and kwok first, then Crossplane and Argo CD side by side. Every process goes through
 * `ctx.track`; on failure the caller's stop() ends what was started.
 */
export async function startControllers(
  ctx: ControllerContext,
  enabled: ResolvedControllers,
  bins: ControllerBinaries,
): Promise<RunningControllers> {
  const startupMs: Record<string, number> = {};
  const stops: Array<() => Promise<void>> = [];
  const timed = async (name: string, fn: () => Promise<void>) => {
    const t0 = Date.now();
    await fn();
    startupMs[name] = Date.now() - t0;
  };
  const running: RunningControllers = {
    enabled,
    startupMs,
    nodes: enabled.kwok ? enabled.nodes.map(n => n.name) : [],
    stop: async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
    },
    nodesSchedulable: async () => {
      if (!enabled.kwok) return;
      const rest = new KubeRest(ctx.adminKc);
      await waitFor(
        'the fake Nodes to lose their not-ready taint',
        async () => {
          for (const name of running.nodes) {
            const n = await rest.get('v1', 'Node', name);
            const taints = (n?.spec?.taints ?? []) as Array<{ key: string }>;
            if (taints.some(t => t.key.startsWith('node.kubernetes.io/'))) {
              return false;
            }
          }
          return true;
        },
        60_000,
        logTails(ctx.dir, 'kube-controller-manager', 'kwok'),
      );
    },
  };
  try {
    if (enabled.kwok) {
      await timed('kwok', () =>
        startSchedulerAndKwok(ctx, bins, enabled.nodes),
      );
    }
    const parts: Array<Promise<void>> = [];
    if (enabled.crossplane) {
      parts.push(
        timed('crossplane', () =>
          startCrossplane(ctx, bins, fn => stops.push(fn)),
        ),
      );
    }
    if (enabled.argocd) {
      parts.push(timed('argocd', () => startArgoCD(ctx, bins, enabled)));
    }
    // Both run to their end before a failure is reported, so stop() finds every process.
    const results = await Promise.allSettled(parts);
    const failed = results.find(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    if (failed) throw failed.reason;
    return running;
  } catch (error) {
    await running.stop();
    throw error;
  }
}
