import { useState } from 'react';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { ApiHolder } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { createAsyncValidators } from '@backstage/plugin-scaffolder-react/alpha';
import {
  IdpEntityNamePicker,
  IdpEntityNamePickerFieldSchema,
  idpEntityNamePickerValidation,
} from './IdpEntityNamePicker';

/** A catalog where `payments-refunds` exists and asking about `flaky` fails. */
const getEntityByRef = jest.fn(
  async (ref: { kind: string; namespace: string; name: string }) => {
    if (ref.name === 'flaky') {
      throw new Error('catalog unavailable');
    }
    return ref.name === 'payments-refunds'
      ? {
          apiVersion: 'backstage.io/v1alpha1',
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
          spec: { owner: 'group:default/team-payments' },
        }
      : undefined;
  },
);
const apiHolder: ApiHolder = {
  get: (ref =>
    ref.id === catalogApiRef.id
      ? { getEntityByRef }
      : undefined) as ApiHolder['get'],
};

async function validate(
  value: string,
  {
    maxLength,
    kind,
    ownerField,
    formData = {},
  }: {
    maxLength?: number;
    kind?: string;
    ownerField?: string;
    formData?: Record<string, string>;
  } = {},
) {
  const field = { addError: jest.fn(), __errors: [] };
  await idpEntityNamePickerValidation(value, field, {
    apiHolder,
    formData: { name: value, ...formData },
    schema: maxLength === undefined ? { type: 'string' } : { maxLength },
    uiSchema: { 'ui:options': { kind, ownerField } },
  });
  return field.addError.mock.calls.map(([message]) => message);
}

describe('idpEntityNamePickerValidation', () => {
  beforeEach(() => getEntityByRef.mockClear());

  it('accepts a free, valid name after asking the catalog', async () => {
    expect(await validate('payments-ledger')).toEqual([]);
    expect(getEntityByRef).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'payments-ledger',
    });
  });

  it('refuses a name the catalog already has, naming its owner', async () => {
    expect(await validate('payments-refunds', { kind: 'System' })).toEqual([
      "A System named 'payments-refunds' already exists in the catalog (owned by group:default/team-payments). Pick another name.",
    ]);
  });

  it('does not block when the catalog fails', async () => {
    expect(await validate('flaky')).toEqual([]);
    expect(getEntityByRef).toHaveBeenCalled();
  });

  it('reports rule errors without asking the catalog', async () => {
    expect(await validate('Payments-Refunds')).toEqual([
      "Use lowercase letters only: try 'payments-refunds'",
    ]);
    expect(await validate('')).toEqual(['Enter a name']);
    expect(getEntityByRef).not.toHaveBeenCalled();
  });

  it("uses the schema's maxLength", async () => {
    expect(await validate('a'.repeat(31), { maxLength: 30 })).toEqual([
      'At most 30 characters (this has 31)',
    ]);
  });

  it("checks the namespace with the owner field's team", async () => {
    const name = 'a'.repeat(38);
    expect(
      await validate(name, {
        ownerField: 'owner',
        formData: { owner: 'group:default/team-payments' },
      }),
    ).toEqual([
      `With owner team-payments, the namespace team-payments-${name}-development would be 64 characters; ` +
        'Kubernetes allows 63. Shorten the name to at most 37 characters.',
    ]);
    // Without an owner chosen yet, only the name itself is checked.
    expect(await validate(name, { ownerField: 'owner' })).toEqual([]);
  });

  // The owner's team comes from teamFromOwnerRef of @internal/plugin-idp-common, the rule the
  // backend applies: a user or a group of another namespace is no team, so no namespace is
  // named after it (the backend's former copy read 'jane' out of user:default/jane).
  it.each(['user:default/jane', 'group:other/team-payments'])(
    'checks no namespace for the owner %j, which is no team',
    async owner => {
      expect(
        await validate('a'.repeat(60), {
          ownerField: 'owner',
          formData: { owner },
        }),
      ).toEqual([]);
    },
  );

  it("gets the schema and ui:options from the scaffolder's validation of a template step", async () => {
    // The step of templates/service/python-fastapi.yaml, as the scaffolder parses it.
    const step = {
      type: 'object',
      properties: {
        name: {
          type: 'string',
          pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
          maxLength: 30,
          'ui:field': 'IdpEntityNamePicker',
          'ui:options': { kind: 'Component', ownerField: 'owner' },
        },
        owner: { type: 'string' },
      },
    };
    const run = createAsyncValidators(
      step,
      {
        IdpEntityNamePicker: idpEntityNamePickerValidation as any,
      },
      { apiHolder },
    );
    const result = await run({
      name: 'payments-refunds-and-chargebacks-gateway',
      owner: 'group:default/team-payments',
    });
    expect(result.name).toMatchObject({
      __errors: [
        'At most 30 characters (this has 40)',
        expect.stringMatching(
          /^With owner team-payments, .* at most 37 characters\.$/,
        ),
      ],
    });
  });
});

describe('IdpEntityNamePicker', () => {
  /** The picker with its value held in state, as the scaffolder's form does. */
  function Harness(props: {
    onChange: (value?: string) => void;
    rawErrors?: string[];
  }) {
    const [value, setValue] = useState<string | undefined>();
    return (
      <IdpEntityNamePicker
        {...({} as typeof IdpEntityNamePickerFieldSchema.TProps)}
        name="name"
        idSchema={{ $id: 'root_name' }}
        schema={{
          title: 'Name',
          description: 'Lowercase letters, digits and dashes.',
        }}
        uiSchema={{ 'ui:autofocus': true }}
        required
        rawErrors={props.rawErrors ?? []}
        formData={value}
        onChange={v => {
          setValue(v);
          props.onChange(v);
        }}
      />
    );
  }

  it('renders a required text field and reports what is typed', async () => {
    const onChange = jest.fn();
    renderInTestApp(<Harness onChange={onChange} />);

    const input = screen.getByRole('textbox', { name: /name/i });
    expect(input).toBeRequired();
    expect(input).toHaveFocus();
    expect(
      screen.getByText('Lowercase letters, digits and dashes.'),
    ).toBeInTheDocument();

    await userEvent.type(input, 'payments');
    expect(input).toHaveValue('payments');
    expect(onChange).toHaveBeenLastCalledWith('payments');
  });

  it('marks the field invalid when it has errors', async () => {
    renderInTestApp(
      <Harness onChange={jest.fn()} rawErrors={['Enter a name']} />,
    );
    expect(screen.getByRole('textbox', { name: /name/i })).toBeInvalid();
  });
});
