import fs from 'node:fs';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';

/** A Kubernetes object with free-form content. */
export type KubeObject = KubernetesObject & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: any };
  [k: string]: any;
};

/** One cluster of the `kubernetes` configuration. */
export interface ClusterDetails {
  name: string;
  url: string;
  serviceAccountToken?: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify?: boolean;
}

/**
 * A failed Kubernetes API call, with a message that says what to do. It carries the apiserver's
 * Status message, never the request or its bearer token.
 *
 * @public
 */
export class KubernetesApiError extends Error {
  readonly name = 'KubernetesApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
  }
}

function statusOf(e: unknown): {
  code: number;
  message: string;
  reason?: string;
} {
  const err = e as any;
  const code = typeof err?.code === 'number' ? err.code : 0;
  let body = err?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not a Status object
    }
  }
  if (body && typeof body === 'object' && body.kind === 'Status') {
    const causes: string[] = (body.details?.causes ?? [])
      .map((c: any) => (c.field ? `${c.field}: ${c.message}` : c.message))
      .filter(Boolean);
    return {
      code,
      reason: body.reason,
      message:
        causes.length > 0 && body.code === 422
          ? causes.join('; ')
          : String(body.message ?? ''),
    };
  }
  return {
    code,
    message: code === 0 ? String(err?.cause?.code ?? err?.message ?? e) : '',
  };
}

/**
 * What the portal does on one cluster, with the credentials of Backstage's `kubernetes`
 * configuration (a service account token per cluster): server-side apply, read and delete
 * objects. Built on `@kubernetes/client-node`, the client Backstage's Kubernetes backend uses.
 *
 * @public
 */
export class ClusterClient {
  private readonly api: KubernetesObjectApi;

  /** The clusters of `kubernetes.clusterLocatorMethods` entries of type `config`. */
  static clustersFromConfig(config: Config): ClusterDetails[] {
    const out: ClusterDetails[] = [];
    for (const method of config.getOptionalConfigArray(
      'kubernetes.clusterLocatorMethods',
    ) ?? []) {
      if (method.getString('type') !== 'config') continue;
      for (const c of method.getOptionalConfigArray('clusters') ?? []) {
        out.push({
          name: c.getString('name'),
          url: c.getString('url'),
          serviceAccountToken: c.getOptionalString('serviceAccountToken'),
          caData: c.getOptionalString('caData'),
          caFile: c.getOptionalString('caFile'),
          skipTLSVerify: c.getOptionalBoolean('skipTLSVerify'),
        });
      }
    }
    return out;
  }

  /**
   * A client for the cluster named `name` in the `kubernetes` configuration; an InputError
   * lists the configured names when there is none.
   */
  static fromConfig(config: Config, name: string): ClusterClient {
    const clusters = ClusterClient.clustersFromConfig(config);
    const found = clusters.find(c => c.name === name);
    if (!found) {
      throw new InputError(
        `No cluster named '${name}' in kubernetes.clusterLocatorMethods (configured: ${
          clusters.map(c => c.name).join(', ') || 'none'
        })`,
      );
    }
    if (!found.serviceAccountToken) {
      throw new InputError(
        `Cluster '${name}' has no serviceAccountToken; the portal writes with its own service account`,
      );
    }
    return new ClusterClient(found);
  }

  /** A client from explicit details. */
  static create(details: ClusterDetails): ClusterClient {
    return new ClusterClient(details);
  }

  private constructor(readonly details: ClusterDetails) {
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      {
        name: details.name,
        server: details.url,
        caData: details.caData,
        caFile: details.caFile,
        skipTLSVerify: details.skipTLSVerify ?? false,
      },
      { name: 'backstage', token: details.serviceAccountToken },
    );
    if (details.caFile && !fs.existsSync(details.caFile)) {
      throw new InputError(
        `caFile ${details.caFile} of cluster '${details.name}' does not exist`,
      );
    }
    this.api = KubernetesObjectApi.makeApiClient(kc);
  }

  /** The cluster's name in configuration. */
  get name(): string {
    return this.details.name;
  }

  /**
   * Server-side applies `object` as `fieldManager` (forcing ownership of the fields it sets).
   * With `dryRun` the apiserver validates and admits it without persisting (`dryRun=All`).
   */
  async apply<T extends KubeObject>(
    object: T,
    options: { fieldManager: string; dryRun?: boolean },
  ): Promise<T> {
    try {
      return (await this.api.patch(
        object,
        undefined,
        options.dryRun ? 'All' : undefined,
        options.fieldManager,
        true,
        PatchStrategy.ServerSideApply,
      )) as T;
    } catch (e) {
      throw this.translate(e, 'apply', object);
    }
  }

  /** Reads an object, or undefined when it does not exist. */
  async get<T extends KubeObject>(ref: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
  }): Promise<T | undefined> {
    const header = {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { name: ref.name, namespace: ref.namespace },
    };
    try {
      return (await this.api.read(header as any)) as T;
    } catch (e) {
      if ((e as any)?.code === 404) return undefined;
      throw this.translate(e, 'read', header as KubeObject);
    }
  }

  /**
   * Lists objects of a kind, cluster-wide or in one namespace, optionally by label selector.
   * A kind the cluster does not serve (404) lists as empty: not every cluster runs Crossplane or
   * Argo CD.
   */
  async list<T extends KubeObject>(ref: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    labelSelector?: string;
  }): Promise<T[]> {
    try {
      const list = await this.api.list<T>(
        ref.apiVersion,
        ref.kind,
        ref.namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        ref.labelSelector,
      );
      return list.items;
    } catch (e) {
      if ((e as any)?.code === 404) return [];
      throw this.translate(e, 'list', {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: '*', namespace: ref.namespace },
      } as KubeObject);
    }
  }

  /**
   * Merge-patches an object (RFC 7386): `patch` holds only the fields to change, e.g. one
   * annotation, so nothing else of the object is touched.
   */
  async mergePatch<T extends KubeObject>(
    ref: { apiVersion: string; kind: string; name: string; namespace?: string },
    patch: Record<string, unknown>,
  ): Promise<T> {
    const spec = {
      ...patch,
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: {
        ...((patch.metadata as object) ?? {}),
        name: ref.name,
        namespace: ref.namespace,
      },
    } as KubeObject;
    try {
      return (await this.api.patch(
        spec,
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.MergePatch,
      )) as T;
    } catch (e) {
      throw this.translate(e, 'patch', spec);
    }
  }

  /**
   * Deletes an object (foreground propagation); false when it was already gone. With
   * `preconditions` the apiserver deletes only that version of the object (409 otherwise): a
   * caller that decided from a listing deletes what it looked at, and of two callers that listed
   * the same object, only the first one's delete goes through.
   */
  async delete(
    ref: {
      apiVersion: string;
      kind: string;
      name: string;
      namespace?: string;
    },
    options?: { preconditions?: { uid?: string; resourceVersion?: string } },
  ): Promise<boolean> {
    const header = {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { name: ref.name, namespace: ref.namespace },
    } as KubeObject;
    try {
      await this.api.delete(
        header,
        undefined,
        undefined,
        undefined,
        undefined,
        'Foreground',
        options?.preconditions && {
          preconditions: options.preconditions,
          propagationPolicy: 'Foreground',
        },
      );
      return true;
    } catch (e) {
      if ((e as any)?.code === 404) return false;
      throw this.translate(e, 'delete', header);
    }
  }

  private translate(e: unknown, verb: string, object: KubeObject): Error {
    const { code, message, reason } = statusOf(e);
    const what = `${object.kind} ${
      object.metadata.namespace ? `${object.metadata.namespace}/` : ''
    }${object.metadata.name}`;
    const where = `cluster '${this.details.name}'`;
    let hint: string;
    switch (code) {
      case 0:
        hint = `${where} (${this.details.url}) could not be reached: ${message}; check the cluster and retry the task`;
        break;
      case 401:
        hint = `${where} rejected the portal's credentials; the serviceAccountToken in the kubernetes configuration is invalid or expired`;
        break;
      case 403:
        hint = `the portal's service account may not ${verb} ${object.kind} on ${where}: ${message}. A platform engineer must grant it (platform/portal/access/rbac.yaml)`;
        break;
      case 404:
        hint = `${where} does not serve ${object.apiVersion} ${object.kind}: ${message}. Install the platform's APIs (platform/crossplane) or fix idp.environment.apiVersion/kind`;
        break;
      case 409:
        hint = `${what} conflicts with its current state on ${where}: ${message}`;
        break;
      case 400:
      case 422:
        hint = `${where} rejected ${what}: ${message}`;
        break;
      default:
        hint = `${where} failed to ${verb} ${what} (${code}): ${message}`;
    }
    return new KubernetesApiError(
      `Kubernetes ${verb} of ${what} failed: ${hint}`,
      code,
      reason,
    );
  }
}
