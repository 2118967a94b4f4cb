import type { ReactNode } from 'react';
import { makeStyles } from '@material-ui/core/styles';
import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import type { StatusLevel } from '../lib/status';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'inline-flex',
    alignItems: 'baseline',
    fontWeight: theme.typography.fontWeightMedium as number,
    overflowWrap: 'anywhere',
  },
}));

const ICONS: Record<StatusLevel, typeof StatusOK> = {
  ok: StatusOK,
  warning: StatusWarning,
  error: StatusError,
  pending: StatusPending,
  running: StatusRunning,
};

/** Props of {@link StatusLabel}. */
export interface StatusLabelProps {
  level: StatusLevel;
  children: ReactNode;
}

/**
 * A status word with Backstage's status icon in front. The icon comes from core-components'
 * `Status*`; the text is rendered outside it because those components hide their children
 * from assistive technology (`aria-hidden`), and the word is the information.
 */
export function StatusLabel(props: StatusLabelProps) {
  const classes = useStyles();
  const Icon = ICONS[props.level];
  return (
    <span className={classes.root} data-status={props.level}>
      <Icon />
      {props.children}
    </span>
  );
}
