import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { ScmIntegrations } from '@backstage/integration';
import { Gitlab, GroupSchema, ProjectSchema } from '@gitbeaker/core';
import { GitLabApiError } from './GitLabApiError';
import {
  GitLabRetryOptions,
  createGitLabRequester,
} from './createGitLabRequester';

/**
 * Options of {@link GitLabClient.create}.
 *
 * @public
 */
export interface GitLabClientOptions {
  /** Host of the `integrations.gitlab` entry, for messages. */
  host: string;
  /** REST API root, e.g. `https://gitlab.example.com/gitlab/api/v4`. */
  apiBaseUrl: string;
  /** Instance root (web URLs), e.g. `https://gitlab.example.com/gitlab`. */
  baseUrl: string;
  token: string;
  retry?: GitLabRetryOptions;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Cancels every request and backoff wait of this client (the scaffolder task's signal). */
  signal?: AbortSignal;
  /** Receives a line per retry (never with the token). */
  onRetry?: (message: string) => void;
}

/**
 * GitLab's project representation, as gitbeaker types it (`ProjectSchema`).
 *
 * @public
 */
export type GitLabProject = ProjectSchema;

/**
 * A GitLab group, as gitbeaker types it.
 *
 * @public
 */
export type GitLabGroup = GroupSchema;

/**
 * The portal's GitLab client, built from Backstage's `integrations.gitlab` configuration: the
 * typed gitbeaker API ({@link GitLabClient.api}, the same library the built-in GitLab actions
 * use) over the portal's own transport ({@link createGitLabRequester}: retries, `Retry-After`,
 * per-attempt timeouts, cancellation, request counting, and errors without the token), plus
 * the few lookups every action needs.
 *
 * @public
 */
export class GitLabClient {
  readonly host: string;
  readonly baseUrl: string;
  /**
   * The typed GitLab REST API (`api.Projects.create(...)`, `api.Groups.show(...)`, ...).
   * Responses are GitLab's own snake_case bodies; failures are {@link GitLabApiError}.
   */
  readonly api: Gitlab<false>;
  /** Requests sent so far (attempts, including retries). */
  requestCount = 0;
  private readonly secrets: Set<string>;

  /**
   * A client for the `integrations.gitlab` entry of `host` (the portal has no second GitLab
   * token setting). Fails with an InputError naming the host when it is not configured.
   */
  static fromConfig(
    config: Config,
    options: { host: string } & Pick<
      GitLabClientOptions,
      'retry' | 'timeoutMs' | 'onRetry' | 'signal'
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
      signal: options.signal,
      onRetry: options.onRetry,
    });
  }

  /** A client from explicit options (tests, or another credential source). */
  static create(options: GitLabClientOptions): GitLabClient {
    return new GitLabClient(options);
  }

  private constructor(options: GitLabClientOptions) {
    this.host = options.host;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.secrets = new Set([options.token]);
    this.api = new Gitlab({
      host: this.baseUrl,
      token: options.token,
      requesterFn: createGitLabRequester({
        host: options.host,
        apiBaseUrl: options.apiBaseUrl,
        retry: options.retry,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        onRetry: options.onRetry,
        onRequest: () => {
          this.requestCount++;
        },
        secrets: this.secrets,
      }),
      // The requester bounds each attempt itself; gitbeaker's queryTimeout would be one
      // deadline over every retry and backoff of a call.
      queryTimeout: null,
      // No client-side rate limiting: GitLab's own limits answer 429 with Retry-After, which the
      // requester honours (and gitbeaker's limiter objects would be built for ~200 resources).
      rateLimits: {},
    });
  }

  /**
   * Registers a secret value this client sends or receives (a token about to be stored as a
   * CI/CD variable): from now on it is cut out of every error message and retry line, even
   * when GitLab echoes it back.
   */
  addSecret(value: string): void {
    if (value) this.secrets.add(value);
  }

  /** The call's result, or `undefined` when GitLab answers 404. */
  async find<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      return await call;
    } catch (e) {
      if ((e as GitLabApiError).status === 404) return undefined;
      throw e;
    }
  }

  /** Runs a delete call: `true` when it deleted, `false` when GitLab answers 404 (already gone). */
  async deleteIfExists(call: Promise<unknown>): Promise<boolean> {
    try {
      await call;
      return true;
    } catch (e) {
      if ((e as GitLabApiError).status === 404) return false;
      throw e;
    }
  }

  /**
   * Every page of a list call (offset pagination, 100 per page), asking page by page until a
   * short page, so it needs no `Link` header and sends no request after the last page.
   */
  async list<T>(
    call: (page: { page: number; perPage: number }) => Promise<T[]>,
  ): Promise<T[]> {
    const all: T[] = [];
    for (let page = 1; page < 1000; page++) {
      const items = await call({ page, perPage: 100 });
      all.push(...items);
      if (items.length < 100) break;
    }
    return all;
  }

  /** The user behind the token. */
  currentUser(): Promise<{ id: number; username: string }> {
    return this.api.Users.showCurrentUser();
  }

  /** A project by id or full path, or undefined. */
  findProject(idOrPath: string | number): Promise<GitLabProject | undefined> {
    return this.find(this.api.Projects.show(idOrPath));
  }

  /** A group by id or full path, or undefined. */
  findGroup(idOrPath: string | number): Promise<GitLabGroup | undefined> {
    return this.find(this.api.Groups.show(idOrPath));
  }
}
