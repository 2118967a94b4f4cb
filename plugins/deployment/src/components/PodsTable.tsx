import { useMemo } from 'react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { PodStatus } from '@internal/plugin-deployment-common';
import { formatAgo, formatAge } from '../lib/format';
import { podLevel, sortPods } from '../lib/status';
import { StatusLabel } from './StatusLabel';

const useStyles = makeStyles(theme => ({
  scroll: { overflowX: 'auto' },
  // A coloured edge marks problem rows without relying on colour alone: the status column
  // names the problem too.
  errorRow: { boxShadow: `inset 4px 0 0 ${theme.palette.error.main}` },
  warningRow: { boxShadow: `inset 4px 0 0 ${theme.palette.warning.main}` },
  name: { whiteSpace: 'nowrap' },
  problemMessage: {
    display: 'block',
    maxWidth: '40em',
    minWidth: '16em',
    overflowWrap: 'anywhere',
  },
  restarts: { fontWeight: theme.typography.fontWeightBold as number },
  image: { overflowWrap: 'anywhere', minWidth: '8em' },
}));

/** Props of {@link PodsTable}. */
export interface PodsTableProps {
  pods: PodStatus[];
  now: number;
}

/**
 * An environment's pods, problems first: what is wrong (CrashLoopBackOff, OOMKilled, …) and
 * why, readiness, restarts, age, image tag and how a container last ended. Scrolls sideways on
 * a narrow window.
 */
export function PodsTable(props: PodsTableProps) {
  const classes = useStyles();
  const pods = useMemo(() => sortPods(props.pods), [props.pods]);
  if (pods.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No pods.
      </Typography>
    );
  }
  return (
    <div className={classes.scroll}>
      <Table size="small" aria-label="Pods">
        <TableHead>
          <TableRow>
            <TableCell>Pod</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Ready</TableCell>
            <TableCell>Restarts</TableCell>
            <TableCell>Age</TableCell>
            <TableCell>Image</TableCell>
            <TableCell>Last termination</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {pods.map(pod => {
            const level = podLevel(pod);
            const termination = pod.lastTermination;
            const terminatedAgo = formatAgo(termination?.finishedAt, props.now);
            let rowClass: string | undefined;
            if (level === 'error') rowClass = classes.errorRow;
            else if (level === 'warning') rowClass = classes.warningRow;
            return (
              <TableRow
                key={`${pod.namespace}/${pod.name}`}
                className={rowClass}
                data-problem={pod.problem}
              >
                <TableCell className={classes.name}>{pod.name}</TableCell>
                <TableCell>
                  <StatusLabel level={level}>
                    {pod.problem ?? pod.phase}
                  </StatusLabel>
                  {pod.problem && pod.problem !== pod.phase && (
                    <Typography variant="caption" color="textSecondary">
                      {' '}
                      ({pod.phase})
                    </Typography>
                  )}
                  {pod.problemMessage && (
                    <Typography
                      variant="caption"
                      className={classes.problemMessage}
                    >
                      {pod.problemMessage}
                    </Typography>
                  )}
                </TableCell>
                <TableCell>
                  {pod.readyContainers}/{pod.totalContainers}
                </TableCell>
                <TableCell
                  className={pod.restarts > 0 ? classes.restarts : undefined}
                >
                  {pod.restarts}
                </TableCell>
                <TableCell>
                  {formatAge(pod.startedAt, props.now) ?? '—'}
                </TableCell>
                <TableCell className={classes.image}>
                  {pod.imageTag ? <code>{pod.imageTag}</code> : '—'}
                </TableCell>
                <TableCell>
                  {termination?.reason ?? (termination ? 'Terminated' : '—')}
                  {termination?.exitCode !== undefined &&
                    ` (exit ${termination.exitCode})`}
                  {terminatedAgo && (
                    <Typography variant="caption" color="textSecondary">
                      {' '}
                      · {terminatedAgo}
                    </Typography>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
}
