import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';

// Each field is loaded only when a template form needs it, keeping MUI out of the app's
// first bundle.
/** @internal */
export const entityNamePickerFormField = FormFieldBlueprint.make({
  name: 'idp-entity-name-picker',
  params: {
    field: () =>
      import('./fields/IdpEntityNamePicker').then(
        m => m.idpEntityNamePickerField,
      ),
  },
});

/** @internal */
export const confirmNamePickerFormField = FormFieldBlueprint.make({
  name: 'idp-confirm-name-picker',
  params: {
    field: () =>
      import('./fields/IdpConfirmNamePicker').then(
        m => m.idpConfirmNamePickerField,
      ),
  },
});

/**
 * The IDP portal's scaffolder form fields: `IdpEntityNamePicker` and `IdpConfirmNamePicker`.
 *
 * @public
 */
export const scaffolderModuleIdp = createFrontendModule({
  pluginId: 'scaffolder',
  extensions: [entityNamePickerFormField, confirmNamePickerFormField],
});
