import { Gitlab } from '@gitbeaker/rest';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

/*
 * The double driven by @gitbeaker/rest, the client Backstage's GitLab
 * scaffolder actions use, on a sub-path instance, with gitbeaker's default
 * transport. No 429/5xx faults here: this is about the call sequence, and
 * that transport handles few of them. gitbeaker 43 retries only 429 and 502,
 * ten attempts with a backoff of 0.25 ms doubling (0.25 ms to 128 ms, about
 * a quarter of a second in all), never reads Retry-After, and fails at once
 * on 500, 503 and 504. The portal puts its own transport under gitbeaker
 * (createGitLabRequester in plugins/idp-node); the actions' integration test
 * drives that one through the double's faults.
 */
describe('GitLab double: @gitbeaker/rest client', () => {
  let gitlab: GitLabDouble;
  let client: InstanceType<typeof Gitlab>;

  beforeAll(async () => {
    gitlab = await startGitLabDouble({ basePath: '/gitlab' });
    client = new Gitlab({ host: gitlab.baseUrl, token: gitlab.rootToken });
  });

  afterAll(async () => {
    await gitlab.stop();
  });

  it('runs the publish:gitlab call sequence', async () => {
    const group = await client.Groups.create('Services', 'services');
    const shown = await client.Groups.show('services');
    expect(shown).toMatchObject({ id: group.id, full_path: 'services' });

    // Namespaces.show + Users.showCurrentUser + Groups.allProjects, as publish:gitlab does.
    const namespace = await client.Namespaces.show('services');
    expect(namespace).toMatchObject({ id: group.id, kind: 'group' });
    const me = await client.Users.showCurrentUser();
    expect(me.username).toBe('root');
    expect(
      await client.Groups.allProjects('services', { search: 'billing' }),
    ).toEqual([]);

    const project = await client.Projects.create({
      namespaceId: namespace.id,
      name: 'billing',
      path: 'billing',
      visibility: 'private',
      topics: ['payments'],
      ci_config_path: '.gitlab/ci.yml',
    } as any);
    expect(project).toMatchObject({
      path_with_namespace: 'services/billing',
      http_url_to_repo: `${gitlab.url}/gitlab/services/billing.git`,
      topics: ['payments'],
      ci_config_path: '.gitlab/ci.yml',
    });
    const found = await client.Groups.allProjects('services', {
      search: 'billing',
    });
    expect(found.map(p => p.path)).toEqual(['billing']);
  });

  it('commits, reads files and manages branches', async () => {
    const commit = await client.Commits.create(
      'services/billing',
      'main',
      'Initial commit',
      [
        { action: 'create', filePath: 'README.md', content: '# Billing\n' },
        {
          action: 'create',
          filePath: 'bin/start',
          content: Buffer.from('#!/bin/sh\n').toString('base64'),
          encoding: 'base64',
        },
      ],
      { authorName: 'Bot', authorEmail: 'bot@example.com' },
    );
    expect(commit).toMatchObject({
      title: 'Initial commit',
      author_name: 'Bot',
    });

    const file = await client.RepositoryFiles.show(
      'services/billing',
      'bin/start',
      'main',
    );
    expect(Buffer.from(file.content, 'base64').toString()).toBe('#!/bin/sh\n');
    const raw = await client.RepositoryFiles.showRaw(
      'services/billing',
      'README.md',
      'main',
    );
    expect(raw).toBe('# Billing\n');

    const branch = await client.Branches.create(
      'services/billing',
      'develop',
      'main',
    );
    expect(branch.commit.id).toBe(commit.id);
    const branches = await client.Branches.all('services/billing');
    expect(branches.map(b => b.name)).toEqual(['develop', 'main']);

    const protectedBranch = await client.ProtectedBranches.protect(
      'services/billing',
      'develop',
      { pushAccessLevel: 0 },
    );
    expect(protectedBranch.push_access_levels).toEqual([
      expect.objectContaining({ access_level: 0 }),
    ]);
    // main is already protected by default, so GitLab answers 409.
    await expect(
      client.ProtectedBranches.protect('services/billing', 'main'),
    ).rejects.toMatchObject({
      message: "Protected branch 'main' already exists",
      cause: { response: { status: 409 } },
    });
  });

  it('creates variables, access tokens, deploy tokens and merge requests', async () => {
    const variable = await client.ProjectVariables.create(
      'services/billing',
      'DEPLOY_KEY',
      'abcdefgh12345',
      { masked: true, protected: true, environmentScope: 'production' },
    );
    expect(variable).toMatchObject({
      key: 'DEPLOY_KEY',
      masked: true,
      protected: true,
      environment_scope: 'production',
    });
    await expect(
      client.ProjectVariables.create('services/billing', 'DEPLOY_KEY', 'x', {
        environmentScope: 'production',
      }),
    ).rejects.toMatchObject({ cause: { response: { status: 400 } } });

    const token = await client.ProjectAccessTokens.create(
      'services/billing',
      'ci-token',
      ['read_repository', 'read_api'],
      '2999-12-31',
      { accessLevel: 30 },
    );
    expect(token).toMatchObject({ name: 'ci-token', access_level: 30 });
    const asBot = new Gitlab({ host: gitlab.baseUrl, token: token.token! });
    expect((await asBot.Projects.show('services/billing')).id).toBeDefined();
    await expect(
      asBot.Projects.create({ name: 'forbidden' }),
    ).rejects.toMatchObject({ cause: { response: { status: 403 } } });

    const deploy = await client.DeployTokens.create(
      'reader',
      ['read_repository'],
      {
        projectId: 'services/billing',
      },
    );
    expect(deploy.token).toMatch(/^gldt-/);

    const mr = await client.MergeRequests.create(
      'services/billing',
      'develop',
      'main',
      'Release',
    );
    expect(mr).toMatchObject({ iid: 1, state: 'opened' });
    expect((await client.MergeRequests.show('services/billing', 1)).title).toBe(
      'Release',
    );
  });

  it('paginates through all pages', async () => {
    for (let i = 0; i < 5; i++) {
      await client.Projects.create({ name: `bulk-${i}` });
    }
    gitlab.state.clearRequests();
    const all = await client.Projects.all({ search: 'bulk', perPage: 2 });
    expect(all.map(p => p.name).sort()).toEqual([
      'bulk-0',
      'bulk-1',
      'bulk-2',
      'bulk-3',
      'bulk-4',
    ]);
    const listCalls = gitlab.state.requests.filter(
      r => r.method === 'GET' && r.path === '/api/v4/projects',
    );
    expect(listCalls).toHaveLength(3);
  });
});
