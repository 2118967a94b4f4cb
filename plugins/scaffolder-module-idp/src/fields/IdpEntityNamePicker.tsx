import TextField from '@material-ui/core/TextField';
import type { Entity } from '@backstage/catalog-model';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import {
  CustomFieldValidator,
  makeFieldSchema,
} from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { teamFromOwnerRef } from '@internal/plugin-idp-common';
import { entityNameErrors } from './entityNameErrors';

/** The `ui:options` of `IdpEntityNamePicker`. */
export interface IdpEntityNamePickerUiOptions {
  /** The kind of entity the name is for, checked against the catalog (default `Component`). */
  kind?: string;
  /** The form field holding the owner group's ref, when the name is part of its namespaces. */
  ownerField?: string;
}

/** The schema of `IdpEntityNamePicker`: a string, with {@link IdpEntityNamePickerUiOptions}. */
export const IdpEntityNamePickerFieldSchema = makeFieldSchema({
  output: z => z.string(),
  uiOptions: z =>
    z.object({
      kind: z
        .string()
        .optional()
        .describe('Entity kind whose existing names are refused (Component)'),
      ownerField: z
        .string()
        .optional()
        .describe(
          'Form field with the owner group ref; the name must leave room for its namespaces',
        ),
    }),
});

const DEFAULT_KIND = 'Component';

/**
 * Refuses, before submit, a name that breaks the naming rules, does not fit the owner's
 * namespaces or is already taken in the catalog, each with a message that says what to do.
 */
export const idpEntityNamePickerValidation: CustomFieldValidator<
  string,
  IdpEntityNamePickerUiOptions
> = async (value, field, { apiHolder, formData, schema, uiSchema }) => {
  const options = uiSchema?.['ui:options'];
  const kind = options?.kind ?? DEFAULT_KIND;
  const team = options?.ownerField
    ? teamFromOwnerRef(formData[options.ownerField])
    : undefined;
  const errors = entityNameErrors(value ?? '', {
    maxLength:
      typeof schema.maxLength === 'number' ? schema.maxLength : undefined,
    team,
  });
  errors.forEach(error => field.addError(error));
  // An invalid name cannot be taken; spare the catalog the request.
  if (errors.length > 0) {
    return;
  }

  const catalogApi = apiHolder.get(catalogApiRef);
  if (!catalogApi) {
    return;
  }
  let existing: Entity | undefined;
  try {
    existing = await catalogApi.getEntityByRef({
      kind,
      namespace: 'default',
      name: value,
    });
  } catch {
    // This check only saves a failed task: the backend actions refuse what exists anyway,
    // so a catalog hiccup must not stop anyone from submitting.
    return;
  }
  if (existing) {
    const owner = existing.spec?.owner;
    field.addError(
      `A ${kind} named '${value}' already exists in the catalog` +
        `${
          typeof owner === 'string' ? ` (owned by ${owner})` : ''
        }. Pick another name.`,
    );
  }
};

/** A text field for the name of a new entity, like the scaffolder's `EntityNamePicker`. */
export const IdpEntityNamePicker = (
  props: typeof IdpEntityNamePickerFieldSchema.TProps,
) => {
  const {
    onChange,
    required,
    schema: { title = 'Name', description },
    rawErrors,
    formData,
    uiSchema: { 'ui:autofocus': autoFocus },
    idSchema,
    placeholder,
  } = props;

  return (
    <TextField
      id={idSchema?.$id}
      label={title}
      placeholder={placeholder}
      helperText={description}
      required={required}
      value={formData ?? ''}
      onChange={({ target: { value } }) => onChange(value)}
      margin="normal"
      error={rawErrors?.length > 0}
      inputProps={{ autoFocus }}
      FormHelperTextProps={{ margin: 'dense', style: { marginLeft: 0 } }}
    />
  );
};

/** `ui:field: IdpEntityNamePicker`. */
export const idpEntityNamePickerField = createFormField({
  name: 'IdpEntityNamePicker',
  component: IdpEntityNamePicker,
  validation: idpEntityNamePickerValidation,
  schema: IdpEntityNamePickerFieldSchema,
});
