import { useState } from 'react';
import { parseEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { branchNameErrors } from '@internal/plugin-idp-common';
import { deploymentApiRef } from '../api/DeploymentApi';
import { StatusLabel } from './StatusLabel';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
  },
}));

/** Props of {@link NewPreviewForm}. */
export interface NewPreviewFormProps {
  entityRef: string;
  onCreated?: () => void;
}

/**
 * "Preview a branch": a preview environment of one branch of the app repository, with the
 * default TTL. The branch is checked here as git would; the backend checks everything again.
 */
export function NewPreviewForm(props: NewPreviewFormProps) {
  const { entityRef, onCreated } = props;
  const classes = useStyles();
  const api = useApi(deploymentApiRef);
  const [branch, setBranch] = useState('');
  const [touched, setTouched] = useState(false);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const errors = branchNameErrors(branch.trim());
  const invalid = touched && errors.length > 0;

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (errors.length) return;
    setRunning(true);
    setResult(undefined);
    try {
      const created = await api.createPreview(parseEntityRef(entityRef), {
        branch: branch.trim(),
      });
      setResult({ ok: true, text: created.message });
      onCreated?.();
    } catch (error) {
      setResult({
        ok: false,
        text: error instanceof Error ? error.message : String(error),
      });
    } finally {
      setRunning(false);
    }
  };

  return (
    <form className={classes.root} onSubmit={submit} aria-label="New preview">
      <TextField
        size="small"
        variant="outlined"
        id="idp-new-preview-branch"
        label="Branch to preview"
        placeholder="feature/refund-limits"
        value={branch}
        onChange={e => {
          setBranch(e.target.value);
          setResult(undefined);
        }}
        onBlur={() => setTouched(branch !== '')}
        error={invalid}
        helperText={invalid ? `The branch ${errors.join('; ')}` : undefined}
      />
      <Button
        type="submit"
        size="small"
        variant="outlined"
        color="primary"
        disabled={running}
        style={{ marginTop: 4 }}
      >
        {running ? 'Creating…' : 'Create preview'}
      </Button>
      {result && (
        <Typography
          variant="body2"
          component="span"
          role="status"
          style={{ marginTop: 8 }}
        >
          <StatusLabel level={result.ok ? 'ok' : 'error'}>
            {result.text}
          </StatusLabel>
        </Typography>
      )}
    </form>
  );
}
