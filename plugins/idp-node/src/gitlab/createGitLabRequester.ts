import {
  FormattedResponse,
  RequestOptions,
  RequesterType,
  ResourceOptions,
  createRequesterFn,
} from '@gitbeaker/requester-utils';
import {
  GitLabApiError,
  flattenGitLabMessage,
  gitlabHint,
} from './GitLabApiError';

/**
 * Retry policy for transient GitLab failures.
 *
 * @public
 */
export interface GitLabRetryOptions {
  /** Attempts in total, including the first (default 4). */
  attempts?: number;
  /** First backoff delay (default 500 ms); doubles per attempt. */
  minDelayMs?: number;
  /** Longest wait between attempts, including a `Retry-After` (default 30 s). */
  maxDelayMs?: number;
}

/**
 * Options of {@link createGitLabRequester}.
 *
 * @public
 */
export interface GitLabRequesterOptions {
  /** Host of the `integrations.gitlab` entry, for messages. */
  host: string;
  /**
   * REST API root, e.g. `https://gitlab.example.com/gitlab/api/v4`. Requests go here even when
   * it is not gitbeaker's `<host>/api/v4` (integrations.gitlab may configure any apiBaseUrl).
   */
  apiBaseUrl: string;
  retry?: GitLabRetryOptions;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Cancels requests in flight and backoff waits (the scaffolder task's signal). */
  signal?: AbortSignal;
  /** Receives a line per retry (never with a secret). */
  onRetry?: (message: string) => void;
  /** Called once per request sent, retries included. */
  onRequest?: () => void;
  /**
   * Values cut out of every message the requester produces: the token, and values registered
   * while the client lives (a token about to be stored as a variable). Read at each failure, so
   * values added later count.
   */
  secrets: Iterable<string>;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * A gitbeaker `requesterFn` (the transport under `@gitbeaker/core`'s typed API), replacing the
 * one `@gitbeaker/rest` ships. gitbeaker 43's default transport retries only 429 and 502 (ten
 * attempts, 0.25 ms doubling, so all ten fit in about a quarter of a second), ignores
 * `Retry-After`, never retries a reset connection or a 503/504, has only an overall timeout
 * and attaches the `Request`, with its `PRIVATE-TOKEN` header, to the errors it throws. This
 * one retries 429, 502-504 and lost connections (and 500 for idempotent methods) with
 * exponential backoff or the server's `Retry-After`, bounds every attempt, stops when the task
 * is cancelled, counts what it sends, and throws {@link GitLabApiError}, which carries a
 * developer-facing message with the secrets cut out and never the request.
 *
 * @public
 */
export function createGitLabRequester(
  options: GitLabRequesterOptions,
): (resourceOptions: ResourceOptions) => RequesterType {
  const apiBaseUrl = options.apiBaseUrl.replace(/\/+$/, '');
  const apiPath = new URL(apiBaseUrl).pathname.replace(/\/+$/, '');
  const attempts = Math.max(1, options.retry?.attempts ?? 4);
  const minDelayMs = options.retry?.minDelayMs ?? 500;
  const maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 30_000;

  const redact = (text: string) => {
    let out = text;
    for (const s of options.secrets) {
      if (s) out = out.split(s).join('[redacted]');
    }
    return out;
  };

  const backoff = async (
    attempt: number,
    retryAfter: string | undefined,
    what: string,
    signals: AbortSignal[],
  ) => {
    let delay = Math.min(
      maxDelayMs,
      minDelayMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4),
    );
    if (retryAfter !== undefined) {
      const seconds = Number(retryAfter);
      const ms = Number.isFinite(seconds)
        ? seconds * 1000
        : Date.parse(retryAfter) - Date.now();
      if (Number.isFinite(ms) && ms >= 0) delay = Math.min(maxDelayMs, ms);
    }
    options.onRetry?.(
      `GitLab ${redact(what)}; retrying in ${Math.round(delay)} ms (attempt ${
        attempt + 1
      } of ${attempts})`,
    );
    if (signals.length === 0) {
      await new Promise(resolve => setTimeout(resolve, delay));
      return;
    }
    const cancel = AbortSignal.any(signals);
    await new Promise<void>((resolve, reject) => {
      if (cancel.aborted) {
        reject(cancel.reason);
        return;
      }
      let onAbort = () => {};
      const timer = setTimeout(() => {
        cancel.removeEventListener('abort', onAbort);
        resolve();
      }, delay);
      onAbort = () => {
        clearTimeout(timer);
        reject(cancel.reason);
      };
      cancel.addEventListener('abort', onAbort, { once: true });
    });
  };

  const handle = async (
    endpoint: string,
    requestOptions?: Record<string, unknown>,
  ): Promise<FormattedResponse> => {
    const request = (requestOptions ?? {}) as RequestOptions;
    const method = (request.method ?? 'GET').toUpperCase();
    // gitbeaker's resources name their endpoint relative to `<host>/api/v4/<resource prefix>`
    // (the prefix is `projects` for project variables and access tokens, for instance); keep
    // that prefix but put it under the configured apiBaseUrl.
    const prefix = request.prefixUrl ?? '';
    const at = prefix.lastIndexOf('/api/v4');
    const under = at >= 0 ? prefix.slice(at + '/api/v4'.length) : '';
    const url = new URL(endpoint, `${apiBaseUrl}${under.replace(/\/*$/, '/')}`);
    url.search = request.searchParams ?? '';
    // Without the query string: messages name the call, not its parameters.
    const what = `${method} ${url.pathname.slice(apiPath.length)}`;
    // The caller's signal (gitbeaker's queryTimeout, when one is set) and the task's.
    const signals = [request.signal, options.signal].filter(
      (s): s is AbortSignal => !!s,
    );
    let lastError: GitLabApiError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let response: Response;
      options.onRequest?.();
      try {
        response = await fetch(url, {
          method,
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.any([...signals, AbortSignal.timeout(timeoutMs)]),
        });
      } catch (e) {
        const cancelled = signals.find(s => s.aborted);
        if (cancelled) throw cancelled.reason ?? e;
        const cause = (e as any)?.cause?.code ?? (e as Error).name;
        lastError = new GitLabApiError(
          `GitLab ${what} failed: ${gitlabHint(0, options.host)} (${cause})`,
          0,
          String(cause),
        );
        if (attempt < attempts) {
          await backoff(attempt, undefined, `${what}: ${cause}`, signals);
          continue;
        }
        throw lastError;
      }
      const headers = Object.fromEntries(response.headers.entries());
      if (response.ok) {
        if (request.asStream) {
          return {
            body: response.body as ReadableStream,
            headers,
            status: response.status,
          };
        }
        const text = response.status === 204 ? '' : await response.text();
        let body: FormattedResponse['body'] = undefined;
        if (text) {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
        return { body, headers, status: response.status };
      }
      const errorBody = await response
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
      const gitlabMessage = redact(flattenGitLabMessage(errorBody)).slice(
        0,
        500,
      );
      lastError = new GitLabApiError(
        `GitLab ${what} answered ${response.status}${
          gitlabMessage ? ` (${gitlabMessage})` : ''
        }: ${gitlabHint(response.status, options.host)}`,
        response.status,
        gitlabMessage,
      );
      const transient =
        response.status === 429 ||
        (response.status >= 502 && response.status <= 504) ||
        (response.status === 500 && IDEMPOTENT.has(method));
      if (!transient || attempt === attempts) {
        if (transient) {
          lastError = new GitLabApiError(
            `${lastError.message} (gave up after ${attempt} attempts)`,
            lastError.status,
            gitlabMessage,
          );
        }
        throw lastError;
      }
      await backoff(
        attempt,
        response.headers.get('retry-after') ?? undefined,
        `${what}: ${response.status}`,
        signals,
      );
    }
    throw lastError ?? new Error(`GitLab ${what} failed`);
  };

  // gitbeaker's own options handler builds the headers (the token among them), the JSON body
  // and the query string; only the transport is ours.
  return createRequesterFn(async (_, request) => request, handle);
}
