import { Entity, parseEntityRef } from '@backstage/catalog-model';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { AuthResolverContext } from '@backstage/plugin-auth-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { sampleOrg, SAMPLE_USERS } from './__testUtils__/sampleOrg';
import { gitlabUserResolver } from './gitlabUserResolver';
import { userOwnershipRefs } from './userOwnershipRefs';

const credentials = { $$type: '@backstage/BackstageCredentials' } as any;

/**
 * An AuthResolverContext over an in-memory catalog that looks Users up the way the auth
 * backend's CatalogAuthResolverContext does (annotation filter or entity ref; NotFoundError for
 * none, ConflictError for several) and records the token it is asked to issue.
 */
function resolverContext(entities: Entity[]) {
  const catalog = catalogServiceMock({ entities });
  const issueToken = jest.fn(async (params: { claims: any }) => ({
    token: `token-for-${params.claims.sub}`,
  }));
  const ctx: AuthResolverContext = {
    issueToken,
    async findCatalogUser(query) {
      let found: Entity[] = [];
      if ('annotations' in query) {
        const filter: Record<string, string> = { kind: 'user' };
        for (const [key, value] of Object.entries(query.annotations)) {
          filter[`metadata.annotations.${key}`] = value;
        }
        found = (await catalog.getEntities({ filter }, { credentials })).items;
      } else if ('entityRef' in query) {
        const entity = await catalog.getEntityByRef(
          parseEntityRef(query.entityRef as any, {
            defaultKind: 'User',
            defaultNamespace: 'default',
          }),
          { credentials },
        );
        found = entity ? [entity] : [];
      }
      if (found.length > 1) {
        throw new ConflictError('User lookup resulted in multiple matches');
      }
      if (!found.length) throw new NotFoundError('User not found');
      return { entity: found[0] };
    },
    signInWithCatalogUser: jest.fn(),
    async resolveOwnershipEntityRefs(entity) {
      return { ownershipEntityRefs: userOwnershipRefs(entity) };
    },
  };
  return { ctx, issueToken };
}

function signIn(
  ctx: AuthResolverContext,
  username: string,
  profileUrl?: string,
) {
  return gitlabUserResolver()(
    {
      profile: {},
      result: {
        fullProfile: {
          provider: 'gitlab',
          id: '42',
          displayName: username,
          username,
          profileUrl,
        },
        session: {
          accessToken: 'a',
          tokenType: 'bearer',
          scope: 'read_user',
        },
      },
    },
    ctx,
  );
}

describe('gitlabUserResolver', () => {
  it('finds the User named like the GitLab username and issues its ownership refs', async () => {
    const { ctx, issueToken } = resolverContext(sampleOrg());
    const result = await signIn(
      ctx,
      'diego.alvarez',
      'https://gitlab.acme.example/diego.alvarez',
    );
    expect(result).toEqual({ token: 'token-for-user:default/diego.alvarez' });
    expect(issueToken).toHaveBeenCalledWith({
      claims: {
        sub: 'user:default/diego.alvarez',
        ent: ['user:default/diego.alvarez', 'group:default/team-payments'],
      },
    });
  });

  it("finds the User by the GitLab org provider's <host>/user-login annotation first", async () => {
    // GitLab account 'psharma' is Priya, as the org provider recorded; a different User happens
    // to be called psharma.
    const { ctx, issueToken } = resolverContext(
      sampleOrg([
        [
          'priya.sharma',
          'Priya Sharma',
          ['platform-team'],
          {
            'gitlab.acme.example/user-login':
              'https://gitlab.acme.example/psharma',
          },
        ],
        ['psharma', 'Someone Else', ['team-payments']],
      ]),
    );
    await signIn(ctx, 'psharma', 'https://gitlab.acme.example/psharma');
    expect(issueToken).toHaveBeenCalledWith({
      claims: {
        sub: 'user:default/priya.sharma',
        ent: ['user:default/priya.sharma', 'group:default/platform-team'],
      },
    });
  });

  it('refuses a GitLab user the catalog does not know, saying who and what to do', async () => {
    const { ctx, issueToken } = resolverContext(sampleOrg());
    const error = await signIn(
      ctx,
      'alex.new',
      'https://gitlab.acme.example/alex.new',
    ).catch(e => e);
    expect(error.message).toBe(
      "You signed in to GitLab as 'alex.new', but the portal's catalog has no User for 'alex.new'. Ask the platform team to add you (GitLab group sync or catalog-info/org.yaml).",
    );
    // Not a NotFoundError: Backstage would try the next resolver and then replace the message
    // with its generic one. A NotAllowedError reaches the sign-in popup as it is.
    expect(error.name).toBe('NotAllowedError');
    expect(issueToken).not.toHaveBeenCalled();
  });

  it('says so when several Users carry the same login annotation', async () => {
    const annotations = {
      'gitlab.acme.example/user-login': 'https://gitlab.acme.example/dup',
    };
    const { ctx } = resolverContext(
      sampleOrg([
        ['a', 'A', [], annotations],
        ['b', 'B', [], annotations],
      ]),
    );
    await expect(
      signIn(ctx, 'dup', 'https://gitlab.acme.example/dup'),
    ).rejects.toThrow(
      'More than one catalog User matches gitlab.acme.example/user-login: https://gitlab.acme.example/dup, so the portal cannot tell who you are. Ask the platform team to fix the catalog.',
    );
  });

  it('signs in every sample user with their groups', async () => {
    const { ctx, issueToken } = resolverContext(sampleOrg());
    for (const [name, , groups] of SAMPLE_USERS) {
      await signIn(ctx, name, `https://gitlab.acme.example/${name}`);
      expect(issueToken).toHaveBeenLastCalledWith({
        claims: {
          sub: `user:default/${name}`,
          ent: [
            `user:default/${name}`,
            ...groups.map(g => `group:default/${g}`),
          ],
        },
      });
    }
  });

  it('accepts no options, so a typo in the config fails at start-up', () => {
    expect(() => (gitlabUserResolver as any)({ allowUnknown: true })).toThrow(
      'sign-in resolver does not accept options',
    );
  });
});
