import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import {
  scaffolderActionsExtensionPoint,
  scaffolderServiceRef,
} from '@backstage/plugin-scaffolder-node';
import { TeamAuthority, readIdpConfig } from '@internal/plugin-idp-node';
import { createAppRepoAction } from './actions/createAppRepo';
import { createDeployRepoAction } from './actions/createDeployRepo';
import { applyEnvironmentAction } from './actions/applyEnvironment';
import { prepareEnvironmentAction } from './actions/prepareEnvironment';
import { removeEnvironmentAction } from './actions/removeEnvironment';
import { registerCatalogAction } from './actions/registerCatalog';
import { undoAction } from './actions/undo';
import { auditedAction } from './actions/auditedAction';
import { Tenancy } from './actions/tenancy';
import { ComponentNames } from './services/ComponentNames';
import { RecordSigner } from './records/RecordSigner';

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
        auth: coreServices.auth,
        database: coreServices.database,
        logger: coreServices.logger,
      },
      async init({
        scaffolder,
        config,
        catalog,
        scaffolderService,
        auditor,
        auth,
        database,
        logger,
      }) {
        // Validates all of idp.* now: a wrong value stops the backend, naming the key, rather
        // than failing a golden path half-way. The actions read the same, cached, result.
        readIdpConfig(config);
        // Who may act for which team comes from the catalog, checked by every action.
        const tenancy: Tenancy = {
          teams: TeamAuthority.fromConfig(config, { catalog, auth }),
          names: await ComponentNames.create(database),
          catalog,
          auth,
        };
        const signer = RecordSigner.fromConfig(config, logger);
        // Every side effect is audited, and every record of one is signed for undo.
        scaffolder.addActions(
          ...[
            createAppRepoAction({ config, tenancy }),
            createDeployRepoAction({ config, tenancy }),
            applyEnvironmentAction({ config, tenancy }),
            prepareEnvironmentAction({ config, tenancy }),
            removeEnvironmentAction({ config, tenancy }),
            registerCatalogAction({ config, catalog, tenancy }),
            undoAction({
              config,
              catalog,
              scaffolder: scaffolderService,
              tenancy,
              signer,
            }),
          ].map(action => auditedAction(action, { auditor, signer })),
        );
      },
    });
  },
});
