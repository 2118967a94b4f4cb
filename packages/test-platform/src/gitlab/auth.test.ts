import { apiClient, ApiCall } from './__testUtils__/apiClient';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

/*
 * docs: api/rest/authentication.md — PRIVATE-TOKEN header, OAuth-style
 * `Authorization: Bearer`, 401 for missing/invalid tokens, 403
 * insufficient_scope; docs: user/profile/personal_access_tokens.md#personal-access-token-scopes.
 */
describe('GitLab double: authentication and scopes', () => {
  let gitlab: GitLabDouble;
  let root: ApiCall;

  beforeAll(async () => {
    gitlab = await startGitLabDouble();
    root = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
    gitlab.addGroup({ path: 'acme' });
    await gitlab.addProject({
      namespace: 'acme',
      path: 'web',
      initialize_with_readme: true,
    });
    await gitlab.addProject({ namespace: 'acme', path: 'secret' });
  });

  afterAll(async () => {
    await gitlab.stop();
  });

  it('accepts PRIVATE-TOKEN, Bearer and private_token', async () => {
    const viaHeader = await root('GET', '/user');
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toMatchObject({
      id: gitlab.rootUser.id,
      username: 'root',
      name: 'Administrator',
      state: 'active',
      is_admin: true,
      web_url: `${gitlab.url}/root`,
    });
    const bearer = await fetch(`${gitlab.apiBaseUrl}/user`, {
      headers: { Authorization: `Bearer ${gitlab.rootToken}` },
    });
    expect(bearer.status).toBe(200);
    const query = await fetch(
      `${gitlab.apiBaseUrl}/user?private_token=${gitlab.rootToken}`,
    );
    expect(query.status).toBe(200);
  });

  it('does not take HTTP basic auth on the REST API (git only)', async () => {
    const res = await fetch(`${gitlab.apiBaseUrl}/user`, {
      headers: {
        Authorization: `Basic ${Buffer.from(
          `oauth2:${gitlab.rootToken}`,
        ).toString('base64')}`,
      },
    });
    expect(res.status).toBe(401);
  });

  it.each([
    ['missing', undefined],
    ['unknown', 'glpat-not-a-real-token'],
  ])('answers 401 for a %s token', async (_label, token) => {
    const res = await apiClient(gitlab.apiBaseUrl, token)('GET', '/projects');
    expect(res).toMatchObject({
      status: 401,
      body: { message: '401 Unauthorized' },
    });
  });

  it('answers 401 for expired and revoked tokens', async () => {
    const expired = gitlab.createToken({
      scopes: ['api'],
      expiresAt: '2001-01-01',
    });
    expect(
      (await apiClient(gitlab.apiBaseUrl, expired)('GET', '/user')).status,
    ).toBe(401);
    const revoked = gitlab.createToken({ scopes: ['api'] });
    const call = apiClient(gitlab.apiBaseUrl, revoked);
    expect((await call('GET', '/user')).status).toBe(200);
    gitlab.revokeToken(revoked);
    expect((await call('GET', '/user')).body).toEqual({
      message: '401 Unauthorized',
    });
  });

  it('lets read_api read but not write (403 insufficient_scope)', async () => {
    const readOnly = apiClient(
      gitlab.apiBaseUrl,
      gitlab.createToken({ scopes: ['read_api'] }),
    );
    expect((await readOnly('GET', '/projects/acme%2Fweb')).status).toBe(200);
    const write = await readOnly('POST', '/projects', { name: 'nope' });
    expect(write.status).toBe(403);
    expect(write.body).toEqual({
      error: 'insufficient_scope',
      error_description:
        'The request requires higher privileges than provided by the access token.',
      scope: 'api',
    });
    expect(write.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="Protected by OAuth 2.0", error="insufficient_scope"/,
    );
    expect(gitlab.state.projects().some(p => p.path === 'nope')).toBe(false);
  });

  it('lets read_user read /user only, and read_repository read files only', async () => {
    const readUser = apiClient(
      gitlab.apiBaseUrl,
      gitlab.createToken({ scopes: ['read_user'] }),
    );
    expect((await readUser('GET', '/user')).status).toBe(200);
    const projects = await readUser('GET', '/projects');
    expect(projects.status).toBe(403);
    expect(projects.body.scope).toBe('api read_api');

    const readRepo = apiClient(
      gitlab.apiBaseUrl,
      gitlab.createToken({ scopes: ['read_repository'] }),
    );
    const file = await readRepo(
      'GET',
      '/projects/acme%2Fweb/repository/files/README.md?ref=main',
    );
    expect(file.status).toBe(200);
    expect((await readRepo('GET', '/projects/acme%2Fweb')).status).toBe(403);
  });

  it('tracks tokens of additional users', async () => {
    const alice = gitlab.addUser({ username: 'alice', name: 'Alice' });
    const call = apiClient(
      gitlab.apiBaseUrl,
      gitlab.createToken({ user: 'alice', scopes: ['api'] }),
    );
    const me = await call('GET', '/user');
    expect(me.body).toMatchObject({
      id: alice.id,
      username: 'alice',
      is_admin: false,
    });
    const created = await call('POST', '/projects', { name: 'alice-tool' });
    expect(created.body.path_with_namespace).toBe('alice/alice-tool');
    expect(created.body.owner).toMatchObject({ username: 'alice' });
  });

  // docs: api/project_access_tokens.md — the token's bot only reaches its project
  it('confines project access tokens to their project, scopes and role', async () => {
    const created = await root('POST', '/projects/acme%2Fweb/access_tokens', {
      name: 'ci',
      scopes: ['read_api'],
      access_level: 30,
      expires_at: '2999-01-01',
    });
    expect(created.status).toBe(201);
    const bot = apiClient(gitlab.apiBaseUrl, created.body.token);
    const me = await bot('GET', '/user');
    expect(me.body).toMatchObject({ bot: true, name: 'ci' });
    expect(me.body.username).toMatch(/^project_\d+_bot_/);
    expect((await bot('GET', '/projects/acme%2Fweb')).status).toBe(200);
    expect(await bot('GET', '/projects/acme%2Fsecret')).toMatchObject({
      status: 404,
      body: { message: '404 Project Not Found' },
    });
    const listed = await bot('GET', '/projects?per_page=100');
    expect(listed.body.map((p: any) => p.path_with_namespace)).toEqual([
      'acme/web',
    ]);
    // read_api cannot write; a Developer could not read variables anyway.
    expect(
      (
        await bot('POST', '/projects/acme%2Fweb/variables', {
          key: 'A',
          value: 'b',
        })
      ).status,
    ).toBe(403);

    const writer = await root('POST', '/projects/acme%2Fweb/access_tokens', {
      name: 'dev',
      scopes: ['api'],
      access_level: 30,
    });
    const dev = apiClient(gitlab.apiBaseUrl, writer.body.token);
    expect(
      await dev('POST', '/projects/acme%2Fweb/variables', {
        key: 'A',
        value: 'b',
      }),
    ).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
    expect(
      (
        await dev('POST', '/projects/acme%2Fweb/repository/branches', {
          branch: 'dev-branch',
          ref: 'main',
        })
      ).status,
    ).toBe(201);
  });

  it('does not accept deploy tokens for the REST API', async () => {
    const created = await root('POST', '/projects/acme%2Fweb/deploy_tokens', {
      name: 'deploy',
      scopes: ['read_repository'],
    });
    expect(created.status).toBe(201);
    const res = await apiClient(gitlab.apiBaseUrl, created.body.token)(
      'GET',
      '/projects/acme%2Fweb',
    );
    expect(res.status).toBe(401);
  });

  it('never records token values or query strings in the request log', async () => {
    await fetch(`${gitlab.apiBaseUrl}/user?private_token=${gitlab.rootToken}`);
    const serialized = JSON.stringify(gitlab.state.requests);
    expect(serialized).not.toContain(gitlab.rootToken);
    expect(serialized).not.toContain('private_token');
    expect(gitlab.state.requests).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        path: '/api/v4/user',
        status: 200,
      }),
    );
  });
});
