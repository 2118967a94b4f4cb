import { Fragment, useCallback, useEffect, useState } from 'react';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import { Progress } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { makeStyles } from '@material-ui/core/styles';
import {
  PendingPromotion,
  PodStatus,
  deploymentActionPermission,
} from '@internal/plugin-deployment-common';
import { deploymentApiRef } from '../api/DeploymentApi';
import { useDeploymentStatus } from '../hooks/useDeploymentStatus';
import { useRefreshIntervalMs } from '../hooks/useRefreshIntervalMs';
import { ENVIRONMENTS, kubernetesIdOf } from '@internal/plugin-idp-common';
import { isNothingDeployed } from '../lib/status';
import { ClusterErrorAlert } from './ClusterErrorAlert';
import { DeploymentLoadFailed } from './DeploymentLoadFailed';
import { DeploymentHeader } from './DeploymentHeader';
import { DeploymentMissingAnnotation } from './DeploymentMissingAnnotation';
import { EnvironmentManagement } from './EnvironmentManagement';
import { EnvironmentSection } from './EnvironmentSection';
import { NotDeployedState } from './NotDeployedState';

const useStyles = makeStyles(theme => ({
  // Sections stack at any width; each one handles its own narrow layout.
  root: { display: 'flex', flexDirection: 'column', gap: theme.spacing(3) },
}));

/** Environments in promotion order (development, staging, production), others, then previews. */
function inPromotionOrder<T extends { environment?: string; preview?: object }>(
  list: T[],
): T[] {
  const rank = (e: T) => {
    // Previews after the environments they are made from.
    if (e.preview) return ENVIRONMENTS.length + 1;
    const i = ENVIRONMENTS.indexOf(e.environment as any);
    return i < 0 ? ENVIRONMENTS.length : i;
  };
  return [...list].sort((a, b) => rank(a) - rank(b));
}

/**
 * The open promotion merge requests, read again after each promotion. A failure to read them
 * (no GitLab configured, say) hides the list; it does not break the view.
 */
function usePendingPromotions(entityRef: string) {
  const api = useApi(deploymentApiRef);
  const [pending, setPending] = useState<PendingPromotion[]>([]);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    api
      .getPendingPromotions(parseEntityRef(entityRef), {
        signal: controller.signal,
      })
      .then(setPending, () => setPending([]));
    return () => controller.abort();
  }, [api, entityRef, generation]);
  return { pending, reload: () => setGeneration(g => g + 1) };
}

/**
 * The service's deployment, read through the deployment backend: per cluster and environment
 * the ApplicationEnvironment, the Argo CD Application and the pods. Polls while visible.
 */
function DeploymentView(props: { entityRef: string }) {
  const { entityRef } = props;
  const classes = useStyles();
  const refreshIntervalMs = useRefreshIntervalMs();
  const { status, error, loading, refreshing, fetchedAt, refresh } =
    useDeploymentStatus(entityRef, refreshIntervalMs);
  const permission = usePermission({
    permission: deploymentActionPermission,
    resourceRef: entityRef,
  });
  // While the decision loads the buttons stay hidden: showing then removing them is worse.
  const canAct = !permission.loading && permission.allowed;
  const onActionRequested = useCallback(() => {
    refresh();
  }, [refresh]);
  const promotions = usePendingPromotions(entityRef);
  const reloadPromotions = promotions.reload;
  const onPromoted = useCallback(() => {
    refresh();
    reloadPromotions();
  }, [refresh, reloadPromotions]);

  if (loading) {
    return <Progress />;
  }
  if (!status) {
    return (
      <DeploymentLoadFailed
        error={error}
        refreshing={refreshing}
        onRetry={() => refresh()}
      />
    );
  }

  // Ages are relative to when the data arrived, not re-computed every second or render: the
  // (memoised) environment sections then re-render only when new data arrives, which keeps
  // 200-pod tables cheap.
  const now = fetchedAt ?? Date.now();
  const nothingDeployed = isNothingDeployed(status);
  // The service's environments in promotion order: each promotes to the next one it has.
  const environments = ENVIRONMENTS.filter(name =>
    status.clusters.some(c =>
      c.environments.some(e => e.environment === name && !e.preview),
    ),
  );
  const previews = status.clusters.flatMap(c =>
    c.environments.flatMap(e => (e.preview ? [e.preview.name] : [])),
  );
  const nextOf = (name?: string) => {
    const i = environments.indexOf(name as any);
    return i >= 0 ? environments[i + 1] : undefined;
  };
  // Whether the next environment already runs this one's image: nothing to promote.
  const nextRunsSame = (env: { environment?: string; pods: PodStatus[] }) => {
    const next = nextOf(env.environment);
    const image = env.pods[0]?.image;
    const target = status.clusters
      .flatMap(c => c.environments)
      .find(e => e.environment === next && !e.preview);
    return (
      image !== undefined &&
      target !== undefined &&
      target.pods.length > 0 &&
      target.pods.every(p => p.image === image)
    );
  };

  return (
    <div className={classes.root}>
      <DeploymentHeader
        kubernetesId={status.kubernetesId}
        generatedAt={status.generatedAt}
        fetchedAt={fetchedAt}
        refreshing={refreshing}
        refreshIntervalMs={refreshIntervalMs}
        error={error}
        onRefresh={() => refresh()}
      />
      {!nothingDeployed && (
        <EnvironmentManagement
          entityRef={entityRef}
          environments={[...environments]}
          pending={promotions.pending}
          canAct={canAct}
          previews={previews}
          onPreviewCreated={onActionRequested}
        />
      )}
      {status.clusters.map(cluster => (
        <Fragment key={cluster.cluster}>
          <ClusterErrorAlert cluster={cluster} />
          {inPromotionOrder(cluster.environments).map(environment => (
            <EnvironmentSection
              key={environment.name}
              cluster={cluster.cluster}
              environment={environment}
              entityRef={entityRef}
              canAct={canAct}
              onActionRequested={onActionRequested}
              // A preview is never promoted from: its branch is merged, then promoted.
              promoteTo={
                environment.preview
                  ? undefined
                  : nextOf(environment.environment)
              }
              promoted={nextRunsSame(environment)}
              onPromoted={onPromoted}
              now={now}
            />
          ))}
        </Fragment>
      ))}
      {nothingDeployed && <NotDeployedState status={status} />}
    </div>
  );
}

/**
 * The "Deployment" tab of a component: whether the service is deployed, which revision runs,
 * whether Argo CD is in sync and healthy, and which pods fail and why. Entities without the
 * `backstage.io/kubernetes-id` annotation get instructions to add it.
 *
 * @public
 */
export function EntityDeploymentContent() {
  const { entity } = useEntity();
  // What the backend selects by: without it there is nothing to ask the backend for.
  if (kubernetesIdOf(entity) === undefined) {
    return <DeploymentMissingAnnotation entity={entity} />;
  }
  return <DeploymentView entityRef={stringifyEntityRef(entity)} />;
}
