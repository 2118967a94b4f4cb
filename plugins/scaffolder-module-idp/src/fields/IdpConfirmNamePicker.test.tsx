import { useState } from 'react';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { ApiHolder } from '@backstage/core-plugin-api';
import {
  IdpConfirmNamePicker,
  IdpConfirmNamePickerFieldSchema,
  idpConfirmNamePickerValidation,
} from './IdpConfirmNamePicker';

const entity = 'component:default/payments-refunds';

async function validate(value: string, formData: Record<string, string>) {
  const field = { addError: jest.fn(), __errors: [] };
  await idpConfirmNamePickerValidation(value, field, {
    apiHolder: { get: () => undefined } as ApiHolder,
    formData: { ...formData, confirmation: value },
    schema: { type: 'string' },
    uiSchema: { 'ui:options': { entityField: 'service' } },
  });
  return field.addError.mock.calls.map(([message]) => message);
}

describe('idpConfirmNamePickerValidation', () => {
  it("accepts the entity's exact name", async () => {
    expect(await validate('payments-refunds', { service: entity })).toEqual([]);
  });

  it('refuses anything else, and an empty value, with the name to type', async () => {
    expect(await validate('payments', { service: entity })).toEqual([
      "Type 'payments-refunds' to confirm",
    ]);
    expect(await validate('', { service: entity })).toEqual([
      "Type 'payments-refunds' to confirm",
    ]);
  });

  it('reads the entity from the field named by entityField', async () => {
    expect(await validate('payments-refunds', { entity })).toEqual([
      'Choose the entity first, then type its name to confirm',
    ]);
  });
});

describe('IdpConfirmNamePicker', () => {
  function Harness(props: { onChange: (value?: string) => void }) {
    const [value, setValue] = useState<string | undefined>();
    return (
      <IdpConfirmNamePicker
        {...({} as typeof IdpConfirmNamePickerFieldSchema.TProps)}
        name="confirmation"
        idSchema={{ $id: 'root_confirmation' }}
        schema={{
          title: "Type the service's name to confirm",
          description: 'This removes both GitLab projects.',
        }}
        uiSchema={{ 'ui:options': { entityField: 'entity' } }}
        formContext={{ formData: { entity } }}
        required
        rawErrors={[]}
        formData={value}
        onChange={v => {
          setValue(v);
          props.onChange(v);
        }}
      />
    );
  }

  it('shows the name to type and reports what is typed', async () => {
    const onChange = jest.fn();
    renderInTestApp(<Harness onChange={onChange} />);

    expect(
      screen.getByText("Type 'payments-refunds' to confirm."),
    ).toBeInTheDocument();
    expect(
      screen.getByText('This removes both GitLab projects.'),
    ).toBeInTheDocument();

    const input = screen.getByRole('textbox', { name: /to confirm/i });
    expect(input).toBeRequired();
    await userEvent.type(input, 'payments-refunds');
    expect(input).toHaveValue('payments-refunds');
    expect(onChange).toHaveBeenLastCalledWith('payments-refunds');
  });
});
