import { entityNameErrors, suggestEntityName } from './entityNameErrors';

describe('entityNameErrors', () => {
  it('accepts a name that follows the rule', () => {
    expect(entityNameErrors('payments-refunds')).toEqual([]);
    expect(entityNameErrors('a')).toEqual([]);
    expect(entityNameErrors('svc2')).toEqual([]);
  });

  it('asks for a name when empty', () => {
    expect(entityNameErrors('')).toEqual(['Enter a name']);
  });

  it('refuses uppercase letters and suggests the lowercase name', () => {
    expect(entityNameErrors('Payments-Refunds')).toEqual([
      "Use lowercase letters only: try 'payments-refunds'",
    ]);
  });

  it('suggests once when the name has uppercase letters and other characters', () => {
    expect(entityNameErrors('Payments Refunds')).toEqual([
      "Use lowercase letters only: try 'payments-refunds'",
      'Use only lowercase letters, digits and dashes, not spaces',
    ]);
  });

  it('names the characters that are not allowed', () => {
    expect(entityNameErrors('payments_refunds.v2')).toEqual([
      "Use only lowercase letters, digits and dashes, not '_' or '.': try 'payments-refunds-v2'",
    ]);
  });

  it('asks for a leading letter and no trailing dash', () => {
    expect(entityNameErrors('2fa-')).toEqual([
      "Start with a letter, not '2'",
      'Do not end with a dash',
    ]);
    expect(entityNameErrors('-payments')).toEqual([
      "Start with a letter, not '-'",
    ]);
  });

  it('refuses a name longer than maxLength, with both lengths', () => {
    expect(entityNameErrors('a'.repeat(31), { maxLength: 30 })).toEqual([
      'At most 30 characters (this has 31)',
    ]);
    expect(entityNameErrors('a'.repeat(64))).toEqual([
      'At most 63 characters (this has 64)',
    ]);
  });

  it("refuses a name that makes the owner's development namespace too long", () => {
    // 'team-payments-' (14) + name + '-development' (12) must fit 63: at most 37.
    const name = 'payments-refunds-and-chargebacks-gateway'; // 40
    expect(entityNameErrors(name, { team: 'team-payments' })).toEqual([
      `With owner team-payments, the namespace team-payments-${name}-development would be 66 characters; ` +
        'Kubernetes allows 63. Shorten the name to at most 37 characters.',
    ]);
    expect(entityNameErrors('a'.repeat(37), { team: 'team-payments' })).toEqual(
      [],
    );
  });
});

describe('suggestEntityName', () => {
  it('applies the rule as far as it can', () => {
    expect(suggestEntityName('  Payments__Refunds! ', 63)).toBe(
      'payments-refunds',
    );
    expect(suggestEntityName('42 Payments', 63)).toBe('payments');
    expect(suggestEntityName('Abc-Def', 4)).toBe('abc');
  });
});
