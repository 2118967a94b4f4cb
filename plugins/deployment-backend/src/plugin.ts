import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { deploymentPermissions } from '@internal/plugin-deployment-common';
import { DeploymentReader } from './service/DeploymentReader';
import { Promoter } from './service/Promoter';
import { PreviewEnvironments } from './service/PreviewEnvironments';
import { createRouter } from './service/createRouter';

/**
 * The deployment view's backend (`/api/deployment`): a service's ApplicationEnvironments, Argo CD
 * Applications and pods from every configured cluster, Argo CD refresh and sync, and promotions
 * between environments through the GitOps deployment repository, and preview environments of
 * branches with a scheduled task that removes them when they expire.
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
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        scheduler: coreServices.scheduler,
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
        const previews = PreviewEnvironments.fromConfig(deps.config);
        deps.httpRouter.use(
          await createRouter({ ...deps, reader, promoter, previews }),
        );
        // Expired previews go on one replica at a time (scope global: the scheduler's lock in
        // the database); the deletes' preconditions make a second replica's pass a no-op.
        await deps.scheduler.scheduleTask({
          id: 'deployment-remove-expired-previews',
          scope: 'global',
          frequency: { seconds: previews.settings.reapIntervalSeconds },
          timeout: { minutes: 5 },
          fn: async () => {
            const reaped = await previews
              .reapExpired(async expired => {
                const event = await deps.auditor.createEvent({
                  eventId: 'environment-preview',
                  severityLevel: 'medium',
                  meta: {
                    actionType: 'expire',
                    actor: 'scheduler:deployment-remove-expired-previews',
                    cluster: expired.cluster,
                    resource: expired.resource,
                    team: expired.team,
                    component: expired.component,
                    preview: expired.preview.name,
                    branch: expired.preview.branch,
                    expiresAt: expired.preview.expiresAt,
                  },
                });
                await event.success();
                deps.logger.info(
                  `Removed expired preview ${expired.resource} of ${expired.component} (team ${expired.team}, branch ${expired.preview.branch}, expired ${expired.preview.expiresAt}) on cluster ${expired.cluster}`,
                );
              })
              .catch((e: Error) => {
                // An unreachable cluster is the deployment view's to show; here one line per
                // pass says why expired previews were not looked for, and the next pass retries.
                deps.logger.warn(
                  `Expired previews not checked this time: ${e.message}`,
                );
                return undefined;
              });
            if (reaped?.removed) {
              deps.logger.info(`Removed ${reaped.removed} expired preview(s)`);
            }
          },
        });
      },
    });
  },
});
