import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { KubeObject } from './compositeResourceCrd';

/** An HTTP answer of the apiserver. */
export interface KubeResponse {
  status: number;
  body: any;
}

/** A Kubernetes API error with the apiserver's own message. */
export class KubeApiError extends Error {
  constructor(readonly status: number, readonly body: any, what: string) {
    super(`${what}: ${status} ${body?.message ?? JSON.stringify(body)}`);
    this.name = 'KubeApiError';
  }
}

/**
 * A small REST client over a kubeconfig, for the test platform's own writes.
 *
 * Why not `KubernetesObjectApi.patch` of @kubernetes/client-node: it re-serialises objects of
 * known kinds through its typed models, which silently drops wire-format keys such as `enum`,
 * `default` and `x-kubernetes-validations` of a CustomResourceDefinition. Server-side apply
 * here sends the object exactly as written.
 */
export class KubeRest {
  private readonly resources = new Map<
    string,
    { name: string; namespaced: boolean }
  >();

  constructor(private readonly kc: KubeConfig) {}

  /** Sends one request; JSON bodies unless a content type says otherwise. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<KubeResponse> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const url = new URL(path, cluster.server);
    const options: https.RequestOptions = { method, headers: {} };
    await this.kc.applyToHTTPSOptions(options);
    let payload: string | undefined;
    if (typeof body === 'string') payload = body;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) {
      (options.headers as Record<string, string>)['Content-Type'] = contentType;
    }
    (options.headers as Record<string, string>).Accept = 'application/json';
    return new Promise((resolve, reject) => {
      const req = https.request(url, options, res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', reject);
      req.setTimeout(30_000, () =>
        req.destroy(new Error(`timeout: ${method} ${path}`)),
      );
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** The REST path of an object (or of its collection when `name` is omitted). */
  async path(
    apiVersion: string,
    kind: string,
    namespace?: string,
    name?: string,
  ): Promise<string> {
    const key = `${apiVersion}/${kind}`;
    let resource = this.resources.get(key);
    if (!resource) {
      const base = apiVersion.includes('/')
        ? `/apis/${apiVersion}`
        : `/api/${apiVersion}`;
      const res = await this.request('GET', base);
      if (res.status !== 200)
        throw new KubeApiError(
          res.status,
          res.body,
          `discovery of ${apiVersion}`,
        );
      for (const r of res.body.resources as any[]) {
        if (!r.name.includes('/')) {
          this.resources.set(`${apiVersion}/${r.kind}`, {
            name: r.name,
            namespaced: r.namespaced,
          });
        }
      }
      resource = this.resources.get(key);
      if (!resource)
        throw new Error(`the apiserver serves no ${kind} in ${apiVersion}`);
    }
    const base = apiVersion.includes('/')
      ? `/apis/${apiVersion}`
      : `/api/${apiVersion}`;
    const ns = resource.namespaced
      ? `/namespaces/${namespace ?? 'default'}`
      : '';
    return `${base}${ns}/${resource.name}${name ? `/${name}` : ''}`;
  }

  /** Server-side apply of one object, exactly as written. */
  async apply(
    object: KubeObject,
    options: { fieldManager: string; force?: boolean; dryRun?: boolean },
  ): Promise<KubeObject> {
    const path = await this.path(
      object.apiVersion,
      object.kind,
      object.metadata.namespace,
      object.metadata.name,
    );
    const query = new URLSearchParams({ fieldManager: options.fieldManager });
    if (options.force !== false) query.set('force', 'true');
    if (options.dryRun) query.set('dryRun', 'All');
    const res = await this.request(
      'PATCH',
      `${path}?${query}`,
      stringify(object),
      'application/apply-patch+yaml',
    );
    if (res.status >= 300) {
      throw new KubeApiError(
        res.status,
        res.body,
        `apply ${object.kind} ${object.metadata.name}`,
      );
    }
    return res.body;
  }

  /** JSON merge patch (what Argo CD's Application status needs: it has no status subresource). */
  async mergePatch(
    apiVersion: string,
    kind: string,
    name: string,
    patch: unknown,
    options: { namespace?: string; subresource?: 'status' } = {},
  ): Promise<KubeObject> {
    const path = await this.path(apiVersion, kind, options.namespace, name);
    const res = await this.request(
      'PATCH',
      options.subresource ? `${path}/${options.subresource}` : path,
      patch,
      'application/merge-patch+json',
    );
    if (res.status >= 300)
      throw new KubeApiError(res.status, res.body, `patch ${kind} ${name}`);
    return res.body;
  }

  /** Reads one object, or undefined when it does not exist. */
  async get(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ): Promise<KubeObject | undefined> {
    const res = await this.request(
      'GET',
      await this.path(apiVersion, kind, namespace, name),
    );
    if (res.status === 404) return undefined;
    if (res.status >= 300)
      throw new KubeApiError(res.status, res.body, `get ${kind} ${name}`);
    return res.body;
  }

  /** Lists objects, optionally in one namespace and by label selector. */
  async list(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string } = {},
  ): Promise<KubeObject[]> {
    let path = await this.path(
      apiVersion,
      kind,
      options.namespace ?? 'default',
    );
    if (!options.namespace) path = path.replace(/\/namespaces\/default\//, '/');
    const query = options.labelSelector
      ? `?${new URLSearchParams({ labelSelector: options.labelSelector })}`
      : '';
    const res = await this.request('GET', `${path}${query}`);
    if (res.status >= 300)
      throw new KubeApiError(res.status, res.body, `list ${kind}`);
    return res.body.items;
  }

  /** Deletes one object; absent is fine. */
  async delete(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ) {
    const res = await this.request(
      'DELETE',
      await this.path(apiVersion, kind, namespace, name),
    );
    if (res.status >= 300 && res.status !== 404) {
      throw new KubeApiError(res.status, res.body, `delete ${kind} ${name}`);
    }
  }
}
