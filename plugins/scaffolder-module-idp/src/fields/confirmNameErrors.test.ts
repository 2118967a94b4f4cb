import { confirmNameErrors, confirmationNameOf } from './confirmNameErrors';

describe('confirmNameErrors', () => {
  const ref = 'component:default/payments-refunds';

  it('accepts the exact name', () => {
    expect(confirmNameErrors('payments-refunds', ref)).toEqual([]);
  });

  it.each(['', 'payments', 'Payments-Refunds', ' payments-refunds'])(
    'refuses %j',
    value => {
      expect(confirmNameErrors(value, ref)).toEqual([
        "Type 'payments-refunds' to confirm",
      ]);
    },
  );

  it('asks for the entity first when none is chosen', () => {
    expect(confirmNameErrors('x', undefined)).toEqual([
      'Choose the entity first, then type its name to confirm',
    ]);
  });
});

describe('confirmNameErrors with a suffix (one environment of a service)', () => {
  const ref = 'component:default/payments-refunds';

  it('accepts <name>-<suffix>', () => {
    expect(
      confirmNameErrors('payments-refunds-staging', ref, 'staging'),
    ).toEqual([]);
  });

  it.each(['payments-refunds', 'payments-refunds-production', ''])(
    'refuses %j',
    value => {
      expect(confirmNameErrors(value, ref, 'staging')).toEqual([
        "Type 'payments-refunds-staging' to confirm",
      ]);
    },
  );

  it('asks for the environment first when none is chosen', () => {
    expect(confirmNameErrors('payments-refunds', ref, '')).toEqual([
      'Choose the entity and the environment first, then type the name to confirm',
    ]);
  });
});

describe('confirmationNameOf', () => {
  it('is the name of the ref', () => {
    expect(confirmationNameOf('component:default/payments-refunds')).toBe(
      'payments-refunds',
    );
  });

  it('is undefined without a usable ref', () => {
    expect(confirmationNameOf('')).toBeUndefined();
    expect(confirmationNameOf(42)).toBeUndefined();
    expect(confirmationNameOf('component:default/')).toBeUndefined();
  });
});
