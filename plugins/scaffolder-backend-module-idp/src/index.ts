/**
 * The IDP portal's scaffolder actions: GitLab application and deployment repositories,
 * ApplicationEnvironment apply-and-wait, adding and removing a service's environments, catalog
 * register-and-verify, and undo.
 *
 * @packageDocumentation
 */
export { scaffolderModuleIdp as default } from './module';
export { createAppRepoAction } from './actions/createAppRepo';
export { createDeployRepoAction } from './actions/createDeployRepo';
export { applyEnvironmentAction } from './actions/applyEnvironment';
export { prepareEnvironmentAction } from './actions/prepareEnvironment';
export { removeEnvironmentAction } from './actions/removeEnvironment';
export { registerCatalogAction } from './actions/registerCatalog';
export { undoAction } from './actions/undo';
export type { CreatedResource, SignedRecord } from './actions/createdResources';
export type { Tenancy } from './actions/tenancy';
export { ComponentNames } from './services/ComponentNames';
export { RecordSigner } from './records/RecordSigner';
export {
  auditedAction,
  GOLDEN_PATH_AUDIT_EVENT,
} from './actions/auditedAction';
