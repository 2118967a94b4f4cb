import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { ScmIntegrations } from '@backstage/integration';
import {
  GitLabApiError,
  flattenGitLabMessage,
  gitlabHint,
} from './GitLabApiError';

/** Retry policy for transient GitLab failures. */
export interface GitLabRetryOptions {
  /** Attempts in total, including the first (default 4). */
  attempts?: number;
  /** First backoff delay (default 500 ms); doubles per attempt. */
  minDelayMs?: number;
  /** Longest wait between attempts, including a `Retry-After` (default 30 s). */
  maxDelayMs?: number;
}

/** Options of {@link GitLabClient.create}. */
export interface GitLabClientOptions {
  /** Host of the `integrations.gitlab` entry, for messages. */
  host: string;
  /** REST API root, e.g. `https://gitlab.example.com/gitlab/api/v4`. */
  apiBaseUrl: string;
  /** Instance root (web URLs), e.g. `https://gitlab.example.com/gitlab`. */
  baseUrl: string;
  token: string;
  retry?: GitLabRetryOptions;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Receives a line per retry (never with the token). */
  onRetry?: (message: string) => void;
}

/** Options of one request. */
export interface GitLabRequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /**
   * Secret values sent in this request (a token stored as a variable): they are cut out of any
   * error message GitLab's answer might produce.
   */
  secrets?: string[];
  signal?: AbortSignal;
}

/** The subset of GitLab's project representation the portal uses. */
export interface GitLabProject {
  id: number;
  name: string;
  path: string;
  path_with_namespace: string;
  description: string | null;
  default_branch: string | null;
  visibility: string;
  web_url: string;
  http_url_to_repo: string;
  created_at: string;
  creator_id: number;
  archived: boolean;
  namespace: { id: number; full_path: string };
  /** Topics (GitLab 14.5+; the older `tag_list` mirrors them). */
  topics?: string[];
}

/** A GitLab group. */
export interface GitLabGroup {
  id: number;
  path: string;
  full_path: string;
  web_url: string;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * A small GitLab REST client over `fetch`, built from Backstage's `integrations.gitlab`
 * configuration. The portal's actions use it instead of gitbeaker (which the built-in GitLab
 * actions use) because gitbeaker's transport retries only 429 and 502, ignores `Retry-After`,
 * never retries a reset connection or a 503/504, cannot be bounded per call, and attaches the
 * request, with its `PRIVATE-TOKEN` header, to the errors it throws; every one of those shows up
 * in the failures our users report.
 *
 * @public
 */
export class GitLabClient {
  readonly host: string;
  readonly baseUrl: string;
  private readonly apiBaseUrl: string;
  private readonly token: string;
  private readonly attempts: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly onRetry?: (message: string) => void;
  /** Requests sent so far (attempts, including retries). */
  requestCount = 0;

  /**
   * A client for the `integrations.gitlab` entry of `host` (the portal has no second GitLab
   * token setting). Fails with an InputError naming the host when it is not configured.
   */
  static fromConfig(
    config: Config,
    options: { host: string } & Pick<
      GitLabClientOptions,
      'retry' | 'timeoutMs' | 'onRetry'
    >,
  ): GitLabClient {
    const integration = ScmIntegrations.fromConfig(config).gitlab.byHost(
      options.host,
    );
    if (!integration) {
      throw new InputError(
        `No GitLab integration for host '${options.host}': add it under integrations.gitlab in app-config`,
      );
    }
    const { token, apiBaseUrl, baseUrl } = integration.config;
    if (!token) {
      throw new InputError(
        `The GitLab integration for '${options.host}' has no token; the portal needs one to create projects`,
      );
    }
    return new GitLabClient({
      host: options.host,
      apiBaseUrl,
      baseUrl,
      token,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      onRetry: options.onRetry,
    });
  }

  /** A client from explicit options (tests, or another credential source). */
  static create(options: GitLabClientOptions): GitLabClient {
    return new GitLabClient(options);
  }

  private constructor(options: GitLabClientOptions) {
    this.host = options.host;
    this.apiBaseUrl = options.apiBaseUrl.replace(/\/+$/, '');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.attempts = Math.max(1, options.retry?.attempts ?? 4);
    this.minDelayMs = options.retry?.minDelayMs ?? 500;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.onRetry = options.onRetry;
  }

  /** URL-encodes a project or group id or full path for a path parameter. */
  static id(idOrPath: string | number): string {
    return encodeURIComponent(String(idOrPath));
  }

  /**
   * Sends a request, retrying 429, 502-504 and lost connections (and 500 for idempotent
   * methods) with exponential backoff or the server's `Retry-After`. Throws
   * {@link GitLabApiError}.
   */
  async request<T = any>(
    method: string,
    path: string,
    options: GitLabRequestOptions = {},
  ): Promise<T> {
    const url = new URL(`${this.apiBaseUrl}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const what = `${method} ${path}`;
    let lastError: GitLabApiError | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let response: Response;
      this.requestCount++;
      try {
        const timeout = AbortSignal.timeout(this.timeoutMs);
        response = await fetch(url, {
          method,
          headers: {
            'PRIVATE-TOKEN': this.token,
            ...(options.body !== undefined && {
              'Content-Type': 'application/json',
            }),
          },
          body:
            options.body === undefined
              ? undefined
              : JSON.stringify(options.body),
          signal: options.signal
            ? AbortSignal.any([options.signal, timeout])
            : timeout,
        });
      } catch (e) {
        if (options.signal?.aborted) throw e;
        const cause = (e as any)?.cause?.code ?? (e as Error).name;
        lastError = new GitLabApiError(
          `GitLab ${what} failed: ${gitlabHint(0, this.host)} (${cause})`,
          0,
          String(cause),
        );
        if (attempt < this.attempts) {
          await this.backoff(attempt, undefined, `${what}: ${cause}`, options);
          continue;
        }
        throw lastError;
      }
      if (response.ok) {
        if (response.status === 204) return undefined as T;
        const text = await response.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }
      const body = await response
        .text()
        .then(t => {
          try {
            return JSON.parse(t);
          } catch {
            return t;
          }
        })
        .catch(() => '');
      // Redact before cutting: a cut could split a token and let its start through.
      const gitlabMessage = this.redact(
        flattenGitLabMessage(body),
        options,
      ).slice(0, 500);
      lastError = new GitLabApiError(
        `GitLab ${what} answered ${response.status}${
          gitlabMessage ? ` (${gitlabMessage})` : ''
        }: ${gitlabHint(response.status, this.host)}`,
        response.status,
        gitlabMessage,
      );
      const transient =
        response.status === 429 ||
        (response.status >= 502 && response.status <= 504) ||
        (response.status === 500 && IDEMPOTENT.has(method));
      if (!transient || attempt === this.attempts) {
        if (transient) {
          lastError = new GitLabApiError(
            `${lastError.message} (gave up after ${attempt} attempts)`,
            lastError.status,
            gitlabMessage,
          );
        }
        throw lastError;
      }
      await this.backoff(
        attempt,
        response.headers.get('retry-after') ?? undefined,
        `${what}: ${response.status}`,
        options,
      );
    }
    throw lastError ?? new Error(`GitLab ${what} failed`);
  }

  /** Like {@link GitLabClient.request}, but 404 gives `undefined`. */
  async find<T = any>(
    path: string,
    options: GitLabRequestOptions = {},
  ): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path, options);
    } catch (e) {
      if ((e as GitLabApiError).status === 404) return undefined;
      throw e;
    }
  }

  /** Like {@link GitLabClient.request} with DELETE, but 404 counts as done. */
  async deleteIfExists(
    path: string,
    options: GitLabRequestOptions = {},
  ): Promise<boolean> {
    try {
      await this.request('DELETE', path, options);
      return true;
    } catch (e) {
      if ((e as GitLabApiError).status === 404) return false;
      throw e;
    }
  }

  /** Every page of a list endpoint (offset pagination, 100 per page). */
  async list<T = any>(
    path: string,
    options: GitLabRequestOptions = {},
  ): Promise<T[]> {
    const all: T[] = [];
    for (let page = 1; page < 1000; page++) {
      const items = await this.request<T[]>('GET', path, {
        ...options,
        query: { ...options.query, per_page: 100, page },
      });
      all.push(...items);
      if (items.length < 100) break;
    }
    return all;
  }

  /** The user behind the token. */
  currentUser(): Promise<{ id: number; username: string }> {
    return this.request('GET', '/user');
  }

  /** A project by id or full path, or undefined. */
  findProject(idOrPath: string | number): Promise<GitLabProject | undefined> {
    return this.find(`/projects/${GitLabClient.id(idOrPath)}`);
  }

  /** A group by id or full path, or undefined. */
  findGroup(idOrPath: string | number): Promise<GitLabGroup | undefined> {
    return this.find(`/groups/${GitLabClient.id(idOrPath)}`);
  }

  private redact(text: string, options: GitLabRequestOptions): string {
    let out = text.split(this.token).join('[redacted]');
    for (const s of options.secrets ?? []) {
      if (s) out = out.split(s).join('[redacted]');
    }
    return out;
  }

  private async backoff(
    attempt: number,
    retryAfter: string | undefined,
    what: string,
    options: GitLabRequestOptions,
  ) {
    let delay = Math.min(
      this.maxDelayMs,
      this.minDelayMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4),
    );
    if (retryAfter !== undefined) {
      const seconds = Number(retryAfter);
      const ms = Number.isFinite(seconds)
        ? seconds * 1000
        : Date.parse(retryAfter) - Date.now();
      if (Number.isFinite(ms) && ms >= 0) delay = Math.min(this.maxDelayMs, ms);
    }
    this.onRetry?.(
      `GitLab ${this.redact(what, options)}; retrying in ${Math.round(
        delay,
      )} ms (attempt ${attempt + 1} of ${this.attempts})`,
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, delay);
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(options.signal!.reason);
      });
    });
  }
}
