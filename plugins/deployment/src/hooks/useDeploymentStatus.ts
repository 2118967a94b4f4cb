import { useCallback, useEffect, useRef, useState } from 'react';
import { parseEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import type { DeploymentStatus } from '@internal/plugin-deployment-common';
import { deploymentApiRef } from '../api/DeploymentApi';

/** What {@link useDeploymentStatus} returns. */
export interface DeploymentStatusState {
  /** The last status read successfully; kept when a later poll fails. */
  status?: DeploymentStatus;
  /** Why the last read failed; cleared by the next success. */
  error?: Error;
  /** Nothing read yet and the first read still running. */
  loading: boolean;
  /** A read is running (the first one, a poll or a manual refresh). */
  refreshing: boolean;
  /** When `status` was received (epoch ms). */
  fetchedAt?: number;
  /** Reads again now; resolves when that read is done (never rejects). */
  refresh: () => Promise<void>;
}

interface State {
  status?: DeploymentStatus;
  error?: Error;
  fetchedAt?: number;
  refreshing: boolean;
}

/**
 * Reads an entity's deployment status, then every `refreshIntervalMs` (0 disables polling)
 * while the browser tab is visible. A tab in the background does not poll: the backend reads
 * every cluster on each request, and nobody is looking. When the tab comes back, a stale
 * status is read again at once.
 */
export function useDeploymentStatus(
  entityRef: string,
  refreshIntervalMs: number,
): DeploymentStatusState {
  const api = useApi(deploymentApiRef);
  const [state, setState] = useState<State>({ refreshing: true });
  // One read at a time: a poll that fires while a manual refresh runs joins it.
  const inFlight = useRef<Promise<void> | undefined>(undefined);
  // Bumped when the entity changes or the component unmounts, so late answers are dropped.
  const generation = useRef(0);
  const lastStartedAt = useRef(0);

  const load = useCallback((): Promise<void> => {
    if (inFlight.current) return inFlight.current;
    const current = generation.current;
    lastStartedAt.current = Date.now();
    setState(s => (s.refreshing ? s : { ...s, refreshing: true }));
    const request = api
      .getDeploymentStatus(parseEntityRef(entityRef))
      .then(
        status => {
          if (current !== generation.current) return;
          setState({ status, fetchedAt: Date.now(), refreshing: false });
        },
        (error: unknown) => {
          if (current !== generation.current) return;
          setState(s => ({
            ...s,
            error: error instanceof Error ? error : new Error(String(error)),
            refreshing: false,
          }));
        },
      )
      .finally(() => {
        if (inFlight.current === request) inFlight.current = undefined;
      });
    inFlight.current = request;
    return request;
  }, [api, entityRef]);

  useEffect(() => {
    generation.current += 1;
    inFlight.current = undefined;
    setState({ refreshing: true });
    load();
    return () => {
      generation.current += 1;
      inFlight.current = undefined;
    };
  }, [load]);

  useEffect(() => {
    if (!(refreshIntervalMs > 0)) return undefined;
    const poll = () => {
      if (document.visibilityState !== 'hidden') load();
    };
    const onVisibilityChange = () => {
      if (
        document.visibilityState === 'visible' &&
        Date.now() - lastStartedAt.current >= refreshIntervalMs
      ) {
        load();
      }
    };
    const id = window.setInterval(poll, refreshIntervalMs);
    document.addEventListener('visibilitychange', onVisibilityChange);
    return () => {
      window.clearInterval(id);
      document.removeEventListener('visibilitychange', onVisibilityChange);
    };
  }, [load, refreshIntervalMs]);

  return {
    status: state.status,
    error: state.error,
    fetchedAt: state.fetchedAt,
    refreshing: state.refreshing,
    loading: !state.status && !state.error,
    refresh: load,
  };
}
