import { createHash } from 'node:crypto';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

/*
 * GitLab as an OAuth 2 provider, docs: api/oauth2.md (authorization code flow, with and without
 * PKCE, refresh, access the API with the token) and integration/oauth_provider.md (applications,
 * scopes). Error codes and descriptions are Doorkeeper's, which GitLab answers with.
 */
describe('GitLab double: OAuth 2 provider', () => {
  const redirectUri = 'http://localhost:7007/api/auth/gitlab/handler/frame';
  let gitlab: GitLabDouble;
  let app: { applicationId: string; secret: string };
  let priyaCookie: string;

  beforeAll(async () => {
    gitlab = await startGitLabDouble({ basePath: '/gitlab' });
    gitlab.addUser({
      username: 'priya.sharma',
      name: 'Priya Sharma',
      email: 'priya@acme.example',
    });
    app = gitlab.addOAuthApplication({ redirectUri });
    priyaCookie = gitlab.signInCookie('priya.sharma');
  });

  afterAll(async () => {
    await gitlab.stop();
  });

  function authorizeUrl(params: Record<string, string | undefined>) {
    const url = new URL(`${gitlab.baseUrl}/oauth/authorize`);
    for (const [key, value] of Object.entries({
      client_id: app.applicationId,
      redirect_uri: redirectUri,
      response_type: 'code',
      state: 'xyz',
      scope: 'read_user',
      ...params,
    })) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return url.toString();
  }

  async function authorize(
    params: Record<string, string | undefined> = {},
    cookie: string | null = priyaCookie,
  ) {
    const res = await fetch(authorizeUrl(params), {
      redirect: 'manual',
      headers: cookie ? { Cookie: cookie } : {},
    });
    const location = res.headers.get('location');
    return {
      status: res.status,
      location: location ? new URL(location) : undefined,
      text: await res.text(),
    };
  }

  async function token(params: Record<string, string>) {
    const res = await fetch(`${gitlab.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    return { status: res.status, body: await res.json() };
  }

  async function codeFor(params: Record<string, string> = {}) {
    const { location } = await authorize(params);
    return location!.searchParams.get('code')!;
  }

  it('redirects a browser without a GitLab session to the sign-in page', async () => {
    const res = await authorize({}, null);
    expect(res.status).toBe(302);
    expect(res.location?.toString()).toBe(`${gitlab.baseUrl}/users/sign_in`);
  });

  it('runs the authorization code flow: code, token, then GET /api/v4/user with the token', async () => {
    const res = await authorize();
    expect(res.status).toBe(302);
    expect(res.location?.origin + res.location!.pathname).toBe(redirectUri);
    expect(res.location?.searchParams.get('state')).toBe('xyz');
    const code = res.location!.searchParams.get('code')!;
    expect(code).toMatch(/^[0-9a-f]{64}$/);

    const exchanged = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: app.applicationId,
      client_secret: app.secret,
    });
    expect(exchanged).toEqual({
      status: 200,
      body: {
        access_token: expect.stringMatching(/^[0-9a-f]{64}$/),
        token_type: 'Bearer',
        expires_in: 7200,
        refresh_token: expect.stringMatching(/^[0-9a-f]{64}$/),
        scope: 'read_user',
        created_at: expect.any(Number),
      },
    });

    const user = await fetch(`${gitlab.apiBaseUrl}/user`, {
      headers: { Authorization: `Bearer ${exchanged.body.access_token}` },
    });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({
      username: 'priya.sharma',
      name: 'Priya Sharma',
      email: 'priya@acme.example',
      web_url: `${gitlab.baseUrl}/priya.sharma`,
    });

    // The code is single use.
    const again = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: app.applicationId,
      client_secret: app.secret,
    });
    expect(again).toEqual({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description:
          'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
      },
    });
  });

  it('grants only the requested scopes: read_user cannot list projects', async () => {
    const code = await codeFor();
    const { body } = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: app.applicationId,
      client_secret: app.secret,
    });
    const res = await fetch(`${gitlab.apiBaseUrl}/projects`, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope' });
    // An OAuth token is not a personal access token: PRIVATE-TOKEN does not take it.
    const asPrivate = await fetch(`${gitlab.apiBaseUrl}/user`, {
      headers: { 'PRIVATE-TOKEN': body.access_token },
    });
    expect(asPrivate.status).toBe(401);
    expect(gitlab.state.oauthTokens()).toContainEqual(
      expect.objectContaining({ scopes: ['read_user'], revoked: false }),
    );
  });

  it('answers an error page for an unknown client or an unregistered redirect URI', async () => {
    const unknown = await authorize({ client_id: 'nope' });
    expect(unknown.status).toBe(401);
    expect(unknown.text).toContain(
      'Client authentication failed due to unknown client',
    );
    const badRedirect = await authorize({
      redirect_uri: 'http://evil.example/cb',
    });
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.text).toContain(
      'The redirect URI included is not valid.',
    );
  });

  it('sends other authorization errors back to the client with the state', async () => {
    const scope = await authorize({ scope: 'api' });
    expect(scope.status).toBe(302);
    expect(Object.fromEntries(scope.location!.searchParams)).toEqual({
      error: 'invalid_scope',
      error_description:
        'The requested scope is invalid, unknown, or malformed.',
      state: 'xyz',
    });
    const responseType = await authorize({ response_type: 'token' });
    expect(responseType.location?.searchParams.get('error')).toBe(
      'unsupported_response_type',
    );
  });

  it('refuses a wrong secret, a different redirect URI and an unknown grant type', async () => {
    const code = await codeFor();
    const wrongSecret = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: app.applicationId,
      client_secret: 'wrong',
    });
    expect(wrongSecret).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    const otherRedirect = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://localhost:7007/other',
      client_id: app.applicationId,
      client_secret: app.secret,
    });
    expect(otherRedirect).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    const grantType = await token({
      grant_type: 'password',
      client_id: app.applicationId,
      client_secret: app.secret,
    });
    expect(grantType).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
  });

  it('takes client credentials with HTTP basic auth', async () => {
    const code = await codeFor();
    const res = await fetch(`${gitlab.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(
          `${app.applicationId}:${app.secret}`,
        ).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
      }).toString(),
    });
    expect(res.status).toBe(200);
  });

  it('checks the PKCE verifier when the authorization request sent a challenge', async () => {
    const verifier = 'a'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const params = {
      grant_type: 'authorization_code',
      redirect_uri: redirectUri,
      client_id: app.applicationId,
      client_secret: app.secret,
    };
    const pkce = {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const wrong = await token({
      ...params,
      code: await codeFor(pkce),
      code_verifier: 'b'.repeat(43),
    });
    expect(wrong.body.error).toBe('invalid_grant');
    const right = await token({
      ...params,
      code: await codeFor(pkce),
      code_verifier: verifier,
    });
    expect(right.status).toBe(200);
  });

  it('refreshes: a new pair, and the old access and refresh tokens stop working', async () => {
    const first = await token({
      grant_type: 'authorization_code',
      code: await codeFor(),
      redirect_uri: redirectUri,
      client_id: app.applicationId,
      client_secret: app.secret,
    });
    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      client_id: app.applicationId,
      client_secret: app.secret,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(first.body.access_token);

    const userWith = (accessToken: string) =>
      fetch(`${gitlab.apiBaseUrl}/user`, {
        headers: { Authorization: `Bearer ${accessToken}` },
      }).then(r => r.status);
    expect(await userWith(refreshed.body.access_token)).toBe(200);
    expect(await userWith(first.body.access_token)).toBe(401);

    const reused = await token({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      client_id: app.applicationId,
      client_secret: app.secret,
    });
    expect(reused.body.error).toBe('invalid_grant');
  });

  it('revokes a token', async () => {
    const { body } = await token({
      grant_type: 'authorization_code',
      code: await codeFor(),
      redirect_uri: redirectUri,
      client_id: app.applicationId,
      client_secret: app.secret,
    });
    const res = await fetch(`${gitlab.baseUrl}/oauth/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: body.access_token,
        client_id: app.applicationId,
        client_secret: app.secret,
      }).toString(),
    });
    expect(res.status).toBe(200);
    const user = await fetch(`${gitlab.apiBaseUrl}/user`, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(user.status).toBe(401);
  });
});
