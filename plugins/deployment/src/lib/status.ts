import type {
  ClusterError,
  Condition,
  DeploymentStatus,
  PodStatus,
} from '@internal/plugin-deployment-common';
import { plural } from './format';

/**
 * How a status looks: ok (green), warning (orange), error (red), pending (grey, not known
 * yet), running (grey, in progress).
 */
export type StatusLevel = 'ok' | 'warning' | 'error' | 'pending' | 'running';

/** Crossplane conditions: True is good, False is bad, Unknown is still being decided. */
export function conditionLevel(status: Condition['status']): StatusLevel {
  if (status === 'True') return 'ok';
  if (status === 'False') return 'error';
  return 'pending';
}

/** Argo CD sync status: Synced, OutOfSync or Unknown. */
export function syncLevel(syncStatus: string): StatusLevel {
  if (syncStatus === 'Synced') return 'ok';
  if (syncStatus === 'OutOfSync') return 'warning';
  return 'pending';
}

/** Argo CD health: Healthy, Progressing, Degraded, Suspended, Missing or Unknown. */
export function healthLevel(healthStatus: string): StatusLevel {
  switch (healthStatus) {
    case 'Healthy':
      return 'ok';
    case 'Progressing':
      return 'running';
    case 'Degraded':
      return 'error';
    case 'Missing':
    case 'Suspended':
      return 'warning';
    default:
      return 'pending';
  }
}

/** Argo CD operation phases: Running, Terminating, Failed, Error, Succeeded. */
export function operationLevel(phase: string): StatusLevel {
  switch (phase) {
    case 'Succeeded':
      return 'ok';
    case 'Running':
    case 'Terminating':
      return 'running';
    case 'Failed':
    case 'Error':
      return 'error';
    default:
      return 'pending';
  }
}

/**
 * Problems that stop a pod from serving. Pending (not scheduled yet, or waiting for a volume)
 * often resolves itself, so it is a warning rather than an error.
 */
const POD_ERROR_PROBLEMS = new Set([
  'CrashLoopBackOff',
  'OOMKilled',
  'ImagePullBackOff',
  'ErrImagePull',
  'Failed',
]);

/** A pod's level: from its problem when it has one, else from its phase and readiness. */
export function podLevel(pod: PodStatus): StatusLevel {
  if (pod.problem) {
    return POD_ERROR_PROBLEMS.has(pod.problem) ? 'error' : 'warning';
  }
  if (pod.phase === 'Succeeded') return 'ok';
  if (pod.phase === 'Running') {
    return isPodReady(pod) ? 'ok' : 'running';
  }
  if (pod.phase === 'Failed') return 'error';
  return 'pending';
}

/** Running with every container ready. */
export function isPodReady(pod: PodStatus): boolean {
  return (
    pod.phase === 'Running' &&
    pod.totalContainers > 0 &&
    pod.readyContainers === pod.totalContainers
  );
}

const LEVEL_ORDER: Record<StatusLevel, number> = {
  error: 0,
  warning: 1,
  running: 2,
  pending: 3,
  ok: 4,
};

/** Pods with problems first (errors, then warnings), then by name, so nobody has to scroll. */
export function sortPods(pods: PodStatus[]): PodStatus[] {
  return [...pods].sort(
    (a, b) =>
      LEVEL_ORDER[podLevel(a)] - LEVEL_ORDER[podLevel(b)] ||
      a.name.localeCompare(b.name),
  );
}

/** How many pods there are, how many are ready and how many have a problem. */
export function summarisePods(pods: PodStatus[]): {
  total: number;
  ready: number;
  failing: number;
} {
  return {
    total: pods.length,
    ready: pods.filter(isPodReady).length,
    failing: pods.filter(p => p.problem).length,
  };
}

/** "3 pods, 1 failing, 2 ready": an environment's pods at a glance. */
export function podSummaryText(pods: PodStatus[]): string {
  const { total, ready, failing } = summarisePods(pods);
  if (total === 0) return 'No pods';
  const parts = [plural(total, 'pod')];
  if (failing > 0) parts.push(`${failing} failing`);
  parts.push(ready === total ? 'all ready' : `${ready} ready`);
  return parts.join(', ');
}

/** True when no reachable cluster holds anything of the service. */
export function isNothingDeployed(status: DeploymentStatus): boolean {
  return status.clusters.every(c => c.environments.length === 0);
}

/** The words for a cluster error's kind, as in "dev-cluster: unreachable — …". */
export function clusterErrorLabel(kind: ClusterError['kind']): string {
  switch (kind) {
    case 'unreachable':
      return 'unreachable';
    case 'timeout':
      return 'timed out';
    case 'forbidden':
      return 'forbidden';
    default:
      return 'error';
  }
}
