import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { sampleOrg } from './__testUtils__/sampleOrg';
import { localUsersModule } from './localUsersModule';

jest.setTimeout(30_000);

function config(environment: string) {
  return mockServices.rootConfig.factory({
    data: {
      app: { baseUrl: 'http://localhost:3000' },
      auth: { environment, providers: { local: {} } },
    },
  });
}

describe('localUsersModule', () => {
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    backend = await startTestBackend({
      features: [
        authPlugin,
        localUsersModule,
        catalogServiceMock.factory({ entities: sampleOrg() }),
        config('development'),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('lists every catalog User with groups and roles, by role then name, without signing in', async () => {
    const res = await request(backend.server).get('/api/auth/local-users');
    expect(res.status).toBe(200);
    expect(
      res.body.users.map((u: any) => [u.userEntityRef, u.roles, u.groups]),
    ).toEqual([
      [
        'user:default/priya.sharma',
        ['platform-engineer'],
        ['group:default/platform-team'],
      ],
      [
        'user:default/tomas.novak',
        ['platform-engineer'],
        ['group:default/platform-team'],
      ],
      [
        'user:default/diego.alvarez',
        ['developer'],
        ['group:default/team-payments'],
      ],
      [
        'user:default/lena.fischer',
        ['developer'],
        ['group:default/team-payments'],
      ],
      [
        'user:default/mei.chen',
        ['developer'],
        ['group:default/team-storefront'],
      ],
      [
        'user:default/morgan.lee',
        ['manager'],
        ['group:default/engineering-leadership'],
      ],
      [
        'user:default/ari.cohen',
        ['auditor'],
        ['group:default/security-compliance'],
      ],
      ['user:default/sam.okafor', [], ['group:default/acme']],
    ]);
    expect(res.body.users[1]).toEqual({
      userEntityRef: 'user:default/tomas.novak',
      displayName: 'Tomáš Novák',
      email: 'tomas.novak@acme.example',
      groups: ['group:default/platform-team'],
      roles: ['platform-engineer'],
    });
  });

  it('signs in as the User named in x-idp-local-user, with their groups', async () => {
    const res = await request(backend.server)
      .get('/api/auth/local/refresh')
      .set('x-idp-local-user', 'user:default/mei.chen');
    expect(res.status).toBe(200);
    expect(res.body.profile).toEqual({
      displayName: 'Mei Chen',
      email: 'mei.chen@acme.example',
    });
    expect(res.body.backstageIdentity.identity).toEqual({
      type: 'user',
      userEntityRef: 'user:default/mei.chen',
      ownershipEntityRefs: [
        'user:default/mei.chen',
        'group:default/team-storefront',
      ],
    });
    const claims = JSON.parse(
      Buffer.from(
        res.body.backstageIdentity.token.split('.')[1],
        'base64url',
      ).toString(),
    );
    expect(claims.sub).toBe('user:default/mei.chen');
  });

  it('takes a user with no role too (reads only)', async () => {
    const res = await request(backend.server)
      .get('/api/auth/local/refresh')
      .set('x-idp-local-user', 'user:default/sam.okafor');
    expect(res.status).toBe(200);
    expect(res.body.backstageIdentity.identity.ownershipEntityRefs).toEqual([
      'user:default/sam.okafor',
      'group:default/acme',
    ]);
  });

  it.each([
    [
      'no header',
      undefined,
      401,
      "Local sign-in needs the x-idp-local-user header naming the catalog User to sign in as, e.g. 'x-idp-local-user: user:default/priya.sharma'. Pick a sample user on the sign-in page.",
    ],
    [
      'an unknown user',
      'user:default/nobody',
      404,
      "There is no User 'user:default/nobody' in the catalog, so local sign-in cannot sign you in as it. Pick one of the users GET /api/auth/local-users lists (the sample users are in catalog-info/org.yaml).",
    ],
    [
      'a group',
      'group:default/platform-team',
      400,
      "x-idp-local-user: 'group:default/platform-team' is not a User; local sign-in signs in as a catalog User (user:default/<name>).",
    ],
    [
      'a malformed ref',
      'user:default/a/b',
      400,
      "x-idp-local-user: 'user:default/a/b' is not an entity reference; expected user:default/<name>.",
    ],
  ])(
    'refuses %s with a message that says what to send',
    async (_, header, status, message) => {
      const req = request(backend.server).get('/api/auth/local/refresh');
      const res = await (header ? req.set('x-idp-local-user', header) : req);
      expect(res.status).toBe(status);
      expect(res.body.error.message).toBe(message);
    },
  );

  it('refuses to start outside local mode', async () => {
    await expect(
      startTestBackend({
        features: [
          authPlugin,
          localUsersModule,
          catalogServiceMock.factory({ entities: sampleOrg() }),
          config('production'),
        ],
      }),
    ).rejects.toThrow(
      "Local sign-in (any sample user, no password) only runs in local mode, where auth.environment is 'development', but it is 'production'.",
    );
  });
});
