import { useEffect, useRef, useState } from 'react';
import { parseEntityRef } from '@backstage/catalog-model';
import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { PromotionResult } from '@internal/plugin-deployment-common';
import { deploymentApiRef } from '../api/DeploymentApi';
import { StatusLabel } from './StatusLabel';

/** Props of {@link PromoteButton}. */
export interface PromoteButtonProps {
  entityRef: string;
  /** The environment whose running image is promoted. */
  from: string;
  /** The next environment of the service. */
  to: string;
  /** The tag that runs in `from`, to say what is promoted. */
  imageTag?: string;
  /** `to` already runs this image: the button says so and is disabled (its last result stays). */
  alreadyPromoted?: boolean;
  /** Called after a promotion was accepted (to read the status and pending promotions again). */
  onPromoted?: (result: PromotionResult) => void;
}

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
}));

/**
 * "Promote to staging": asks the backend to promote what runs in this environment to the next
 * one. The backend reads what runs itself and refuses an image that is not running healthy,
 * saying why; into production it opens a merge request, linked here.
 */
export function PromoteButton(props: PromoteButtonProps) {
  const { entityRef, from, to, imageTag, alreadyPromoted, onPromoted } = props;
  const classes = useStyles();
  const api = useApi(deploymentApiRef);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<
    { ok: true; value: PromotionResult } | { ok: false; text: string }
  >();
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const promote = async () => {
    setRunning(true);
    setResult(undefined);
    try {
      const value = await api.promote(parseEntityRef(entityRef), { from, to });
      if (!mounted.current) return;
      setResult({ ok: true, value });
      onPromoted?.(value);
    } catch (error) {
      if (!mounted.current) return;
      setResult({
        ok: false,
        text: error instanceof Error ? error.message : String(error),
      });
    } finally {
      if (mounted.current) setRunning(false);
    }
  };

  return (
    <div className={classes.root}>
      <Button
        size="small"
        variant="outlined"
        color="primary"
        disabled={running || alreadyPromoted}
        onClick={promote}
      >
        {running && 'Promoting…'}
        {!running &&
          alreadyPromoted &&
          `${to} runs ${imageTag ?? 'this image'}`}
        {!running &&
          !alreadyPromoted &&
          `Promote ${imageTag ? `${imageTag} ` : ''}to ${to}`}
      </Button>
      <Typography variant="body2" component="span" role="status">
        {result?.ok === true && (
          <StatusLabel level="ok">
            {result.value.message}{' '}
            <Link to={result.value.url}>
              {result.value.kind === 'merge-request'
                ? 'Open the merge request'
                : 'See the commit'}
            </Link>
          </StatusLabel>
        )}
        {result?.ok === false && (
          <StatusLabel level="error">{result.text}</StatusLabel>
        )}
      </Typography>
    </div>
  );
}
