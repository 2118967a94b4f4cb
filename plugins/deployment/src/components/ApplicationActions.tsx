import { useEffect, useRef, useState } from 'react';
import { parseEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { deploymentApiRef } from '../api/DeploymentApi';
import { StatusLabel } from './StatusLabel';

/** Props of {@link ApplicationActions}. */
export interface ApplicationActionsProps {
  /** The entity whose Application it is, e.g. `component:default/payments-refunds`. */
  entityRef: string;
  cluster: string;
  /** The Argo CD Application's name. */
  application: string;
  /** Called after the backend accepted an action, to read the status again. */
  onRequested?: () => void;
}

type Action = 'refresh' | 'sync';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
}));

const LABELS: Record<Action, { done: string; failed: string }> = {
  refresh: { done: 'Refresh requested', failed: 'Refresh failed' },
  sync: { done: 'Sync requested', failed: 'Sync failed' },
};

/**
 * "Refresh in Argo CD" and "Sync" for one Application. Render it only when the user holds
 * `deployment.application.act` for the entity; the backend checks again and its refusal
 * (403) is shown here as it says it.
 */
export function ApplicationActions(props: ApplicationActionsProps) {
  const { entityRef, cluster, application, onRequested } = props;
  const classes = useStyles();
  const api = useApi(deploymentApiRef);
  const [running, setRunning] = useState<Action>();
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = async (action: Action) => {
    setRunning(action);
    setResult(undefined);
    try {
      const response = await api.requestAction(parseEntityRef(entityRef), {
        action,
        cluster,
        application,
      });
      if (!mounted.current) return;
      // The backend says what it did (which Application, which cluster); fall back to a label.
      setResult({ ok: true, text: response?.message || LABELS[action].done });
      onRequested?.();
    } catch (error) {
      if (!mounted.current) return;
      setResult({
        ok: false,
        text: `${LABELS[action].failed}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      });
    } finally {
      if (mounted.current) setRunning(undefined);
    }
  };

  return (
    <div className={classes.root}>
      <Button
        size="small"
        variant="outlined"
        disabled={running !== undefined}
        onClick={() => run('refresh')}
      >
        {running === 'refresh' ? 'Refreshing…' : 'Refresh in Argo CD'}
      </Button>
      <Button
        size="small"
        variant="contained"
        color="primary"
        disabled={running !== undefined}
        onClick={() => run('sync')}
      >
        {running === 'sync' ? 'Syncing…' : 'Sync'}
      </Button>
      <Typography variant="body2" component="span" role="status">
        {result && (
          <StatusLabel level={result.ok ? 'ok' : 'error'}>
            {result.text}
          </StatusLabel>
        )}
      </Typography>
    </div>
  );
}
