import { SignInPage as CoreSignInPage } from '@backstage/core-components';
import { SignInPageProps } from '@backstage/plugin-app-react';
import {
  configApiRef,
  gitlabAuthApiRef,
  useApi,
} from '@backstage/core-plugin-api';

const gitlabProvider = {
  id: 'gitlab-auth-provider',
  title: 'GitLab',
  message: 'Sign in with your GitLab account',
  apiRef: gitlabAuthApiRef,
};

/**
 * Guest sign-in in local mode (`auth.environment: development`), GitLab everywhere else.
 * The backend only loads the guest provider in local mode, so this choice is cosmetic: a
 * production portal cannot be entered as guest whatever the page offers.
 */
export function SignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const local = config.getOptionalString('auth.environment') === 'development';
  return (
    <CoreSignInPage
      {...props}
      title={
        local ? 'Local mode: enter as the sample platform engineer' : undefined
      }
      providers={local ? ['guest'] : [gitlabProvider]}
    />
  );
}
