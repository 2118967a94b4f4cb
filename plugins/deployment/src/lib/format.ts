import type { EnvironmentDeployment } from '@internal/plugin-deployment-common';

/** Git SHAs are shown as their first 7 characters, as GitLab and Argo CD do. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/i.test(revision) ? revision.slice(0, 7) : revision;
}

/**
 * How long ago `iso` was, as Kubernetes tools show it: `45s`, `3m`, `2h`, `5d`. Undefined for a
 * missing or unreadable time; a time in the future (clock skew) counts as now.
 */
export function formatAge(
  iso: string | undefined,
  now: number,
): string | undefined {
  if (!iso) return undefined;
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return undefined;
  return formatDuration(Math.max(0, now - then));
}

/** `formatAge` with " ago", or undefined. */
export function formatAgo(
  iso: string | undefined,
  now: number,
): string | undefined {
  const age = formatAge(iso, now);
  return age === undefined ? undefined : `${age} ago`;
}

/** A duration in the largest whole unit: `45s`, `3m`, `2h`, `5d`. */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** `1 pod`, `3 pods`. */
export function plural(count: number, singular: string, pluralForm?: string) {
  return `${count} ${count === 1 ? singular : pluralForm ?? `${singular}s`}`;
}

/**
 * An environment's title: "development · dev-cluster · team-payments-payments-refunds-development".
 * Parts that repeat (no environment label, namespace named like the object) appear once.
 */
export function environmentTitle(
  cluster: string,
  environment: EnvironmentDeployment,
): string {
  return [
    environment.preview
      ? `preview ${environment.preview.name}`
      : environment.environment ?? environment.name,
    cluster,
    environment.namespace ?? environment.name,
  ]
    .filter((part, index, parts) => parts.indexOf(part) === index)
    .join(' · ');
}
