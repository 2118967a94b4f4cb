import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from './KubeRest';
import type { KubeObject } from './compositeResourceCrd';

/** The ApplicationEnvironment API the simulator plays Crossplane for. */
export const APP_ENV_API_VERSION = 'idp.acme.example/v1alpha1';
export const APP_ENV_KIND = 'ApplicationEnvironment';
const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/** One Crossplane-style condition. */
export interface SimulatedCondition {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message?: string;
}

/** Argo CD Application status fields the simulator writes. */
export interface SimulatedApplicationStatus {
  sync: 'Synced' | 'OutOfSync' | 'Unknown';
  health:
    | 'Healthy'
    | 'Progressing'
    | 'Degraded'
    | 'Suspended'
    | 'Missing'
    | 'Unknown';
  healthMessage?: string;
  /** The deployed (or compared) revision, a full git SHA. */
  revision: string;
  /** The current or last operation. */
  operation?: {
    phase: 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating';
    message?: string;
    startedAt: string;
    finishedAt?: string;
  };
  /** Deployments, oldest first (Argo CD keeps the last 10). */
  history?: Array<{ revision: string; deployedAt: string }>;
  /** Resources Argo CD manages, with their own sync and health. */
  resources?: Array<{
    group?: string;
    version: string;
    kind: string;
    namespace?: string;
    name: string;
    status: 'Synced' | 'OutOfSync';
    health?: 'Healthy' | 'Progressing' | 'Degraded' | 'Missing';
    healthMessage?: string;
  }>;
}

/** A pod state, as the deployment view must tell them apart. */
export type SimulatedPodState =
  | 'Running'
  | 'CrashLoopBackOff'
  | 'OOMKilled'
  | 'ImagePullBackOff'
  | 'Pending'
  | 'Succeeded';

/** One pod to simulate. */
export interface SimulatedPod {
  name: string;
  state: SimulatedPodState;
  image?: string;
  restarts?: number;
  /** When the pod started; defaults to now. */
  startedAt?: string;
}

/**
 * The names the ApplicationEnvironment composition gives what it composes. The composition in
 * platform/crossplane/ is the source of truth; the simulator mirrors it so tests see the same
 * names a real cluster would.
 */
export function composedNames(spec: {
  team: string;
  component: string;
  environment: string;
  targetNamespace?: string;
}) {
  return {
    namespace:
      spec.targetNamespace ??
      `${spec.team}-${spec.component}-${spec.environment}`,
    application: `${spec.component}-${spec.environment}`,
  };
}

function now() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function condition(type: string, c: SimulatedCondition) {
  return {
    type,
    status: c.status,
    reason: c.reason,
    ...(c.message && { message: c.message }),
    lastTransitionTime: now(),
  };
}

/**
 * Writes what the Crossplane and Argo CD controllers would write, on a real apiserver where
 * neither runs: composite resource conditions and composed resources, Argo CD Application
 * status, and pods with realistic statuses (no kubelet runs either).
 */
export class StatusSimulator {
  private readonly rest: KubeRest;

  constructor(adminKubeConfig: KubeConfig) {
    this.rest = new KubeRest(adminKubeConfig);
  }

  /** Sets an ApplicationEnvironment's Synced and Ready conditions (status subresource). */
  async setEnvironmentConditions(
    name: string,
    conditions: { synced?: SimulatedCondition; ready?: SimulatedCondition },
  ): Promise<void> {
    const xr = await this.rest.get(APP_ENV_API_VERSION, APP_ENV_KIND, name);
    if (!xr) throw new Error(`no ApplicationEnvironment ${name}`);
    const existing: any[] = xr.status?.conditions ?? [];
    const next = existing.filter(
      c =>
        !(c.type === 'Synced' && conditions.synced) &&
        !(c.type === 'Ready' && conditions.ready),
    );
    // Keep lastTransitionTime when the status did not change, as controllers do.
    for (const [type, c] of [
      ['Synced', conditions.synced],
      ['Ready', conditions.ready],
    ] as const) {
      if (!c) continue;
      const old = existing.find(e => e.type === type);
      const fresh = condition(type, c);
      if (old && old.status === c.status)
        fresh.lastTransitionTime = old.lastTransitionTime;
      next.push(fresh);
    }
    await this.rest.mergePatch(
      APP_ENV_API_VERSION,
      APP_ENV_KIND,
      name,
      { status: { conditions: next } },
      { subresource: 'status' },
    );
  }

  /**
   * Composes what the composition would for an ApplicationEnvironment: its Namespace (labels
   * for team, system, component, Kubernetes id, Pod Security `restricted`) and its Argo CD
   * Application, both owned by the XR so deleting the XR garbage-collects them, and records
   * `status.namespace`, `status.argocdApplication` and `spec.crossplane.resourceRefs`.
   */
  async composeEnvironment(
    name: string,
  ): Promise<{ namespace: string; application: string }> {
    const xr = await this.rest.get(APP_ENV_API_VERSION, APP_ENV_KIND, name);
    if (!xr) throw new Error(`no ApplicationEnvironment ${name}`);
    const spec = xr.spec;
    const names = composedNames(spec);
    const owner = {
      apiVersion: APP_ENV_API_VERSION,
      kind: APP_ENV_KIND,
      name,
      uid: (xr.metadata as any).uid,
      controller: true,
      blockOwnerDeletion: true,
    };
    const labels = {
      'crossplane.io/composite': name,
      'backstage.io/kubernetes-id': spec.component,
      'idp.acme.example/team': spec.team,
      'idp.acme.example/system': spec.system,
      'idp.acme.example/component': spec.component,
      'idp.acme.example/environment': spec.environment,
    };
    const namespace: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: names.namespace,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
        ownerReferences: [owner],
      },
    };
    const application: KubeObject = {
      apiVersion: ARGO_API_VERSION,
      kind: 'Application',
      metadata: {
        name: names.application,
        namespace: 'argocd',
        labels,
        ownerReferences: [owner],
      },
      spec: {
        project: spec.team,
        source: {
          repoURL: spec.repository.url,
          path: spec.repository.path ?? '.',
          targetRevision: spec.repository.revision ?? spec.environment,
          helm: {
            valueFiles: [
              'values.yaml',
              `environments/${spec.environment}.yaml`,
            ],
          },
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: names.namespace,
        },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    };
    await this.rest.apply(namespace, { fieldManager: 'crossplane-simulator' });
    await this.rest.apply(application, {
      fieldManager: 'crossplane-simulator',
    });
    await this.rest.mergePatch(APP_ENV_API_VERSION, APP_ENV_KIND, name, {
      spec: {
        crossplane: {
          resourceRefs: [
            { apiVersion: 'v1', kind: 'Namespace', name: names.namespace },
            {
              apiVersion: ARGO_API_VERSION,
              kind: 'Application',
              name: names.application,
              namespace: 'argocd',
            },
          ],
        },
      },
    });
    await this.rest.mergePatch(
      APP_ENV_API_VERSION,
      APP_ENV_KIND,
      name,
      {
        status: {
          namespace: names.namespace,
          argocdApplication: names.application,
        },
      },
      { subresource: 'status' },
    );
    return names;
  }

  /**
   * Plays the Crossplane controller until stopped: each ApplicationEnvironment is composed and
   * Synced at once, then Ready after `readyAfterMs` counted from its creation, unless `fail`
   * returns a message for it (then Ready stays False with that message, as a failing composed
   * resource would leave it).
   */
  runEnvironmentController(
    options: {
      readyAfterMs?: number;
      pollMs?: number;
      fail?: (xr: KubeObject) => string | undefined;
    } = {},
  ): { stop(): Promise<void> } {
    const readyAfterMs = options.readyAfterMs ?? 1000;
    const pollMs = options.pollMs ?? 200;
    let running = true;
    // Delays count from when the controller first sees an XR: creationTimestamp has one-second
    // resolution, which would make short delays up to a second shorter than asked.
    const firstSeen = new Map<string, number>();
    const loop = (async () => {
      while (running) {
        try {
          const xrs = await this.rest.list(APP_ENV_API_VERSION, APP_ENV_KIND);
          for (const xr of xrs) {
            if ((xr.metadata as any).deletionTimestamp) continue;
            const uid = (xr.metadata as any).uid as string;
            if (!firstSeen.has(uid)) firstSeen.set(uid, Date.now());
            await this.reconcileEnvironment(
              xr,
              Date.now() - firstSeen.get(uid)! >= readyAfterMs,
              options.fail,
            );
          }
        } catch {
          // The apiserver may be stopping under us; the next round tries again.
        }
        await new Promise(r => setTimeout(r, pollMs));
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
      },
    };
  }

  private async reconcileEnvironment(
    xr: KubeObject,
    delayPassed: boolean,
    fail?: (xr: KubeObject) => string | undefined,
  ) {
    const name = xr.metadata.name;
    const conditions: any[] = xr.status?.conditions ?? [];
    const ready = conditions.find(c => c.type === 'Ready');
    if (ready?.status === 'True') return;
    if (!xr.status?.namespace) {
      await this.composeEnvironment(name);
    }
    const failure = fail?.(xr);
    if (failure) {
      if (ready?.message !== failure) {
        await this.setEnvironmentConditions(name, {
          synced: { status: 'True', reason: 'ReconcileSuccess' },
          ready: { status: 'False', reason: 'Creating', message: failure },
        });
      }
    } else if (delayPassed) {
      await this.setEnvironmentConditions(name, {
        synced: { status: 'True', reason: 'ReconcileSuccess' },
        ready: { status: 'True', reason: 'Available' },
      });
    } else if (!ready) {
      await this.setEnvironmentConditions(name, {
        synced: { status: 'True', reason: 'ReconcileSuccess' },
        ready: {
          status: 'False',
          reason: 'Creating',
          message: 'Unready resources: application, namespace',
        },
      });
    }
  }

  /**
   * Writes an Argo CD Application's status. The Application CRD has no status subresource, so
   * this is a merge patch of the object itself, as Argo CD's controller does.
   */
  async setApplicationStatus(
    name: string,
    status: SimulatedApplicationStatus,
    namespace = 'argocd',
  ): Promise<void> {
    const app = await this.rest.get(
      ARGO_API_VERSION,
      'Application',
      name,
      namespace,
    );
    if (!app) throw new Error(`no Application ${namespace}/${name}`);
    const source = app.spec.source;
    const history = (status.history ?? []).map((h, i) => ({
      id: i,
      revision: h.revision,
      deployedAt: h.deployedAt,
      deployStartedAt: h.deployedAt,
      source,
      initiatedBy: { automated: true },
    }));
    await this.rest.mergePatch(
      ARGO_API_VERSION,
      'Application',
      name,
      {
        status: {
          sync: {
            status: status.sync,
            revision: status.revision,
            comparedTo: { source, destination: app.spec.destination },
          },
          health: {
            status: status.health,
            ...(status.healthMessage && { message: status.healthMessage }),
            lastTransitionTime: now(),
          },
          ...(status.operation && {
            operationState: {
              phase: status.operation.phase,
              message: status.operation.message ?? '',
              startedAt: status.operation.startedAt,
              ...(status.operation.finishedAt && {
                finishedAt: status.operation.finishedAt,
              }),
              operation: {
                sync: { revision: status.revision },
                initiatedBy: { automated: true },
                retry: { limit: 5 },
              },
              syncResult: { revision: status.revision, source },
            },
          }),
          history,
          resources: (status.resources ?? []).map(r => ({
            group: r.group ?? '',
            version: r.version,
            kind: r.kind,
            namespace: r.namespace,
            name: r.name,
            status: r.status,
            ...(r.health && {
              health: {
                status: r.health,
                ...(r.healthMessage && { message: r.healthMessage }),
              },
            }),
          })),
          reconciledAt: now(),
          sourceType: 'Helm',
        },
      },
      { namespace },
    );
  }

  /**
   * Creates pods carrying `labels` in `namespace` and writes their status as a kubelet would.
   * Pods are restricted-compliant and carry resources, so they pass Pod Security `restricted`
   * and ResourceQuota admission in guarded namespaces.
   */
  async setPods(
    namespace: string,
    labels: Record<string, string>,
    pods: SimulatedPod[],
    ownerReferences?: object[],
  ): Promise<void> {
    for (const pod of pods) {
      const image = pod.image ?? 'registry.acme.example/app:0000000';
      const object: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: pod.name,
          namespace,
          labels,
          ...(ownerReferences && { ownerReferences }),
        },
        spec: restrictedPodSpec(image, {
          requests: { cpu: '50m', memory: '64Mi' },
          limits: { cpu: '200m', memory: '128Mi' },
        }),
      };
      await this.rest.apply(object, { fieldManager: 'kubelet-simulator' });
      await this.rest.mergePatch(
        'v1',
        'Pod',
        pod.name,
        { status: podStatus(pod, image) },
        {
          namespace,
          subresource: 'status',
        },
      );
    }
  }
}

/**
 * A single-container pod spec that passes Pod Security `restricted`: non-root, RuntimeDefault
 * seccomp, no privilege escalation, all capabilities dropped.
 */
export function restrictedPodSpec(image: string, resources?: object) {
  return {
    securityContext: {
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'app',
        image,
        ...(resources && { resources }),
        securityContext: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        },
      },
    ],
  };
}

function podStatus(pod: SimulatedPod, image: string) {
  const startedAt = pod.startedAt ?? now();
  const restarts = pod.restarts ?? 0;
  const base = {
    name: 'app',
    image,
    imageID: `${image.split(':')[0]}@sha256:${'0'.repeat(64)}`,
    restartCount: restarts,
  };
  const scheduled = {
    type: 'PodScheduled',
    status: 'True',
    lastTransitionTime: startedAt,
  };
  const readyCondition = (ready: boolean, reason?: string) => [
    scheduled,
    { type: 'Initialized', status: 'True', lastTransitionTime: startedAt },
    {
      type: 'ContainersReady',
      status: ready ? 'True' : 'False',
      lastTransitionTime: startedAt,
      ...(reason && { reason }),
    },
    {
      type: 'Ready',
      status: ready ? 'True' : 'False',
      lastTransitionTime: startedAt,
      ...(reason && { reason }),
    },
  ];
  switch (pod.state) {
    case 'Running':
      return {
        phase: 'Running',
        startTime: startedAt,
        podIP: '10.244.0.10',
        conditions: readyCondition(true),
        containerStatuses: [
          {
            ...base,
            ready: true,
            started: true,
            state: { running: { startedAt } },
          },
        ],
      };
    case 'CrashLoopBackOff':
      return {
        phase: 'Running',
        startTime: startedAt,
        conditions: readyCondition(false, 'ContainersNotReady'),
        containerStatuses: [
          {
            ...base,
            restartCount: restarts || 5,
            ready: false,
            started: false,
            state: {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: `back-off 5m0s restarting failed container=app pod=${pod.name}`,
              },
            },
            lastState: {
              terminated: {
                exitCode: 1,
                reason: 'Error',
                startedAt,
                finishedAt: startedAt,
              },
            },
          },
        ],
      };
    case 'OOMKilled':
      return {
        phase: 'Running',
        startTime: startedAt,
        conditions: readyCondition(false, 'ContainersNotReady'),
        containerStatuses: [
          {
            ...base,
            restartCount: restarts || 3,
            ready: false,
            started: false,
            state: {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: `back-off 2m40s restarting failed container=app pod=${pod.name}`,
              },
            },
            lastState: {
              terminated: {
                exitCode: 137,
                reason: 'OOMKilled',
                startedAt,
                finishedAt: startedAt,
              },
            },
          },
        ],
      };
    case 'ImagePullBackOff':
      return {
        phase: 'Pending',
        startTime: startedAt,
        conditions: readyCondition(false, 'ContainersNotReady'),
        containerStatuses: [
          {
            ...base,
            imageID: '',
            ready: false,
            started: false,
            state: {
              waiting: {
                reason: 'ImagePullBackOff',
                message: `Back-off pulling image "${image}"`,
              },
            },
          },
        ],
      };
    case 'Pending':
      return {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message:
              '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
            lastTransitionTime: startedAt,
          },
        ],
      };
    case 'Succeeded':
      return {
        phase: 'Succeeded',
        startTime: startedAt,
        conditions: readyCondition(false, 'PodCompleted'),
        containerStatuses: [
          {
            ...base,
            ready: false,
            started: false,
            state: {
              terminated: {
                exitCode: 0,
                reason: 'Completed',
                startedAt,
                finishedAt: now(),
              },
            },
          },
        ],
      };
    default:
      throw new Error(`unknown pod state ${(pod as SimulatedPod).state}`);
  }
}
