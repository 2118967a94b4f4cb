import { apiClient, ApiCall } from './__testUtils__/apiClient';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

describe('GitLab double: groups, namespaces and users', () => {
  let gitlab: GitLabDouble;
  let api: ApiCall;

  beforeAll(async () => {
    gitlab = await startGitLabDouble();
    api = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
  });

  afterAll(async () => {
    await gitlab.stop();
  });

  // docs: api/groups.md#create-a-group / #create-a-subgroup
  it('creates groups and nested subgroups', async () => {
    const parent = await api('POST', '/groups', {
      name: 'Engineering',
      path: 'engineering',
      description: 'All engineers',
      visibility: 'internal',
    });
    expect(parent.status).toBe(201);
    expect(parent.body).toMatchObject({
      name: 'Engineering',
      path: 'engineering',
      full_name: 'Engineering',
      full_path: 'engineering',
      description: 'All engineers',
      visibility: 'internal',
      parent_id: null,
      web_url: `${gitlab.url}/groups/engineering`,
    });
    const child = await api('POST', '/groups', {
      name: 'Backend',
      path: 'backend',
      parent_id: parent.body.id,
    });
    expect(child.body).toMatchObject({
      full_path: 'engineering/backend',
      full_name: 'Engineering / Backend',
      parent_id: parent.body.id,
      visibility: 'private',
    });
    expect(gitlab.state.group('engineering/backend')?.id).toBe(child.body.id);
  });

  it('validates group creation', async () => {
    const missing = await api('POST', '/groups', {});
    expect(missing).toMatchObject({
      status: 400,
      body: { error: 'name is missing, path is missing' },
    });
    const duplicate = await api('POST', '/groups', {
      name: 'Engineering 2',
      path: 'engineering',
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.message).toBe(
      'Failed to save group {:path=>["has already been taken"]}',
    );
    const badPath = await api('POST', '/groups', {
      name: 'x',
      path: 'bad path',
    });
    expect(badPath.status).toBe(400);
    expect(badPath.body.message).toMatch(/^Failed to save group \{:path=>/);
    const badParent = await api('POST', '/groups', {
      name: 'x',
      path: 'x',
      parent_id: 4242,
    });
    expect(badParent).toMatchObject({
      status: 404,
      body: { message: '404 Group Not Found' },
    });
  });

  // docs: api/groups.md#get-a-single-group
  it('gets a group by id or URL-encoded path, including its projects', async () => {
    await gitlab.addProject({
      namespace: 'engineering/backend',
      path: 'orders',
    });
    const res = await api('GET', '/groups/engineering%2Fbackend');
    expect(res.status).toBe(200);
    expect(res.body.full_path).toBe('engineering/backend');
    expect(res.body.projects.map((p: any) => p.path_with_namespace)).toEqual([
      'engineering/backend/orders',
    ]);
    const byId = await api('GET', `/groups/${res.body.id}`);
    expect(byId.body.name).toBe('Backend');
    expect(await api('GET', '/groups/nope')).toMatchObject({
      status: 404,
      body: { message: '404 Group Not Found' },
    });
  });

  // docs: api/groups.md#list-projects (used by publish:gitlab to find existing repos)
  it('lists group projects with search and include_subgroups', async () => {
    const direct = await api('GET', '/groups/engineering/projects');
    expect(direct.body).toEqual([]);
    const nested = await api(
      'GET',
      '/groups/engineering/projects?include_subgroups=true&search=ord',
    );
    expect(nested.body.map((p: any) => p.path)).toEqual(['orders']);
  });

  // docs: api/groups.md#list-groups
  it('lists, searches and paginates groups ordered by name', async () => {
    for (const name of ['Zeta', 'Alpha', 'Mid']) {
      await api('POST', '/groups', { name, path: name.toLowerCase() });
    }
    const all = await api('GET', '/groups?per_page=100');
    expect(all.body.map((g: any) => g.name)).toEqual([
      'Alpha',
      'Backend',
      'Engineering',
      'Mid',
      'Zeta',
    ]);
    const top = await api(
      'GET',
      '/groups?top_level_only=true&per_page=2&page=2',
    );
    expect(top.body.map((g: any) => g.name)).toEqual(['Mid', 'Zeta']);
    expect(top.headers.get('x-total')).toBe('4');
    expect(top.headers.get('x-prev-page')).toBe('1');
    const search = await api('GET', '/groups?search=eng');
    expect(search.body.map((g: any) => g.full_path)).toEqual(['engineering']);
    const sub = await api('GET', '/groups/engineering/subgroups');
    expect(sub.body.map((g: any) => g.path)).toEqual(['backend']);
  });

  // docs: api/namespaces.md#get-details-on-a-namespace
  it('shows group and user namespaces', async () => {
    const group = await api('GET', '/namespaces/engineering%2Fbackend');
    expect(group.body).toMatchObject({
      name: 'Backend',
      path: 'backend',
      kind: 'group',
      full_path: 'engineering/backend',
      web_url: `${gitlab.url}/groups/engineering/backend`,
    });
    const user = await api('GET', '/namespaces/root');
    expect(user.body).toMatchObject({
      kind: 'user',
      path: 'root',
      full_path: 'root',
      parent_id: null,
    });
    expect(await api('GET', '/namespaces/ghost')).toMatchObject({
      status: 404,
      body: { message: '404 Namespace Not Found' },
    });
    const search = await api('GET', '/namespaces?search=back');
    expect(search.body.map((n: any) => n.full_path)).toEqual([
      'engineering/backend',
    ]);
  });

  // docs: api/users.md#list-users / api/projects.md#list-a-users-projects
  it('finds users and lists their personal projects', async () => {
    gitlab.addUser({ username: 'bob', name: 'Bob Builder' });
    await gitlab.addProject({
      namespace: 'bob',
      path: 'toolbox',
      owner: 'bob',
    });
    const users = await api('GET', '/users?username=bob');
    expect(users.body).toEqual([
      expect.objectContaining({ username: 'bob', name: 'Bob Builder' }),
    ]);
    const projects = await api('GET', '/users/bob/projects?search=tool');
    expect(projects.body.map((p: any) => p.path_with_namespace)).toEqual([
      'bob/toolbox',
    ]);
    expect((await api('GET', '/users/nobody/projects')).status).toBe(404);
  });
});
