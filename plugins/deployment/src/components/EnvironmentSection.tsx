import { memo } from 'react';
import { InfoCard } from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { EnvironmentDeployment } from '@internal/plugin-deployment-common';
import { environmentTitle } from '../lib/format';
import { podSummaryText, summarisePods } from '../lib/status';
import { ArgoApplicationPanel } from './ArgoApplicationPanel';
import { EnvironmentConditions } from './EnvironmentConditions';
import { PodsTable } from './PodsTable';
import { PreviewDetails } from './PreviewDetails';
import { PromoteButton } from './PromoteButton';

const useStyles = makeStyles(theme => ({
  heading: { marginBottom: theme.spacing(1) },
  failing: { color: theme.palette.error.main },
  // Long namespace names must wrap on a phone instead of pushing the card wider.
  title: { overflowWrap: 'anywhere' },
}));

/** Props of {@link EnvironmentSection}. */
export interface EnvironmentSectionProps {
  cluster: string;
  environment: EnvironmentDeployment;
  entityRef: string;
  canAct: boolean;
  onActionRequested?: () => void;
  /** The next environment of the service, which this one promotes to. */
  promoteTo?: string;
  /** Whether `promoteTo` already runs this environment's image. */
  promoted?: boolean;
  onPromoted?: () => void;
  now: number;
}

function EnvironmentSectionView(props: EnvironmentSectionProps) {
  const classes = useStyles();
  const { environment, cluster, now } = props;
  const title = environmentTitle(cluster, environment);
  const { failing } = summarisePods(environment.pods);
  return (
    <section aria-label={title}>
      <InfoCard
        title={<span className={classes.title}>{title}</span>}
        // The object's name, when the title (which shows the namespace) does not already say it.
        subheader={
          environment.conditions.length > 0 &&
          environment.name !== environment.namespace
            ? `ApplicationEnvironment ${environment.name}`
            : undefined
        }
      >
        {environment.preview && (
          <PreviewDetails
            entityRef={props.entityRef}
            preview={environment.preview}
            canAct={props.canAct}
            onRemoved={props.onActionRequested}
            now={now}
          />
        )}
        <Grid container spacing={3}>
          <Grid item xs={12} md={4}>
            <Typography variant="h6" component="h3" className={classes.heading}>
              Environment
            </Typography>
            <EnvironmentConditions
              conditions={environment.conditions}
              now={now}
            />
          </Grid>
          <Grid item xs={12} md={8}>
            <Typography variant="h6" component="h3" className={classes.heading}>
              Argo CD
            </Typography>
            {environment.application ? (
              <ArgoApplicationPanel
                application={environment.application}
                cluster={cluster}
                entityRef={props.entityRef}
                canAct={props.canAct}
                onActionRequested={props.onActionRequested}
                now={now}
              />
            ) : (
              <Typography variant="body2" color="textSecondary">
                No Argo CD Application deploys this environment.
              </Typography>
            )}
          </Grid>
          <Grid item xs={12}>
            <Typography variant="h6" component="h3">
              Pods
            </Typography>
            <Typography
              variant="body2"
              className={`${classes.heading} ${
                failing > 0 ? classes.failing : ''
              }`}
            >
              {podSummaryText(environment.pods)}
            </Typography>
            {environment.pods.length > 0 && (
              <PodsTable pods={environment.pods} now={now} />
            )}
            {props.canAct && props.promoteTo && environment.environment && (
              <PromoteButton
                entityRef={props.entityRef}
                from={environment.environment}
                to={props.promoteTo}
                imageTag={environment.pods[0]?.imageTag}
                alreadyPromoted={props.promoted}
                onPromoted={props.onPromoted}
              />
            )}
          </Grid>
        </Grid>
      </InfoCard>
    </section>
  );
}

/**
 * One environment of the service on one cluster: the ApplicationEnvironment's conditions, the
 * Argo CD Application, and the pods. Memoised: it re-renders only when its data changes, not
 * when the page toggles its refreshing state.
 */
export const EnvironmentSection = memo(EnvironmentSectionView);
