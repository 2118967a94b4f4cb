import { Config } from '@backstage/config';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  ClusterClient,
  ClusterDetails,
  IDP_ANNOTATIONS,
  IDP_LABELS,
  KubeObject,
  KubernetesApiError,
  kubernetesIdOf,
  readIdpConfig,
  teamFromOwnerRef,
} from '@internal/plugin-idp-node';
import type {
  ClusterDeployment,
  ClusterError,
  DeploymentActionRequest,
  DeploymentStatus,
  EnvironmentDeployment,
} from '@internal/plugin-deployment-common';
import {
  ARGOCD_REFRESH_ANNOTATION,
  applicationOf,
  conditionsOf,
  podOf,
} from './summarise';
import { previewOf } from './PreviewEnvironments';

const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/** Why a cluster read was given up: its own timeout. */
class ClusterTimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(
        () => reject(new ClusterTimeoutError(`no answer within ${ms} ms`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The cluster error a person can act on. */
function clusterErrorOf(e: unknown, cluster: string): ClusterError {
  if (e instanceof ClusterTimeoutError) {
    return { kind: 'timeout', message: `${cluster} gave ${e.message}` };
  }
  const status = e instanceof KubernetesApiError ? e.status : -1;
  const message = e instanceof Error ? e.message : String(e);
  if (status === 401 || status === 403) {
    return { kind: 'forbidden', message };
  }
  if (status === 0) return { kind: 'unreachable', message };
  return { kind: 'error', message };
}

/**
 * The team that owns an entity: the name of its `spec.owner` when that is a Group in the default
 * namespace (the catalog's tenancy rules make a registered entity's owner the team whose GitLab
 * group holds its file), else undefined. The same rule as the scaffolder's form fields.
 */
function teamOf(entity: Entity): string | undefined {
  return teamFromOwnerRef(entity.spec?.owner);
}

/**
 * Whether a cluster object belongs to the entity: its component (label or spec) is the entity's
 * kubernetes id and its team (label or spec) the entity's owner. An annotation says which id to
 * look for; the object's team says whose it is, so a component that copies another team's
 * `backstage.io/kubernetes-id` gets nothing.
 */
function ownedBy(
  object: KubeObject,
  kubernetesId: string,
  team: string | undefined,
): boolean {
  const labels = object.metadata.labels ?? {};
  const spec = (object as any).spec ?? {};
  const component =
    labels[IDP_LABELS.kubernetesId] ?? labels[IDP_LABELS.component];
  const objectTeam = labels[IDP_LABELS.team] ?? spec.team;
  return (
    team !== undefined &&
    objectTeam === team &&
    (component === kubernetesId || spec.component === kubernetesId)
  );
}

/**
 * Reads a service's deployment from every cluster of the `kubernetes` configuration, each
 * independently and with its own timeout, with the portal's service account: the
 * ApplicationEnvironments and Argo CD Applications of the entity's `backstage.io/kubernetes-id`
 * whose team is the entity's owner, and the pods in their namespaces. Also refreshes or syncs an
 * Application by writing the annotation or operation Argo CD's controller acts on, so the portal
 * needs no Argo CD API token.
 *
 * Why not Backstage's Kubernetes backend: it looks for custom resources only in the entity's
 * namespace (Argo CD Applications live in `argocd`, ApplicationEnvironments are cluster-scoped),
 * it has no per-cluster timeout of its own, and it has no write path for Argo CD.
 */
export class DeploymentReader {
  static fromConfig(config: Config): DeploymentReader {
    const clusters = ClusterClient.clustersFromConfig(config);
    const idp = readIdpConfig(config);
    const environments = idp.environment;
    return new DeploymentReader(clusters, {
      timeoutMs:
        (config.getOptionalNumber('deployment.clusterTimeoutSeconds') ?? 5) *
        1000,
      argocdNamespace:
        config.getOptionalString('deployment.argocdNamespace') ??
        idp.argocd.namespace,
      environmentApiVersion: environments.apiVersion,
      environmentKind: environments.kind,
      environmentNamespace:
        environments.scope === 'Namespaced'
          ? environments.claimNamespace
          : undefined,
    });
  }

  private readonly clients: ClusterClient[];

  constructor(
    clusters: ClusterDetails[],
    private readonly options: {
      timeoutMs: number;
      argocdNamespace: string;
      environmentApiVersion: string;
      environmentKind: string;
      environmentNamespace?: string;
    },
  ) {
    this.clients = clusters.map(c => ClusterClient.create(c));
  }

  /** The configured cluster names, in order. */
  get clusterNames(): string[] {
    return this.clients.map(c => c.name);
  }

  /** The deployment status of an entity, one entry per cluster. */
  async read(entity: Entity): Promise<DeploymentStatus> {
    const kubernetesId = kubernetesIdOf(entity) ?? entity.metadata.name;
    const clusters = await Promise.all(
      this.clients.map(client =>
        this.readCluster(client, entity, kubernetesId),
      ),
    );
    return {
      entityRef: stringifyEntityRef(entity),
      kubernetesId,
      generatedAt: new Date().toISOString(),
      clusters,
    };
  }

  private async readCluster(
    client: ClusterClient,
    entity: Entity,
    kubernetesId: string,
  ): Promise<ClusterDeployment> {
    const started = Date.now();
    try {
      const environments = await withTimeout(
        this.environmentsOf(client, entity, kubernetesId),
        this.options.timeoutMs,
      );
      return {
        cluster: client.name,
        environments,
        durationMs: Date.now() - started,
      };
    } catch (e) {
      return {
        cluster: client.name,
        error: clusterErrorOf(e, client.name),
        environments: [],
        durationMs: Date.now() - started,
      };
    }
  }

  private async environmentsOf(
    client: ClusterClient,
    entity: Entity,
    kubernetesId: string,
  ): Promise<EnvironmentDeployment[]> {
    const labelSelector = `${IDP_LABELS.kubernetesId}=${kubernetesId}`;
    // One round trip: environments, Applications and pods at once. Pods are listed by label
    // across the cluster and kept only in the environments' namespaces below.
    const [allXrs, allApplications, allPods] = await Promise.all([
      // All of them, not by label: an environment applied by hand or through GitOps may lack
      // the label the portal's action sets, but its spec.component is the same id.
      client.list({
        apiVersion: this.options.environmentApiVersion,
        kind: this.options.environmentKind,
        namespace: this.options.environmentNamespace,
      }),
      client.list({
        apiVersion: ARGO_API_VERSION,
        kind: 'Application',
        namespace: this.options.argocdNamespace,
        labelSelector,
      }),
      client.list<KubeObject>({ apiVersion: 'v1', kind: 'Pod', labelSelector }),
    ]);

    const team = teamOf(entity);
    const xrs = allXrs.filter(xr => ownedBy(xr, kubernetesId, team));
    const applications = allApplications.filter(app =>
      ownedBy(app, kubernetesId, team),
    );
    const environments: Array<
      Omit<EnvironmentDeployment, 'pods'> & { pods: [] }
    > = [];
    const claimed = new Set<string>();
    for (const xr of xrs) {
      const namespace: string | undefined =
        xr.status?.namespace ?? xr.spec?.targetNamespace;
      const appName: string | undefined =
        xr.status?.argocdApplication ?? xr.metadata.name;
      const app = applications.find(
        a =>
          a.metadata.name === appName ||
          (namespace && (a as any).spec?.destination?.namespace === namespace),
      );
      if (app) claimed.add(app.metadata.name!);
      environments.push({
        name: xr.metadata.name!,
        ...(xr.spec?.environment && {
          environment: String(xr.spec.environment),
        }),
        ...(namespace && { namespace }),
        ...(previewOf(xr) && { preview: previewOf(xr) }),
        conditions: conditionsOf(xr),
        ...(app && { application: applicationOf(app) }),
        pods: [],
      });
    }
    for (const app of applications) {
      if (claimed.has(app.metadata.name!)) continue;
      const namespace = (app as any).spec?.destination?.namespace;
      environments.push({
        name: app.metadata.name!,
        ...(app.metadata.labels?.[IDP_LABELS.environment] && {
          environment: app.metadata.labels[IDP_LABELS.environment],
        }),
        ...(namespace && { namespace }),
        conditions: [],
        application: applicationOf(app),
        pods: [],
      });
    }
    // A namespace the entity's annotation names (a service deployed without a golden path):
    // only its pods labelled with the entity's team count, below.
    const annotated =
      entity.metadata.annotations?.[IDP_ANNOTATIONS.kubernetesNamespace];
    if (annotated && !environments.some(e => e.namespace === annotated)) {
      environments.push({
        name: annotated,
        namespace: annotated,
        conditions: [],
        pods: [],
      });
    }

    const fromObjects = new Set(
      environments.filter(e => e.name !== annotated).map(e => e.namespace),
    );
    const podsByNamespace = new Map<string, KubeObject[]>();
    for (const pod of allPods) {
      const ns = pod.metadata.namespace!;
      if (
        !fromObjects.has(ns) &&
        pod.metadata.labels?.[IDP_LABELS.team] !== team
      ) {
        continue;
      }
      if (!podsByNamespace.has(ns)) podsByNamespace.set(ns, []);
      podsByNamespace.get(ns)!.push(pod);
    }
    return environments
      .map(e => ({
        ...e,
        pods: (e.namespace ? podsByNamespace.get(e.namespace) ?? [] : [])
          .map(podOf)
          .sort(
            (a, b) =>
              Number(!!b.problem) - Number(!!a.problem) ||
              a.name.localeCompare(b.name),
          ),
      }))
      .filter(
        // An annotated namespace with nothing in it is not an environment.
        e => e.conditions.length > 0 || e.application || e.pods.length > 0,
      );
  }

  /**
   * Asks Argo CD to refresh (compare again) or sync an Application of the entity, by writing
   * what its controller watches: the `argocd.argoproj.io/refresh` annotation, or the
   * Application's `operation`. Returns what was done, for the user.
   */
  async act(
    entity: Entity,
    request: DeploymentActionRequest,
    actor: string,
  ): Promise<string> {
    const client = this.clients.find(c => c.name === request.cluster);
    if (!client) {
      throw new InputError(
        `No cluster named '${
          request.cluster
        }' (configured: ${this.clusterNames.join(', ')})`,
      );
    }
    const kubernetesId = kubernetesIdOf(entity) ?? entity.metadata.name;
    const ref = {
      apiVersion: ARGO_API_VERSION,
      kind: 'Application',
      name: request.application,
      namespace: this.options.argocdNamespace,
    };
    let app: any;
    try {
      app = await withTimeout(client.get(ref), this.options.timeoutMs);
    } catch (e) {
      throw new ServiceUnavailableError(
        `Cannot read Application ${request.application} on ${
          request.cluster
        }: ${clusterErrorOf(e, request.cluster).message}`,
      );
    }
    // Only the entity's own Applications: the endpoint's permission is checked on the entity,
    // and the Application must be that entity's component and its owner's team.
    if (!app || !ownedBy(app, kubernetesId, teamOf(entity))) {
      throw new NotFoundError(
        `${stringifyEntityRef(entity)} has no Argo CD Application '${
          request.application
        }' on ${request.cluster}`,
      );
    }
    if (request.action === 'refresh') {
      await client.mergePatch(ref, {
        metadata: { annotations: { [ARGOCD_REFRESH_ANNOTATION]: 'normal' } },
      });
      return `Refresh of ${request.application} on ${
        request.cluster
      } requested; Argo CD compares it with ${
        app.spec?.source?.targetRevision ?? 'its target revision'
      } shortly`;
    }
    if (app.operation) {
      throw new ConflictError(
        `${request.application} on ${request.cluster} already has an operation in progress; wait until it finishes`,
      );
    }
    await client.mergePatch(ref, {
      operation: {
        initiatedBy: { username: actor },
        sync: {
          revision: app.spec?.source?.targetRevision,
          syncStrategy: { hook: {} },
        },
        info: [
          { name: 'Reason', value: `Sync requested in the portal by ${actor}` },
        ],
      },
    });
    return `Sync of ${request.application} on ${request.cluster} requested`;
  }
}
