import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import crypto from 'node:crypto';
import { ChildProcess } from 'node:child_process';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { kubeBinaries } from './kubeBinaries';
import { createCertificates } from './certificates';
import {
  KubeObject,
  compositeResourceCrd,
  parseManifests,
} from './compositeResourceCrd';
import { packageDir, repoRoot } from '../paths';
import { KubeRest } from './KubeRest';
import { tcpOpen } from '../net';
import {
  residentKiB,
  startOnFreePort,
  startProcess,
  stopProcess,
  waitFor,
} from './processes';
import {
  ControllersOptions,
  RunningControllers,
  WORKLOAD_CONTROLLERS,
  resolveControllers,
  startControllers,
} from '../controllers/startControllers';
import { controllerBinaries } from '../controllers/controllerBinaries';

/** Who a kubeconfig speaks as. */
export type ControlPlaneIdentity = 'admin' | 'portal' | 'developer';

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /**
   * The developer identity (a token user of the apiserver). Defaults to Diego Alvarez of
   * team-payments; the ApplicationEnvironment composition grants the team's group edit rights.
   */
  developer?: { user: string; groups: string[] };
  /** The XRD whose composite CRD is installed; defaults to platform/crossplane/definition.yaml. */
  xrdFile?: string;
  /** Keep the data folder (logs, kubeconfigs) after stop, for debugging. */
  keep?: boolean;
  /**
   * Run real controllers as processes (default: none; the StatusSimulator plays them):
   * `true` for all, or pick `crossplane`, `argocd` and `kwok` (with kube-scheduler). See
   * {@link ControllersOptions} and the package README, "Real controllers". Needs this
   * package's own control plane (not `IDP_TEST_KUBECONFIG`).
   */
  controllers?: boolean | ControllersOptions;
}

/** One process the control plane started, with its resident memory now. */
export interface ControlPlaneProcess {
  name: string;
  pid: number | undefined;
  /** VmRSS in KiB, undefined once the process has ended. */
  rssKiB: number | undefined;
}

/** A running control plane (or an existing cluster) ready for tests. */
export interface ControlPlane {
  /** The apiserver's URL. */
  server: string;
  /** Base64 PEM of the CA that signed the apiserver's certificate. */
  caData: string;
  /** Kubeconfig file paths, one per identity. */
  kubeconfigFiles: Record<ControlPlaneIdentity, string>;
  /** A client configuration for one identity. */
  kubeConfig(who: ControlPlaneIdentity): KubeConfig;
  /** The portal service account's bound token (what Backstage's Kubernetes config takes). */
  portalToken: string;
  /** The developer identity. */
  developer: { user: string; groups: string[] };
  /** True when `IDP_TEST_KUBECONFIG` pointed at an existing cluster instead. */
  external: boolean;
  /** Folder with logs and kubeconfigs. */
  dir: string;
  /** Server-side applies objects as admin (field manager `idp-test-platform`). */
  apply(objects: KubeObject[] | string): Promise<void>;
  /** The real controllers, when the `controllers` option started any. */
  controllers?: RunningControllers;
  /** Every process started, in start order, with its memory. */
  processes(): ControlPlaneProcess[];
  /** Stops everything it started and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const FIELD_MANAGER = 'idp-test-platform';
function httpsStatus(url: string, ca: string, token: string): Promise<number> {
  return new Promise(resolve => {
    const req = https.get(
      url,
      { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 2000 },
      res => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

function kubeconfigYaml(
  server: string,
  caData: string,
  user: Record<string, unknown>,
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'test-platform',
        cluster: { server, 'certificate-authority-data': caData },
      },
    ],
    users: [{ name: 'user', user }],
    contexts: [
      {
        name: 'test-platform',
        context: { cluster: 'test-platform', user: 'user' },
      },
    ],
    'current-context': 'test-platform',
  });
}

/**
 * Server-side applies objects in order. After a CRD, waits until it is established and its
 * resource can be listed (a fresh CRD answers 429 "storage is (re)initializing" for a moment).
 */
export async function serverSideApply(
  kc: KubeConfig,
  objects: KubeObject[],
  fieldManager = FIELD_MANAGER,
): Promise<void> {
  const rest = new KubeRest(kc);
  for (const object of objects) {
    await rest.apply(object, { fieldManager });
    if (object.kind === 'CustomResourceDefinition') {
      const spec = object.spec;
      const version =
        spec.versions.find((v: any) => v.storage)?.name ??
        spec.versions[0].name;
      const list = `/apis/${spec.group}/${version}/${spec.names.plural}?limit=1`;
      await waitFor(
        `CRD ${object.metadata.name} to be established and served`,
        async () => (await rest.request('GET', list)).status === 200,
        60_000,
      );
    }
  }
}

/**
 * The CRDs the platform needs: Argo CD's, Crossplane's, and the ApplicationEnvironment XR's.
 * `sources` replaces the folders of this package's CRDs (crds/argo-cd, crds/crossplane);
 * `crossplane: false` leaves out Crossplane's and the XR's CRDs, which real Crossplane installs
 * (`crossplane core init`) and derives from the XRD itself.
 */
export function platformCrds(
  xrdFile?: string,
  sources: { argocd?: string; crossplane?: string | false } = {},
): KubeObject[] {
  const crdDir = path.join(packageDir(), 'crds');
  const dirs = [
    sources.argocd ?? path.join(crdDir, 'argo-cd'),
    ...(sources.crossplane === false
      ? []
      : [sources.crossplane ?? path.join(crdDir, 'crossplane')]),
  ];
  const files = dirs.flatMap(dir =>
    fs
      .readdirSync(dir)
      .filter(f => f.endsWith('.yaml'))
      .sort()
      .map(f => path.join(dir, f)),
  );
  const thirdParty = files.flatMap(f =>
    parseManifests(fs.readFileSync(f, 'utf8')),
  );
  if (sources.crossplane === false) return thirdParty;
  const xrd = parseManifests(
    fs.readFileSync(
      xrdFile ??
        path.join(repoRoot(), 'platform', 'crossplane', 'definition.yaml'),
      'utf8',
    ),
  )[0];
  return [...thirdParty, compositeResourceCrd(xrd)];
}

/** The portal's ServiceAccount and least-privilege RBAC, as platform/ ships them. */
export function portalRbac(): KubeObject[] {
  return parseManifests(
    fs.readFileSync(
      path.join(repoRoot(), 'platform', 'portal', 'access', 'rbac.yaml'),
      'utf8',
    ),
  );
}

async function requestPortalToken(kc: KubeConfig): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  await waitFor(
    'the idp-portal service account',
    async () =>
      Boolean(
        await core.readNamespacedServiceAccount({
          name: 'idp-portal',
          namespace: 'idp-portal',
        }),
      ),
    30_000,
  );
  const res = await core.createNamespacedServiceAccountToken({
    name: 'idp-portal',
    namespace: 'idp-portal',
    body: { spec: { expirationSeconds: 24 * 3600, audiences: [] } },
  });
  return res.status!.token;
}

/**
 * Starts a real Kubernetes control plane on 127.0.0.1 (kine on SQLite, kube-apiserver with TLS,
 * RBAC and token users, kube-controller-manager for namespaces, garbage collection, quotas,
 * service accounts and role aggregation), installs the platform's CRDs and the portal's RBAC,
 * and returns kubeconfigs for an admin, the portal's service account and a team developer.
 * With `controllers`, also runs the real controllers (Crossplane, Argo CD, kube-scheduler and
 * kwok; src/controllers/startControllers.ts) before the controller manager.
 *
 * With `IDP_TEST_KUBECONFIG` set, uses that cluster instead (its current context must be
 * cluster-admin); nothing is started, and the developer identity is not available there.
 */
export async function startControlPlane(
  options: ControlPlaneOptions = {},
): Promise<ControlPlane> {
  const developer = options.developer ?? {
    user: 'diego.alvarez',
    groups: ['team-payments'],
  };
  const enabled = resolveControllers(options.controllers);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-control-plane-'));
  const children: Array<{ name: string; child: ChildProcess }> = [];
  const track = (name: string, child: ChildProcess) =>
    children.push({ name, child });
  let controllers: RunningControllers | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await controllers?.stop();
    for (const { child } of [...children].reverse()) await stopProcess(child);
    if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const external = process.env.IDP_TEST_KUBECONFIG;
    let server: string;
    let caData: string;
    let adminFile: string;
    let developerFile: string;
    let startControllerManager: (() => void) | undefined;
    let kubeScheduler = '';

    if (enabled && external) {
      throw new Error(
        "the controllers option needs the test platform's own control plane; unset IDP_TEST_KUBECONFIG",
      );
    }
    // Built (or found) before anything starts: the first run of a machine builds for minutes.
    const controllerBins = enabled ? controllerBinaries() : undefined;

    if (external) {
      const kc = new KubeConfig();
      kc.loadFromFile(external);
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error(`no current cluster in ${external}`);
      server = cluster.server;
      caData = cluster.caData ?? '';
      adminFile = external;
      developerFile = '';
    } else {
      const bins = kubeBinaries({ scheduler: Boolean(enabled?.kwok) });
      kubeScheduler = bins.kubeScheduler;
      const certs = createCertificates(path.join(dir, 'pki'));
      const adminToken = crypto.randomBytes(24).toString('hex');
      const developerToken = crypto.randomBytes(24).toString('hex');
      fs.writeFileSync(
        path.join(dir, 'tokens.csv'),
        [
          `${adminToken},idp-test-admin,uid-admin,"system:masters"`,
          `${developerToken},${developer.user},uid-${
            developer.user
          },"${developer.groups.join(',')}"`,
        ].join('\n'),
        { mode: 0o600 },
      );

      const kine = await startOnFreePort(
        'kine',
        bins.kine,
        port => [
          `--listen-address=127.0.0.1:${port}`,
          '--metrics-bind-address=0',
        ],
        dir,
        port => tcpOpen(port),
        30_000,
      );
      track('kine', kine.child);
      const kinePort = kine.port;

      const ca = fs.readFileSync(certs.caCert, 'utf8');
      caData = Buffer.from(ca).toString('base64');
      const apiserver = await startOnFreePort(
        'kube-apiserver',
        bins.kubeApiserver,
        port => [
          `--etcd-servers=http://127.0.0.1:${kinePort}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${path.join(dir, 'pki')}`,
          `--tls-cert-file=${certs.servingCert}`,
          `--tls-private-key-file=${certs.servingKey}`,
          `--client-ca-file=${certs.caCert}`,
          `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
          '--authorization-mode=RBAC',
          `--service-account-issuer=https://127.0.0.1:${port}`,
          `--service-account-key-file=${certs.serviceAccountPub}`,
          `--service-account-signing-key-file=${certs.serviceAccountKey}`,
          '--service-cluster-ip-range=10.0.0.0/24',
          '--allow-privileged=true',
          '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,ResourceQuota,ValidatingAdmissionPolicy,DefaultTolerationSeconds',
          '--profiling=false',
          '--enable-priority-and-fairness=false',
          '--endpoint-reconciler-type=none',
        ],
        dir,
        async port =>
          (await httpsStatus(
            `https://127.0.0.1:${port}/readyz`,
            ca,
            adminToken,
          )) === 200,
        120_000,
      );
      track('kube-apiserver', apiserver.child);
      server = `https://127.0.0.1:${apiserver.port}`;

      adminFile = path.join(dir, 'admin.kubeconfig');
      fs.writeFileSync(
        adminFile,
        kubeconfigYaml(server, caData, { token: adminToken }),
        {
          mode: 0o600,
        },
      );
      developerFile = path.join(dir, 'developer.kubeconfig');
      fs.writeFileSync(
        developerFile,
        kubeconfigYaml(server, caData, { token: developerToken }),
        { mode: 0o600 },
      );

      // Started once the CRDs exist (below; with real Crossplane, once it has established the
      // XR's CRD): the garbage collector discovers resource types at start and only every 30 s
      // after, so dependents of a new XR type would linger that long. With real controllers it
      // also runs the workload controllers (Deployments -> ReplicaSets -> Pods, Node taints).
      const kcmControllers = [
        'namespace-controller',
        'garbage-collector-controller',
        'resourcequota-controller',
        'serviceaccount-controller',
        'clusterrole-aggregation-controller',
        'root-ca-certificate-publisher-controller',
        ...(enabled ? WORKLOAD_CONTROLLERS : []),
      ];
      startControllerManager = () =>
        track(
          'kube-controller-manager',
          startProcess(
            'kube-controller-manager',
            bins.kubeControllerManager,
            [
              `--kubeconfig=${adminFile}`,
              '--leader-elect=false',
              `--controllers=${kcmControllers.join(',')}`,
              `--service-account-private-key-file=${certs.serviceAccountKey}`,
              `--root-ca-file=${certs.caCert}`,
              '--use-service-account-credentials=false',
              '--secure-port=0',
              '--concurrent-namespace-syncs=5',
              '--concurrent-gc-syncs=5',
            ],
            dir,
          ),
        );
    }

    const adminKc = new KubeConfig();
    adminKc.loadFromFile(adminFile);
    await serverSideApply(adminKc, [
      ...(controllerBins
        ? platformCrds(options.xrdFile, {
            argocd: enabled?.argocd ? controllerBins.argocdCrdDir : undefined,
            crossplane: enabled?.crossplane ? false : undefined,
          })
        : platformCrds(options.xrdFile)),
      ...portalRbac(),
    ]);
    if (enabled && controllerBins) {
      controllers = await startControllers(
        {
          dir,
          adminKubeconfig: adminFile,
          adminKc,
          kubeScheduler,
          xrdFile: options.xrdFile,
          apply: objects => serverSideApply(adminKc, objects),
          track,
        },
        enabled,
        controllerBins,
      );
    }
    startControllerManager?.();
    await controllers?.nodesSchedulable();
    const portalToken = await requestPortalToken(adminKc);
    const portalFile = path.join(dir, 'portal.kubeconfig');
    fs.writeFileSync(
      portalFile,
      kubeconfigYaml(server, caData, { token: portalToken }),
      {
        mode: 0o600,
      },
    );

    const files: Record<ControlPlaneIdentity, string> = {
      admin: adminFile,
      portal: portalFile,
      developer: developerFile,
    };
    return {
      server,
      caData,
      kubeconfigFiles: files,
      kubeConfig(who) {
        if (!files[who]) {
          throw new Error(`no ${who} identity on an external cluster`);
        }
        const kc = new KubeConfig();
        kc.loadFromFile(files[who]);
        return kc;
      },
      portalToken,
      developer,
      external: Boolean(external),
      dir,
      apply: objects =>
        serverSideApply(
          adminKc,
          typeof objects === 'string' ? parseManifests(objects) : objects,
        ),
      controllers,
      processes: () =>
        children.map(({ name, child }) => ({
          name,
          pid: child.pid,
          rssKiB:
            child.exitCode === null && child.signalCode === null
              ? residentKiB(child.pid)
              : undefined,
        })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
