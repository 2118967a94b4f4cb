import { Link } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import type { PendingPromotion } from '@internal/plugin-deployment-common';
import { NewPreviewForm } from './NewPreviewForm';

const useStyles = makeStyles(theme => ({
  bar: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(2),
  },
  list: { margin: 0, paddingLeft: theme.spacing(2) },
}));

/** Props of {@link EnvironmentManagement}. */
export interface EnvironmentManagementProps {
  entityRef: string;
  /** The service's environments, in promotion order. */
  environments: string[];
  pending: PendingPromotion[];
  /** Whether the user may change the service's environments (the templates check again). */
  canAct: boolean;
  /** The service's previews' names. */
  previews?: string[];
  /** Called after a preview was created. */
  onPreviewCreated?: () => void;
}

/** A template's form, with the service already chosen. */
function templateLink(template: string, entityRef: string): string {
  const formData = encodeURIComponent(JSON.stringify({ component: entityRef }));
  return `/create/templates/default/${template}?formData=${formData}`;
}

/**
 * Above the environments: which ones the service has, links to add or remove one (the
 * add-environment and remove-environment templates, with this service chosen), and the
 * promotions waiting for approval in GitLab.
 */
export function EnvironmentManagement(props: EnvironmentManagementProps) {
  const { entityRef, environments, pending, canAct, previews = [] } = props;
  const classes = useStyles();
  return (
    // A region, not a <section>: the environments below are the page's sections.
    <div role="region" aria-label="Environments">
      <div className={classes.bar}>
        <Typography variant="body2">
          Environments:{' '}
          <strong>{environments.join(' → ') || 'none yet'}</strong>
          {previews.length > 0 &&
            `, and ${
              previews.length === 1
                ? 'a preview'
                : `${previews.length} previews`
            }: ${previews.join(', ')}`}
        </Typography>
        {canAct && (
          <>
            <Link to={templateLink('add-environment', entityRef)}>
              Add an environment
            </Link>
            {environments.length > 1 && (
              <Link to={templateLink('remove-environment', entityRef)}>
                Remove an environment
              </Link>
            )}
          </>
        )}
      </div>
      {canAct && environments.includes('development') && (
        <div style={{ marginTop: 8 }}>
          <NewPreviewForm
            entityRef={entityRef}
            onCreated={props.onPreviewCreated}
          />
        </div>
      )}
      {pending.length > 0 && (
        <Alert severity="info" style={{ marginTop: 8 }}>
          <Typography variant="body2" component="div">
            Pending promotion{pending.length > 1 ? 's' : ''}, waiting for
            approval in GitLab:
            <ul className={classes.list}>
              {pending.map(p => (
                <li key={p.iid}>
                  <Link to={p.url}>
                    {p.title} (!{p.iid})
                  </Link>{' '}
                  into {p.environment}
                  {p.author ? `, opened by ${p.author}` : ''}
                </li>
              ))}
            </ul>
          </Typography>
        </Alert>
      )}
    </div>
  );
}
