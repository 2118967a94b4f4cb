import { apiClient, ApiCall } from './__testUtils__/apiClient';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

describe('GitLab double: fault injection', () => {
  let gitlab: GitLabDouble;
  let api: ApiCall;

  beforeAll(async () => {
    gitlab = await startGitLabDouble();
    api = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
  });

  afterEach(() => {
    gitlab.faults.clear();
  });

  afterAll(async () => {
    await gitlab.stop();
  });

  it('answers with a 5xx status a limited number of times', async () => {
    const fault = gitlab.faults.error('/api/v4/user', 503, {
      times: 2,
      body: { message: '503 Service Unavailable' },
    });
    expect(await api('GET', '/user')).toMatchObject({
      status: 503,
      body: { message: '503 Service Unavailable' },
    });
    expect((await api('GET', '/user')).status).toBe(503);
    expect((await api('GET', '/user')).status).toBe(200);
    expect(fault.hits).toBe(2);
    expect(fault.remaining).toBe(0);
    expect(gitlab.faults.list()).toEqual([]);
  });

  it('defaults to 500 with a GitLab-style body', async () => {
    gitlab.faults.error('/api/v4/projects', undefined, { times: 1 });
    expect(await api('GET', '/projects')).toMatchObject({
      status: 500,
      body: { message: '500 Internal Server Error' },
    });
  });

  it('rate limits with 429 and Retry-After', async () => {
    gitlab.faults.rateLimit('/api/v4/projects', 7, { times: 1 });
    const limited = await api('GET', '/projects');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await api('GET', '/projects')).status).toBe(200);
  });

  it('matches by method, glob and RegExp, in order', async () => {
    gitlab.faults.add({ method: 'POST', path: '/api/v4/groups', status: 502 });
    gitlab.faults.add({ path: '/api/v4/groups/*', status: 504, times: 1 });
    gitlab.faults.add({ path: /\/namespaces/, status: 500, times: 1 });
    expect((await api('GET', '/groups')).status).toBe(200);
    expect(
      (await api('POST', '/groups', { name: 'a', path: 'a' })).status,
    ).toBe(502);
    expect((await api('GET', '/groups/1')).status).toBe(504);
    expect((await api('GET', '/groups/1')).status).toBe(404);
    expect((await api('GET', '/namespaces?search=x')).status).toBe(500);
    expect(gitlab.state.groups()).toEqual([]);
  });

  it('matches on fields of the request body, which the API still reads', async () => {
    const group = gitlab.addGroup({ path: 'body' });
    const fault = gitlab.faults.add({
      method: 'POST',
      path: '/api/v4/projects',
      requestBody: { name: /-deployment$/, namespace_id: String(group.id) },
      status: 500,
      times: 1,
    });
    const create = (name: string) =>
      api('POST', '/projects', { name, path: name, namespace_id: group.id });
    expect((await create('svc')).status).toBe(201);
    expect((await create('svc-deployment')).status).toBe(500);
    expect(fault.hits).toBe(1);
    expect((await create('svc-deployment')).status).toBe(201);
    expect(gitlab.state.project('body/svc-deployment')).toBeDefined();
  });

  it('delays requests', async () => {
    gitlab.faults.latency('/api/v4/user', 300, { times: 1 });
    const started = Date.now();
    const res = await api('GET', '/user');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const fast = Date.now();
    await api('GET', '/user');
    expect(Date.now() - fast).toBeLessThan(250);
  });

  it('resets connections', async () => {
    gitlab.faults.reset('/api/v4/user');
    await expect(
      fetch(`${gitlab.apiBaseUrl}/user`, {
        headers: { 'PRIVATE-TOKEN': gitlab.rootToken },
      }),
    ).rejects.toThrow(/fetch failed/);
    gitlab.faults.clear();
    expect((await api('GET', '/user')).status).toBe(200);
  });

  it('can fault git smart HTTP too, and logs every faulted request', async () => {
    gitlab.addGroup({ path: 'g' });
    await gitlab.addProject({
      namespace: 'g',
      path: 'r',
      initialize_with_readme: true,
    });
    gitlab.state.clearRequests();
    gitlab.faults.error('/g/r.git/info/refs', 500, { times: 1, body: 'boom' });
    const auth = `Basic ${Buffer.from(`x:${gitlab.rootToken}`).toString(
      'base64',
    )}`;
    const url = `${gitlab.url}/g/r.git/info/refs?service=git-upload-pack`;
    const failed = await fetch(url, { headers: { Authorization: auth } });
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe('boom');
    const ok = await fetch(url, { headers: { Authorization: auth } });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    expect(gitlab.state.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/g/r.git/info/refs',
        status: 500,
        kind: 'git',
        fault: 'status',
      }),
      expect.objectContaining({ path: '/g/r.git/info/refs', status: 200 }),
    ]);
  });
});
