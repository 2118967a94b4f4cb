import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { DeploymentRequestError } from '../api/DeploymentClient';

/** Whether the backend refused the caller (403): not an outage, so no Retry. */
export function isForbidden(error: unknown): error is DeploymentRequestError {
  return error instanceof DeploymentRequestError && error.status === 403;
}

/**
 * What someone the permission policy does not let see deployment status gets, instead of an
 * error with a Retry that can never succeed: the backend's reason and who may see it.
 */
export function DeploymentForbidden(props: {
  error: DeploymentRequestError;
  compact?: boolean;
}) {
  const { error, compact } = props;
  return (
    <Alert severity="info">
      {!compact && <AlertTitle>No access to the deployment status</AlertTitle>}
      {error.message}. Platform engineers, developers, managers and auditors may
      see it; ask the platform team for a role if you need it.
    </Alert>
  );
}
