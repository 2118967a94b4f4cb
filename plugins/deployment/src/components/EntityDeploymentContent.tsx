import { Fragment, useCallback } from 'react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { Progress } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { makeStyles } from '@material-ui/core/styles';
import { deploymentActionPermission } from '@internal/plugin-deployment-common';
import { useDeploymentStatus } from '../hooks/useDeploymentStatus';
import { useRefreshIntervalMs } from '../hooks/useRefreshIntervalMs';
import { kubernetesIdOf } from '@internal/plugin-idp-common';
import { isNothingDeployed } from '../lib/status';
import { ClusterErrorAlert } from './ClusterErrorAlert';
import { DeploymentLoadFailed } from './DeploymentLoadFailed';
import { DeploymentHeader } from './DeploymentHeader';
import { DeploymentMissingAnnotation } from './DeploymentMissingAnnotation';
import { EnvironmentSection } from './EnvironmentSection';
import { NotDeployedState } from './NotDeployedState';

const useStyles = makeStyles(theme => ({
  // Sections stack at any width; each one handles its own narrow layout.
  root: { display: 'flex', flexDirection: 'column', gap: theme.spacing(3) },
}));

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
      {status.clusters.map(cluster => (
        <Fragment key={cluster.cluster}>
          <ClusterErrorAlert cluster={cluster} />
          {cluster.environments.map(environment => (
            <EnvironmentSection
              key={environment.name}
              cluster={cluster.cluster}
              environment={environment}
              entityRef={entityRef}
              canAct={canAct}
              onActionRequested={onActionRequested}
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
