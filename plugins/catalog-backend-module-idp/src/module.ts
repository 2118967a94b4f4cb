import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { TeamTenancyProcessor } from './TeamTenancyProcessor';

/**
 * Adds {@link TeamTenancyProcessor} to the catalog: what a developer registers, or GitLab
 * discovery finds, must come from a project in a team's GitLab group, be owned by that team and
 * point nowhere else. A misconfigured `idp.gitlab.host` stops the backend at start-up rather than
 * refusing every registration.
 *
 * @public
 */
export const catalogModuleIdpTenancy = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'idp-tenancy',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ catalog, config, logger }) {
        const processor = TeamTenancyProcessor.fromConfig(config);
        logger.info(processor.describe());
        catalog.addProcessor(processor);
      },
    });
  },
});
