import type {
  ApplicationStatus,
  Condition,
  PodStatus,
} from '@internal/plugin-deployment-common';

/** How many deployments of an Application's history the view shows. */
export const HISTORY_LENGTH = 5;

/** The annotation Argo CD watches to compare an Application again. */
export const ARGOCD_REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

/**
 * The web page of a commit when `repoURL` is a GitLab (or any `<project>.git` HTTPS) URL:
 * `https://host/group/project.git` → `https://host/group/project/-/commit/<sha>`.
 */
export function commitUrl(
  repoURL: string | undefined,
  revision: string | undefined,
): string | undefined {
  if (!repoURL || !revision || !/^[0-9a-f]{7,64}$/i.test(revision)) {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(repoURL);
  } catch {
    return undefined; // an SSH URL such as git@host:group/project.git
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.username = '';
  url.password = '';
  const base = url
    .toString()
    .replace(/\.git\/?$/, '')
    .replace(/\/$/, '');
  return `${base}/-/commit/${revision}`;
}

/** The Synced and Ready conditions of a Crossplane resource, Synced first. */
export function conditionsOf(object: any): Condition[] {
  const conditions: any[] = object?.status?.conditions ?? [];
  return ['Synced', 'Ready']
    .map(type => conditions.find(c => c?.type === type))
    .filter(Boolean)
    .map(c => ({
      type: String(c.type),
      status: (['True', 'False'].includes(c.status)
        ? c.status
        : 'Unknown') as Condition['status'],
      ...(c.reason && { reason: String(c.reason) }),
      ...(c.message && { message: String(c.message) }),
      ...(c.lastTransitionTime && {
        lastTransitionTime: String(c.lastTransitionTime),
      }),
    }));
}

/** An Argo CD Application as the view shows it. */
export function applicationOf(app: any): ApplicationStatus {
  const source = app.spec?.source ?? app.spec?.sources?.[0] ?? {};
  const status = app.status ?? {};
  const repoURL: string | undefined = source.repoURL;
  const revision: string | undefined =
    status.sync?.revision ?? status.operationState?.syncResult?.revision;
  const operation = status.operationState;
  // Argo CD appends to its history; the view wants the newest first.
  const history = [...(status.history ?? [])]
    .reverse()
    .slice(0, HISTORY_LENGTH)
    .map((h: any) => ({
      revision: String(h.revision ?? ''),
      ...(h.deployedAt && { deployedAt: String(h.deployedAt) }),
      ...(commitUrl(h.source?.repoURL ?? repoURL, h.revision) && {
        revisionUrl: commitUrl(h.source?.repoURL ?? repoURL, h.revision),
      }),
    }));
  const problemResources = (status.resources ?? [])
    .filter(
      (r: any) =>
        (r.status && r.status !== 'Synced') ||
        (r.health?.status && r.health.status !== 'Healthy'),
    )
    .map((r: any) => ({
      kind: String(r.kind),
      name: String(r.name),
      ...(r.namespace && { namespace: String(r.namespace) }),
      ...(r.status && { syncStatus: String(r.status) }),
      ...(r.health?.status && { healthStatus: String(r.health.status) }),
      ...(r.health?.message && { message: String(r.health.message) }),
    }));
  return {
    name: app.metadata.name,
    namespace: app.metadata.namespace,
    ...(repoURL && { repoURL }),
    ...(source.targetRevision && {
      targetRevision: String(source.targetRevision),
    }),
    syncStatus: String(status.sync?.status ?? 'Unknown'),
    ...(revision && { revision }),
    ...(commitUrl(repoURL, revision) && {
      revisionUrl: commitUrl(repoURL, revision),
    }),
    healthStatus: String(status.health?.status ?? 'Unknown'),
    ...(status.health?.message && {
      healthMessage: String(status.health.message),
    }),
    ...(operation && {
      operation: {
        phase: String(operation.phase ?? 'Unknown'),
        ...(operation.message && { message: String(operation.message) }),
        ...(operation.startedAt && { startedAt: String(operation.startedAt) }),
        ...(operation.finishedAt && {
          finishedAt: String(operation.finishedAt),
        }),
      },
    }),
    history,
    problemResources,
    ...(app.metadata.annotations?.[ARGOCD_REFRESH_ANNOTATION] && {
      refreshRequested: true,
    }),
  };
}

/** Reasons of a waiting container that mean the pod is failing, most telling first. */
const WAITING_PROBLEMS = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
  'RunContainerError',
];

/** The tag (or digest) of an image reference. */
export function imageTagOf(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1, at + 1 + 19); // sha256:<12 hex>
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon >= 0 ? image.slice(colon + 1) : 'latest';
}

/**
 * A pod as a person reads it: ready containers, restarts, and in `problem` what is wrong
 * (CrashLoopBackOff, OOMKilled, ImagePullBackOff, Pending with the scheduler's reason, Failed).
 */
export function podOf(pod: any): PodStatus {
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  const containers: any[] = pod.spec?.containers ?? [];
  const phase = String(pod.status?.phase ?? 'Unknown');
  const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
  const terminated = statuses
    .map(s => s.lastState?.terminated ?? s.state?.terminated)
    .filter(Boolean)
    .sort((a, b) =>
      String(b.finishedAt ?? '').localeCompare(String(a.finishedAt ?? '')),
    )[0];

  let problem: string | undefined;
  let problemMessage: string | undefined;
  const waiting = statuses
    .map(s => s.state?.waiting)
    .filter(w => w && WAITING_PROBLEMS.includes(w.reason))
    .sort(
      (a, b) =>
        WAITING_PROBLEMS.indexOf(a.reason) - WAITING_PROBLEMS.indexOf(b.reason),
    )[0];
  if (waiting) {
    problem = waiting.reason;
    problemMessage = waiting.message;
    // A crash loop caused by the memory limit says so: OOMKilled is what to fix.
    if (
      waiting.reason === 'CrashLoopBackOff' &&
      terminated?.reason === 'OOMKilled'
    ) {
      problem = 'OOMKilled';
      problemMessage = `killed for exceeding its memory limit, restarted ${restarts} times`;
    } else if (waiting.reason === 'CrashLoopBackOff' && !problemMessage) {
      problemMessage = `exits (${terminated?.reason ?? 'Error'}${
        terminated?.exitCode !== undefined
          ? `, code ${terminated.exitCode}`
          : ''
      }) and is restarted; ${restarts} restarts`;
    }
  } else if (terminated?.reason === 'OOMKilled' && phase === 'Running') {
    problem = 'OOMKilled';
    problemMessage = 'a container was killed for exceeding its memory limit';
  } else if (phase === 'Pending') {
    const scheduled = (pod.status?.conditions ?? []).find(
      (c: any) => c.type === 'PodScheduled' && c.status === 'False',
    );
    problem = 'Pending';
    problemMessage =
      scheduled?.message ??
      (scheduled?.reason ? String(scheduled.reason) : 'waiting to start');
  } else if (phase === 'Failed') {
    problem = 'Failed';
    problemMessage = pod.status?.message ?? pod.status?.reason;
  }

  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    phase,
    readyContainers: statuses.filter(s => s.ready).length,
    totalContainers: containers.length || statuses.length,
    restarts,
    ...((pod.status?.startTime ?? pod.metadata.creationTimestamp) && {
      startedAt: String(
        pod.status?.startTime ?? pod.metadata.creationTimestamp,
      ),
    }),
    ...(imageTagOf(containers[0]?.image) && {
      imageTag: imageTagOf(containers[0]?.image),
    }),
    ...(containers[0]?.image && { image: containers[0].image }),
    ...(terminated && {
      lastTermination: {
        ...(terminated.reason && { reason: String(terminated.reason) }),
        ...(terminated.exitCode !== undefined && {
          exitCode: Number(terminated.exitCode),
        }),
        ...(terminated.finishedAt && {
          finishedAt: String(terminated.finishedAt),
        }),
      },
    }),
    ...(problem && { problem }),
    ...(problemMessage && { problemMessage: String(problemMessage) }),
  };
}
