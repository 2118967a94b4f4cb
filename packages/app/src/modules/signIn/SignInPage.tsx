import { useCallback, useEffect, useState } from 'react';
import {
  SignInPage as CoreSignInPage,
  Content,
  Header,
  Page,
  Progress,
  ProxiedSignInPage,
} from '@backstage/core-components';
import { gitlabAuthApiRef } from '@backstage/core-plugin-api';
import {
  configApiRef,
  discoveryApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { SignInPageProps } from '@backstage/plugin-app-react';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { LocalUserPicker } from './LocalUserPicker';
import {
  LOCAL_PROVIDER_ID,
  LOCAL_USER_HEADER,
  LocalUser,
  errorMessage,
  fetchLocalUsers,
  forgetOnSignOut,
  rememberLocalUser,
  rememberedLocalUser,
} from './localUsers';

const gitlabProvider = {
  id: 'gitlab-auth-provider',
  title: 'GitLab',
  message: 'Sign in with your GitLab account',
  apiRef: gitlabAuthApiRef,
};

/** How long to wait before asking a backend that did not answer again (it may be starting). */
const RETRY_MS = 3000;

type State =
  | { mode: 'loading' }
  /** The backend did not answer, or answered with an error other than 404. */
  | { mode: 'unavailable'; error: Error }
  | { mode: 'local'; users: LocalUser[]; chosen?: string; error?: string }
  | { mode: 'guest' }
  | { mode: 'gitlab' };

/**
 * The portal's sign-in page.
 *
 * - **Local mode** (the auth backend lists sample users at `GET /api/auth/local-users`): "Who do
 *   you want to be?", one card per sample user; choosing one signs in through the `local`
 *   provider with the `x-idp-local-user` header. The choice is kept in localStorage so a reload
 *   stays signed in; signing out forgets it and shows the picker again.
 * - **Otherwise** (404): GitLab, with the backend's own message when sign-in is refused (for
 *   instance a GitLab user without a catalog User).
 * - **Guest**, only when the local endpoint is missing but `auth.environment` is `development`:
 *   a backend without the local sign-in module still offers the guest provider there, and local
 *   mode should not fall back to a GitLab button that cannot work without a GitLab instance.
 *   The backend never loads the guest provider in production, so this cannot open production.
 */
export function SignInPage(props: SignInPageProps) {
  const { onSignInSuccess } = props;
  const discoveryApi = useApi(discoveryApiRef);
  const configApi = useApi(configApiRef);
  const development =
    configApi.getOptionalString('auth.environment') === 'development';
  const [state, setState] = useState<State>({ mode: 'loading' });

  const load = useCallback(async () => {
    try {
      const users = await fetchLocalUsers(discoveryApi);
      if (users) {
        setState({ mode: 'local', users, chosen: rememberedLocalUser() });
      } else {
        setState({ mode: development ? 'guest' : 'gitlab' });
      }
    } catch (error) {
      setState({ mode: 'unavailable', error: error as Error });
    }
  }, [discoveryApi, development]);

  useEffect(() => {
    load();
  }, [load]);

  useEffect(() => {
    if (state.mode !== 'unavailable') {
      return undefined;
    }
    const timer = setTimeout(load, RETRY_MS);
    return () => clearTimeout(timer);
  }, [state, load]);

  const choose = (user: LocalUser) => {
    rememberLocalUser(user.userEntityRef);
    setState(s =>
      s.mode === 'local'
        ? { ...s, chosen: user.userEntityRef, error: undefined }
        : s,
    );
  };

  const failed = useCallback((message: string) => {
    rememberLocalUser(undefined);
    setState(s =>
      s.mode === 'local' ? { ...s, chosen: undefined, error: message } : s,
    );
  }, []);

  switch (state.mode) {
    case 'loading':
      return <Progress />;
    case 'unavailable':
      return <BackendUnavailable error={state.error} onRetry={load} />;
    case 'gitlab':
      return <CoreSignInPage {...props} provider={gitlabProvider} />;
    case 'guest':
      return (
        <CoreSignInPage
          {...props}
          title="Local mode: the backend's sample-user sign-in is not loaded, enter as guest"
          providers={['guest']}
        />
      );
    default:
  }

  if (state.chosen) {
    const chosen = state.chosen;
    return (
      <ProxiedSignInPage
        key={chosen}
        provider={LOCAL_PROVIDER_ID}
        headers={{ [LOCAL_USER_HEADER]: chosen }}
        onSignInSuccess={identity => onSignInSuccess(forgetOnSignOut(identity))}
        ErrorComponent={({ error }) => (
          <ReportFailure
            error={error}
            userEntityRef={chosen}
            onFailed={failed}
          />
        )}
      />
    );
  }
  return (
    <LocalUserPicker
      users={state.users}
      error={state.error}
      onChoose={choose}
    />
  );
}

/** Hands a failed sign-in's message back to the picker, which shows it. */
function ReportFailure(props: {
  error?: Error;
  userEntityRef: string;
  onFailed(message: string): void;
}) {
  const { error, userEntityRef, onFailed } = props;
  useEffect(() => {
    const reason = error ? errorMessage(error) : 'unknown error';
    onFailed(`Could not sign in as ${userEntityRef}: ${reason}`);
  }, [error, userEntityRef, onFailed]);
  return <Progress />;
}

function BackendUnavailable(props: { error: Error; onRetry(): void }) {
  const appTitle = useApi(configApiRef).getString('app.title');
  return (
    <Page themeId="home">
      <Header title={appTitle} />
      <Content>
        <Typography variant="h5" component="h2" gutterBottom>
          Waiting for the portal's backend
        </Typography>
        <Typography variant="body1" role="alert" paragraph>
          {props.error.message}. Trying again every {RETRY_MS / 1000} seconds.
        </Typography>
        <Button variant="outlined" color="primary" onClick={props.onRetry}>
          Try again now
        </Button>
      </Content>
    </Page>
  );
}
