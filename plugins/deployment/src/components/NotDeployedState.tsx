import { EmptyState } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { DeploymentStatus } from '@internal/plugin-deployment-common';

/** Props of {@link NotDeployedState}. */
export interface NotDeployedStateProps {
  status: DeploymentStatus;
}

/**
 * "Not deployed yet": no cluster holds anything labelled with the service's kubernetes-id.
 * Says where it looked, and what usually makes a service appear, so an empty view is not
 * mistaken for a broken one.
 */
export function NotDeployedState(props: NotDeployedStateProps) {
  const { status } = props;
  const reachable = status.clusters.filter(c => !c.error).map(c => c.cluster);
  const someUnreachable = reachable.length < status.clusters.length;
  let where: string;
  if (status.clusters.length === 0) {
    where = 'The deployment backend has no clusters configured.';
  } else {
    where = `Nothing labelled backstage.io/kubernetes-id=${
      status.kubernetesId
    } on ${someUnreachable ? 'the reachable clusters' : 'any cluster'} (${
      reachable.join(', ') || 'none'
    }).`;
  }
  return (
    <EmptyState
      missing="content"
      title={
        someUnreachable
          ? 'Not deployed on the reachable clusters'
          : 'Not deployed yet'
      }
      description={
        <>
          <Typography variant="body1" component="span" display="block">
            {where}
          </Typography>
          <Typography variant="body2" component="span" display="block">
            A service from the golden-path templates appears here once its
            ApplicationEnvironment exists and Argo CD has synced its deployment
            repository: the development environment deploys automatically after
            the first pipeline on the default branch.
          </Typography>
        </>
      }
    />
  );
}
