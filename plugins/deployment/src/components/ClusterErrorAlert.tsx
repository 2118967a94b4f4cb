import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import type { ClusterDeployment } from '@internal/plugin-deployment-common';
import { clusterErrorLabel } from '../lib/status';

const useStyles = makeStyles(theme => ({
  dense: { padding: theme.spacing(0, 1) },
}));

/** Props of {@link ClusterErrorAlert}. */
export interface ClusterErrorAlertProps {
  cluster: ClusterDeployment;
  /** One line, for the overview card. */
  dense?: boolean;
}

/**
 * "dev-cluster: unreachable — connect ECONNREFUSED": a cluster the backend could not read.
 * Shown in the cluster's place so it is clear which environments may be missing, while the
 * other clusters render normally.
 */
export function ClusterErrorAlert(props: ClusterErrorAlertProps) {
  const { cluster, dense } = props;
  const classes = useStyles();
  if (!cluster.error) return null;
  return (
    <Alert
      severity="error"
      variant={dense ? 'outlined' : 'standard'}
      className={dense ? classes.dense : undefined}
    >
      <strong>{cluster.cluster}</strong>:{' '}
      {clusterErrorLabel(cluster.error.kind)} — {cluster.error.message}
    </Alert>
  );
}
