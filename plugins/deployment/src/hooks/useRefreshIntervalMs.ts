import { configApiRef, useApi } from '@backstage/frontend-plugin-api';

/** Polling interval when `deployment.refreshIntervalSeconds` is not set. */
export const DEFAULT_REFRESH_INTERVAL_SECONDS = 10;

/**
 * The polling interval from `deployment.refreshIntervalSeconds` in milliseconds; 0 (polling
 * off) when it is 0 or negative.
 */
export function useRefreshIntervalMs(): number {
  const config = useApi(configApiRef);
  const seconds =
    config.getOptionalNumber('deployment.refreshIntervalSeconds') ??
    DEFAULT_REFRESH_INTERVAL_SECONDS;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}
