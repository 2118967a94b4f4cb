import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { RoleMapping } from '@internal/plugin-permission-backend-module-idp-roles';
import { createLocalUserAuthenticator } from './createLocalUserAuthenticator';
import { listLocalUsers } from './listLocalUsers';
import { localUserResolver } from './localUserResolver';

/**
 * Local mode's sign-in as any sample user, so each role can be tried without GitLab:
 *
 * - the proxy provider `local`: `GET /api/auth/local/refresh` with
 *   `x-idp-local-user: user:default/<name>` signs in as that catalog User with its groups;
 * - `GET /api/auth/local-users`, unauthenticated (the sign-in page calls it before anyone is
 *   signed in): every catalog User with groups and roles.
 *
 * Anyone who can reach the backend can be anyone, so this must never run in production. The
 * backend only loads it when `auth.environment` is `development`
 * (packages/backend/src/localModeSignIn.ts), and the module refuses to start otherwise, so a
 * mistaken `backend.add` fails loudly instead of opening the portal.
 *
 * @public
 */
export const localUsersModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'idp-local-users',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        httpRouter: coreServices.httpRouter,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
      },
      async init({ providers, httpRouter, config, catalog, auth }) {
        const environment = config.getOptionalString('auth.environment');
        if (environment !== 'development') {
          throw new Error(
            `Local sign-in (any sample user, no password) only runs in local mode, where auth.environment is 'development', but it is '${
              environment ?? 'unset'
            }'. Do not add localUsersModule to this backend; packages/backend/src/localModeSignIn.ts loads it only in local mode.`,
          );
        }
        const roleMapping = RoleMapping.fromConfig(config);

        providers.registerProvider({
          providerId: 'local',
          factory: createProxyAuthProviderFactory({
            authenticator: createLocalUserAuthenticator({ catalog, auth }),
            signInResolver: localUserResolver,
          }),
        });

        // The auth plugin already lets every path through unauthenticated; this says so for
        // this route in its own right, should that ever change.
        httpRouter.addAuthPolicy({
          path: '/local-users',
          allow: 'unauthenticated',
        });
        // A bare handler rather than an express Router: one route does not justify the
        // dependency. Modules initialise before their plugin, so this runs before the auth
        // router's catch-all for unknown providers.
        httpRouter.use(async (req, res, next) => {
          if (req.method !== 'GET' || req.path !== '/local-users') {
            next();
            return;
          }
          try {
            const users = await listLocalUsers({ catalog, auth, roleMapping });
            res.json({ users });
          } catch (error) {
            next(error);
          }
        });
      },
    });
  },
});
