import type { Entity } from '@backstage/catalog-model';
import { CodeSnippet, EmptyState } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { IDP_ANNOTATIONS } from '@internal/plugin-idp-common';

const useStyles = makeStyles(theme => ({
  snippet: {
    // Lets the snippet shrink and scroll on a narrow window instead of overflowing the page.
    maxWidth: '100%',
    overflowX: 'auto',
    marginTop: theme.spacing(2),
  },
}));

/** Props of {@link DeploymentMissingAnnotation}. */
export interface DeploymentMissingAnnotationProps {
  entity: Entity;
}

/**
 * What an entity without `backstage.io/kubernetes-id` shows: the annotation to add, as YAML
 * ready to paste, instead of an empty view nobody can act on.
 */
export function DeploymentMissingAnnotation(
  props: DeploymentMissingAnnotationProps,
) {
  const classes = useStyles();
  const name = props.entity.metadata.name;
  const yaml = [
    'metadata:',
    `  name: ${name}`,
    '  annotations:',
    `    ${IDP_ANNOTATIONS.kubernetesId}: ${name}`,
  ].join('\n');
  return (
    <EmptyState
      missing="field"
      title="No deployment information for this component"
      description={
        <>
          <Typography variant="body1" component="span" display="block">
            The deployment view finds a service's environments, Argo CD
            Applications and pods by the annotation{' '}
            <code>{IDP_ANNOTATIONS.kubernetesId}</code>. Add it to this
            component's <code>catalog-info.yaml</code>, with the value its
            Kubernetes objects carry in the label of the same name (usually the
            component's name).
          </Typography>
          <Typography variant="body2" component="span" display="block">
            Services created from the golden-path templates have it already.
          </Typography>
        </>
      }
      action={
        <div className={classes.snippet}>
          <CodeSnippet text={yaml} language="yaml" showCopyCodeButton />
        </div>
      }
    />
  );
}
