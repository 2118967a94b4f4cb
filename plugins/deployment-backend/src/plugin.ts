import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { deploymentPermissions } from '@internal/plugin-deployment-common';
import { DeploymentReader } from './service/DeploymentReader';
import { Promoter } from './service/Promoter';
import { createRouter } from './service/createRouter';

/**
 * The deployment view's backend (`/api/deployment`): a service's ApplicationEnvironments, Argo CD
 * Applications and pods from every configured cluster, Argo CD refresh and sync, and promotions
 * between environments through the GitOps deployment repository.
 *
 * @public
 */
export const deploymentPlugin = createBackendPlugin({
  pluginId: 'deployment',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        catalog: catalogServiceRef,
      },
      async init(deps) {
        deps.permissionsRegistry.addPermissions(deploymentPermissions);
        const reader = DeploymentReader.fromConfig(deps.config);
        deps.logger.info(
          `Deployment view reads clusters: ${
            reader.clusterNames.join(', ') || 'none configured'
          }`,
        );
        const promoter = Promoter.fromConfig(deps.config);
        deps.httpRouter.use(await createRouter({ ...deps, reader, promoter }));
      },
    });
  },
});
