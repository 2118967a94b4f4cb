import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { GitLabClient, GitLabClientOptions } from './GitLabClient';
import { GitLabApiError } from './GitLabApiError';

const API = 'https://gitlab.example.com/api/v4';
const TOKEN = 'glpat-SECRET-token-value';

function makeClient(overrides: Partial<GitLabClientOptions> = {}) {
  return GitLabClient.create({
    host: 'gitlab.example.com',
    apiBaseUrl: API,
    baseUrl: 'https://gitlab.example.com',
    token: TOKEN,
    retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 50 },
    ...overrides,
  });
}

async function catchError(promise: Promise<unknown>): Promise<GitLabApiError> {
  try {
    await promise;
  } catch (e) {
    return e as GitLabApiError;
  }
  throw new Error('expected the promise to reject');
}

describe('GitLabClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  describe('successful requests', () => {
    it('sends the PRIVATE-TOKEN header and a JSON body, and parses JSON', async () => {
      let calls = 0;
      let seenToken: string | null = null;
      let seenContentType: string | null = null;
      let seenBody: unknown;
      server.use(
        http.post(`${API}/projects`, async ({ request }) => {
          calls++;
          seenToken = request.headers.get('private-token');
          seenContentType = request.headers.get('content-type');
          seenBody = await request.json();
          return HttpResponse.json({ id: 42, name: 'payments-checkout' });
        }),
      );
      const client = makeClient();
      const result = await client.api.Projects.create({
        name: 'payments-checkout',
        namespaceId: 7,
      });
      expect(result).toEqual({ id: 42, name: 'payments-checkout' });
      expect(calls).toBe(1);
      expect(seenToken).toBe(TOKEN);
      expect(seenContentType).toBe('application/json');
      expect(seenBody).toEqual({ name: 'payments-checkout', namespace_id: 7 });
      expect(client.requestCount).toBe(1);
    });

    it('passes query parameters, skipping undefined ones', async () => {
      let url: URL | undefined;
      server.use(
        http.get(`${API}/groups`, ({ request }) => {
          url = new URL(request.url);
          return HttpResponse.json([]);
        }),
      );
      await makeClient().api.Groups.all({
        search: 'idp',
        topLevelOnly: true,
        owned: undefined,
      });
      expect(url?.searchParams.get('search')).toBe('idp');
      expect(url?.searchParams.get('top_level_only')).toBe('true');
      expect(url?.searchParams.has('owned')).toBe(false);
    });

    it('returns undefined for 204', async () => {
      let calls = 0;
      server.use(
        http.delete(`${API}/projects/1`, () => {
          calls++;
          return new HttpResponse(null, { status: 204 });
        }),
      );
      await expect(
        makeClient().api.Projects.remove(1),
      ).resolves.toBeUndefined();
      expect(calls).toBe(1);
    });
  });

  describe('retries', () => {
    it('retries 429 with Retry-After: 0 and then succeeds', async () => {
      let calls = 0;
      server.use(
        http.get(`${API}/user`, () => {
          calls++;
          if (calls === 1) {
            return HttpResponse.json(
              { message: '429 Too Many Requests' },
              { status: 429, headers: { 'Retry-After': '0' } },
            );
          }
          return HttpResponse.json({ id: 1, username: 'idp-bot' });
        }),
      );
      const client = makeClient();
      await expect(client.currentUser()).resolves.toEqual({
        id: 1,
        username: 'idp-bot',
      });
      expect(calls).toBe(2);
      expect(client.requestCount).toBe(2);
    });

    it('caps a Retry-After larger than maxDelayMs', async () => {
      let calls = 0;
      const lines: string[] = [];
      server.use(
        http.get(`${API}/user`, () => {
          calls++;
          if (calls === 1) {
            return HttpResponse.json(
              { message: 'slow down' },
              { status: 429, headers: { 'Retry-After': '3600' } },
            );
          }
          return HttpResponse.json({ id: 1, username: 'idp-bot' });
        }),
      );
      const client = makeClient({ onRetry: line => lines.push(line) });
      const start = Date.now();
      await client.currentUser();
      expect(Date.now() - start).toBeLessThan(2000);
      expect(calls).toBe(2);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('retrying in 50 ms');
    });

    it.each([502, 503, 504])('retries %i on POST', async status => {
      let calls = 0;
      server.use(
        http.post(`${API}/projects`, () => {
          calls++;
          if (calls < 3) return new HttpResponse('upstream', { status });
          return HttpResponse.json({ id: 5 }, { status: 201 });
        }),
      );
      await expect(
        makeClient().api.Projects.create({ name: 'x' }),
      ).resolves.toEqual({ id: 5 });
      expect(calls).toBe(3);
    });

    it.each([502, 503, 504])('retries %i on GET', async status => {
      let calls = 0;
      server.use(
        http.get(`${API}/projects/5`, () => {
          calls++;
          if (calls < 2) return new HttpResponse(null, { status });
          return HttpResponse.json({ id: 5 });
        }),
      );
      await expect(makeClient().api.Projects.show(5)).resolves.toEqual({
        id: 5,
      });
      expect(calls).toBe(2);
    });

    it('gives up after `attempts` failures', async () => {
      let calls = 0;
      server.use(
        http.post(`${API}/projects`, () => {
          calls++;
          return HttpResponse.json(
            { message: 'Service Unavailable' },
            { status: 503 },
          );
        }),
      );
      const error = await catchError(
        makeClient().api.Projects.create({ name: 'x' }),
      );
      expect(error).toBeInstanceOf(GitLabApiError);
      expect(error.status).toBe(503);
      expect(error.message).toContain('gave up after 3 attempts');
      expect(error.message).toContain('POST /projects');
      expect(calls).toBe(3);
    });

    it('retries 500 on GET', async () => {
      let calls = 0;
      server.use(
        http.get(`${API}/projects/9`, () => {
          calls++;
          if (calls === 1) {
            return HttpResponse.json(
              { message: '500 Internal Server Error' },
              { status: 500 },
            );
          }
          return HttpResponse.json({ id: 9 });
        }),
      );
      await expect(makeClient().api.Projects.show(9)).resolves.toEqual({
        id: 9,
      });
      expect(calls).toBe(2);
    });

    it('does not retry 500 on POST', async () => {
      let calls = 0;
      server.use(
        http.post(`${API}/projects`, () => {
          calls++;
          return HttpResponse.json(
            { message: '500 Internal Server Error' },
            { status: 500 },
          );
        }),
      );
      const error = await catchError(
        makeClient().api.Projects.create({ name: 'x' }),
      );
      expect(error).toBeInstanceOf(GitLabApiError);
      expect(error.status).toBe(500);
      expect(error.message).not.toContain('gave up');
      expect(calls).toBe(1);
    });

    it('retries a network error and then succeeds', async () => {
      let calls = 0;
      server.use(
        http.get(`${API}/user`, () => {
          calls++;
          if (calls === 1) return HttpResponse.error();
          return HttpResponse.json({ id: 1, username: 'idp-bot' });
        }),
      );
      await expect(makeClient().currentUser()).resolves.toEqual({
        id: 1,
        username: 'idp-bot',
      });
      expect(calls).toBe(2);
    });

    it('throws a status 0 error naming the host on a persistent network error', async () => {
      let calls = 0;
      server.use(
        http.get(`${API}/user`, () => {
          calls++;
          return HttpResponse.error();
        }),
      );
      const error = await catchError(makeClient().currentUser());
      expect(error).toBeInstanceOf(GitLabApiError);
      expect(error.status).toBe(0);
      expect(error.message).toContain('gitlab.example.com');
      expect(error.message).toContain('GET /user');
      expect(calls).toBe(3);
    });
  });

  describe('non-retryable errors', () => {
    it.each([
      [401, 'integrations.gitlab'],
      [403, 'Maintainer'],
      [404, 'does not exist'],
      [409, 'conflicts'],
      [422, 'rejected the input'],
    ])('does not retry %i and explains it (%s)', async (status, hint) => {
      let calls = 0;
      server.use(
        http.post(`${API}/groups/7/variables`, () => {
          calls++;
          return HttpResponse.json(
            { message: `gitlab says ${status}` },
            { status },
          );
        }),
      );
      const error = await catchError(
        makeClient().api.GroupVariables.create(7, 'K', 'v'),
      );
      expect(error).toBeInstanceOf(GitLabApiError);
      expect(error.status).toBe(status);
      expect(error.message).toContain('POST /groups/7/variables');
      expect(error.message).toContain(`gitlab says ${status}`);
      expect(error.message).toContain(hint);
      expect(error.gitlabMessage).toBe(`gitlab says ${status}`);
      expect(calls).toBe(1);
    });

    it('401 hint names the host', async () => {
      server.use(
        http.get(`${API}/user`, () =>
          HttpResponse.json({ message: '401 Unauthorized' }, { status: 401 }),
        ),
      );
      const error = await catchError(makeClient().currentUser());
      expect(error.message).toContain(
        'integrations.gitlab for gitlab.example.com',
      );
    });

    it('flattens field errors and recognises "already taken"', async () => {
      let calls = 0;
      server.use(
        http.post(`${API}/projects`, () => {
          calls++;
          return HttpResponse.json(
            { message: { name: ['has already been taken'] } },
            { status: 400 },
          );
        }),
      );
      const error = await catchError(
        makeClient().api.Projects.create({ name: 'x' }),
      );
      expect(error.gitlabMessage).toBe('name has already been taken');
      expect(error.message).toContain('name has already been taken');
      expect(error.isAlreadyTaken).toBe(true);
      expect(calls).toBe(1);
    });

    it('recognises "already taken" on 409 too, but not on 422', async () => {
      server.use(
        http.post(`${API}/projects`, () =>
          HttpResponse.json(
            { message: { path: ['has already been taken'] } },
            { status: 409 },
          ),
        ),
        http.post(`${API}/groups`, () =>
          HttpResponse.json(
            { message: { path: ['has already been taken'] } },
            { status: 422 },
          ),
        ),
      );
      const client = makeClient();
      expect(
        (await catchError(client.api.Projects.create({ name: 'a' })))
          .isAlreadyTaken,
      ).toBe(true);
      expect(
        (await catchError(client.api.Groups.create('b', 'b'))).isAlreadyTaken,
      ).toBe(false);
    });
  });

  describe('secrets', () => {
    it('never puts the token in an error message, even when GitLab echoes it', async () => {
      server.use(
        http.get(`${API}/user`, () =>
          HttpResponse.json({ message: `bad token ${TOKEN}` }, { status: 401 }),
        ),
      );
      const error = await catchError(makeClient().currentUser());
      expect(error.message).not.toContain(TOKEN);
      expect(error.gitlabMessage).not.toContain(TOKEN);
      expect(error.message).toContain('bad token [redacted]');
      expect(JSON.stringify(error)).not.toContain(TOKEN);
    });

    it('redacts the token from a plain-text error body', async () => {
      server.use(
        http.get(`${API}/user`, () =>
          HttpResponse.text(`token ${TOKEN} rejected`, { status: 403 }),
        ),
      );
      const error = await catchError(makeClient().currentUser());
      expect(error.message).not.toContain(TOKEN);
      expect(error.message).toContain('token [redacted] rejected');
    });

    it('redacts values registered with addSecret', async () => {
      const secret = 'deploy-token-s3cr3t-value';
      let calls = 0;
      server.use(
        http.post(`${API}/projects/3/variables`, async ({ request }) => {
          calls++;
          const body = (await request.json()) as { value: string };
          return HttpResponse.json(
            { message: { value: [`is invalid: ${body.value}`] } },
            { status: 400 },
          );
        }),
      );
      const client = makeClient();
      client.addSecret(secret);
      const error = await catchError(
        client.api.ProjectVariables.create(3, 'DEPLOY_TOKEN', secret),
      );
      expect(calls).toBe(1);
      expect(error.message).not.toContain(secret);
      expect(error.gitlabMessage).not.toContain(secret);
      expect(error.message).toContain('value is invalid: [redacted]');
    });

    // Bug: flattenGitLabMessage cuts a plain-text body to 500 characters before the token is
    // redacted, so a token straddling character 500 survives in part.
    it('redacts a token cut by the 500-character limit', async () => {
      server.use(
        http.get(`${API}/user`, () =>
          HttpResponse.text(`${'x'.repeat(490)}${TOKEN}`, { status: 401 }),
        ),
      );
      const error = await catchError(makeClient().currentUser());
      expect(error.message).not.toContain(TOKEN.slice(0, 10));
    });

    it('never passes the token to onRetry', async () => {
      const lines: string[] = [];
      let calls = 0;
      server.use(
        http.get(`${API}/user`, () => {
          calls++;
          if (calls === 1) return HttpResponse.error();
          if (calls === 2) {
            return HttpResponse.json(
              { message: `overloaded ${TOKEN}` },
              { status: 503 },
            );
          }
          return HttpResponse.json(
            { message: `overloaded ${TOKEN}` },
            { status: 429, headers: { 'Retry-After': '0' } },
          );
        }),
      );
      const error = await catchError(
        makeClient({ onRetry: line => lines.push(line) }).currentUser(),
      );
      expect(error.status).toBe(429);
      expect(error.message).not.toContain(TOKEN);
      expect(calls).toBe(3);
      expect(lines).toHaveLength(2);
      for (const line of lines) {
        expect(line).not.toContain(TOKEN);
        expect(line).toContain('GET /user');
      }
      expect(lines[0]).toContain('attempt 2 of 3');
      expect(lines[1]).toContain('attempt 3 of 3');
    });
  });

  describe('transport', () => {
    it('stops at once when the signal aborts during a backoff', async () => {
      let calls = 0;
      server.use(
        http.get(`${API}/user`, () => {
          calls++;
          return HttpResponse.json({ message: 'busy' }, { status: 503 });
        }),
      );
      const controller = new AbortController();
      const client = makeClient({
        signal: controller.signal,
        retry: { attempts: 4, minDelayMs: 60_000, maxDelayMs: 60_000 },
        onRetry: () => controller.abort(new Error('The task was cancelled')),
      });
      const start = Date.now();
      await expect(client.currentUser()).rejects.toThrow(
        'The task was cancelled',
      );
      expect(Date.now() - start).toBeLessThan(2000);
      expect(calls).toBe(1);
    });

    it('sends every call under the configured apiBaseUrl, resource prefixes included', async () => {
      const apiBaseUrl = 'https://gitlab.example.com/gitlab/api/v4';
      const seen: string[] = [];
      server.use(
        http.get(`${apiBaseUrl}/user`, ({ request }) => {
          seen.push(new URL(request.url).pathname);
          return HttpResponse.json({ id: 1, username: 'idp-bot' });
        }),
        // gitbeaker's variable resource prefixes its endpoints with `projects`.
        http.post(`${apiBaseUrl}/projects/3/variables`, ({ request }) => {
          seen.push(new URL(request.url).pathname);
          return HttpResponse.json({ key: 'K' }, { status: 201 });
        }),
      );
      const client = makeClient({
        apiBaseUrl,
        baseUrl: 'https://gitlab.example.com/gitlab',
      });
      await client.currentUser();
      await client.api.ProjectVariables.create(3, 'K', 'v');
      expect(seen).toEqual([
        '/gitlab/api/v4/user',
        '/gitlab/api/v4/projects/3/variables',
      ]);
      expect(client.requestCount).toBe(2);
    });
  });

  describe('helpers', () => {
    it('find returns undefined on 404', async () => {
      let calls = 0;
      server.use(
        http.get(`${API}/projects/:id`, () => {
          calls++;
          return HttpResponse.json(
            { message: '404 Project Not Found' },
            { status: 404 },
          );
        }),
      );
      await expect(
        makeClient().findProject('idp/team-payments/payments-checkout'),
      ).resolves.toBeUndefined();
      expect(calls).toBe(1);
    });

    it('find encodes the path and returns the resource', async () => {
      let seenPath = '';
      server.use(
        http.get(`${API}/groups/:id`, ({ request }) => {
          seenPath = new URL(request.url).pathname;
          return HttpResponse.json({ id: 3, full_path: 'idp/team-payments' });
        }),
      );
      await expect(
        makeClient().findGroup('idp/team-payments'),
      ).resolves.toMatchObject({ id: 3 });
      expect(seenPath).toBe('/api/v4/groups/idp%2Fteam-payments');
    });

    it('find rethrows errors other than 404', async () => {
      server.use(
        http.get(`${API}/projects/1`, () =>
          HttpResponse.json({ message: 'forbidden' }, { status: 403 }),
        ),
      );
      const error = await catchError(makeClient().findProject(1));
      expect(error.status).toBe(403);
    });

    it('deleteIfExists returns false on 404 and true on 204', async () => {
      let calls = 0;
      server.use(
        http.delete(`${API}/projects/1`, () => {
          calls++;
          return HttpResponse.json({ message: 'gone' }, { status: 404 });
        }),
        http.delete(`${API}/projects/2`, () => {
          calls++;
          return new HttpResponse(null, { status: 204 });
        }),
      );
      const client = makeClient();
      await expect(
        client.deleteIfExists(client.api.Projects.remove(1)),
      ).resolves.toBe(false);
      await expect(
        client.deleteIfExists(client.api.Projects.remove(2)),
      ).resolves.toBe(true);
      expect(calls).toBe(2);
    });

    it('list follows pages until a short page', async () => {
      const pages: Array<string | null> = [];
      const perPage: Array<string | null> = [];
      server.use(
        http.get(`${API}/groups/7/projects`, ({ request }) => {
          const url = new URL(request.url);
          const page = url.searchParams.get('page');
          pages.push(page);
          perPage.push(url.searchParams.get('per_page'));
          const count = page === '1' ? 100 : 30;
          const offset = page === '1' ? 0 : 100;
          return HttpResponse.json(
            Array.from({ length: count }, (_, i) => ({ id: offset + i })),
          );
        }),
      );
      const client = makeClient();
      const items = await client.list(page =>
        client.api.Groups.allProjects(7, page),
      );
      expect(items).toHaveLength(130);
      expect(items[0].id).toBe(0);
      expect(items[129].id).toBe(129);
      expect(pages).toEqual(['1', '2']);
      expect(perPage).toEqual(['100', '100']);
    });
  });

  describe('fromConfig', () => {
    const config = new ConfigReader({
      integrations: {
        gitlab: [
          {
            host: 'gitlab.example.com',
            token: 't',
            apiBaseUrl: 'https://gitlab.example.com/api/v4',
          },
        ],
      },
    });

    it('throws naming the host when no integration is configured', () => {
      expect(() =>
        GitLabClient.fromConfig(config, { host: 'nope.example.com' }),
      ).toThrow(/nope\.example\.com.*integrations\.gitlab/);
    });

    it('throws when the integration has no token', () => {
      const noToken = new ConfigReader({
        integrations: {
          gitlab: [
            {
              host: 'gitlab.example.com',
              apiBaseUrl: 'https://gitlab.example.com/api/v4',
            },
          ],
        },
      });
      expect(() =>
        GitLabClient.fromConfig(noToken, { host: 'gitlab.example.com' }),
      ).toThrow(/no token/);
    });

    it('builds a working client from the integration', async () => {
      let seenToken: string | null = null;
      server.use(
        http.get(`${API}/user`, ({ request }) => {
          seenToken = request.headers.get('private-token');
          return HttpResponse.json({ id: 1, username: 'idp-bot' });
        }),
      );
      const client = GitLabClient.fromConfig(config, {
        host: 'gitlab.example.com',
      });
      expect(client.host).toBe('gitlab.example.com');
      await expect(client.currentUser()).resolves.toMatchObject({ id: 1 });
      expect(seenToken).toBe('t');
    });
  });
});
