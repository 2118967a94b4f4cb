import Box from '@material-ui/core/Box';
import CircularProgress from '@material-ui/core/CircularProgress';
import IconButton from '@material-ui/core/IconButton';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import RefreshIcon from '@material-ui/icons/Refresh';
import Alert from '@material-ui/lab/Alert';
import { useNow } from '../hooks/useNow';
import { formatDuration } from '../lib/format';

const useStyles = makeStyles(theme => ({
  bar: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  spacer: { flexGrow: 1 },
  buttonBox: { position: 'relative', display: 'inline-flex' },
  spinner: { position: 'absolute', top: 4, left: 4, pointerEvents: 'none' },
}));

/** Props of {@link DeploymentHeader}. */
export interface DeploymentHeaderProps {
  /** The `kubernetes-id` the objects were looked up by. */
  kubernetesId: string;
  /** When the backend read the clusters (ISO 8601). */
  generatedAt?: string;
  /** When the browser received it (epoch ms), used when `generatedAt` is unreadable. */
  fetchedAt?: number;
  refreshing: boolean;
  /** Polling interval in ms, 0 when off. */
  refreshIntervalMs: number;
  /** The last poll's failure, shown above the (older) data. */
  error?: Error;
  onRefresh: () => void;
}

/** "Updated 5s ago", ticking on its own so the sections below do not re-render every second. */
function UpdatedAgo(props: { generatedAt?: string; fetchedAt?: number }) {
  const now = useNow(1000);
  const parsed = props.generatedAt ? Date.parse(props.generatedAt) : NaN;
  const at = Number.isNaN(parsed) ? props.fetchedAt : parsed;
  if (at === undefined) return null;
  // The backend's clock may be a little ahead of the browser's.
  return (
    <Typography variant="body2" color="textSecondary" aria-live="off">
      Updated {formatDuration(Math.max(0, now - at))} ago
    </Typography>
  );
}

/**
 * The bar above the environments: how fresh the data is, a manual refresh, and a warning when
 * the last refresh failed (the previous data stays on screen).
 */
export function DeploymentHeader(props: DeploymentHeaderProps) {
  const classes = useStyles();
  return (
    <Box>
      <div className={classes.bar}>
        <Typography variant="body2">
          Objects labelled <code>backstage.io/kubernetes-id</code>=
          <code>{props.kubernetesId}</code>
        </Typography>
        <span className={classes.spacer} />
        <UpdatedAgo
          generatedAt={props.generatedAt}
          fetchedAt={props.fetchedAt}
        />
        <Typography variant="caption" color="textSecondary">
          {props.refreshIntervalMs > 0
            ? `· refreshes every ${formatDuration(props.refreshIntervalMs)}`
            : '· automatic refresh off'}
        </Typography>
        <Tooltip title="Refresh now">
          <span className={classes.buttonBox}>
            <IconButton
              aria-label="Refresh"
              size="small"
              onClick={props.onRefresh}
              disabled={props.refreshing}
            >
              <RefreshIcon fontSize="small" />
            </IconButton>
            {props.refreshing && (
              <CircularProgress
                size={18}
                className={classes.spinner}
                aria-label="Refreshing"
              />
            )}
          </span>
        </Tooltip>
      </div>
      {props.error && (
        <Box mt={1}>
          <Alert severity="warning">
            Could not refresh: {props.error.message.replace(/\.$/, '')}. Showing
            the last status read.
          </Alert>
        </Box>
      )}
    </Box>
  );
}
