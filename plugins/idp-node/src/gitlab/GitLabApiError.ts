/**
 * A GitLab API call that failed, with a message a developer can act on. It never carries the
 * request (whose headers hold the token) nor secret values sent in the body.
 *
 * @public
 */
export class GitLabApiError extends Error {
  readonly name = 'GitLabApiError';

  constructor(
    message: string,
    /** HTTP status, or 0 when GitLab could not be reached. */
    readonly status: number,
    /** GitLab's own message, flattened (`name has already been taken`). */
    readonly gitlabMessage: string,
  ) {
    super(message);
  }

  /** True for GitLab's "has already been taken" answers to a create. */
  get isAlreadyTaken(): boolean {
    return (
      (this.status === 400 || this.status === 409) &&
      /already (been taken|exists)/i.test(this.gitlabMessage)
    );
  }
}

/**
 * Flattens GitLab's error bodies: `{"message": "..."}`, `{"message": {"name": ["has already been
 * taken"]}}`, `{"error": "..."}` or plain text.
 */
export function flattenGitLabMessage(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (typeof body !== 'object') return String(body);
  const b = body as Record<string, unknown>;
  const m = b.message ?? b.error ?? b.error_description;
  if (typeof m === 'string') return m;
  if (Array.isArray(m)) return m.map(String).join('; ');
  if (m && typeof m === 'object') {
    return Object.entries(m as Record<string, unknown>)
      .map(([field, v]) =>
        Array.isArray(v) ? `${field} ${v.join(', ')}` : `${field} ${String(v)}`,
      )
      .join('; ');
  }
  return JSON.stringify(body);
}

/** What to do about a failed call, by status. */
export function gitlabHint(status: number, host: string): string {
  switch (status) {
    case 0:
      return `GitLab at ${host} could not be reached; check the network and try again (the task can be retried safely)`;
    case 401:
      return `the token of integrations.gitlab for ${host} is invalid, expired or revoked; a platform engineer must renew it`;
    case 403:
      return `the token's user may not do this there; it needs the Maintainer or Owner role on the group (or the feature is disabled)`;
    case 404:
      return `it does not exist, or the token's user cannot see it`;
    case 409:
      return `it conflicts with something that already exists`;
    case 400:
    case 422:
      return `GitLab rejected the input`;
    case 429:
      return `GitLab's rate limit was hit repeatedly; wait a minute and retry the task`;
    default:
      return status >= 500
        ? `GitLab failed with a server error; try again later (the task can be retried safely)`
        : `unexpected answer`;
  }
}
