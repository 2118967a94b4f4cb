/**
 * Scaffolder form fields of the IDP portal's golden paths.
 *
 * @packageDocumentation
 */

export { scaffolderModuleIdp as default } from './module';
export {
  entityNameErrors,
  suggestEntityName,
  teamFromOwnerRef,
  KUBERNETES_NAME_MAX_LENGTH,
  LONGEST_ENVIRONMENT,
  type EntityNameErrorsOptions,
} from './fields/entityNameErrors';
export {
  confirmNameErrors,
  confirmationNameOf,
} from './fields/confirmNameErrors';
