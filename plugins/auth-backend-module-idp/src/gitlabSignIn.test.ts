import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { GitLabDouble, startGitLabDouble } from '@internal/test-platform';
import request from 'supertest';
import { sampleOrg, SAMPLE_USERS } from './__testUtils__/sampleOrg';
import { gitlabProviderModule } from './gitlabProviderModule';

jest.setTimeout(60_000);

// The callback URL registered with the GitLab application. The test backend listens on a random
// port, so the callback is fixed in config and the browser's last hop is replayed against the
// backend with supertest.
const CALLBACK_URL = 'http://localhost:7007/api/auth/gitlab/handler/frame';

/** The message the popup posts to the app, decoded from the handler's HTML. */
function popupMessage(html: string): any {
  const match = /decodeURIComponent\('([^']*)'\)/.exec(html);
  if (!match) throw new Error(`No auth response in ${html}`);
  return JSON.parse(decodeURIComponent(match[1]));
}

function jwtClaims(token: string) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/*
 * Sign-in with GitLab end to end: Backstage's auth backend and GitLab authenticator
 * (passport-gitlab2) with our module and resolver picked by name from config, against the GitLab
 * double's OAuth 2 endpoints under a sub-path, as a browser would go through it.
 */
describe('GitLab sign-in against the GitLab double', () => {
  let gitlab: GitLabDouble;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    gitlab = await startGitLabDouble({ basePath: '/gitlab' });
    gitlab.addUser({
      username: 'priya.sharma',
      name: 'Priya Sharma',
      email: 'priya.sharma@acme.example',
    });
    gitlab.addUser({ username: 'alex.new', name: 'Alex New' });
    const app = gitlab.addOAuthApplication({ redirectUri: CALLBACK_URL });

    backend = await startTestBackend({
      features: [
        authPlugin,
        gitlabProviderModule,
        catalogServiceMock.factory({ entities: sampleOrg(SAMPLE_USERS) }),
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            auth: {
              environment: 'development',
              providers: {
                gitlab: {
                  development: {
                    clientId: app.applicationId,
                    clientSecret: app.secret,
                    audience: gitlab.baseUrl,
                    callbackUrl: CALLBACK_URL,
                    signIn: { resolvers: [{ resolver: 'idpCatalogUser' }] },
                  },
                },
              },
            },
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await gitlab?.stop();
  });

  /** Start, GitLab's authorize page (signed in there as `username`), then the callback. */
  async function signInAs(username: string) {
    const start = await request(backend.server).get(
      '/api/auth/gitlab/start?env=development',
    );
    expect(start.status).toBe(302);
    const authorizeUrl = new URL(start.headers.location);
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(
      `${gitlab.baseUrl}/oauth/authorize`,
    );
    // The first gitlab-nonce cookie clears a legacy one; the browser keeps the one with a value.
    const nonceCookie = ([] as string[])
      .concat(start.headers['set-cookie'] ?? [])
      .map(c => c.split(';')[0])
      .find(c => /^gitlab-nonce=.+/.test(c));
    expect(nonceCookie).toBeDefined();

    const authorize = await fetch(authorizeUrl, {
      redirect: 'manual',
      headers: { Cookie: gitlab.signInCookie(username) },
    });
    expect(authorize.status).toBe(302);
    const callback = new URL(authorize.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK_URL);

    const frame = await request(backend.server)
      .get(`${callback.pathname}${callback.search}`)
      .set('Cookie', nonceCookie!);
    expect(frame.status).toBe(200);
    return popupMessage(frame.text);
  }

  it('signs a GitLab user in as their catalog User, with their groups', async () => {
    const message = await signInAs('priya.sharma');
    expect(message.type).toBe('authorization_response');
    expect(message.error).toBeUndefined();
    const { backstageIdentity, profile, providerInfo } = message.response;
    expect(backstageIdentity.identity).toEqual({
      type: 'user',
      userEntityRef: 'user:default/priya.sharma',
      ownershipEntityRefs: [
        'user:default/priya.sharma',
        'group:default/platform-team',
      ],
    });
    expect(jwtClaims(backstageIdentity.token).sub).toBe(
      'user:default/priya.sharma',
    );
    expect(profile).toMatchObject({
      displayName: 'Priya Sharma',
      email: 'priya.sharma@acme.example',
    });
    expect(providerInfo.scope).toBe('read_user');
    // The access token the double issued is what Backstage now holds.
    expect(gitlab.state.oauthTokens()).toContainEqual(
      expect.objectContaining({ scopes: ['read_user'], revoked: false }),
    );
  });

  it('posts the unknown-user message to the sign-in popup', async () => {
    const message = await signInAs('alex.new');
    expect(message.response).toBeUndefined();
    expect(message.error).toEqual({
      name: 'NotAllowedError',
      message:
        "You signed in to GitLab as 'alex.new', but the portal's catalog has no User for 'alex.new'. Ask the platform team to add you (GitLab group sync or catalog-info/org.yaml).",
    });
  });
});
