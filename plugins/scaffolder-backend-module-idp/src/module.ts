import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import {
  scaffolderActionsExtensionPoint,
  scaffolderServiceRef,
} from '@backstage/plugin-scaffolder-node';
import { createAppRepoAction } from './actions/createAppRepo';
import { createDeployRepoAction } from './actions/createDeployRepo';
import { applyEnvironmentAction } from './actions/applyEnvironment';
import { registerCatalogAction } from './actions/registerCatalog';
import { undoAction } from './actions/undo';
import { auditedAction } from './actions/auditedAction';

/**
 * Registers the IDP golden-path actions with the scaffolder.
 *
 * @public
 */
export const scaffolderModuleIdp = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'idp',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
        scaffolderService: scaffolderServiceRef,
        auditor: coreServices.auditor,
      },
      async init({ scaffolder, config, catalog, scaffolderService, auditor }) {
        // Every side effect is audited: one event per action run, with what it created.
        scaffolder.addActions(
          ...[
            createAppRepoAction({ config }),
            createDeployRepoAction({ config }),
            applyEnvironmentAction({ config }),
            registerCatalogAction({ config, catalog }),
            undoAction({ config, catalog, scaffolder: scaffolderService }),
          ].map(action => auditedAction(action, auditor)),
        );
      },
    });
  },
});
