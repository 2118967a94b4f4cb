import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { IdpRolePolicy } from './IdpRolePolicy';
import { RoleMapping } from './roles';

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
        const mapping = RoleMapping.fromConfig(config);
        logger.info(
          `Roles from groups: ${Object.entries(mapping.patterns)
            .map(([role, groups]) => `${role} ← ${groups.join(', ')}`)
            .join('; ')}`,
        );
        const developerActions = config.getOptionalStringArray(
          'idp.access.developerActions',
        );
        policy.setPolicy(new IdpRolePolicy(mapping, logger, developerActions));
      },
    });
  },
});
