import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  gitlabAuthenticator,
  gitlabSignInResolvers,
} from '@backstage/plugin-auth-backend-module-gitlab-provider';
import {
  authProvidersExtensionPoint,
  commonSignInResolvers,
  createOAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { gitlabUserResolver } from './gitlabUserResolver';

/**
 * GitLab sign-in: Backstage's GitLab authenticator with the portal's resolver
 * ({@link gitlabUserResolver}) available as `idpCatalogUser`, next to Backstage's own GitLab and
 * common resolvers. It registers the provider `gitlab` itself, so it replaces
 * `@backstage/plugin-auth-backend-module-gitlab-provider` in the backend rather than going
 * beside it (two modules cannot register the same provider).
 *
 * @public
 */
export const gitlabProviderModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'idp-gitlab-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'gitlab',
          factory: createOAuthProviderFactory({
            authenticator: gitlabAuthenticator,
            signInResolverFactories: {
              ...gitlabSignInResolvers,
              ...commonSignInResolvers,
              idpCatalogUser: gitlabUserResolver,
            },
          }),
        });
      },
    });
  },
});
