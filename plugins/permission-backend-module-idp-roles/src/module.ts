import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { readIdpConfig } from '@internal/plugin-idp-node';
import { IdpRolePolicy } from './IdpRolePolicy';

/**
 * Installs {@link IdpRolePolicy} as the permission backend's policy. A bad `idp.access.roles`
 * stops the backend at start-up rather than leaving everyone with the wrong access.
 *
 * @public
 */
export const permissionModuleIdpRoles = createBackendModule({
  pluginId: 'permission',
  moduleId: 'idp-roles',
  register(env) {
    env.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ policy, config, logger }) {
        // Validates all of idp.*: a wrong value stops the backend here, naming the key.
        const { access } = readIdpConfig(config);
        const mapping = access.roles;
        logger.info(
          `Roles from groups: ${Object.entries(mapping.patterns)
            .map(([role, groups]) => `${role} ← ${groups.join(', ')}`)
            .join('; ')}`,
        );
        policy.setPolicy(
          new IdpRolePolicy(mapping, logger, access.developerActions),
        );
      },
    });
  },
});
