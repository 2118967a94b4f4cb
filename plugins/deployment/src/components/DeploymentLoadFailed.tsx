import Button from '@material-ui/core/Button';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { DeploymentForbidden, isForbidden } from './DeploymentForbidden';

/**
 * What the tab and the card show when the first read failed: the policy's refusal as an info
 * (a Retry could never succeed), anything else as an error with a Retry. `compact` is the card's
 * one-line form.
 */
export function DeploymentLoadFailed(props: {
  error?: Error;
  refreshing: boolean;
  onRetry: () => void;
  compact?: boolean;
}) {
  const { error, refreshing, onRetry, compact } = props;
  if (isForbidden(error)) {
    return <DeploymentForbidden error={error} compact={compact} />;
  }
  return (
    <Alert
      severity="error"
      action={
        <Button
          color="inherit"
          size="small"
          onClick={onRetry}
          disabled={refreshing}
        >
          {refreshing && !compact ? 'Retrying…' : 'Retry'}
        </Button>
      }
    >
      {compact ? (
        <>Could not load the deployment status: {error?.message}</>
      ) : (
        <>
          <AlertTitle>Could not load the deployment status</AlertTitle>
          {error?.message}
        </>
      )}
    </Alert>
  );
}
