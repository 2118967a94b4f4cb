import type { ReactNode } from 'react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ApplicationStatus } from '@internal/plugin-deployment-common';
import { formatAgo } from '../lib/format';
import { healthLevel, operationLevel, syncLevel } from '../lib/status';
import { ApplicationActions } from './ApplicationActions';
import { RevisionLink } from './RevisionLink';
import { StatusLabel } from './StatusLabel';

const useStyles = makeStyles(theme => ({
  facts: {
    display: 'grid',
    // minmax(0, 1fr) lets long messages wrap instead of widening the card.
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(1),
    margin: 0,
    '& dt': { color: theme.palette.text.secondary },
    '& dd': { margin: 0, overflowWrap: 'anywhere' },
  },
  history: { margin: 0, paddingLeft: theme.spacing(2) },
  tableScroll: { overflowX: 'auto', marginTop: theme.spacing(1) },
  section: { marginTop: theme.spacing(2) },
}));

/** Props of {@link ArgoApplicationPanel}. */
export interface ArgoApplicationPanelProps {
  application: ApplicationStatus;
  cluster: string;
  entityRef: string;
  /** Whether the user may refresh and sync (`deployment.application.act`). */
  canAct: boolean;
  onActionRequested?: () => void;
  now: number;
}

function Fact(props: { label: string; children: ReactNode }) {
  return (
    <>
      <Typography component="dt" variant="body2">
        {props.label}
      </Typography>
      <Typography component="dd" variant="body2">
        {props.children}
      </Typography>
    </>
  );
}

/**
 * One Argo CD Application: is it in sync and at which revision, is it healthy, what did the
 * last operation do, what was deployed before, and which resources are the problem.
 */
export function ArgoApplicationPanel(props: ArgoApplicationPanelProps) {
  const classes = useStyles();
  const { application: app, now } = props;
  const operation = app.operation;
  const started = formatAgo(operation?.startedAt, now);
  const finished = formatAgo(operation?.finishedAt, now);

  return (
    <div>
      <dl className={classes.facts}>
        <Fact label="Application">
          {app.name}
          {app.refreshRequested && (
            <Typography variant="caption" color="textSecondary">
              {' '}
              · refresh requested, waiting for Argo CD
            </Typography>
          )}
        </Fact>
        <Fact label="Sync">
          <StatusLabel level={syncLevel(app.syncStatus)}>
            {app.syncStatus}
          </StatusLabel>
          {app.revision && (
            <>
              {' '}
              at <RevisionLink revision={app.revision} url={app.revisionUrl} />
            </>
          )}
          {app.targetRevision && (
            <Typography variant="caption" color="textSecondary">
              {' '}
              (tracking {app.targetRevision})
            </Typography>
          )}
        </Fact>
        <Fact label="Health">
          <StatusLabel level={healthLevel(app.healthStatus)}>
            {app.healthStatus}
          </StatusLabel>
          {app.healthMessage && <> — {app.healthMessage}</>}
        </Fact>
        {operation && (
          <Fact
            label={
              operation.phase === 'Running' ? 'Operation' : 'Last operation'
            }
          >
            <StatusLabel level={operationLevel(operation.phase)}>
              {operation.phase}
            </StatusLabel>
            {operation.message && <> — {operation.message}</>}
            {(started || finished) && (
              <Typography
                variant="caption"
                color="textSecondary"
                display="block"
              >
                {[
                  started && `started ${started}`,
                  finished && `finished ${finished}`,
                ]
                  .filter(Boolean)
                  .join(', ')}
              </Typography>
            )}
          </Fact>
        )}
        {app.history.length > 0 && (
          <Fact label="Deployed">
            <ol className={classes.history} aria-label="Recent deployments">
              {app.history.map((entry, index) => (
                <li key={`${entry.revision}-${index}`}>
                  <RevisionLink
                    revision={entry.revision}
                    url={entry.revisionUrl}
                  />
                  {entry.deployedAt && (
                    <Typography variant="caption" color="textSecondary">
                      {' '}
                      · {formatAgo(entry.deployedAt, now)}
                    </Typography>
                  )}
                </li>
              ))}
            </ol>
          </Fact>
        )}
      </dl>

      {app.problemResources.length > 0 && (
        <div className={classes.section}>
          <Typography variant="subtitle2">
            Resources needing attention ({app.problemResources.length})
          </Typography>
          <div className={classes.tableScroll}>
            <Table size="small" aria-label="Resources needing attention">
              <TableHead>
                <TableRow>
                  <TableCell>Resource</TableCell>
                  <TableCell>Sync</TableCell>
                  <TableCell>Health</TableCell>
                  <TableCell>Message</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {app.problemResources.map(resource => (
                  <TableRow
                    key={`${resource.kind}/${resource.namespace ?? ''}/${
                      resource.name
                    }`}
                  >
                    <TableCell>
                      {resource.kind}/{resource.name}
                    </TableCell>
                    <TableCell>
                      {resource.syncStatus && (
                        <StatusLabel level={syncLevel(resource.syncStatus)}>
                          {resource.syncStatus}
                        </StatusLabel>
                      )}
                    </TableCell>
                    <TableCell>
                      {resource.healthStatus && (
                        <StatusLabel level={healthLevel(resource.healthStatus)}>
                          {resource.healthStatus}
                        </StatusLabel>
                      )}
                    </TableCell>
                    <TableCell>{resource.message}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        </div>
      )}

      {props.canAct && (
        <div className={classes.section}>
          <ApplicationActions
            entityRef={props.entityRef}
            cluster={props.cluster}
            application={app.name}
            onRequested={props.onActionRequested}
          />
        </div>
      )}
    </div>
  );
}
