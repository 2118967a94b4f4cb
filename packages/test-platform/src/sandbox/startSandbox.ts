import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ControlPlane, startControlPlane } from '../kube/startControlPlane';
import { KubeObject, parseManifests } from '../kube/compositeResourceCrd';
import { KubeRest } from '../kube/KubeRest';
import { platformAppProjects, repositorySecret } from '../controllers/argocd';
import { SampleWorkload, sampleChart } from '../controllers/sampleChart';
import { controllerBinaries } from '../controllers/controllerBinaries';
import { repoRoot } from '../paths';
import { GitLabDouble, startGitLabDouble } from '../gitlab/startGitLabDouble';

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** Create the sample services' environments at start (default true). */
  seed?: boolean;
  /** Log progress lines here (default: stderr). */
  log?: (line: string) => void;
}

/** A running sandbox: what the portal talks to, and the config that wires it. */
export interface Sandbox {
  controlPlane: ControlPlane;
  gitlab: GitLabDouble;
  /** A config file for the portal (`--config`); secrets stay in {@link Sandbox.env}. */
  configFile: string;
  /** Environment variables the config file substitutes (tokens). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The GitLab groups of the sample organisation (catalog-info/org.yaml's gitlab.com/group-slug). */
const GROUPS = ['platform', 'team-payments', 'team-storefront'];

const XR_API = 'idp.acme.example/v1alpha1';

/** Polls until `probe` answers something truthy, or gives up (false) after `timeoutMs`. */
async function until<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T | undefined> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    await new Promise(r => setTimeout(r, 500));
  }
  return undefined;
}

/**
 * One sample service's environment, produced by the real pipeline as a golden path leaves it:
 * its deployment repository on the GitLab double (a chart, one commit per release), a read-only
 * deploy token delivered as an Argo CD repository Secret, and its ApplicationEnvironment, which
 * Crossplane composes into the namespace and Argo CD Application; Argo CD then syncs each
 * release, the scheduler binds the pods and kwok runs (or fails) them.
 */
async function seedService(
  controlPlane: ControlPlane,
  gitlab: GitLabDouble,
  service: {
    team: string;
    system: string;
    component: string;
    environment: string;
    size: 'small' | 'medium' | 'large';
    releases: Array<{ message: string; workloads: SampleWorkload[] }>;
    /** What the last release must reach before the sandbox is ready (Argo CD's health). */
    settlesAs: string;
  },
  log: (line: string) => void,
) {
  const { team, component, environment } = service;
  const api = async (method: string, apiPath: string, body?: unknown) => {
    const res = await fetch(`${gitlab.apiBaseUrl}${apiPath}`, {
      method,
      headers: {
        'PRIVATE-TOKEN': gitlab.rootToken,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) {
      throw new Error(
        `${method} ${apiPath}: ${res.status} ${JSON.stringify(json)}`,
      );
    }
    return json;
  };
  const repo = await gitlab.addProject({
    namespace: `idp/${team}`,
    path: `${component}-deployment`,
    description: `GitOps deployment repository of ${component}`,
    default_branch: environment,
    initialize_with_readme: true,
    topics: [`idp-component-${component}`],
  });
  const commit = async (workloads: SampleWorkload[], message: string) => {
    const files = sampleChart({ component, team, environment, workloads });
    const actions = await Promise.all(
      Object.entries(files).map(async ([file_path, content]) => ({
        action:
          (await gitlab.state.readFile(repo.id, file_path, environment)) ===
          undefined
            ? 'create'
            : 'update',
        file_path,
        content,
      })),
    );
    return (
      await api('POST', `/projects/${repo.id}/repository/commits`, {
        branch: environment,
        commit_message: message,
        actions,
      })
    ).id as string;
  };
  const [first, ...later] = service.releases;
  let revision = await commit(first.workloads, first.message);
  const cloneUrl = `${gitlab.baseUrl}/${repo.fullPath}.git`;
  const token = await api('POST', `/projects/${repo.id}/deploy_tokens`, {
    name: 'idp-argocd-read',
    scopes: ['read_repository'],
  });
  const name = `${component}-${environment}`;
  await controlPlane.apply([
    repositorySecret({
      projectId: repo.id,
      url: cloneUrl,
      username: token.username,
      password: token.token,
    }),
    {
      apiVersion: XR_API,
      kind: 'ApplicationEnvironment',
      metadata: {
        name,
        labels: {
          'backstage.io/kubernetes-id': component,
          'idp.acme.example/team': team,
          'idp.acme.example/system': service.system,
          'idp.acme.example/component': component,
          'idp.acme.example/environment': environment,
        },
      },
      spec: {
        team,
        system: service.system,
        component,
        environment,
        size: service.size,
        repository: { url: cloneUrl },
      },
    },
  ]);
  const rest = new KubeRest(controlPlane.kubeConfig('admin'));
  const application = () =>
    rest.get('argoproj.io/v1alpha1', 'Application', name, 'argocd');
  const deployed = (sha: string) =>
    until(async () => {
      const app = await application();
      return app?.status?.operationState?.phase === 'Succeeded' &&
        app.status.sync?.revision === sha
        ? app
        : undefined;
    }, 120_000);
  if (!(await deployed(revision))) {
    log(`seed: ${name} was never synced by Argo CD`);
    return;
  }
  for (const release of later) {
    revision = await commit(release.workloads, release.message);
    // Argo CD compares every few seconds (reconciliationSeconds); a refresh makes it now.
    await rest.mergePatch(
      'argoproj.io/v1alpha1',
      'Application',
      name,
      {
        metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } },
      },
      { namespace: 'argocd' },
    );
    if (!(await deployed(revision))) {
      log(`seed: ${name} never deployed ${release.message}`);
      return;
    }
  }
  const settled = await until(async () => {
    const app = await application();
    return app?.status?.health?.status === service.settlesAs ? app : undefined;
  }, 120_000);
  log(
    `seeded: ${name} (Crossplane, Argo CD${
      settled ? `: ${service.settlesAs}` : `; not yet ${service.settlesAs}`
    } at ${revision.slice(0, 7)})`,
  );
}

/**
 * The Gateway API CRDs, as a cluster with the shared gateway has them (from
 * scripts/build-template-tools.sh, beside helm).
 */
function gatewayApiCrds(): KubeObject[] {
  const dir = path.join(path.dirname(controllerBinaries().helmBinDir), 'crds');
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.yaml'))
    .sort()
    .flatMap(f => parseManifests(fs.readFileSync(path.join(dir, f), 'utf8')))
    .filter(o => o.kind === 'CustomResourceDefinition');
}

/** Container resources within the namespaces' LimitRange (platform/README.md). */
const SMALL = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/**
 * The sample services' environments (catalog-info/components.yaml):
 *
 * - payments-checkout in development: healthy, two pods running;
 * - storefront-web in production, whose latest release went wrong: its main Deployment rolled
 *   to an image that crash-loops (the old pods keep serving, the rollout exceeds its progress
 *   deadline: Argo CD reports Degraded), a worker killed for memory, an image that does not
 *   exist, and a search indexer asking for more ephemeral storage than any Node has (Pending,
 *   the scheduler's reason).
 *
 * All of it real: Crossplane, Argo CD, the scheduler and kwok, from deployment repositories.
 */
async function seedSamples(
  controlPlane: ControlPlane,
  gitlab: GitLabDouble,
  log: (line: string) => void,
) {
  await Promise.all([
    seedService(
      controlPlane,
      gitlab,
      {
        team: 'team-payments',
        system: 'payments',
        component: 'payments-checkout',
        environment: 'development',
        size: 'small',
        releases: [
          {
            message: 'Release 2.3.1',
            workloads: [
              {
                name: 'payments-checkout',
                image: 'registry.acme.example/payments-checkout:2.3.1',
                replicas: 2,
                resources: SMALL,
              },
            ],
          },
        ],
        settlesAs: 'Healthy',
      },
      log,
    ),
    seedService(
      controlPlane,
      gitlab,
      {
        team: 'team-storefront',
        system: 'storefront',
        component: 'storefront-web',
        environment: 'production',
        size: 'medium',
        releases: [
          {
            message: 'Release 1.4.2',
            workloads: [
              {
                name: 'storefront-web',
                image: 'registry.acme.example/storefront-web:1.4.2',
                replicas: 2,
                resources: SMALL,
                progressDeadlineSeconds: 20,
              },
            ],
          },
          {
            message: 'Release 1.5.0',
            workloads: [
              {
                name: 'storefront-web',
                image: 'registry.acme.example/storefront-web:1.5.0-crashloop',
                replicas: 2,
                resources: SMALL,
                progressDeadlineSeconds: 20,
              },
              {
                name: 'storefront-web-worker',
                image: 'registry.acme.example/storefront-worker:1.5.0-oomkill',
                resources: SMALL,
              },
              {
                name: 'storefront-web-thumbnails',
                image:
                  'registry.acme.example/storefront-thumbnails:does-not-exist',
                resources: SMALL,
              },
              {
                name: 'storefront-web-search',
                image: 'registry.acme.example/storefront-search:1.5.0',
                resources: {
                  ...SMALL,
                  requests: { ...SMALL.requests, 'ephemeral-storage': '500Gi' },
                },
              },
            ],
          },
        ],
        settlesAs: 'Degraded',
      },
      log,
    ),
  ]);
}

/**
 * Starts the whole test platform for trying the portal on a laptop: a real Kubernetes control
 * plane with the real controllers (Crossplane, Argo CD, kube-scheduler and kwok), the GitLab test
 * double under `/gitlab` with the sample organisation's groups, and the sample services'
 * environments; returns a config file that points the portal's GitLab integration and
 * Kubernetes backend at them.
 */
export async function startSandbox(
  options: SandboxOptions = {},
): Promise<Sandbox> {
  const log =
    options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const controlPlane = await startControlPlane({
    controllers: {
      crossplane: true,
      // Resource health in the Application's status (platform/argocd/README.md): the
      // deployment view lists the unhealthy resources.
      argocd: { persistResourceHealth: true },
      kwok: true,
    },
  });
  log(
    `kubernetes: ${controlPlane.server} (ready in ${Date.now() - started} ms)`,
  );
  let gitlab: GitLabDouble | undefined;
  try {
    // The golden path delivers Argo CD repository Secrets (idp.argocd.repositoryCredentials).
    await controlPlane.apply(
      fs.readFileSync(
        path.join(
          repoRoot(),
          'platform/portal/argocd-repo-secrets/rbac-argocd-repo-secrets.yaml',
        ),
        'utf8',
      ),
    );
    gitlab = await startGitLabDouble({ basePath: '/gitlab' });
    return await wire(controlPlane, gitlab, options, log);
  } catch (error) {
    await gitlab?.stop();
    await controlPlane.stop();
    throw error;
  }
}

async function wire(
  controlPlane: ControlPlane,
  gitlab: GitLabDouble,
  options: SandboxOptions,
  log: (line: string) => void,
): Promise<Sandbox> {
  gitlab.addGroup({ path: 'idp', name: 'IDP' });
  for (const group of GROUPS) gitlab.addGroup({ path: group, parent: 'idp' });
  log(`gitlab (test double): ${gitlab.baseUrl}`);
  // The teams' AppProjects for the double's repositories (the real ones permit
  // gitlab.acme.example), and the Gateway API a public service's HTTPRoute needs.
  await controlPlane.apply(platformAppProjects(`${gitlab.baseUrl}/idp/`));
  await controlPlane.apply(gatewayApiCrds());

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-sandbox-'));
  const configFile = path.join(dir, 'app-config.sandbox.yaml');
  fs.writeFileSync(
    configFile,
    stringify({
      integrations: {
        gitlab: [gitlab.integrationConfig('${SANDBOX_GITLAB_TOKEN}')],
      },
      kubernetes: {
        serviceLocatorMethod: { type: 'multiTenant' },
        clusterLocatorMethods: [
          {
            type: 'config',
            clusters: [
              {
                name: 'development',
                url: controlPlane.server,
                authProvider: 'serviceAccount',
                serviceAccountToken: '${SANDBOX_K8S_TOKEN}',
                caData: controlPlane.caData,
                skipMetricsLookup: true,
              },
            ],
          },
        ],
      },
      idp: {
        gitlab: { host: gitlab.host },
        environment: {
          clusters: {
            development: 'development',
            staging: 'development',
            production: 'development',
          },
        },
        argocd: { repositoryCredentials: 'secret', clusters: ['development'] },
      },
    }),
    { mode: 0o600 },
  );
  log(`portal config: ${configFile}`);

  // The sample services' environments exist from the start, so their Deployment tabs show
  // something before anyone runs a template.
  if (options.seed !== false) await seedSamples(controlPlane, gitlab, log);

  return {
    controlPlane,
    gitlab,
    configFile,
    env: {
      SANDBOX_GITLAB_TOKEN: gitlab.rootToken,
      SANDBOX_K8S_TOKEN: controlPlane.portalToken,
    },
    async stop() {
      await gitlab.stop();
      await controlPlane.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
