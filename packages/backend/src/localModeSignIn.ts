import {
  coreServices,
  createBackendFeatureLoader,
} from '@backstage/backend-plugin-api';

/**
 * Loads guest sign-in only in local mode (`auth.environment: development` with
 * `auth.providers.guest` configured). Config files merge and cannot delete a key, so a
 * production overlay cannot switch the guest provider off; leaving the module out can.
 *
 * @public
 */
export const localModeSignIn = createBackendFeatureLoader({
  deps: { config: coreServices.rootConfig },
  *loader({ config }) {
    const environment = config.getOptionalString('auth.environment');
    if (environment === 'development' && config.has('auth.providers.guest')) {
      yield import('@backstage/plugin-auth-backend-module-guest-provider');
    }
  },
});
