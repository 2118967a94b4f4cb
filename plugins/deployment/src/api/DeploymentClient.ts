import type { CompoundEntityRef } from '@backstage/catalog-model';
import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import type {
  DeploymentActionRequest,
  DeploymentStatus,
  PendingPromotion,
  PreviewRequest,
  PreviewResult,
  PromotionRequest,
  PromotionResult,
} from '@internal/plugin-deployment-common';
import type { DeploymentActionResponse, DeploymentApi } from './DeploymentApi';

/**
 * A failed request to the deployment backend. `message` is the backend's own message (from
 * Backstage's error JSON) so it can be shown as is, e.g. the permission policy's reason for a
 * 403.
 *
 * @public
 */
export class DeploymentRequestError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** The backend's error name, e.g. `NotAllowedError`, when it sent one. */
  readonly errorName?: string;

  constructor(message: string, status: number, errorName?: string) {
    super(message);
    this.name = 'DeploymentRequestError';
    this.status = status;
    this.errorName = errorName;
  }
}

/**
 * The {@link DeploymentApi} over HTTP: `discoveryApi` finds the backend, `fetchApi` adds the
 * user's token.
 *
 * @public
 */
export class DeploymentClient implements DeploymentApi {
  readonly #discoveryApi: Pick<DiscoveryApi, 'getBaseUrl'>;
  readonly #fetchApi: Pick<FetchApi, 'fetch'>;

  constructor(options: {
    discoveryApi: Pick<DiscoveryApi, 'getBaseUrl'>;
    fetchApi: Pick<FetchApi, 'fetch'>;
  }) {
    this.#discoveryApi = options.discoveryApi;
    this.#fetchApi = options.fetchApi;
  }

  async getDeploymentStatus(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<DeploymentStatus> {
    const response = await this.#fetchApi.fetch(await this.#url(entityRef), {
      headers: { Accept: 'application/json' },
      signal: options?.signal,
    });
    return (await this.#json(response)) as DeploymentStatus;
  }

  async requestAction(
    entityRef: CompoundEntityRef,
    request: DeploymentActionRequest,
  ): Promise<DeploymentActionResponse> {
    const response = await this.#fetchApi.fetch(
      `${await this.#url(entityRef)}/actions`,
      {
        method: 'POST',
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(request),
      },
    );
    const body = (await this.#json(response)) as
      | Partial<DeploymentActionResponse>
      | undefined;
    return { message: body?.message ?? `${request.action} requested` };
  }

  async promote(
    entityRef: CompoundEntityRef,
    request: PromotionRequest,
  ): Promise<PromotionResult> {
    const response = await this.#fetchApi.fetch(
      `${await this.#url(entityRef)}/promotions`,
      {
        method: 'POST',
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(request),
      },
    );
    return (await this.#json(response)) as PromotionResult;
  }

  async getPendingPromotions(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<PendingPromotion[]> {
    const response = await this.#fetchApi.fetch(
      `${await this.#url(entityRef)}/promotions`,
      { headers: { Accept: 'application/json' }, signal: options?.signal },
    );
    return ((await this.#json(response)) as PendingPromotion[]) ?? [];
  }

  async createPreview(
    entityRef: CompoundEntityRef,
    request: PreviewRequest,
  ): Promise<PreviewResult> {
    const response = await this.#fetchApi.fetch(
      `${await this.#url(entityRef)}/previews`,
      {
        method: 'POST',
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(request),
      },
    );
    return (await this.#json(response)) as PreviewResult;
  }

  async removePreview(
    entityRef: CompoundEntityRef,
    name: string,
  ): Promise<DeploymentActionResponse> {
    const response = await this.#fetchApi.fetch(
      `${await this.#url(entityRef)}/previews/${encodeURIComponent(name)}`,
      { method: 'DELETE', headers: { Accept: 'application/json' } },
    );
    const body = (await this.#json(response)) as
      | Partial<DeploymentActionResponse>
      | undefined;
    return { message: body?.message ?? `Preview ${name} is being removed` };
  }

  async #url(entityRef: CompoundEntityRef): Promise<string> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('deployment');
    // Entity refs compare kind and namespace case-insensitively; the catalog's own URLs use
    // lowercase, so do the same to keep backend logs and caches consistent.
    const segments = [
      entityRef.namespace.toLocaleLowerCase('en-US'),
      entityRef.kind.toLocaleLowerCase('en-US'),
      entityRef.name,
    ].map(encodeURIComponent);
    return `${baseUrl}/entities/${segments.join('/')}`;
  }

  async #json(response: Response): Promise<unknown> {
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      throw errorFrom(response, body, text);
    }
    if (text && body === undefined) {
      // A proxy or the app's HTML fallback answered instead of the backend.
      throw new DeploymentRequestError(
        `The deployment backend sent an unreadable answer (HTTP ${response.status})`,
        response.status,
      );
    }
    return body;
  }
}

/** Backstage's error JSON is `{ error: { name, message } }`; anything else gets a status line. */
function errorFrom(
  response: Response,
  body: unknown,
  text: string,
): DeploymentRequestError {
  const error = (body as { error?: { name?: unknown; message?: unknown } })
    ?.error;
  if (error && typeof error.message === 'string' && error.message) {
    return new DeploymentRequestError(
      error.message,
      response.status,
      typeof error.name === 'string' ? error.name : undefined,
    );
  }
  const statusLine = `${response.status}${
    response.statusText ? ` ${response.statusText}` : ''
  }`;
  // A short plain-text body (e.g. from a gateway) says more than the status alone.
  const detail =
    body === undefined && text && text.length <= 200 && !text.includes('<')
      ? `: ${text.trim()}`
      : '';
  return new DeploymentRequestError(
    `The deployment backend answered ${statusLine}${detail}`,
    response.status,
  );
}
