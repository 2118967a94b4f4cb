import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { Condition } from '@internal/plugin-deployment-common';
import { formatAgo } from '../lib/format';
import { conditionLevel } from '../lib/status';
import { StatusLabel } from './StatusLabel';

const useStyles = makeStyles(theme => ({
  list: { margin: 0, padding: 0, listStyle: 'none' },
  item: {
    marginBottom: theme.spacing(1),
    overflowWrap: 'anywhere',
  },
  detail: { display: 'block', marginLeft: theme.spacing(3) },
}));

/** Props of {@link EnvironmentConditions}. */
export interface EnvironmentConditionsProps {
  conditions: Condition[];
  /** For ages; passed in so one render uses one clock. */
  now: number;
}

// Synced and Ready are what Crossplane reports for every composite; they come first, in that
// order, whatever order the object lists them in.
const ORDER = ['Synced', 'Ready'];

/**
 * The ApplicationEnvironment's conditions as status labels: True is ok, False is an error,
 * Unknown is pending; with reason, message and how long ago it last changed.
 */
export function EnvironmentConditions(props: EnvironmentConditionsProps) {
  const classes = useStyles();
  if (props.conditions.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No ApplicationEnvironment for this Application.
      </Typography>
    );
  }
  const conditions = [...props.conditions].sort((a, b) => {
    const rank = (c: Condition) =>
      ORDER.includes(c.type) ? ORDER.indexOf(c.type) : ORDER.length;
    return rank(a) - rank(b);
  });
  return (
    <ul className={classes.list} aria-label="Environment conditions">
      {conditions.map(condition => {
        const ago = formatAgo(condition.lastTransitionTime, props.now);
        return (
          <li key={condition.type} className={classes.item}>
            <StatusLabel level={conditionLevel(condition.status)}>
              {condition.type}: {condition.status}
              {condition.reason ? ` (${condition.reason})` : ''}
            </StatusLabel>
            {ago && (
              <Typography variant="caption" color="textSecondary">
                {' '}
                · {ago}
              </Typography>
            )}
            {condition.message && (
              <Typography
                variant="body2"
                color="textSecondary"
                className={classes.detail}
              >
                {condition.message}
              </Typography>
            )}
          </li>
        );
      })}
    </ul>
  );
}
