import { createExtensionTester } from '@backstage/frontend-test-utils';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import {
  confirmNamePickerFormField,
  entityNamePickerFormField,
} from './module';
import { idpEntityNamePickerField } from './fields/IdpEntityNamePicker';
import { idpConfirmNamePickerField } from './fields/IdpConfirmNamePicker';

describe('scaffolderModuleIdp', () => {
  it('lazily provides IdpEntityNamePicker', async () => {
    const load = createExtensionTester(entityNamePickerFormField).get(
      FormFieldBlueprint.dataRefs.formFieldLoader,
    );
    await expect(load()).resolves.toBe(idpEntityNamePickerField);
  });

  it('lazily provides IdpConfirmNamePicker', async () => {
    const load = createExtensionTester(confirmNamePickerFormField).get(
      FormFieldBlueprint.dataRefs.formFieldLoader,
    );
    await expect(load()).resolves.toBe(idpConfirmNamePickerField);
  });
});
