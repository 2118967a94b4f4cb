import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ControlPlane, startControlPlane } from '../kube/startControlPlane';
import { StatusSimulator, restrictedPodSpec } from '../kube/StatusSimulator';
import { KubeRest } from '../kube/KubeRest';
import { repoRoot } from '../paths';
import { GitLabDouble, startGitLabDouble } from '../gitlab/startGitLabDouble';

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** How long an ApplicationEnvironment takes to become Ready (default 5 s). */
  readyAfterMs?: number;
  /** Create one sample environment at start (default true). */
  seed?: boolean;
  /** Log progress lines here (default: stderr). */
  log?: (line: string) => void;
}

/** A running sandbox: what the portal talks to, and the config that wires it. */
export interface Sandbox {
  controlPlane: ControlPlane;
  gitlab: GitLabDouble;
  simulator: StatusSimulator;
  /** A config file for the portal (`--config`); secrets stay in {@link Sandbox.env}. */
  configFile: string;
  /** Environment variables the config file substitutes (tokens). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The GitLab groups of the sample organisation (catalog-info/org.yaml's gitlab.com/group-slug). */
const GROUPS = ['platform', 'team-payments', 'team-storefront'];

/**
 * What a synced Helm chart leaves running: a Deployment, its ReplicaSet and two Running pods
 * (owned in that chain, so Backstage's Kubernetes tab groups them), labelled with the
 * component's Kubernetes id. No controllers run, so the objects are written as they would be.
 */
async function deployWorkload(
  rest: KubeRest,
  simulator: StatusSimulator,
  namespace: string,
  component: string,
  sha: string,
) {
  const labels = {
    'backstage.io/kubernetes-id': component,
    'app.kubernetes.io/name': component,
  };
  const image = `registry.acme.example/${component}:${sha.slice(0, 7)}`;
  const template = { metadata: { labels }, spec: restrictedPodSpec(image) };
  const deployment = await rest.apply(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: component, namespace, labels },
      spec: { replicas: 2, selector: { matchLabels: labels }, template },
    },
    { fieldManager: 'argocd-simulator' },
  );
  const hash = sha.slice(0, 10);
  const replicaSet = await rest.apply(
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${component}-${hash}`,
        namespace,
        labels,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: component,
            uid: (deployment.metadata as any).uid,
            controller: true,
          },
        ],
      },
      spec: { replicas: 2, selector: { matchLabels: labels }, template },
    },
    { fieldManager: 'argocd-simulator' },
  );
  await simulator.setPods(
    namespace,
    labels,
    ['x7k2p', 'q9w4m'].map(suffix => ({
      name: `${component}-${hash}-${suffix}`,
      state: 'Running' as const,
      image,
    })),
    [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: replicaSet.metadata.name,
        uid: (replicaSet.metadata as any).uid,
        controller: true,
      },
    ],
  );
  for (const [kind, name] of [
    ['Deployment', component],
    ['ReplicaSet', replicaSet.metadata.name],
  ]) {
    await rest.mergePatch(
      'apps/v1',
      kind,
      name,
      {
        status: {
          replicas: 2,
          readyReplicas: 2,
          availableReplicas: 2,
          updatedReplicas: 2,
          observedGeneration: 1,
        },
      },
      { namespace, subresource: 'status' },
    );
  }
}

/**
 * Plays Argo CD for the sandbox: every Application the composition created is reported
 * Synced and Healthy at the deploy repository's current commit, with two running pods
 * labelled with the component's Kubernetes id in its namespace.
 */
function runArgoSimulation(
  rest: KubeRest,
  simulator: StatusSimulator,
  gitlab: GitLabDouble,
  log: (line: string) => void,
) {
  let running = true;
  const done = new Set<string>();
  const loop = (async () => {
    while (running) {
      try {
        const apps = await rest.list('argoproj.io/v1alpha1', 'Application', {
          namespace: 'argocd',
        });
        for (const app of apps) {
          const uid = (app.metadata as any).uid as string;
          if (done.has(uid) || app.status?.sync) continue;
          const repoUrl: string = app.spec.source.repoURL;
          const project = gitlab.state
            .projects()
            .find(p =>
              repoUrl.replace(/\.git$/, '').endsWith(`/${p.fullPath}`),
            );
          const branch = app.spec.source.targetRevision;
          const sha =
            (project && (await gitlab.state.branches(project.id))[branch]) ??
            '0000000000000000000000000000000000000000';
          const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
          const component = (
            app.metadata.labels as Record<string, string> | undefined
          )?.['backstage.io/kubernetes-id'];
          const namespace = app.spec.destination.namespace;
          if (!component) {
            done.add(uid);
            continue;
          }
          await simulator.setApplicationStatus(app.metadata.name, {
            sync: 'Synced',
            health: 'Healthy',
            revision: sha,
            operation: {
              phase: 'Succeeded',
              message: 'successfully synced (all tasks run)',
              startedAt: now,
              finishedAt: now,
            },
            history: [{ revision: sha, deployedAt: now }],
            resources: [
              {
                group: 'apps',
                version: 'v1',
                kind: 'Deployment',
                namespace,
                name: component,
                status: 'Synced',
                health: 'Healthy',
              },
              {
                version: 'v1',
                kind: 'Service',
                namespace,
                name: component,
                status: 'Synced',
                health: 'Healthy',
              },
            ],
          });
          await deployWorkload(rest, simulator, namespace, component, sha);
          done.add(uid);
          log(
            `argo cd (simulated): ${
              app.metadata.name
            } synced and healthy at ${sha.slice(0, 7)}`,
          );
        }
      } catch (e) {
        log(`argo cd (simulated): ${(e as Error).message}`);
      }
      await new Promise(r => setTimeout(r, 500));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/**
 * A second sample service whose latest deployment went wrong, so the deployment view has a
 * degraded service to show: storefront-web's production environment, Argo CD out of sync and
 * degraded after a failed sync, pods crash-looping, out of memory and unable to pull the image.
 */
async function seedDegraded(
  controlPlane: ControlPlane,
  simulator: StatusSimulator,
  gitlab: GitLabDouble,
  log: (line: string) => void,
) {
  const repo = await gitlab.addProject({
    namespace: 'idp/team-storefront',
    path: 'storefront-web-deployment',
    description: 'GitOps deployment repository of storefront-web',
    default_branch: 'production',
    initialize_with_readme: true,
  });
  await controlPlane.apply([
    {
      apiVersion: 'idp.acme.example/v1alpha1',
      kind: 'ApplicationEnvironment',
      metadata: { name: 'storefront-web-production' },
      spec: {
        team: 'team-storefront',
        system: 'storefront',
        component: 'storefront-web',
        environment: 'production',
        size: 'medium',
        repository: { url: `${gitlab.baseUrl}/${repo.fullPath}.git` },
      },
    },
  ]);
  const rest = new KubeRest(controlPlane.kubeConfig('admin'));
  // Wait until the simulated Argo CD has deployed it healthy, then break it.
  for (const deadline = Date.now() + 60_000; ; ) {
    const app = await rest.get(
      'argoproj.io/v1alpha1',
      'Application',
      'storefront-web-production',
      'argocd',
    );
    if (app?.status?.sync) break;
    if (Date.now() > deadline) {
      log('seed: storefront-web-production was never deployed; not degraded');
      return;
    }
    await new Promise(r => setTimeout(r, 250));
  }
  const good = (await gitlab.state.branches(repo.id)).production;
  const bad = 'c0ffee0000000000000000000000000000000bad';
  const ago = (minutes: number) =>
    new Date(Date.now() - minutes * 60_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  const namespace = 'team-storefront-storefront-web-production';
  await simulator.setApplicationStatus('storefront-web-production', {
    sync: 'OutOfSync',
    health: 'Degraded',
    healthMessage: 'Deployment storefront-web exceeded its progress deadline',
    revision: bad,
    operation: {
      phase: 'Failed',
      message:
        'one or more objects failed to apply: Deployment storefront-web: ReplicaSet has timed out progressing',
      startedAt: ago(12),
      finishedAt: ago(2),
    },
    history: [
      { revision: good, deployedAt: ago(60 * 26) },
      { revision: bad, deployedAt: ago(12) },
    ],
    resources: [
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace,
        name: 'storefront-web',
        status: 'OutOfSync',
        health: 'Degraded',
        healthMessage: 'exceeded its progress deadline',
      },
      {
        version: 'v1',
        kind: 'Service',
        namespace,
        name: 'storefront-web',
        status: 'Synced',
        health: 'Healthy',
      },
    ],
  });
  await simulator.setPods(
    namespace,
    {
      'backstage.io/kubernetes-id': 'storefront-web',
      'app.kubernetes.io/name': 'storefront-web',
    },
    [
      {
        name: 'storefront-web-7c9d4-crash1',
        state: 'CrashLoopBackOff',
        restarts: 9,
        image: 'registry.acme.example/storefront-web:c0ffee0',
      },
      {
        name: 'storefront-web-7c9d4-oom01',
        state: 'OOMKilled',
        restarts: 3,
        image: 'registry.acme.example/storefront-web:c0ffee0',
      },
      {
        name: 'storefront-web-7c9d4-pull1',
        state: 'ImagePullBackOff',
        image: 'registry.acme.example/storefront-web:c0ffee0',
      },
      {
        name: 'storefront-web-7c9d4-pend1',
        state: 'Pending',
        image: 'registry.acme.example/storefront-web:c0ffee0',
      },
    ],
  );
  log('seeded: storefront-web-production, degraded');
}

/**
 * Starts the whole test platform for trying the portal on a laptop: a real Kubernetes control
 * plane, the GitLab test double under `/gitlab` with the sample organisation's groups, and
 * simulated Crossplane and Argo CD controllers; returns a config file that points the portal's
 * GitLab integration and Kubernetes backend at them.
 */
export async function startSandbox(
  options: SandboxOptions = {},
): Promise<Sandbox> {
  const log =
    options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const controlPlane = await startControlPlane();
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

  const admin = controlPlane.kubeConfig('admin');
  const simulator = new StatusSimulator(admin);
  const crossplane = simulator.runEnvironmentController({
    readyAfterMs: options.readyAfterMs ?? 5000,
  });
  const argo = runArgoSimulation(new KubeRest(admin), simulator, gitlab, log);

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

  // One environment of a sample service exists from the start, so its Kubernetes tab shows
  // something before anyone runs a template.
  if (options.seed !== false) {
    const repo = await gitlab.addProject({
      namespace: 'idp/team-payments',
      path: 'payments-checkout-deployment',
      description: 'GitOps deployment repository of payments-checkout',
      default_branch: 'development',
      initialize_with_readme: true,
    });
    await controlPlane.apply([
      {
        apiVersion: 'idp.acme.example/v1alpha1',
        kind: 'ApplicationEnvironment',
        metadata: { name: 'payments-checkout-development' },
        spec: {
          team: 'team-payments',
          system: 'payments',
          component: 'payments-checkout',
          environment: 'development',
          repository: { url: `${gitlab.baseUrl}/${repo.fullPath}.git` },
        },
      },
    ]);
    log('seeded: ApplicationEnvironment payments-checkout-development');
    await seedDegraded(controlPlane, simulator, gitlab, log);
  }

  return {
    controlPlane,
    gitlab,
    simulator,
    configFile,
    env: {
      SANDBOX_GITLAB_TOKEN: gitlab.rootToken,
      SANDBOX_K8S_TOKEN: controlPlane.portalToken,
    },
    async stop() {
      await argo.stop();
      await crossplane.stop();
      await gitlab.stop();
      await controlPlane.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
