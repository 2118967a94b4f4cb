import TextField from '@material-ui/core/TextField';
import { makeStyles } from '@material-ui/core/styles';
import {
  CustomFieldValidator,
  makeFieldSchema,
} from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { confirmNameErrors, confirmationNameOf } from './confirmNameErrors';

/** The `ui:options` of `IdpConfirmNamePicker`. */
export interface IdpConfirmNamePickerUiOptions {
  /** The form field holding the ref of the entity the action destroys. */
  entityField?: string;
  /**
   * A form field whose value is appended to the name with a dash: with `environment`, the user
   * types `<name>-<environment>`, the name of the one environment being removed.
   */
  suffixField?: string;
}

/** The schema of `IdpConfirmNamePicker`: a string, with {@link IdpConfirmNamePickerUiOptions}. */
export const IdpConfirmNamePickerFieldSchema = makeFieldSchema({
  output: z => z.string(),
  uiOptions: z =>
    z.object({
      entityField: z
        .string()
        .optional()
        .describe('Form field with the ref of the entity whose name is typed'),
      suffixField: z
        .string()
        .optional()
        .describe('Form field whose value is appended to the name with a dash'),
    }),
});

const DEFAULT_ENTITY_FIELD = 'entity';

/** Refuses, before submit, a confirmation that is not exactly the chosen entity's name. */
export const idpConfirmNamePickerValidation: CustomFieldValidator<
  string,
  IdpConfirmNamePickerUiOptions
> = (value, field, { formData, uiSchema }) => {
  const entityField =
    uiSchema?.['ui:options']?.entityField ?? DEFAULT_ENTITY_FIELD;
  const suffixField = uiSchema?.['ui:options']?.suffixField;
  confirmNameErrors(
    value ?? '',
    formData[entityField],
    suffixField ? formData[suffixField] ?? '' : undefined,
  ).forEach(error => field.addError(error));
};

const useStyles = makeStyles(theme => ({
  warning: {
    color: theme.palette.warning.main,
    fontWeight: theme.typography.fontWeightBold as number,
  },
}));

/**
 * A text field in which the user types an entity's name to confirm a destructive action;
 * the name to type is shown in a warning colour, so that it is read rather than guessed.
 */
export const IdpConfirmNamePicker = (
  props: typeof IdpConfirmNamePickerFieldSchema.TProps,
) => {
  const {
    onChange,
    required,
    schema: { title = 'Confirmation', description },
    rawErrors,
    formData,
    formContext,
    uiSchema,
    idSchema,
  } = props;
  const classes = useStyles();
  const entityField =
    uiSchema['ui:options']?.entityField ?? DEFAULT_ENTITY_FIELD;
  const suffixField = uiSchema['ui:options']?.suffixField;
  // The scaffolder's stepper puts every step's values in formContext.formData.
  const name = confirmationNameOf(
    formContext?.formData?.[entityField],
    suffixField ? formContext?.formData?.[suffixField] ?? '' : undefined,
  );

  return (
    <TextField
      id={idSchema?.$id}
      label={title}
      helperText={
        <>
          {name && (
            <span className={classes.warning}>Type '{name}' to confirm. </span>
          )}
          {description}
        </>
      }
      required={required}
      value={formData ?? ''}
      onChange={({ target: { value } }) => onChange(value)}
      margin="normal"
      error={rawErrors?.length > 0}
      // A confirmation is typed, never filled in from memory.
      inputProps={{ autoComplete: 'off', spellCheck: false }}
      FormHelperTextProps={{ margin: 'dense', style: { marginLeft: 0 } }}
    />
  );
};

/** `ui:field: IdpConfirmNamePicker`. */
export const idpConfirmNamePickerField = createFormField({
  name: 'IdpConfirmNamePicker',
  component: IdpConfirmNamePicker,
  validation: idpConfirmNamePickerValidation,
  schema: IdpConfirmNamePickerFieldSchema,
});
