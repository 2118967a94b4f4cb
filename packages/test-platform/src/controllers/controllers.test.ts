import { stringify } from 'yaml';
import { ControlPlane, startControlPlane } from '../kube/startControlPlane';
import { KubeRest } from '../kube/KubeRest';
import type { KubeObject } from '../kube/compositeResourceCrd';
import { GitLabDouble, startGitLabDouble } from '../gitlab/startGitLabDouble';
import { platformAppProjects, repositorySecret } from './argocd';

// The real controllers on the real control plane, no StatusSimulator: Crossplane core composes an
// ApplicationEnvironment with the platform's function, Argo CD deploys a chart from the GitLab
// double with a deploy token, kube-controller-manager and kube-scheduler make Pods, and kwok plays
// the kubelet (pod faults by image name, packages/test-platform/kwok/fault-stages.yaml).
// `IDP_CONTROLLERS_KEEP=1` keeps the control plane's folder (every process's log) after the run.
jest.setTimeout(900_000);

const XR_API = 'idp.acme.example/v1alpha1';
const TEAM = 'team-payments';
const COMPONENT = 'payments-refunds';
const ENVIRONMENT = 'development';
const NAMESPACE = `${TEAM}-${COMPONENT}-${ENVIRONMENT}`;
const APP = `${COMPONENT}-${ENVIRONMENT}`;
const IMAGE = `registry.acme.example/${COMPONENT}`;

const log = (line: string) => process.stderr.write(`[controllers] ${line}\n`);

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  describe: () => Promise<unknown> = async () => undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}\n${JSON.stringify(
          await describe().catch(e => String(e)),
          null,
          2,
        )}`,
      );
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

const condition = (obj: KubeObject | undefined, type: string) =>
  (obj?.status?.conditions ?? []).find((c: any) => c.type === type);

/** A small Helm chart as a service's deployment repository holds one: `values.yaml` plus one file per environment. */
function chart(values: Record<string, unknown>): Record<string, string> {
  return {
    'Chart.yaml': stringify({
      apiVersion: 'v2',
      name: COMPONENT,
      version: '0.1.0',
      appVersion: '1.0.0',
    }),
    'values.yaml': stringify({
      image: `${IMAGE}:1.0.0`,
      replicas: 2,
      port: 8080,
      extraDeployments: [],
    }),
    [`environments/${ENVIRONMENT}.yaml`]: stringify(values),
    'templates/workloads.yaml': `{{- $labels := dict "app.kubernetes.io/name" .Chart.Name "backstage.io/kubernetes-id" .Chart.Name }}
{{- $deployments := prepend .Values.extraDeployments (dict "name" .Chart.Name "image" .Values.image "replicas" .Values.replicas) }}
{{- range $deployments }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels: {{- toYaml $labels | nindent 4 }}
spec:
  replicas: {{ .replicas | default 1 }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: {{ .name }}
        {{- toYaml $labels | nindent 8 }}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: {{ .image }}
          ports:
            - containerPort: {{ $.Values.port }}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
          {{- with .resources }}
          resources: {{- toYaml . | nindent 12 }}
          {{- end }}
{{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Chart.Name }}
  labels: {{- toYaml $labels | nindent 4 }}
spec:
  selector:
    app.kubernetes.io/instance: {{ .Chart.Name }}
  ports:
    - port: 80
      targetPort: {{ .Values.port }}
`,
  };
}

describe('real controllers on the test platform', () => {
  let cp: ControlPlane;
  let gitlab: GitLabDouble;
  let rest: KubeRest;
  let projectId: number;
  let cloneUrl: string;
  const pids: number[] = [];

  async function gitlabApi(method: string, path: string, body?: unknown) {
    const res = await fetch(`${gitlab.apiBaseUrl}${path}`, {
      method,
      headers: {
        'PRIVATE-TOKEN': gitlab.rootToken,
        'Content-Type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok)
      throw new Error(
        `${method} ${path}: ${res.status} ${JSON.stringify(json)}`,
      );
    return json;
  }

  /** Commits the chart with these environment values to the deploy branch; returns the sha. */
  async function pushChart(values: Record<string, unknown>, message: string) {
    const branches = await gitlab.state.branches(projectId);
    const files = chart(values);
    const exists = Boolean(branches[ENVIRONMENT]);
    const actions = await Promise.all(
      Object.entries(files).map(async ([file, content]) => ({
        action:
          exists &&
          (await gitlab.state.readFile(projectId, file, ENVIRONMENT)) !==
            undefined
            ? 'update'
            : 'create',
        file_path: file,
        content,
      })),
    );
    const commit = await gitlabApi(
      'POST',
      `/projects/${projectId}/repository/commits`,
      {
        branch: ENVIRONMENT,
        ...(exists ? {} : { start_branch: 'main' }),
        commit_message: message,
        actions,
      },
    );
    return commit.id as string;
  }

  const application = () =>
    rest.get('argoproj.io/v1alpha1', 'Application', APP, 'argocd');
  const xr = () => rest.get(XR_API, 'ApplicationEnvironment', APP);
  const pods = (selector: string) =>
    rest.list('v1', 'Pod', { namespace: NAMESPACE, labelSelector: selector });
  const appSummary = async () => {
    const app = await application();
    return {
      sync: app?.status?.sync,
      health: app?.status?.health,
      operationState: app?.status?.operationState?.phase,
      message: app?.status?.operationState?.message,
      conditions: app?.status?.conditions,
    };
  };

  beforeAll(async () => {
    const t0 = Date.now();
    cp = await startControlPlane({
      controllers: true,
      keep: Boolean(process.env.IDP_CONTROLLERS_KEEP),
    });
    log(
      `control plane with controllers started in ${Date.now() - t0} ms (${
        cp.dir
      })`,
    );
    log(`startup of parts (ms): ${JSON.stringify(cp.controllers?.startupMs)}`);
    rest = new KubeRest(cp.kubeConfig('admin'));

    gitlab = await startGitLabDouble({ basePath: '/gitlab' });
    gitlab.addGroup({ path: 'idp' });
    gitlab.addGroup({ path: TEAM, parent: 'idp' });
    const project = await gitlab.addProject({
      namespace: `idp/${TEAM}`,
      path: `${COMPONENT}-deployment`,
      visibility: 'private',
      initialize_with_readme: true,
    });
    projectId = project.id;
    cloneUrl = (await gitlabApi('GET', `/projects/${projectId}`))
      .http_url_to_repo;
    await pushChart({ replicas: 2 }, 'Deployment repository');
    // What the portal delivers (createDeployRepo.ts): a read_repository deploy token in an Argo
    // CD repository Secret; and the platform's AppProjects for this GitLab.
    const token = await gitlabApi(
      'POST',
      `/projects/${projectId}/deploy_tokens`,
      {
        name: 'argocd',
        scopes: ['read_repository'],
      },
    );
    await cp.apply([
      ...platformAppProjects(`${gitlab.baseUrl}/idp/`),
      repositorySecret({
        projectId,
        url: cloneUrl,
        username: token.username,
        password: token.token,
      }),
    ]);
  });

  afterAll(async () => {
    for (const p of cp?.processes() ?? []) {
      if (p.pid) pids.push(p.pid);
      log(
        `at the end: ${p.name.padEnd(32)} RSS ${Math.round(
          (p.rssKiB ?? 0) / 1024,
        )} MiB`,
      );
    }
    const t0 = Date.now();
    await cp?.stop();
    log(`stop() took ${Date.now() - t0} ms`);
    await gitlab?.stop();
    const alive = pids.filter(pid => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    // stop() leaves no process behind.
    if (alive.length > 0) {
      throw new Error(`processes still running after stop(): ${alive}`);
    }
  });

  it('runs every controller as a process (resident memory logged)', () => {
    const processes = cp.processes();
    for (const p of processes) {
      log(
        `${p.name.padEnd(32)} pid ${p.pid} RSS ${Math.round(
          (p.rssKiB ?? 0) / 1024,
        )} MiB`,
      );
    }
    expect(processes.map(p => p.name)).toEqual(
      expect.arrayContaining([
        'kube-scheduler',
        'kwok',
        'crossplane',
        'function-applicationenvironment',
        'function-auto-ready',
        'redis',
        'argocd-repo-server',
        'argocd-application-controller',
        'kube-controller-manager',
      ]),
    );
    expect(processes.every(p => p.rssKiB && p.rssKiB > 0)).toBe(true);
  });

  it('Crossplane composes an ApplicationEnvironment and reports it Synced', async () => {
    await cp.apply([
      {
        apiVersion: XR_API,
        kind: 'ApplicationEnvironment',
        metadata: { name: APP },
        spec: {
          team: TEAM,
          system: 'payments',
          component: COMPONENT,
          environment: ENVIRONMENT,
          size: 'medium',
          repository: { url: cloneUrl },
        },
      },
    ]);
    const t0 = Date.now();
    // Synced with every composed resource referenced. Synced alone can be a moment too early:
    // while the new namespace is not yet visible to the function, it composes what lives outside
    // the namespace first (fn.go, "composing it before what lives in it"), and that reconcile
    // succeeds too; the namespace's creation triggers the one that composes the rest.
    const synced = await eventually(
      'the XR to be Synced with all 8 composed resources',
      async () => {
        const live = await xr();
        return (
          condition(live, 'Synced')?.status === 'True' &&
          (live?.spec?.crossplane?.resourceRefs ?? []).length === 8 &&
          live
        );
      },
      120_000,
      async () => (await xr())?.status,
    );
    log(`XR Synced after ${Date.now() - t0} ms`);
    const events = await rest.list('v1', 'Event', { namespace: 'default' });
    for (const e of events.filter(ev => ev.involvedObject?.name === APP)) {
      log(
        `XR event ${e.type} ${e.reason} x${e.count ?? 1}: ${String(
          e.message,
        ).slice(0, 300)}`,
      );
    }
    expect(synced.status.namespace).toBe(NAMESPACE);
    expect(synced.status.argocdApplication).toBe(APP);
    expect(synced.spec.crossplane.compositionRef.name).toBe(
      'applicationenvironments.idp.acme.example',
    );

    // Every composed resource exists, carries the composite label and is controlled by the XR.
    const uid = synced.metadata.uid;
    const composed: Array<[string, string, string, string?]> = [
      ['v1', 'Namespace', NAMESPACE],
      ['v1', 'ResourceQuota', 'team-quota', NAMESPACE],
      ['v1', 'LimitRange', 'container-defaults', NAMESPACE],
      [
        'networking.k8s.io/v1',
        'NetworkPolicy',
        'default-deny-ingress',
        NAMESPACE,
      ],
      [
        'networking.k8s.io/v1',
        'NetworkPolicy',
        'allow-same-namespace',
        NAMESPACE,
      ],
      [
        'networking.k8s.io/v1',
        'NetworkPolicy',
        'allow-from-gateway',
        NAMESPACE,
      ],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'team-edit', NAMESPACE],
      ['argoproj.io/v1alpha1', 'Application', APP, 'argocd'],
    ];
    const admin = rest;
    for (const [apiVersion, kind, name, namespace] of composed) {
      const obj = await eventually(`${kind} ${name}`, () =>
        admin.get(apiVersion, kind, name, namespace),
      );
      expect(obj.metadata.labels?.['crossplane.io/composite']).toBe(APP);
      expect(obj.metadata.ownerReferences).toEqual([
        expect.objectContaining({ uid, controller: true }),
      ]);
    }
    const resourceRefs = synced.spec.crossplane.resourceRefs ?? [];
    log(`XR resourceRefs: ${resourceRefs.map((r: any) => r.kind).join(', ')}`);
    expect(resourceRefs).toHaveLength(composed.length);
  });

  it('Argo CD syncs the chart from GitLab with the deploy token; kwok runs the pods', async () => {
    const head = (await gitlab.state.branches(projectId))[ENVIRONMENT];
    const app = await eventually(
      'the Application to be Synced and Healthy',
      async () => {
        const live = await application();
        const s = live?.status;
        return (
          s?.sync?.status === 'Synced' &&
          s?.health?.status === 'Healthy' &&
          s?.operationState?.phase === 'Succeeded' &&
          live
        );
      },
      240_000,
      appSummary,
    );
    expect(app.status.sync.revision).toBe(head);
    expect(app.status.history).toEqual([
      expect.objectContaining({ revision: head, id: 0 }),
    ]);
    expect(app.status.operationState.syncResult.revision).toBe(head);
    // Argo CD 3's default: resource health is not persisted in the Application
    // (controller.resource.health.persist false), only sync status; the app's health is.
    expect(app.status.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'Deployment',
          name: COMPONENT,
          status: 'Synced',
        }),
        expect.objectContaining({
          kind: 'Service',
          name: COMPONENT,
          status: 'Synced',
        }),
      ]),
    );
    expect(app.status.resources.some((r: any) => r.health)).toBe(false);
    // git over smart HTTP with the deploy token's basic auth, on the GitLab double.
    expect(
      gitlab.state.requests.some(
        r =>
          r.kind === 'git' &&
          r.path.endsWith('/git-upload-pack') &&
          r.status === 200,
      ),
    ).toBe(true);

    const deployment = await rest.get(
      'apps/v1',
      'Deployment',
      COMPONENT,
      NAMESPACE,
    );
    expect(deployment?.status).toMatchObject({
      readyReplicas: 2,
      availableReplicas: 2,
    });
    const replicaSets = await rest.list('apps/v1', 'ReplicaSet', {
      namespace: NAMESPACE,
    });
    expect((replicaSets[0].metadata as any).ownerReferences[0]).toMatchObject({
      kind: 'Deployment',
      name: COMPONENT,
    });
    const running = await pods(`app.kubernetes.io/instance=${COMPONENT}`);
    expect(running).toHaveLength(2);
    for (const pod of running) {
      expect(pod.spec.nodeName).toBe('kwok-node-0');
      expect((pod.metadata as any).ownerReferences[0]).toMatchObject({
        kind: 'ReplicaSet',
      });
      expect(pod.status.phase).toBe('Running');
      expect(condition(pod, 'Ready')?.status).toBe('True');
      // The namespace's LimitRange filled in requests and limits.
      expect(pod.spec.containers[0].resources.requests).toEqual({
        cpu: '100m',
        memory: '128Mi',
      });
    }
  });

  it('reports the XR Ready once its namespace is Active and Argo CD has compared the Application', async () => {
    // Crossplane's own Ready: function-applicationenvironment says when each composed resource
    // is ready (namespace Active, guardrails present, the Application compared by Argo CD) and
    // function-auto-ready turns that into the XR's condition. Before the function said so, a
    // real Crossplane kept the XR Ready=False (Creating: Unready resources) for ever.
    const live = await eventually('XR Ready', async () => {
      const now = await xr();
      return condition(now, 'Ready')?.status === 'True' ? now : undefined;
    });
    const ready = condition(live, 'Ready');
    log(`XR Ready: ${JSON.stringify(ready)}`);
    expect(condition(live, 'Synced')?.status).toBe('True');
    expect(ready).toMatchObject({ status: 'True', reason: 'Available' });
  });

  it('Argo CD deploys a pushed chart change and records the revision history', async () => {
    const before = (await gitlab.state.branches(projectId))[ENVIRONMENT];
    const after = await pushChart(
      { replicas: 3, image: `${IMAGE}:1.1.0` },
      'Release 1.1.0',
    );
    expect(after).not.toBe(before);
    const app = await eventually(
      'the Application to sync the new revision',
      async () => {
        const live = await application();
        const s = live?.status;
        return (
          s?.sync?.revision === after &&
          s?.sync?.status === 'Synced' &&
          s?.health?.status === 'Healthy' &&
          s?.operationState?.phase === 'Succeeded' &&
          live
        );
      },
      240_000,
      appSummary,
    );
    log(
      `history: ${JSON.stringify(
        app.status.history.map((h: any) => [h.id, h.revision, h.deployedAt]),
      )}`,
    );
    expect(app.status.history.map((h: any) => h.revision)).toEqual([
      before,
      after,
    ]);
    expect(app.status.operationState.operation.initiatedBy).toEqual({
      automated: true,
    });
    const running = await eventually(
      'three running pods of 1.1.0',
      async () => {
        const list = await pods(`app.kubernetes.io/instance=${COMPONENT}`);
        const ready = list.filter(
          p =>
            !p.metadata.deletionTimestamp &&
            p.spec.containers[0].image === `${IMAGE}:1.1.0` &&
            condition(p, 'Ready')?.status === 'True',
        );
        return ready.length === 3 && list.length === 3 && list;
      },
    );
    expect(running).toHaveLength(3);
  });

  it('plays ImagePullBackOff, CrashLoopBackOff and Pending (Unschedulable) for real', async () => {
    const revision = await pushChart(
      {
        replicas: 3,
        image: `${IMAGE}:1.1.0`,
        extraDeployments: [
          {
            name: 'broken-image',
            image: `${IMAGE}:does-not-exist`,
            replicas: 1,
          },
          { name: 'crashing', image: `${IMAGE}:1.1.0-crashloop`, replicas: 1 },
          { name: 'oom', image: `${IMAGE}:1.1.0-oomkill`, replicas: 1 },
          {
            name: 'too-big',
            image: `${IMAGE}:1.1.0`,
            replicas: 1,
            // More than any Node has; quota and LimitRange do not limit ephemeral storage.
            resources: { requests: { 'ephemeral-storage': '500Gi' } },
          },
        ],
      },
      'Add the fault workloads',
    );
    const podOf = async (name: string) =>
      (await pods(`app.kubernetes.io/instance=${name}`)).find(
        p => !p.metadata.deletionTimestamp,
      );

    const pulling = await eventually('an ImagePullBackOff pod', async () => {
      const pod = await podOf('broken-image');
      return (
        pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason ===
          'ImagePullBackOff' && pod
      );
    });
    expect(pulling.status.phase).toBe('Pending');
    expect(pulling.status.containerStatuses[0]).toMatchObject({
      ready: false,
      restartCount: 0,
    });
    expect(pulling.status.containerStatuses[0].state.waiting.message).toBe(
      `Back-off pulling image "${IMAGE}:does-not-exist"`,
    );
    expect(condition(pulling, 'Ready')?.status).toBe('False');

    const crashing = await eventually(
      'a CrashLoopBackOff pod restarting',
      async () => {
        const pod = await podOf('crashing');
        const status = pod?.status?.containerStatuses?.[0];
        return (
          status?.state?.waiting?.reason === 'CrashLoopBackOff' &&
          status.restartCount >= 2 &&
          pod
        );
      },
    );
    const crashStatus = crashing.status.containerStatuses[0];
    log(
      `crashing pod: restartCount ${
        crashStatus.restartCount
      }, lastState ${JSON.stringify(crashStatus.lastState)}`,
    );
    expect(crashing.status.phase).toBe('Running');
    expect(crashStatus.ready).toBe(false);
    expect(crashStatus.lastState.terminated).toMatchObject({
      exitCode: 1,
      reason: 'Error',
    });
    const restarts = crashStatus.restartCount;
    await eventually(
      'the restart count to go on counting',
      async () => {
        const pod = await podOf('crashing');
        return pod?.status?.containerStatuses?.[0]?.restartCount > restarts;
      },
      30_000,
    );

    const oom = await eventually('an OOMKilled container', async () => {
      const pod = await podOf('oom');
      const status = pod?.status?.containerStatuses?.[0];
      return status?.lastState?.terminated?.reason === 'OOMKilled' && pod;
    });
    expect(oom.status.containerStatuses[0].lastState.terminated.exitCode).toBe(
      137,
    );

    const pending = await eventually('an Unschedulable pod', async () => {
      const pod = await podOf('too-big');
      return condition(pod, 'PodScheduled')?.reason === 'Unschedulable' && pod;
    });
    expect(pending.status.phase).toBe('Pending');
    expect(pending.spec.nodeName).toBeUndefined();
    expect(condition(pending, 'PodScheduled').message).toMatch(
      /^0\/1 nodes are available: 1 Insufficient ephemeral-storage/,
    );

    const app = await eventually(
      'Argo CD to sync the fault revision',
      async () => {
        const live = await application();
        return (
          live?.status?.sync?.revision === revision &&
          live?.status?.sync?.status === 'Synced' &&
          live
        );
      },
      120_000,
      appSummary,
    );
    log(
      `Application health with the faults: ${JSON.stringify(
        app.status.health,
      )}; resources: ${JSON.stringify(
        app.status.resources
          .filter((r: any) => r.kind === 'Deployment')
          .map((r: any) => [r.name, r.health?.status, r.health?.message]),
      )}`,
    );
    expect(app.status.health.status).not.toBe('Healthy');
  });

  it('Crossplane recreates deleted composed resources (quota and namespace)', async () => {
    const quota = await rest.get(
      'v1',
      'ResourceQuota',
      'team-quota',
      NAMESPACE,
    );
    await rest.delete('v1', 'ResourceQuota', 'team-quota', NAMESPACE);
    const t0 = Date.now();
    const recreated = await eventually(
      'the quota to be recreated',
      async () => {
        const q = await rest.get(
          'v1',
          'ResourceQuota',
          'team-quota',
          NAMESPACE,
        );
        return q && q.metadata.uid !== quota?.metadata.uid && q;
      },
    );
    log(`quota recreated after ${Date.now() - t0} ms`);
    expect(recreated.spec.hard['requests.cpu']).toBe('4');

    const ns = await rest.get('v1', 'Namespace', NAMESPACE);
    await rest.delete('v1', 'Namespace', NAMESPACE);
    const t1 = Date.now();
    const again = await eventually(
      'the namespace to be recreated',
      async () => {
        const n = await rest.get('v1', 'Namespace', NAMESPACE);
        return (
          n &&
          n.metadata.uid !== ns?.metadata.uid &&
          n.status?.phase === 'Active' &&
          n
        );
      },
      180_000,
      async () => ({
        ns: await rest.get('v1', 'Namespace', NAMESPACE),
        xr: (await xr())?.status,
      }),
    );
    log(`namespace recreated after ${Date.now() - t1} ms`);
    expect(again.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
    await eventually(
      'the guardrails in the new namespace and the XR Synced',
      async () => {
        const live = await xr();
        const q = await rest.get(
          'v1',
          'ResourceQuota',
          'team-quota',
          NAMESPACE,
        );
        const rb = await rest.get(
          'rbac.authorization.k8s.io/v1',
          'RoleBinding',
          'team-edit',
          NAMESPACE,
        );
        return q && rb && condition(live, 'Synced')?.status === 'True';
      },
      120_000,
    );
    // Argo CD's self-heal puts the workloads back into the new namespace.
    await eventually(
      'Argo CD to redeploy into the recreated namespace',
      async () => {
        const list = await pods(`app.kubernetes.io/instance=${COMPONENT}`);
        return (
          list.filter(p => condition(p, 'Ready')?.status === 'True').length ===
          3
        );
      },
      240_000,
      appSummary,
    );
  });
});
