/**
 * Scaffolder form fields of the IDP portal's golden paths.
 *
 * @packageDocumentation
 */

export { scaffolderModuleIdp as default } from './module';
export {
  entityNameErrors,
  suggestEntityName,
  type EntityNameErrorsOptions,
} from './fields/entityNameErrors';
export {
  confirmNameErrors,
  confirmationNameOf,
} from './fields/confirmNameErrors';
