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
