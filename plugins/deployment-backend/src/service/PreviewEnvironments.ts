import { Config } from '@backstage/config';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  ApplicationEnvironmentSpec,
  ClusterClient,
  EnvironmentApiSettings,
  IDP_LABELS,
  KubeObject,
  KubernetesApiError,
  branchNameErrors,
  buildApplicationEnvironment,
  environmentNames,
  kubernetesIdOf,
  previewNameErrors,
  previewNameFor,
  readIdpConfig,
  teamFromOwnerRef,
} from '@internal/plugin-idp-node';
import type {
  PreviewInfo,
  PreviewRequest,
  PreviewResult,
} from '@internal/plugin-deployment-common';
import { splitImage } from './Promoter';

/** `deployment.previews`, with its defaults. */
export interface PreviewSettings {
  /** Hours a preview lives when the request names none. */
  defaultTtlHours: number;
  /** The longest a request may ask for. */
  maxTtlHours: number;
  /** How often the scheduled task looks for expired previews. */
  reapIntervalSeconds: number;
  /**
   * The pipelines that may create and remove previews without a user: the subject of a Backstage
   * external access token (`backend.auth.externalAccess`) → the one team whose services it may
   * preview. A token whose subject is not here may do nothing with previews.
   */
  pipelines: Array<{ subject: string; team: string }>;
}

/** `deployment.previews` from config, validated. */
export function readPreviewSettings(config: Config): PreviewSettings {
  const c = config.getOptionalConfig('deployment.previews');
  const defaultTtlHours = c?.getOptionalNumber('defaultTtlHours') ?? 72;
  const maxTtlHours = c?.getOptionalNumber('maxTtlHours') ?? 168;
  const reapIntervalSeconds =
    c?.getOptionalNumber('reapIntervalSeconds') ?? 300;
  if (!(maxTtlHours > 0) || !(defaultTtlHours > 0)) {
    throw new Error(
      'deployment.previews: TTLs must be positive numbers of hours',
    );
  }
  if (defaultTtlHours > maxTtlHours) {
    throw new Error(
      `deployment.previews.defaultTtlHours (${defaultTtlHours}) exceeds maxTtlHours (${maxTtlHours})`,
    );
  }
  if (!(reapIntervalSeconds >= 1)) {
    throw new Error(
      'deployment.previews.reapIntervalSeconds must be at least 1',
    );
  }
  const pipelines = (c?.getOptionalConfigArray('pipelines') ?? []).map(p => ({
    subject: p.getString('subject'),
    team: p.getString('team'),
  }));
  return { defaultTtlHours, maxTtlHours, reapIntervalSeconds, pipelines };
}

// What the XRD accepts of spec.preview.image (definition.yaml).
const IMAGE_REPOSITORY = /^[a-z0-9][a-z0-9._/:-]*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The preview facts of an ApplicationEnvironment, or undefined when it is not a preview. */
export function previewOf(object: KubeObject): PreviewInfo | undefined {
  const p = (object as any).spec?.preview;
  if (!p || typeof p.name !== 'string') return undefined;
  return {
    name: p.name,
    branch: String(p.branch ?? ''),
    ...(typeof p.mergeRequest === 'number' && { mergeRequest: p.mergeRequest }),
    expiresAt: String(p.expiresAt ?? ''),
    ...(p.image?.repository &&
      p.image?.tag && { image: `${p.image.repository}:${p.image.tag}` }),
  };
}

/** A preview that has expired, as the scheduled task found it. */
export interface ExpiredPreview {
  cluster: string;
  resource: string;
  team: string;
  component: string;
  preview: PreviewInfo;
}

/**
 * Short-lived preview environments of a service's branches, through the ApplicationEnvironment
 * API like every other environment: a preview is an ApplicationEnvironment with `spec.preview`
 * (the XRD validates it, the Composition names and labels it apart), made from the service's
 * development environment as the cluster holds it (team, system, size and deployment repository
 * are the platform's facts, never the request's), in development's cluster. It ends by the
 * same path as every environment: its ApplicationEnvironment is deleted and Crossplane removes
 * its namespace and Application.
 */
export class PreviewEnvironments {
  static fromConfig(config: Config): PreviewEnvironments {
    const environment = readIdpConfig(config).environment;
    return new PreviewEnvironments(
      name => ClusterClient.fromConfig(config, name),
      environment,
      readPreviewSettings(config),
    );
  }

  constructor(
    private readonly clientFor: (cluster: string) => ClusterClient,
    private readonly api: EnvironmentApiSettings,
    readonly settings: PreviewSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The team a pipeline's token may act for, or undefined when it may not act at all. */
  pipelineTeam(subject: string): string | undefined {
    return this.settings.pipelines.find(p => p.subject === subject)?.team;
  }

  private get cluster(): string {
    const cluster = this.api.clusters.development;
    if (!cluster) {
      throw new ConflictError(
        'No cluster is configured for development (idp.environment.clusters); previews run there',
      );
    }
    return cluster;
  }

  private ref(name: string) {
    return {
      apiVersion: this.api.apiVersion,
      kind: this.api.kind,
      name,
      namespace:
        this.api.scope === 'Namespaced' ? this.api.claimNamespace : undefined,
    };
  }

  /** The request checked against the XRD's rules and the TTL maximum, before any side effect. */
  private checked(request: PreviewRequest): {
    name: string;
    ttlHours: number;
    image?: { repository: string; tag: string };
  } {
    const errors: string[] = [];
    const branch = request.branch;
    for (const e of branchNameErrors(branch)) errors.push(`branch: ${e}`);
    if (
      request.mergeRequest !== undefined &&
      !(Number.isInteger(request.mergeRequest) && request.mergeRequest >= 1)
    ) {
      errors.push(
        'mergeRequest: must be a merge request IID, a whole number from 1',
      );
    }
    const name =
      request.name ??
      previewNameFor({ branch, mergeRequest: request.mergeRequest });
    for (const e of previewNameErrors(name))
      errors.push(`name '${name}': ${e}`);
    const ttlHours = request.ttlHours ?? this.settings.defaultTtlHours;
    if (!(ttlHours > 0) || ttlHours > this.settings.maxTtlHours) {
      errors.push(
        `ttlHours: must be more than 0 and at most ${this.settings.maxTtlHours} (deployment.previews.maxTtlHours); it is ${ttlHours}`,
      );
    }
    let image: { repository: string; tag: string } | undefined;
    if (request.image !== undefined) {
      image = splitImage(request.image);
      if (
        !image ||
        image.repository.length > 255 ||
        !IMAGE_REPOSITORY.test(image.repository) ||
        !IMAGE_TAG.test(image.tag)
      ) {
        errors.push(
          `image: '${request.image}' is not repository:tag (a lower-case repository such as registry.acme.example/idp/team/app and a tag of letters, digits, '_', '.' and '-')`,
        );
        image = undefined;
      }
    }
    if (errors.length) {
      throw new InputError(`Invalid preview: ${errors.join('; ')}`);
    }
    return { name, ttlHours, image };
  }

  /** The service's ApplicationEnvironments in development's cluster. */
  private async environmentsOf(team: string, component: string) {
    const client = this.clientFor(this.cluster);
    const xrs = await client.list({
      apiVersion: this.api.apiVersion,
      kind: this.api.kind,
      namespace:
        this.api.scope === 'Namespaced' ? this.api.claimNamespace : undefined,
      labelSelector: `${IDP_LABELS.component}=${component}`,
    });
    return {
      client,
      xrs: xrs.filter(
        x =>
          x.spec?.team === team &&
          x.metadata.labels?.[IDP_LABELS.team] === team &&
          x.spec?.component === component,
      ),
    };
  }

  private identity(entity: Entity) {
    const team = teamFromOwnerRef(entity.spec?.owner);
    if (!team) {
      throw new InputError(
        `${stringifyEntityRef(
          entity,
        )} is not owned by a team; only team services have previews`,
      );
    }
    return { team, component: kubernetesIdOf(entity) ?? entity.metadata.name };
  }

  /**
   * Creates the preview, or renews it (expiry, image, branch) when it exists. `team` is the
   * entity's verified team; the caller has checked that the requester may act for it.
   */
  async upsert(
    entity: Entity,
    request: PreviewRequest,
    actor: string,
  ): Promise<PreviewResult> {
    const { name, ttlHours, image } = this.checked(request);
    const { team, component } = this.identity(entity);
    const { client, xrs } = await this.environmentsOf(team, component);
    const development = xrs.find(
      x => x.spec.environment === 'development' && !x.spec.preview,
    );
    if (!development) {
      throw new ConflictError(
        `${component} has no development environment on cluster ${this.cluster}; a preview runs from development's deployment repository and values`,
      );
    }
    const spec: ApplicationEnvironmentSpec = {
      team,
      system: development.spec.system,
      component,
      environment: 'development',
      ...(development.spec.size && { size: development.spec.size }),
      repository: development.spec.repository,
      // A preview is reached inside the cluster only: development's public hostname is
      // development's.
      exposure: {
        mode: 'internal',
        ...(development.spec.exposure?.port && {
          port: development.spec.exposure.port,
        }),
      },
      preview: {
        name,
        branch: request.branch,
        ...(request.mergeRequest !== undefined && {
          mergeRequest: request.mergeRequest,
        }),
        expiresAt: new Date(this.now().getTime() + ttlHours * 3_600_000)
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        ...(image && { image }),
      },
    };
    const names = environmentNames(spec);
    if (names.namespace.length > 63) {
      throw new InputError(
        `Invalid preview: the namespace ${names.namespace} would exceed 63 characters; choose a shorter name`,
      );
    }
    const existing = await client.get(this.ref(names.resource));
    if (
      existing &&
      !(
        existing.spec?.preview &&
        xrs.some(x => x.metadata.uid === existing.metadata.uid)
      )
    ) {
      throw new ConflictError(
        `${names.resource} already exists on cluster ${this.cluster} and is not a preview of ${component}; choose another name`,
      );
    }
    if (existing?.metadata.deletionTimestamp) {
      throw new ConflictError(
        `Preview ${name} of ${component} is being removed; create it again once it is gone`,
      );
    }
    const object = buildApplicationEnvironment(spec, this.api);
    object.metadata.annotations = {
      'idp.acme.example/requested-by': actor,
    };
    // The XRD's own rules first (a dry run changes nothing), so a refusal leaves nothing behind.
    await client.apply(object, {
      fieldManager: this.api.fieldManager,
      dryRun: true,
    });
    await client.apply(object, { fieldManager: this.api.fieldManager });
    const preview = previewOf(object)!;
    return {
      outcome: existing ? 'updated' : 'created',
      resource: names.resource,
      cluster: this.cluster,
      namespace: names.namespace,
      preview,
      message: `Preview ${name} of ${component} (${request.branch}) ${
        existing ? 'renewed' : 'created'
      } in ${names.namespace} on cluster ${this.cluster}; it is removed at ${
        preview.expiresAt
      }`,
    };
  }

  /** The service's previews. */
  async list(entity: Entity): Promise<PreviewInfo[]> {
    const { team, component } = this.identity(entity);
    const { xrs } = await this.environmentsOf(team, component);
    return xrs.flatMap(x => previewOf(x) ?? []);
  }

  /**
   * Removes one preview of the service: deletes its ApplicationEnvironment (Crossplane removes
   * the namespace and the Application). False when there was none.
   */
  async remove(entity: Entity, name: string): Promise<boolean> {
    const errors = previewNameErrors(name);
    if (errors.length) {
      throw new InputError(
        `Invalid preview name '${name}': ${errors.join('; ')}`,
      );
    }
    const { team, component } = this.identity(entity);
    const { client, xrs } = await this.environmentsOf(team, component);
    const found = xrs.find(x => previewOf(x)?.name === name);
    if (!found) {
      throw new NotFoundError(`${component} has no preview named ${name}`);
    }
    return client.delete(this.ref(found.metadata.name!), {
      preconditions: { uid: found.metadata.uid },
    });
  }

  /**
   * Removes every preview whose expiry has passed, on development's cluster, and calls
   * `removed` for each one this call removed. Each delete carries the listed object's uid and
   * resourceVersion: of two replicas that listed the same preview, the second one's delete is
   * refused (409, or 404 when it is gone), so a preview is removed, and reported, once.
   */
  async reapExpired(
    removed: (preview: ExpiredPreview) => Promise<void>,
  ): Promise<{ removed: number; skipped: number }> {
    if (!this.api.clusters.development) return { removed: 0, skipped: 0 };
    const client = this.clientFor(this.cluster);
    const now = this.now().getTime();
    const xrs = await client.list({
      apiVersion: this.api.apiVersion,
      kind: this.api.kind,
      // Every ApplicationEnvironment, not by label: spec.preview makes a preview, whoever
      // applied it.
      namespace:
        this.api.scope === 'Namespaced' ? this.api.claimNamespace : undefined,
    });
    let count = 0;
    let skipped = 0;
    for (const xr of xrs) {
      const preview = previewOf(xr);
      const expires = Date.parse(preview?.expiresAt ?? '');
      if (!preview || !(expires <= now) || xr.metadata.deletionTimestamp) {
        continue;
      }
      let deleted: boolean;
      try {
        deleted = await client.delete(this.ref(xr.metadata.name!), {
          preconditions: {
            uid: xr.metadata.uid,
            resourceVersion: xr.metadata.resourceVersion,
          },
        });
      } catch (e) {
        if ((e as KubernetesApiError).status === 409) {
          skipped += 1;
          continue;
        }
        throw e;
      }
      if (!deleted) {
        skipped += 1;
        continue;
      }
      count += 1;
      await removed({
        cluster: this.cluster,
        resource: xr.metadata.name!,
        team: String(xr.spec?.team),
        component: String(xr.spec?.component),
        preview,
      });
    }
    return { removed: count, skipped };
  }
}
