import { Fragment } from 'react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Progress } from '@backstage/core-components';
import { useEntity, useEntityRefLink } from '@backstage/plugin-catalog-react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { DeploymentLoadFailed } from './DeploymentLoadFailed';
import type { EnvironmentDeployment } from '@internal/plugin-deployment-common';
import { useDeploymentStatus } from '../hooks/useDeploymentStatus';
import { useRefreshIntervalMs } from '../hooks/useRefreshIntervalMs';
import { IDP_ANNOTATIONS, kubernetesIdOf } from '@internal/plugin-idp-common';
import { plural } from '../lib/format';
import {
  healthLevel,
  isNothingDeployed,
  summarisePods,
  syncLevel,
} from '../lib/status';
import { ClusterErrorAlert } from './ClusterErrorAlert';
import { StatusLabel } from './StatusLabel';

const useStyles = makeStyles(theme => ({
  scroll: { overflowX: 'auto' },
  cell: { verticalAlign: 'top' },
  labels: {
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: theme.spacing(1.5),
  },
  failing: { color: theme.palette.error.main, display: 'block' },
}));

function EnvironmentRow(props: {
  cluster: string;
  environment: EnvironmentDeployment;
}) {
  const classes = useStyles();
  const { environment } = props;
  const app = environment.application;
  const { total, ready, failing } = summarisePods(environment.pods);
  return (
    <TableRow>
      <TableCell className={classes.cell}>
        <Typography variant="body2">
          {/* A preview is a development environment too: name it apart. */}
          {environment.preview
            ? `preview ${environment.preview.name}`
            : environment.environment ?? environment.name}
        </Typography>
        <Typography variant="caption" color="textSecondary">
          {props.cluster}
        </Typography>
      </TableCell>
      <TableCell className={classes.cell}>
        {app ? (
          <span className={classes.labels}>
            <StatusLabel level={syncLevel(app.syncStatus)}>
              {app.syncStatus}
            </StatusLabel>
            <StatusLabel level={healthLevel(app.healthStatus)}>
              {app.healthStatus}
            </StatusLabel>
          </span>
        ) : (
          <Typography variant="body2" color="textSecondary">
            No Argo CD Application
          </Typography>
        )}
      </TableCell>
      <TableCell className={classes.cell}>
        <Typography variant="body2">
          {ready}/{total} pods ready
        </Typography>
        {failing > 0 && (
          <Typography variant="caption" className={classes.failing}>
            {plural(failing, 'problem')}
          </Typography>
        )}
      </TableCell>
    </TableRow>
  );
}

function CardBody(props: { entityRef: string }) {
  const classes = useStyles();
  const refreshIntervalMs = useRefreshIntervalMs();
  const { status, error, loading, refreshing, refresh } = useDeploymentStatus(
    props.entityRef,
    refreshIntervalMs,
  );
  if (loading) return <Progress />;
  if (!status) {
    return (
      <DeploymentLoadFailed
        error={error}
        refreshing={refreshing}
        onRetry={() => refresh()}
        compact
      />
    );
  }
  return (
    <>
      {error && (
        <Typography variant="caption" color="textSecondary" component="p">
          Could not refresh: {error.message}
        </Typography>
      )}
      <div className={classes.scroll}>
        <Table size="small" aria-label="Environments">
          <TableBody>
            {status.clusters.map(cluster => (
              <Fragment key={cluster.cluster}>
                {cluster.error && (
                  <TableRow>
                    <TableCell colSpan={3}>
                      <ClusterErrorAlert cluster={cluster} dense />
                    </TableCell>
                  </TableRow>
                )}
                {cluster.environments.map(environment => (
                  <EnvironmentRow
                    key={environment.name}
                    cluster={cluster.cluster}
                    environment={environment}
                  />
                ))}
              </Fragment>
            ))}
          </TableBody>
        </Table>
      </div>
      {isNothingDeployed(status) && (
        <Typography variant="body2">
          <strong>Not deployed yet.</strong> Nothing labelled{' '}
          <code>{status.kubernetesId}</code> on{' '}
          {status.clusters.some(c => c.error)
            ? 'the reachable clusters'
            : 'any cluster'}
          .
        </Typography>
      )}
    </>
  );
}

/**
 * The overview card: one line per environment with Argo CD's sync and health, how many pods
 * are ready and how many have a problem, and a link to the Deployment tab.
 *
 * @public
 */
export function EntityDeploymentCard() {
  const { entity } = useEntity();
  const entityLink = useEntityRefLink();
  const annotated = kubernetesIdOf(entity) !== undefined;
  return (
    <InfoCard
      title="Deployment"
      deepLink={{
        link: `${entityLink(entity)}/deployment`,
        title: 'Deployment details',
      }}
    >
      {annotated ? (
        <CardBody entityRef={stringifyEntityRef(entity)} />
      ) : (
        <Typography variant="body2">
          Add the <code>{IDP_ANNOTATIONS.kubernetesId}</code> annotation to see
          this component's deployment.
        </Typography>
      )}
    </InfoCard>
  );
}
