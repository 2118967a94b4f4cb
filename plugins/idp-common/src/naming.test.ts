import {
  ENVIRONMENTS,
  LONGEST_ENVIRONMENT,
  deployRepoPath,
  descriptionErrors,
  dnsLabelErrors,
  dnsNameErrors,
  environmentNames,
  branchNameErrors,
  previewNameErrors,
  previewNameFor,
  groupPathErrors,
  teamFromOwnerRef,
} from './naming';

describe('dnsLabelErrors', () => {
  it('accepts a valid label', () => {
    expect(dnsLabelErrors('payments-checkout')).toEqual([]);
    expect(dnsLabelErrors('a')).toEqual([]);
    expect(dnsLabelErrors('a1')).toEqual([]);
    expect(dnsLabelErrors('a'.repeat(63))).toEqual([]);
  });

  it('refuses uppercase', () => {
    expect(dnsLabelErrors('Payments')).toContain('must be lowercase');
  });

  it('refuses an empty value', () => {
    expect(dnsLabelErrors('')).toEqual(['must not be empty']);
  });

  it('refuses more than 63 characters', () => {
    const errors = dnsLabelErrors('a'.repeat(64));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('at most 63');
    expect(errors[0]).toContain('it has 64');
  });

  it('honours a custom maximum length', () => {
    expect(dnsLabelErrors('abcdef', 5)[0]).toContain('at most 5');
  });

  it('refuses non-ASCII', () => {
    const errors = dnsLabelErrors('ünïcode');
    expect(errors).toContain('must be plain ASCII');
    expect(errors).not.toContain('must be lowercase');
  });

  it.each(['..', 'a..b', '-start', 'end-', 'key: value', 'a_b', 'a.b', ' a'])(
    'refuses %j',
    value => {
      const errors = dnsLabelErrors(value);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.join('; ')).toContain("may contain only a-z, 0-9 and '-'");
    },
  );
});

describe('dnsNameErrors', () => {
  it.each(['apps.acme.example', 'acme.example', 'a-b.c1.example'])(
    'accepts %j',
    value => {
      expect(dnsNameErrors(value)).toEqual([]);
    },
  );

  it.each([
    'xx',
    'Apps.acme.example',
    '*.apps.acme.example',
    'apps.acme.example.',
    '-apps.acme.example',
    'apps..example',
    'apps.acme.example:443',
    'https://apps.acme.example',
    `${'a'.repeat(64)}.example`,
    `${'a.'.repeat(127)}example`,
  ])('refuses %j', value => {
    expect(dnsNameErrors(value)[0]).toContain('is not a DNS name');
  });

  it('refuses an IP address', () => {
    expect(dnsNameErrors('10.0.0.1')).toEqual([
      'is not a DNS name: it ends in a number, not a top-level domain (an IP address?)',
    ]);
  });
});

describe('groupPathErrors', () => {
  it.each(['idp/team-payments', 'idp', 'idp/sub_group/team.x', 'a/b/c'])(
    'accepts %j',
    value => {
      expect(groupPathErrors(value)).toEqual([]);
    },
  );

  it.each([
    'idp/../x',
    'idp//x',
    'Idp/x',
    'idp/x.',
    'idp/x.git',
    'idp/x.atom',
    '/idp',
    'idp/',
    'idp/-x',
    'idp/.x',
    '',
  ])('refuses %j', value => {
    expect(groupPathErrors(value).length).toBeGreaterThan(0);
  });

  it('explains empty and dot segments', () => {
    expect(groupPathErrors('idp/../x')).toEqual([
      "has an empty, '.' or '..' segment",
    ]);
    expect(groupPathErrors('idp//x')).toEqual([
      "has an empty, '.' or '..' segment",
    ]);
  });

  it('names the bad segment', () => {
    expect(groupPathErrors('Idp/x')[0]).toContain("segment 'Idp'");
    expect(groupPathErrors('idp/x.git')[0]).toContain("segment 'x.git'");
  });

  it('refuses more than 20 levels', () => {
    expect(groupPathErrors(Array(21).fill('a').join('/'))).toContain(
      'may have at most 20 levels',
    );
    expect(groupPathErrors(Array(20).fill('a').join('/'))).toEqual([]);
  });
});

describe('descriptionErrors', () => {
  it('accepts ordinary, multi-line, unicode and YAML-looking text', () => {
    expect(descriptionErrors('')).toEqual([]);
    expect(descriptionErrors('Checkout service for payments')).toEqual([]);
    expect(descriptionErrors('line one\nline two\tindented')).toEqual([]);
    expect(descriptionErrors('Zahlungen für Kunden – 支付 🚀')).toEqual([]);
    expect(descriptionErrors('a: b\n- c')).toEqual([]);
    expect(descriptionErrors('x'.repeat(2000))).toEqual([]);
  });

  it('refuses more than 2000 characters', () => {
    const errors = descriptionErrors('x'.repeat(2001));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('at most 2000');
  });

  it('refuses control characters', () => {
    expect(descriptionErrors('ding\u0007')).toEqual([
      'must not contain control characters',
    ]);
    expect(descriptionErrors('nul\u0000')).toEqual([
      'must not contain control characters',
    ]);
    expect(descriptionErrors('del\u007f')).toEqual([
      'must not contain control characters',
    ]);
  });
});

describe('environmentNames', () => {
  it('derives the names from team, component and environment', () => {
    expect(
      environmentNames({
        team: 'team-payments',
        component: 'payments-checkout',
        environment: 'development',
      }),
    ).toEqual({
      resource: 'payments-checkout-development',
      namespace: 'team-payments-payments-checkout-development',
      argocdApplication: 'payments-checkout-development',
    });
  });

  it('uses targetNamespace when given', () => {
    expect(
      environmentNames({
        team: 'team-payments',
        component: 'payments-checkout',
        environment: 'production',
        targetNamespace: 'payments',
      }),
    ).toEqual({
      resource: 'payments-checkout-production',
      namespace: 'payments',
      argocdApplication: 'payments-checkout-production',
    });
  });
});

describe('deployRepoPath', () => {
  it('appends -deployment', () => {
    expect(deployRepoPath('x')).toBe('x-deployment');
    expect(deployRepoPath('payments-checkout')).toBe(
      'payments-checkout-deployment',
    );
  });
});

describe('teamFromOwnerRef', () => {
  it.each([
    ['group:default/team-payments', 'team-payments'],
    ['group:team-payments', 'team-payments'],
    ['default/team-payments', 'team-payments'],
    ['team-payments', 'team-payments'],
    ['Group:Default/team-payments', 'team-payments'],
    [' group:default/team-payments ', 'team-payments'],
  ])('%j gives %j', (ref, team) => {
    expect(teamFromOwnerRef(ref)).toBe(team);
  });

  // These used to differ: the backend's copy stripped prefixes and gave 'jane' for a user
  // (and '' or 'other/team-x'-like names for the rest), the form field's gave undefined.
  // Only a Group in the default namespace is a team (TeamAuthority refuses anything else).
  it.each([
    ['user:default/jane'],
    ['User:default/jane'],
    ['group:other/team-payments'],
    ['other/team-payments'],
    ['group:default/'],
    ['component:default/payments'],
    [''],
    ['   '],
    ['group:'],
  ])('%j names no team', ref => {
    expect(teamFromOwnerRef(ref)).toBeUndefined();
  });

  it('names no team for a value that is not a string', () => {
    expect(teamFromOwnerRef(undefined)).toBeUndefined();
    expect(teamFromOwnerRef(42)).toBeUndefined();
    expect(teamFromOwnerRef(['group:default/team-payments'])).toBeUndefined();
  });
});

describe('LONGEST_ENVIRONMENT', () => {
  it('is the environment with the longest name', () => {
    for (const environment of ENVIRONMENTS) {
      expect(LONGEST_ENVIRONMENT.length).toBeGreaterThanOrEqual(
        environment.length,
      );
    }
    expect(LONGEST_ENVIRONMENT).toBe('development');
  });
});

describe('preview names', () => {
  it('names a preview apart from the environments', () => {
    expect(
      environmentNames({
        team: 'team-payments',
        component: 'payments-api',
        environment: 'development',
        preview: { name: 'staging' },
      }),
    ).toEqual({
      resource: 'payments-api-preview-staging',
      namespace: 'team-payments-payments-api-preview-staging',
      argocdApplication: 'payments-api-preview-staging',
    });
  });

  it('derives a name from a merge request or a branch', () => {
    expect(previewNameFor({ branch: 'feature/x', mergeRequest: 42 })).toBe(
      'mr-42',
    );
    expect(previewNameFor({ branch: 'Feature/Refund_Limits' })).toBe(
      'feature-refund-limit',
    );
    expect(previewNameFor({ branch: '--a--' })).toBe('a');
    expect(
      previewNameErrors(previewNameFor({ branch: 'x'.repeat(40) })),
    ).toEqual([]);
  });

  it('refuses names the XRD refuses', () => {
    expect(previewNameErrors('mr-42')).toEqual([]);
    expect(previewNameErrors('a'.repeat(21))).toEqual([
      'must be 1 to 20 characters (it has 21)',
    ]);
    expect(previewNameErrors('MR_42')).toHaveLength(1);
    expect(previewNameErrors('')).toHaveLength(2);
  });

  it('checks branch names as git does', () => {
    for (const ok of ['main', 'feature/refund-limits', 'fix.1', 'a_b']) {
      expect(branchNameErrors(ok)).toEqual([]);
    }
    for (const bad of [
      '',
      '-rf',
      'a..b',
      'a b',
      'a:b',
      'a~1',
      'x.lock',
      'a/',
      '/a',
      'a//b',
      'a@{1}',
      'a\nb',
      'a/.b',
    ]) {
      expect(branchNameErrors(bad)).not.toEqual([]);
    }
  });
});
