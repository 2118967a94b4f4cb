import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import { GitLabClient, readIdpConfig } from '@internal/plugin-idp-node';

/**
 * Throws one InputError naming every invalid field, before any side effect. The scaffolder
 * validates inputs against the schema too, but the schema's JSON form cannot carry every rule
 * (and actions can be called by other code), so each action checks again with the same rules.
 */
export function assertValid(errors: Record<string, string[] | undefined>) {
  const lines = Object.entries(errors)
    .filter(([, e]) => e && e.length > 0)
    .map(([field, e]) => `${field}: ${e!.join('; ')}`);
  if (lines.length > 0) {
    throw new InputError(`Invalid input. ${lines.join('. ')}`);
  }
}

/** The GitLab host actions use when the template names none. */
export { defaultGitLabHost } from '@internal/plugin-idp-node';

/**
 * A GitLab client for `host` with the retry policy of `idp.gitlab.retry`, logging retries; with
 * the task's `signal`, cancelling the task stops its GitLab calls and their backoff waits.
 */
export function gitlabClient(
  config: Config,
  host: string,
  logger: LoggerService,
  signal?: AbortSignal,
): GitLabClient {
  return GitLabClient.fromConfig(config, {
    host,
    retry: readIdpConfig(config).gitlab.retry,
    onRetry: message => logger.warn(message),
    signal,
  });
}

/** `YYYY-MM-DD`, `days` from now (GitLab token expiry dates). */
export function dateInDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Marks a commit as made by a scaffolder task, so a retry can recognise its own work. */
export function taskTrailer(taskId: string): string {
  return `Backstage-Task: ${taskId}`;
}

/** Sleeps, or rejects when the task is cancelled. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('The task was cancelled'));
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('The task was cancelled'));
    });
  });
}
