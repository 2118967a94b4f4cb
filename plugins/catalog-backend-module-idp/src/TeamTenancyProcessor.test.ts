import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { LocationSpec } from '@backstage/plugin-catalog-node';
import { TeamTenancyProcessor } from './TeamTenancyProcessor';

// The processor on its own, called the way the catalog's orchestrator calls preProcessEntity:
// with the entity, its own location and its origin location (both from the annotations the
// catalog itself sets).

const BASE = 'https://example.org/gitlab';
const PROJECT = `${BASE}/idp/team-payments/payments-refunds`;
const FILE = `${PROJECT}/-/blob/main/catalog-info.yaml`;

function processor(extra: object = {}, config: object = {}) {
  return TeamTenancyProcessor.fromConfig(
    new ConfigReader({
      integrations: {
        gitlab: [
          {
            host: 'example.org',
            baseUrl: BASE,
            apiBaseUrl: `${BASE}/api/v4`,
            token: 't',
          },
        ],
      },
      idp: { gitlab: { host: 'example.org', ...extra } },
      catalog: {
        locations: [
          { type: 'file', target: './catalog-info/all.yaml' },
          {
            type: 'url',
            target: `${BASE}/platform/org/-/blob/main/users.yaml`,
          },
        ],
      },
      ...config,
    }),
  );
}

const url = (target: string): LocationSpec => ({ type: 'url', target });

function component(owner: unknown, extra: Partial<Entity['metadata']> = {}) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-refunds', ...extra },
    spec: { type: 'service', lifecycle: 'production', owner },
  } as Entity;
}

function location(spec: object): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Location',
    metadata: { name: 'more' },
    spec,
  } as Entity;
}

function entityOfKind(kind: string, spec: object = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name: 'someone' },
    spec,
  } as Entity;
}

async function run(
  p: TeamTenancyProcessor,
  entity: Entity,
  origin: LocationSpec,
  own: LocationSpec = origin,
) {
  return p.preProcessEntity(entity, own, () => {}, origin);
}

describe('TeamTenancyProcessor', () => {
  describe('platform locations', () => {
    it('trusts entities from the configured locations: file targets resolved against the working directory, url targets as written', async () => {
      const p = processor();
      const user = entityOfKind('User', { memberOf: ['platform-team'] });
      const file = {
        type: 'file',
        target: path.resolve('./catalog-info/all.yaml'),
      };
      await expect(run(p, user, file)).resolves.toBe(user);
      const template = entityOfKind('Template', { owner: 'platform-team' });
      await expect(run(p, template, file)).resolves.toBe(template);
      const siteFile = url(`${BASE}/platform/org/-/blob/main/users.yaml`);
      await expect(run(p, user, siteFile)).resolves.toBe(user);
    });

    it('does not trust a file location that is not configured', async () => {
      await expect(
        run(processor(), entityOfKind('User'), {
          type: 'file',
          target: path.resolve('./catalog-info/org.yaml'),
        }),
      ).rejects.toThrow(
        /^Catalog tenancy rule 'org': user:default\/someone originates at file:\/.*org\.yaml\. Users and Groups/,
      );
    });
  });

  describe("rule 'origin'", () => {
    it("accepts a file of a project directly in a team's group, under GitLab's sub-path", async () => {
      const entity = component('team-payments');
      await expect(run(processor(), entity, url(FILE))).resolves.toBe(entity);
      const nested = url(
        `${PROJECT}/-/blob/main/services/api/catalog-info.yaml`,
      );
      await expect(run(processor(), entity, nested)).resolves.toBe(entity);
    });

    it.each([
      [
        'a project outside the teams group',
        `${BASE}/elsewhere/team-payments/x/-/blob/main/catalog-info.yaml`,
        `it is not in the teams' GitLab group ${BASE}/idp/`,
      ],
      [
        'a project directly in the teams group (no team)',
        `${BASE}/idp/payments-refunds/-/blob/main/catalog-info.yaml`,
        "it is not a file (/-/blob/<ref>/<path>) of a project directly in a team's group",
      ],
      [
        "a project in a subgroup of the team's group",
        `${BASE}/idp/team-payments/sub/x/-/blob/main/catalog-info.yaml`,
        "it is not a file (/-/blob/<ref>/<path>) of a project directly in a team's group",
      ],
      [
        'the same path without the sub-path',
        'https://example.org/idp/team-payments/payments-refunds/-/blob/main/catalog-info.yaml',
        `it is not under GitLab's root ${BASE}/`,
      ],
      [
        'another host',
        'https://github.com/idp/team-payments/x/blob/main/catalog-info.yaml',
        `it is not on the portal's GitLab (${BASE})`,
      ],
      [
        'a tree instead of a file',
        `${PROJECT}/-/tree/main`,
        "it is not a file (/-/blob/<ref>/<path>) of a project directly in a team's group",
      ],
      [
        'an encoded slash that GitLab would read as another group',
        `${BASE}/idp/team-payments%2Fother/x/-/blob/main/catalog-info.yaml`,
        "it is not a file (/-/blob/<ref>/<path>) of a project directly in a team's group",
      ],
      [
        'dot segments',
        `${PROJECT}/../../team-storefront/x/-/blob/main/catalog-info.yaml`,
        `it is not in canonical form (${BASE}/idp/team-storefront/x/-/blob/main/catalog-info.yaml)`,
      ],
      ['a query', `${FILE}?ref=other`, 'it has a query or a fragment'],
      [
        'a group named blob, which the GitLab reader would split at',
        `${BASE}/idp/blob/x/-/blob/main/catalog-info.yaml`,
        "it is not a file (/-/blob/<ref>/<path>) of a project directly in a team's group",
      ],
      [
        'credentials',
        FILE.replace('https://', 'https://u:p@'),
        'it carries credentials',
      ],
    ])('refuses %s', async (_what, target, problem) => {
      await expect(
        run(processor(), component('team-payments'), url(target)),
      ).rejects.toThrow(
        `Catalog tenancy rule 'origin': component:default/payments-refunds originates at url:${target}, but ${problem}. Outside the platform's own catalog locations, entities may be registered only from a file in a team's GitLab project: ${BASE}/idp/<team>/<project>/-/blob/<ref>/<path>.`,
      );
    });

    it('refuses a non-url origin that is not a platform location', async () => {
      await expect(
        run(processor(), component('team-payments'), {
          type: 'file',
          target: '/tmp/catalog-info.yaml',
        }),
      ).rejects.toThrow(
        "Catalog tenancy rule 'origin': component:default/payments-refunds originates at file:/tmp/catalog-info.yaml, but it is a file location, not a url.",
      );
    });

    it('refuses everything from outside the platform locations when no GitLab is configured', async () => {
      const p = TeamTenancyProcessor.fromConfig(new ConfigReader({}));
      await expect(
        run(p, component('team-payments'), url(FILE)),
      ).rejects.toThrow(
        /rule 'origin': .*this portal has no GitLab for team repositories \(idp\.gitlab\.host\), so only the platform's own locations may add entities/,
      );
    });

    it('refuses to start with an idp.gitlab.host that has no integration', () => {
      expect(() =>
        TeamTenancyProcessor.fromConfig(
          new ConfigReader({ idp: { gitlab: { host: 'gitlab.example' } } }),
        ),
      ).toThrow(
        "idp.gitlab.host is 'gitlab.example', but integrations.gitlab has no entry for that host",
      );
    });

    it('follows idp.gitlab.teamsGroup, also a nested one', async () => {
      const p = processor({ teamsGroup: 'acme/teams' });
      const entity = component('team-payments');
      await expect(
        run(
          p,
          entity,
          url(
            `${BASE}/acme/teams/team-payments/x/-/blob/main/catalog-info.yaml`,
          ),
        ),
      ).resolves.toBe(entity);
      await expect(run(p, entity, url(FILE))).rejects.toThrow(
        `it is not in the teams' GitLab group ${BASE}/acme/teams/`,
      );
    });

    it('refuses an entity read from another project than the one it was registered from', async () => {
      await expect(
        run(
          processor(),
          component('team-payments'),
          url(FILE),
          url(`${BASE}/idp/team-payments/other/-/blob/main/catalog-info.yaml`),
        ),
      ).rejects.toThrow(
        `Catalog tenancy rule 'origin': component:default/payments-refunds was read from url:${BASE}/idp/team-payments/other/-/blob/main/catalog-info.yaml, outside the GitLab project it was registered from (${PROJECT}).`,
      );
    });
  });

  describe("rule 'owner'", () => {
    it.each([
      'team-payments',
      'group:team-payments',
      'group:default/team-payments',
      'default/team-payments',
      'Group:default/Team-Payments',
    ])(
      'accepts %s, which Backstage resolves to group:default/team-payments',
      async owner => {
        const entity = component(owner);
        await expect(run(processor(), entity, url(FILE))).resolves.toBe(entity);
      },
    );

    it.each([
      ['team-storefront', ' (that is, group:default/team-storefront)'],
      ['platform-team', ' (that is, group:default/platform-team)'],
      ['user:default/diego.alvarez', ''],
      ['user:diego.alvarez', ' (that is, user:default/diego.alvarez)'],
      ['group:other/team-payments', ''],
    ])('refuses %s', async (owner, as) => {
      await expect(
        run(processor(), component(owner), url(FILE)),
      ).rejects.toThrow(
        `Catalog tenancy rule 'owner': component:default/payments-refunds is owned by '${owner}'${as}, but it is registered from ${PROJECT}, a project of team team-payments, and an entity from a team's project must be owned by that team: spec.owner must be group:default/team-payments.`,
      );
    });

    it("resolves a short owner in the entity's own namespace, as Backstage does", async () => {
      await expect(
        run(
          processor(),
          component('team-payments', { namespace: 'other' }),
          url(FILE),
        ),
      ).rejects.toThrow(
        "component:other/payments-refunds is owned by 'team-payments' (that is, group:other/team-payments)",
      );
    });

    it('refuses an entity without an owner', async () => {
      await expect(
        run(processor(), component(undefined), url(FILE)),
      ).rejects.toThrow(
        "Catalog tenancy rule 'owner': component:default/payments-refunds has no spec.owner, but it is registered from",
      );
      await expect(
        run(processor(), component({ $text: './owner.txt' }), url(FILE)),
      ).rejects.toThrow('has no spec.owner');
    });

    it('holds every kind but Location to it (a Template, if the catalog rules ever let one through)', async () => {
      await expect(
        run(
          processor(),
          entityOfKind('Template', { owner: 'platform-team' }),
          url(FILE),
        ),
      ).rejects.toThrow(
        "Catalog tenancy rule 'owner': template:default/someone is owned by 'platform-team'",
      );
    });
  });

  describe("rule 'location-target'", () => {
    it('accepts relative targets and absolute targets in the same project', async () => {
      for (const spec of [
        { target: './services/api.yaml' },
        { targets: ['./a.yaml', '../main/b.yaml', '/docs/c.yaml'] },
        { type: 'url', target: `${PROJECT}/-/blob/main/other.yaml` },
        {
          target: `${BASE}/idp/Team-Payments/Payments-Refunds/-/blob/dev/x.yaml`,
        },
      ]) {
        const entity = location(spec);
        await expect(run(processor(), entity, url(FILE))).resolves.toBe(entity);
      }
    });

    it.each([
      [
        "another team's project",
        {
          target: `${BASE}/idp/team-storefront/storefront-web/-/blob/main/catalog-info.yaml`,
        },
        `url:${BASE}/idp/team-storefront/storefront-web/-/blob/main/catalog-info.yaml`,
      ],
      [
        'another project of the same team',
        {
          targets: [
            './ok.yaml',
            `${BASE}/idp/team-payments/other/-/blob/main/x.yaml`,
          ],
        },
        `url:${BASE}/idp/team-payments/other/-/blob/main/x.yaml`,
      ],
      [
        'a relative path out of the project',
        {
          target:
            '../../../../../team-storefront/storefront-web/-/blob/main/catalog-info.yaml',
        },
        `url:../../../../../team-storefront/storefront-web/-/blob/main/catalog-info.yaml (${BASE}/idp/team-storefront/storefront-web/-/blob/main/catalog-info.yaml)`,
      ],
      [
        'another host',
        {
          target: 'https://github.com/acme/secrets/blob/main/catalog-info.yaml',
        },
        'url:https://github.com/acme/secrets/blob/main/catalog-info.yaml',
      ],
    ])('refuses %s', async (_what, spec, shown) => {
      await expect(run(processor(), location(spec), url(FILE))).rejects.toThrow(
        `Catalog tenancy rule 'location-target': location:default/more points at ${shown}, outside its GitLab project ${PROJECT}; a Location registered from a team's project may point only at files in that same project, by a relative path or a ${PROJECT}/-/blob/<ref>/<path> URL.`,
      );
    });

    it('refuses another location type', async () => {
      await expect(
        run(
          processor(),
          location({ type: 'file', target: '/etc/passwd' }),
          url(FILE),
        ),
      ).rejects.toThrow(
        "Catalog tenancy rule 'location-target': location:default/more is a Location of type 'file', but a Location registered from a team's project may point only at files in that same project",
      );
    });
  });

  describe("rule 'placeholder'", () => {
    it('lets placeholders read files of the same project only', async () => {
      const ok = component('team-payments');
      ok.metadata.description = { $text: './README.md' } as any;
      await expect(run(processor(), ok, url(FILE))).resolves.toBe(ok);

      const bad = component('team-payments');
      (bad.spec as any).definition = {
        $text: `${BASE}/idp/platform/secrets/-/blob/main/token.txt`,
      };
      await expect(run(processor(), bad, url(FILE))).rejects.toThrow(
        `Catalog tenancy rule 'placeholder': component:default/payments-refunds reads $text: ${BASE}/idp/platform/secrets/-/blob/main/token.txt (${BASE}/idp/platform/secrets/-/blob/main/token.txt), outside its GitLab project ${PROJECT}`,
      );
    });
  });

  describe("rule 'org'", () => {
    const orgConfig = {
      catalog: {
        providers: {
          gitlab: {
            org: { host: 'example.org', group: 'idp', orgEnabled: true },
          },
        },
      },
    };

    it('refuses Users and Groups from a team project', async () => {
      for (const kind of ['User', 'Group']) {
        await expect(
          run(processor({}, orgConfig), entityOfKind(kind), url(FILE)),
        ).rejects.toThrow(
          `Catalog tenancy rule 'org': ${kind.toLowerCase()}:default/someone originates at url:${FILE}. Users and Groups decide who signs in and with which roles, so they come only from the platform's own catalog locations and the GitLab org sync, never from a registered location.`,
        );
      }
    });

    it("accepts the GitLab org sync's Users and Groups, recognised by their locations", async () => {
      const user = entityOfKind('User');
      await expect(
        run(processor({}, orgConfig), user, url(`${BASE}/diego.alvarez`)),
      ).resolves.toBe(user);
      const group = entityOfKind('Group');
      await expect(
        run(processor({}, orgConfig), group, url(`${BASE}/idp/team-payments`)),
      ).resolves.toBe(group);
    });

    it('does not accept them without an org provider, or from a file URL', async () => {
      await expect(
        run(processor(), entityOfKind('User'), url(`${BASE}/diego.alvarez`)),
      ).rejects.toThrow("Catalog tenancy rule 'org'");
      await expect(
        run(
          processor({}, orgConfig),
          entityOfKind('User'),
          url(`${BASE}/diego.alvarez/x/-/blob/main/users.yaml`),
        ),
      ).rejects.toThrow("Catalog tenancy rule 'org'");
    });

    it('gives other kinds with such an origin no pass', async () => {
      await expect(
        run(
          processor({}, orgConfig),
          location({ target: `${BASE}/diego.alvarez` }),
          url(`${BASE}/diego.alvarez`),
        ),
      ).rejects.toThrow("Catalog tenancy rule 'origin'");
    });
  });

  it('runs before the built-in processors, so a refused entity has no placeholder read', () => {
    expect(processor().getPriority()).toBeLessThan(20);
  });
});
