import { promises as fs } from 'node:fs';
import { apiClient, ApiCall } from './__testUtils__/apiClient';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

describe('GitLab double: projects', () => {
  let gitlab: GitLabDouble;
  let api: ApiCall;
  let groupId: number;

  beforeAll(async () => {
    gitlab = await startGitLabDouble();
    api = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
    groupId = gitlab.addGroup({ path: 'platform', name: 'Platform' }).id;
  });

  afterAll(async () => {
    await gitlab.stop();
  });

  // docs: api/projects.md#create-a-project
  it('creates a project in a group with GitLab field names', async () => {
    const res = await api('POST', '/projects', {
      name: 'Payments API',
      path: 'payments-api',
      namespace_id: groupId,
      description: 'Handles payments',
      visibility: 'internal',
      topics: ['backend', 'payments'],
      ci_config_path: 'ci/.gitlab-ci.yml',
      initialize_with_readme: true,
    });
    expect(res.status).toBe(201);
    const p = res.body;
    expect(p).toMatchObject({
      name: 'Payments API',
      path: 'payments-api',
      path_with_namespace: 'platform/payments-api',
      name_with_namespace: 'Platform / Payments API',
      description: 'Handles payments',
      default_branch: 'main',
      visibility: 'internal',
      topics: ['backend', 'payments'],
      archived: false,
      empty_repo: false,
      ci_config_path: 'ci/.gitlab-ci.yml',
      web_url: `${gitlab.url}/platform/payments-api`,
      http_url_to_repo: `${gitlab.url}/platform/payments-api.git`,
      ssh_url_to_repo: 'git@127.0.0.1:platform/payments-api.git',
      namespace: {
        id: groupId,
        name: 'Platform',
        path: 'platform',
        kind: 'group',
        full_path: 'platform',
      },
      _links: {
        self: `${gitlab.apiBaseUrl}/projects/${p.id}`,
        repo_branches: `${gitlab.apiBaseUrl}/projects/${p.id}/repository/branches`,
      },
    });
    expect(typeof p.id).toBe('number');
    expect(new Date(p.created_at).toString()).not.toBe('Invalid Date');
    // initialize_with_readme wrote a real commit.
    expect(await gitlab.state.readFile(p.id, 'README.md')).toContain(
      '# Payments API',
    );
  });

  // docs: api/projects.md#create-a-project — path defaults from the name
  it('derives the path from the name and defaults to the user namespace', async () => {
    const res = await api('POST', '/projects', { name: 'My Tool' });
    expect(res.status).toBe(201);
    expect(res.body.path).toBe('my-tool');
    expect(res.body.path_with_namespace).toBe('root/my-tool');
    expect(res.body.namespace.kind).toBe('user');
    expect(res.body.empty_repo).toBe(true);
    expect(res.body.visibility).toBe('private');
  });

  it('requires a name or a path', async () => {
    const res = await api('POST', '/projects', { description: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/name, path are missing/);
  });

  // docs: user/reserved_names.md / path rules of lib/gitlab/path_regex.rb
  it.each([
    '-leading',
    'trailing-',
    'repo.git',
    'feed.atom',
    'has space',
    'a..b',
  ])('rejects the invalid project path %p', async path => {
    const res = await api('POST', '/projects', {
      name: 'Valid Name',
      path,
      namespace_id: groupId,
    });
    expect(res.status).toBe(400);
    expect(res.body.message.path.length).toBeGreaterThan(0);
  });

  it('rejects a duplicate path in the same namespace with GitLab validation errors', async () => {
    const first = await api('POST', '/projects', {
      name: 'dup',
      namespace_id: groupId,
    });
    expect(first.status).toBe(201);
    const res = await api('POST', '/projects', {
      name: 'dup',
      path: 'dup',
      namespace_id: groupId,
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      message: {
        name: ['has already been taken'],
        path: ['has already been taken'],
      },
    });
    // Same path in another namespace is fine.
    const other = await api('POST', '/projects', { name: 'dup' });
    expect(other.status).toBe(201);
  });

  it('returns 404 for an unknown namespace', async () => {
    const res = await api('POST', '/projects', {
      name: 'x',
      namespace_id: 99999,
    });
    expect(res).toMatchObject({
      status: 404,
      body: { message: '404 Namespace Not Found' },
    });
  });

  // docs: api/projects.md#get-a-single-project (id or URL-encoded path)
  it('gets a project by id and by URL-encoded full path', async () => {
    const byPath = await api('GET', '/projects/platform%2Fpayments-api');
    expect(byPath.status).toBe(200);
    const byId = await api('GET', `/projects/${byPath.body.id}`);
    expect(byId.body.path_with_namespace).toBe('platform/payments-api');
    const missing = await api('GET', '/projects/platform%2Fnope');
    expect(missing).toMatchObject({
      status: 404,
      body: { message: '404 Project Not Found' },
    });
  });

  it('supports nested groups in full paths', async () => {
    const sub = gitlab.addGroup({ path: 'tools', parent: 'platform' });
    const res = await api('POST', '/projects', {
      path: 'linter',
      namespace_id: sub.id,
    });
    expect(res.body.path_with_namespace).toBe('platform/tools/linter');
    expect(res.body.namespace.full_path).toBe('platform/tools');
    const get = await api('GET', '/projects/platform%2Ftools%2Flinter');
    expect(get.body.id).toBe(res.body.id);
  });

  // docs: api/projects.md#edit-a-project
  it('edits a project', async () => {
    const created = await api('POST', '/projects', {
      name: 'editable',
      namespace_id: groupId,
    });
    const res = await api('PUT', `/projects/${created.body.id}`, {
      description: 'new description',
      topics: ['a'],
      visibility: 'public',
      merge_method: 'ff',
      ci_config_path: 'other.yml',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      description: 'new description',
      topics: ['a'],
      visibility: 'public',
      merge_method: 'ff',
      ci_config_path: 'other.yml',
    });
    const invalid = await api('PUT', `/projects/${created.body.id}`, {
      merge_method: 'octopus',
    });
    expect(invalid).toMatchObject({
      status: 400,
      body: { error: 'merge_method does not have a valid value' },
    });
    const badBranch = await api('PUT', `/projects/${created.body.id}`, {
      default_branch: 'does-not-exist',
    });
    expect(badBranch.status).toBe(400);
  });

  // docs: api/projects.md#archive-a-project / #unarchive-a-project
  it('archives and unarchives; archived projects refuse writes', async () => {
    const created = await api('POST', '/projects', {
      name: 'archivable',
      namespace_id: groupId,
    });
    const id = created.body.id;
    const archived = await api('POST', `/projects/${id}/archive`);
    expect(archived.status).toBe(201);
    expect(archived.body.archived).toBe(true);
    const write = await api('POST', `/projects/${id}/variables`, {
      key: 'K',
      value: 'v',
    });
    expect(write.status).toBe(403);
    const unarchived = await api('POST', `/projects/${id}/unarchive`);
    expect(unarchived.body.archived).toBe(false);
  });

  // docs: api/projects.md#delete-a-project
  it('deletes a project and its repository', async () => {
    const created = await api('POST', '/projects', {
      name: 'doomed',
      namespace_id: groupId,
    });
    const gitDir = gitlab.state.project(created.body.id)!.gitDir;
    await expect(fs.stat(gitDir)).resolves.toBeTruthy();
    const res = await api('DELETE', `/projects/${created.body.id}`);
    expect(res).toMatchObject({
      status: 202,
      body: { message: '202 Accepted' },
    });
    expect((await api('GET', `/projects/${created.body.id}`)).status).toBe(404);
    await expect(fs.stat(gitDir)).rejects.toThrow();
    expect(gitlab.state.project(created.body.id)).toBeUndefined();
  });

  // docs: api/rest/_index.md#pagination-link-header
  it('lists and searches projects with offset pagination headers', async () => {
    for (const n of [1, 2, 3, 4, 5]) {
      await api('POST', '/projects', {
        name: `paged-${n}`,
        namespace_id: groupId,
      });
    }
    const page1 = await api('GET', '/projects?search=paged&per_page=2');
    expect(page1.status).toBe(200);
    expect(page1.body.map((p: any) => p.name)).toEqual(['paged-5', 'paged-4']);
    expect(page1.headers.get('x-total')).toBe('5');
    expect(page1.headers.get('x-total-pages')).toBe('3');
    expect(page1.headers.get('x-page')).toBe('1');
    expect(page1.headers.get('x-per-page')).toBe('2');
    expect(page1.headers.get('x-next-page')).toBe('2');
    expect(page1.headers.get('x-prev-page')).toBe('');
    const link = page1.headers.get('link')!;
    expect(link).toContain('rel="next"');
    expect(link).toContain('rel="last"');
    expect(link).toContain(
      `<${gitlab.apiBaseUrl}/projects?search=paged&page=3&per_page=2>; rel="last"`,
    );
    expect(link).not.toContain('rel="prev"');

    const page3 = await api('GET', '/projects?search=paged&per_page=2&page=3');
    expect(page3.body.map((p: any) => p.name)).toEqual(['paged-1']);
    expect(page3.headers.get('x-next-page')).toBe('');
    expect(page3.headers.get('x-prev-page')).toBe('2');

    const asc = await api(
      'GET',
      '/projects?search=paged&order_by=name&sort=asc&per_page=100',
    );
    expect(asc.body.map((p: any) => p.name)).toEqual([
      'paged-1',
      'paged-2',
      'paged-3',
      'paged-4',
      'paged-5',
    ]);
  });

  it('caps per_page at 100 and defaults it to 20', async () => {
    const big = await api('GET', '/projects?per_page=500');
    expect(big.headers.get('x-per-page')).toBe('100');
    const dflt = await api('GET', '/projects');
    expect(dflt.headers.get('x-per-page')).toBe('20');
  });

  it('answers unknown routes with GitLab\u2019s 404 body', async () => {
    const res = await api('GET', '/projects/1/not-a-thing');
    expect(res).toMatchObject({
      status: 404,
      body: { error: '404 Not Found' },
    });
    const anonymous = await apiClient(gitlab.apiBaseUrl)(
      'GET',
      '/nothing-here',
    );
    expect(anonymous.status).toBe(404);
  });
});
