/**
 * The deployment status of one service (a catalog entity with `backstage.io/kubernetes-id`),
 * as GET /api/deployment/entities/:namespace/:kind/:name answers it. Read through Kubernetes
 * only: ApplicationEnvironments (Crossplane), Argo CD Applications and pods, from every
 * configured cluster independently.
 *
 * @public
 */
export interface DeploymentStatus {
  /** The entity this is about, e.g. `component:default/payments-refunds`. */
  entityRef: string;
  /** Its `backstage.io/kubernetes-id` (or its name): what every object is labelled with. */
  kubernetesId: string;
  /** When the backend read the clusters (ISO 8601). */
  generatedAt: string;
  /** One entry per configured cluster, in configuration order. */
  clusters: ClusterDeployment[];
}

/**
 * What one cluster holds of the service. A cluster that could not be read carries `error`, and
 * the others still render.
 *
 * @public
 */
export interface ClusterDeployment {
  cluster: string;
  /** Why this cluster could not be read (the other clusters are unaffected). */
  error?: ClusterError;
  /** One per environment (ApplicationEnvironment, or an Argo CD Application without one). */
  environments: EnvironmentDeployment[];
  /** How long reading this cluster took. */
  durationMs: number;
}

/** @public */
export interface ClusterError {
  /** unreachable: no answer (down, DNS, TLS); timeout; forbidden: 401/403; error: anything else. */
  kind: 'unreachable' | 'timeout' | 'forbidden' | 'error';
  message: string;
}

/** @public */
export interface EnvironmentDeployment {
  /** The ApplicationEnvironment's name, or the Application's when there is no environment. */
  name: string;
  /** development, staging, production, or undefined when unknown. */
  environment?: string;
  /** The namespace the service runs in. */
  namespace?: string;
  /** Set when this is a short-lived preview of a branch (an ApplicationEnvironment's spec.preview). */
  preview?: PreviewInfo;
  /** The ApplicationEnvironment's Synced and Ready conditions; empty without one. */
  conditions: Condition[];
  /** The Argo CD Application that deploys it, when there is one. */
  application?: ApplicationStatus;
  pods: PodStatus[];
}

/** A Crossplane condition. @public */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** An Argo CD Application, summarised. @public */
export interface ApplicationStatus {
  name: string;
  namespace: string;
  /** The deployment repository and the branch Argo CD follows. */
  repoURL?: string;
  targetRevision?: string;
  /** Synced, OutOfSync or Unknown. */
  syncStatus: string;
  /** The deployed (or compared) revision, a full git SHA. */
  revision?: string;
  /** Link to that revision's commit in GitLab, when the repository is a GitLab URL. */
  revisionUrl?: string;
  /** Healthy, Progressing, Degraded, Suspended, Missing or Unknown. */
  healthStatus: string;
  healthMessage?: string;
  /** The current or last operation. */
  operation?: {
    phase: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
  };
  /** The last deployments, newest first (at most 5). */
  history: Array<{
    revision: string;
    deployedAt?: string;
    revisionUrl?: string;
  }>;
  /** Resources that are out of sync or not healthy. */
  problemResources: Array<{
    kind: string;
    name: string;
    namespace?: string;
    syncStatus?: string;
    healthStatus?: string;
    message?: string;
  }>;
  /** A refresh was requested and Argo CD has not picked it up yet. */
  refreshRequested?: boolean;
}

/**
 * A pod, summarised for a person: what is wrong is in `problem`.
 *
 * @public
 */
export interface PodStatus {
  name: string;
  namespace: string;
  /** Pending, Running, Succeeded, Failed or Unknown. */
  phase: string;
  readyContainers: number;
  totalContainers: number;
  restarts: number;
  /** When it started (or was created). */
  startedAt?: string;
  /** The first container's image tag (or digest). */
  imageTag?: string;
  /** The first container's image, as its spec names it (what a promotion deploys onwards). */
  image?: string;
  /** The last time a container ended. */
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string };
  /**
   * What needs attention: CrashLoopBackOff, OOMKilled, ImagePullBackOff, ErrImagePull,
   * Pending (with the scheduler's reason), Failed; undefined when healthy.
   */
  problem?: string;
  /** A sentence for the problem, from the container's state or the pod's conditions. */
  problemMessage?: string;
}

/**
 * Body of POST /api/deployment/entities/:namespace/:kind/:name/actions: refresh asks Argo CD to
 * compare again; sync starts a sync of the Application's target revision.
 *
 * @public
 */
export interface DeploymentActionRequest {
  action: 'refresh' | 'sync';
  cluster: string;
  application: string;
}

/**
 * A request to promote what runs in one environment of a service to a later one. It names only
 * the environments: the image is what the clusters say runs in `from`.
 *
 * @public
 */
export interface PromotionRequest {
  from: string;
  to: string;
}

/**
 * What a promotion did: a commit on the target environment's branch (development, staging), or
 * a merge request into production's (GitLab's approval deploys it).
 *
 * @public
 */
export interface PromotionResult {
  kind: 'commit' | 'merge-request';
  image: string;
  message: string;
  /** The commit's or merge request's page. */
  url: string;
}

/**
 * An open promotion merge request of a service's deployment repository.
 *
 * @public
 */
export interface PendingPromotion {
  /** The environment it deploys to when merged (its target branch). */
  environment: string;
  title: string;
  url: string;
  iid: number;
  createdAt: string;
  author?: string;
}

/**
 * A preview environment's facts, from its ApplicationEnvironment's `spec.preview`.
 *
 * @public
 */
export interface PreviewInfo {
  /** e.g. `mr-42`: the ApplicationEnvironment is `<component>-preview-<name>`. */
  name: string;
  /** The app repository's branch it runs. */
  branch: string;
  mergeRequest?: number;
  /** When the portal's scheduled task removes it (ISO 8601). */
  expiresAt: string;
  /** The image it runs, when the pipeline gave one (`repository:tag`). */
  image?: string;
}

/**
 * Body of POST /api/deployment/entities/:namespace/:kind/:name/previews: a preview of a branch
 * (or a merge request's source branch) of the service's app repository, in its development
 * cluster, from its development environment's deployment repository and values. Posting the same
 * name again updates its image and expiry.
 *
 * @public
 */
export interface PreviewRequest {
  branch: string;
  mergeRequest?: number;
  /** Default: `mr-<mergeRequest>`, else the branch's slug (at most 20 characters). */
  name?: string;
  /** What the pipeline built for the branch, `repository:tag`; default: development's image. */
  image?: string;
  /** Hours until it is removed; default and maximum from `deployment.previews`. */
  ttlHours?: number;
}

/**
 * What POST …/previews did.
 *
 * @public
 */
export interface PreviewResult {
  /** created, or updated when the preview existed (its expiry and image renewed). */
  outcome: 'created' | 'updated';
  /** The ApplicationEnvironment's name. */
  resource: string;
  cluster: string;
  namespace: string;
  preview: PreviewInfo;
  message: string;
}
