import { apiClient, ApiCall } from './__testUtils__/apiClient';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

describe('GitLab double: variables, deploy tokens, access tokens, merge requests', () => {
  let gitlab: GitLabDouble;
  let api: ApiCall;
  const project = '/projects/infra%2Fapp';

  beforeAll(async () => {
    gitlab = await startGitLabDouble();
    api = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
    gitlab.addGroup({ path: 'infra' });
    await gitlab.addProject({
      namespace: 'infra',
      path: 'app',
      initialize_with_readme: true,
    });
  });

  afterAll(async () => {
    await gitlab.stop();
  });

  describe('CI/CD variables (docs: api/project_level_variables.md)', () => {
    // docs: api/project_level_variables.md#create-a-variable
    it('creates a variable with GitLab defaults', async () => {
      const res = await api('POST', `${project}/variables`, {
        key: 'NEW_VARIABLE',
        value: 'new value',
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        variable_type: 'env_var',
        key: 'NEW_VARIABLE',
        value: 'new value',
        protected: false,
        masked: false,
        hidden: false,
        raw: false,
        environment_scope: '*',
        description: null,
      });
    });

    it('rejects duplicates, bad keys and unmaskable values', async () => {
      const duplicate = await api('POST', `${project}/variables`, {
        key: 'NEW_VARIABLE',
        value: 'again',
      });
      expect(duplicate).toMatchObject({
        status: 400,
        body: { message: { key: ['(NEW_VARIABLE) has already been taken'] } },
      });
      const badKey = await api('POST', `${project}/variables`, {
        key: 'NOT-VALID',
        value: 'x',
      });
      expect(badKey.body).toEqual({
        message: { key: ["can contain only letters, digits and '_'."] },
      });
      for (const value of ['short', 'has whitespace inside']) {
        const masked = await api('POST', `${project}/variables`, {
          key: 'MASKED',
          value,
          masked: true,
        });
        expect(masked).toMatchObject({
          status: 400,
          body: { message: { value: ['is invalid'] } },
        });
      }
      const missing = await api('POST', `${project}/variables`, {});
      expect(missing.body).toEqual({
        error: 'key is missing, value is missing',
      });
      const badType = await api('POST', `${project}/variables`, {
        key: 'T',
        value: 'v',
        variable_type: 'secret',
      });
      expect(badType.body).toEqual({
        error: 'variable_type does not have a valid value',
      });
      expect(gitlab.state.project('infra/app')!.variables).toHaveLength(1);
    });

    it('supports masked, protected, file variables and environment scopes', async () => {
      const masked = await api('POST', `${project}/variables`, {
        key: 'TOKEN',
        value: 's3cr3t-value',
        masked: true,
        protected: true,
        variable_type: 'file',
      });
      expect(masked.body).toMatchObject({
        masked: true,
        protected: true,
        variable_type: 'file',
      });
      const prod = await api('POST', `${project}/variables`, {
        key: 'NEW_VARIABLE',
        value: 'prod',
        environment_scope: 'production',
      });
      expect(prod.status).toBe(201);
      const ambiguous = await api('GET', `${project}/variables/NEW_VARIABLE`);
      expect(ambiguous.status).toBe(409);
      const scoped = await api(
        'GET',
        `${project}/variables/NEW_VARIABLE?filter[environment_scope]=production`,
      );
      expect(scoped.body.value).toBe('prod');
      const hidden = await api('POST', `${project}/variables`, {
        key: 'HIDDEN',
        value: 'hidden-value',
        masked_and_hidden: true,
      });
      expect(hidden.body).toMatchObject({
        masked: true,
        hidden: true,
        value: null,
      });
    });

    it('updates, lists and deletes variables', async () => {
      const updated = await api('PUT', `${project}/variables/TOKEN`, {
        value: 'another-s3cr3t',
      });
      expect(updated.status).toBe(200);
      expect(updated.body.value).toBe('another-s3cr3t');
      const unmaskable = await api('PUT', `${project}/variables/TOKEN`, {
        value: 'x y',
      });
      expect(unmaskable.status).toBe(400);
      const list = await api('GET', `${project}/variables`);
      expect(list.body.map((v: any) => v.key).sort()).toEqual([
        'HIDDEN',
        'NEW_VARIABLE',
        'NEW_VARIABLE',
        'TOKEN',
      ]);
      expect((await api('DELETE', `${project}/variables/TOKEN`)).status).toBe(
        204,
      );
      expect(await api('GET', `${project}/variables/TOKEN`)).toMatchObject({
        status: 404,
        body: { message: '404 Variable Not Found' },
      });
    });

    it('keeps variable values out of the request log', () => {
      const log = JSON.stringify(gitlab.state.requests);
      expect(log).not.toContain('s3cr3t');
      expect(log).toContain('/variables');
    });
  });

  describe('deploy tokens (docs: api/deploy_tokens.md)', () => {
    // docs: api/deploy_tokens.md#create-a-project-deploy-token
    it('creates, lists and deletes deploy tokens; the value is shown once', async () => {
      const created = await api('POST', `${project}/deploy_tokens`, {
        name: 'My deploy token',
        expires_at: '2999-12-31T00:00:00.000Z',
        username: 'custom-user',
        scopes: ['read_repository'],
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'My deploy token',
        username: 'custom-user',
        expires_at: '2999-12-31T00:00:00.000Z',
        scopes: ['read_repository'],
        revoked: false,
        expired: false,
      });
      expect(created.body.token).toMatch(/^gldt-/);
      const defaulted = await api('POST', `${project}/deploy_tokens`, {
        name: 'second',
        scopes: ['read_repository', 'read_registry'],
      });
      expect(defaulted.body.username).toBe(
        `gitlab+deploy-token-${defaulted.body.id}`,
      );
      const list = await api('GET', `${project}/deploy_tokens`);
      expect(list.body).toHaveLength(2);
      expect(list.body[0].token).toBeUndefined();
      expect(JSON.stringify(gitlab.state.deployTokens())).not.toContain(
        created.body.token,
      );
      const invalid = await api('POST', `${project}/deploy_tokens`, {
        name: 'bad',
        scopes: ['api'],
      });
      expect(invalid.body).toEqual({
        error: 'scopes does not have a valid value',
      });
      const missing = await api('POST', `${project}/deploy_tokens`, {});
      expect(missing.body).toEqual({
        error: 'name is missing, scopes is missing',
      });
      expect(
        (await api('DELETE', `${project}/deploy_tokens/${created.body.id}`))
          .status,
      ).toBe(204);
      expect(
        await api('DELETE', `${project}/deploy_tokens/${created.body.id}`),
      ).toMatchObject({ status: 404, body: { message: '404 Not found' } });
    });
  });

  describe('project access tokens (docs: api/project_access_tokens.md)', () => {
    // docs: api/project_access_tokens.md#create-a-project-access-token
    it('creates a usable token, shows it once, and revokes it', async () => {
      const created = await api('POST', `${project}/access_tokens`, {
        name: 'test_token',
        scopes: ['api', 'read_repository'],
        expires_at: '2999-01-31',
        access_level: 30,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'test_token',
        scopes: ['api', 'read_repository'],
        expires_at: '2999-01-31',
        access_level: 30,
        active: true,
        revoked: false,
      });
      expect(typeof created.body.user_id).toBe('number');
      expect(created.body.token).toMatch(/^glpat-/);

      const bot = apiClient(gitlab.apiBaseUrl, created.body.token);
      expect((await bot('GET', project)).status).toBe(200);

      const one = await api(
        'GET',
        `${project}/access_tokens/${created.body.id}`,
      );
      expect(one.body.token).toBeUndefined();
      expect(one.body.name).toBe('test_token');

      expect(
        (await api('DELETE', `${project}/access_tokens/${created.body.id}`))
          .status,
      ).toBe(204);
      expect((await bot('GET', project)).status).toBe(401);
      const after = await api(
        'GET',
        `${project}/access_tokens/${created.body.id}`,
      );
      expect(after.body).toMatchObject({ revoked: true, active: false });
    });

    it('defaults expiry and access level and validates input', async () => {
      const created = await api('POST', `${project}/access_tokens`, {
        name: 'defaults',
        scopes: ['read_api'],
      });
      expect(created.body.access_level).toBe(40);
      expect(created.body.expires_at).toMatch(/^\d{4}-\d\d-\d\d$/);
      expect(new Date(created.body.expires_at).getTime()).toBeGreaterThan(
        Date.now(),
      );
      const badScope = await api('POST', `${project}/access_tokens`, {
        name: 'x',
        scopes: ['sudo-everything'],
      });
      expect(badScope.body).toEqual({
        error: 'scopes does not have a valid value',
      });
      const badLevel = await api('POST', `${project}/access_tokens`, {
        name: 'x',
        scopes: ['api'],
        access_level: 99,
      });
      expect(badLevel.body).toEqual({
        error: 'access_level does not have a valid value',
      });
      const list = await api('GET', `${project}/access_tokens`);
      expect(list.body.map((t: any) => t.name)).toEqual([
        'test_token',
        'defaults',
      ]);
      const active = await api('GET', `${project}/access_tokens?state=active`);
      expect(active.body.map((t: any) => t.name)).toEqual(['defaults']);
      expect((await api('GET', `${project}/access_tokens/9999`)).status).toBe(
        404,
      );
    });
  });

  describe('merge requests (docs: api/merge_requests.md)', () => {
    beforeAll(async () => {
      await api('POST', `${project}/repository/commits`, {
        branch: 'feature',
        start_branch: 'main',
        commit_message: 'Feature work',
        actions: [{ action: 'create', file_path: 'feature.txt', content: 'f' }],
      });
    });

    // docs: api/merge_requests.md#create-mr
    it('creates a merge request', async () => {
      const res = await api('POST', `${project}/merge_requests`, {
        source_branch: 'feature',
        target_branch: 'main',
        title: 'Draft: Add feature',
        description: 'Adds the feature',
        remove_source_branch: true,
        labels: 'a,b',
      });
      expect(res.status).toBe(201);
      const branches = await gitlab.state.branches('infra/app');
      expect(res.body).toMatchObject({
        iid: 1,
        title: 'Draft: Add feature',
        description: 'Adds the feature',
        state: 'opened',
        source_branch: 'feature',
        target_branch: 'main',
        draft: true,
        labels: ['a', 'b'],
        force_remove_source_branch: true,
        sha: branches.feature,
        author: { username: 'root' },
        references: { short: '!1', full: 'infra/app!1' },
        web_url: `${gitlab.url}/infra/app/-/merge_requests/1`,
      });
    });

    it('refuses duplicates, missing branches and same source/target', async () => {
      const duplicate = await api('POST', `${project}/merge_requests`, {
        source_branch: 'feature',
        target_branch: 'main',
        title: 'Again',
      });
      expect(duplicate).toMatchObject({
        status: 409,
        body: {
          message: [
            'Another open merge request already exists for this source branch: !1',
          ],
        },
      });
      const same = await api('POST', `${project}/merge_requests`, {
        source_branch: 'main',
        target_branch: 'main',
        title: 'x',
      });
      expect(same.status).toBe(422);
      const missingBranch = await api('POST', `${project}/merge_requests`, {
        source_branch: 'ghost',
        target_branch: 'main',
        title: 'x',
      });
      expect(missingBranch.status).toBe(400);
      const missing = await api('POST', `${project}/merge_requests`, {});
      expect(missing.body).toEqual({
        error:
          'source_branch is missing, target_branch is missing, title is missing',
      });
    });

    it('gets, lists and closes merge requests', async () => {
      const one = await api('GET', `${project}/merge_requests/1`);
      expect(one.body.iid).toBe(1);
      expect(await api('GET', `${project}/merge_requests/42`)).toMatchObject({
        status: 404,
        body: { message: '404 Not found' },
      });
      const closed = await api('PUT', `${project}/merge_requests/1`, {
        state_event: 'close',
      });
      expect(closed.body.state).toBe('closed');
      const opened = await api('GET', `${project}/merge_requests?state=opened`);
      expect(opened.body).toEqual([]);
      const all = await api('GET', `${project}/merge_requests`);
      expect(all.body.map((m: any) => m.iid)).toEqual([1]);
      expect(all.headers.get('x-total')).toBe('1');
    });

    // docs: api/merge_requests.md#merge-a-merge-request
    it('merges with a real merge commit, and refuses a closed one or a conflict', async () => {
      await api('POST', `${project}/repository/commits`, {
        branch: 'promote',
        start_branch: 'main',
        commit_message: 'Promote',
        actions: [
          { action: 'create', file_path: 'promoted.txt', content: 'p' },
        ],
      });
      // main moves on meanwhile: the merge is a two-parent commit, not a fast-forward.
      await api('POST', `${project}/repository/commits`, {
        branch: 'main',
        commit_message: 'Meanwhile',
        actions: [{ action: 'create', file_path: 'other.txt', content: 'o' }],
      });
      const mr = await api('POST', `${project}/merge_requests`, {
        source_branch: 'promote',
        target_branch: 'main',
        title: 'Promote',
        remove_source_branch: true,
      });
      const merged = await api(
        'PUT',
        `${project}/merge_requests/${mr.body.iid}/merge`,
      );
      expect(merged.status).toBe(200);
      const branches = await gitlab.state.branches('infra/app');
      expect(merged.body).toMatchObject({
        state: 'merged',
        merged_by: { username: 'root' },
        merge_commit_sha: branches.main,
      });
      expect(merged.body.merged_at).toEqual(expect.any(String));
      expect(branches.promote).toBeUndefined();
      const commit = await api(
        'GET',
        `${project}/repository/commits/${branches.main}`,
      );
      expect(commit.body.parent_ids).toHaveLength(2);
      for (const file of ['promoted.txt', 'other.txt']) {
        const res = await api(
          'GET',
          `${project}/repository/files/${file}/raw?ref=main`,
        );
        expect(res.status).toBe(200);
      }
      expect(
        (await api('PUT', `${project}/merge_requests/${mr.body.iid}/merge`))
          .status,
      ).toBe(405);
      // Both sides change the same file: GitLab cannot merge it.
      for (const [branch, content] of [
        ['conflict', 'theirs'],
        ['main', 'ours'],
      ]) {
        await api('POST', `${project}/repository/commits`, {
          branch,
          ...(branch === 'conflict' && { start_branch: 'main' }),
          commit_message: `Change on ${branch}`,
          actions: [{ action: 'update', file_path: 'other.txt', content }],
        });
      }
      const conflicting = await api('POST', `${project}/merge_requests`, {
        source_branch: 'conflict',
        target_branch: 'main',
        title: 'Conflict',
      });
      expect(
        await api(
          'PUT',
          `${project}/merge_requests/${conflicting.body.iid}/merge`,
        ),
      ).toMatchObject({
        status: 406,
        body: { message: 'Branch cannot be merged' },
      });
    });
  });
});
