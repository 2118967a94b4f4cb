import {
  coreServices,
  createBackendFeatureLoader,
} from '@backstage/backend-plugin-api';
import guestProvider from '@backstage/plugin-auth-backend-module-guest-provider';
import { localUsersModule } from '@internal/plugin-auth-backend-module-idp';

/**
 * Loads local mode's sign-in providers only in local mode (`auth.environment: development`):
 * guest (when `auth.providers.guest` is configured) and `local`, sign-in as any sample user with
 * the `/api/auth/local-users` list (when `auth.providers.local` is configured). Both let anyone
 * who reaches the backend in without a password. Config files merge and cannot delete a key, so
 * a production overlay cannot switch these providers off; leaving the modules out can.
 *
 * The modules are imported statically (importing registers nothing; only what the loader yields
 * is installed) so that Jest, which has no dynamic import, can run this loader in
 * localModeSignIn.test.ts.
 *
 * @public
 */
export const localModeSignIn = createBackendFeatureLoader({
  deps: { config: coreServices.rootConfig },
  *loader({ config }) {
    const environment = config.getOptionalString('auth.environment');
    if (environment !== 'development') return;
    if (config.has('auth.providers.guest')) yield guestProvider;
    if (config.has('auth.providers.local')) yield localUsersModule;
  },
});
