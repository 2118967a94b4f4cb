import { useState } from 'react';
import { parseEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { PreviewInfo } from '@internal/plugin-deployment-common';
import { deploymentApiRef } from '../api/DeploymentApi';
import { formatDuration } from '../lib/format';
import { StatusLabel } from './StatusLabel';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  },
}));

/** Props of {@link PreviewDetails}. */
export interface PreviewDetailsProps {
  entityRef: string;
  preview: PreviewInfo;
  canAct: boolean;
  onRemoved?: () => void;
  now: number;
}

/** `5h`, `47h`, then `2d 23h`: a preview's remaining time, whose hours matter. */
function remaining(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  return hours >= 48
    ? `${Math.floor(hours / 24)}d ${hours % 24}h`
    : formatDuration(ms);
}

/** `expires in 2d 23h (2026-12-07 10:00 UTC)`, or `expired 5m ago (…); the portal removes it shortly`. */
export function expiryText(expiresAt: string, now: number): string {
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return 'no readable expiry';
  const when = new Date(at).toISOString().slice(0, 16).replace('T', ' ');
  return at > now
    ? `expires in ${remaining(at - now)} (${when} UTC)`
    : `expired ${formatDuration(
        now - at,
      )} ago (${when} UTC); the portal removes it shortly`;
}

/**
 * What a preview environment runs and until when: the app repository's branch (and merge
 * request), the image the pipeline built, the expiry; and a button to remove it now.
 */
export function PreviewDetails(props: PreviewDetailsProps) {
  const { entityRef, preview, canAct, onRemoved, now } = props;
  const classes = useStyles();
  const api = useApi(deploymentApiRef);
  const [state, setState] = useState<
    { running: true } | { ok: boolean; text: string } | undefined
  >();
  const remove = async () => {
    setState({ running: true });
    try {
      const { message } = await api.removePreview(
        parseEntityRef(entityRef),
        preview.name,
      );
      setState({ ok: true, text: message });
      onRemoved?.();
    } catch (error) {
      setState({
        ok: false,
        text: error instanceof Error ? error.message : String(error),
      });
    }
  };
  const running = state !== undefined && 'running' in state;
  return (
    <div className={classes.root}>
      <Typography variant="body2">
        Preview of branch <strong>{preview.branch}</strong>
        {preview.mergeRequest
          ? ` (merge request !${preview.mergeRequest})`
          : ''}
        {preview.image ? `, image ${preview.image}` : ''} ·{' '}
        {expiryText(preview.expiresAt, now)}
      </Typography>
      {canAct && (
        <Button
          size="small"
          variant="outlined"
          disabled={running}
          onClick={remove}
        >
          {running ? 'Removing…' : 'Remove preview'}
        </Button>
      )}
      {state && !('running' in state) && (
        <Typography variant="body2" component="span" role="status">
          <StatusLabel level={state.ok ? 'ok' : 'error'}>
            {state.text}
          </StatusLabel>
        </Typography>
      )}
    </div>
  );
}
