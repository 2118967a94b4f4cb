import fs from 'node:fs';
import os from 'node:os';
import { join as joinPath } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { apiClient, ApiCall } from './__testUtils__/apiClient';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

describe('GitLab double: repository, branches and protected branches', () => {
  let gitlab: GitLabDouble;
  let api: ApiCall;
  let projectId: number;

  beforeAll(async () => {
    gitlab = await startGitLabDouble();
    api = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
    gitlab.addGroup({ path: 'team' });
    projectId = (
      await gitlab.addProject({ namespace: 'team', path: 'service' })
    ).id;
  });

  afterAll(async () => {
    await gitlab.stop();
  });

  // docs: api/commits.md#create-a-commit-with-multiple-files-and-actions
  it('creates the first commit in an empty repository', async () => {
    const res = await api('POST', `/projects/${projectId}/repository/commits`, {
      branch: 'main',
      commit_message: 'Initial import\n\nWith a body',
      author_name: 'Jane Doe',
      author_email: 'jane@example.com',
      actions: [
        { action: 'create', file_path: 'README.md', content: '# Service\n' },
        {
          action: 'create',
          file_path: 'src/index.ts',
          content: Buffer.from('export {};\n').toString('base64'),
          encoding: 'base64',
        },
        { action: 'create', file_path: 'scripts/run.sh', content: 'echo hi\n' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: 'Initial import',
      message: 'Initial import\n\nWith a body',
      author_name: 'Jane Doe',
      author_email: 'jane@example.com',
      committer_name: 'Administrator',
      parent_ids: [],
      stats: { additions: 3, deletions: 0, total: 3 },
      project_id: projectId,
    });
    expect(res.body.id).toMatch(/^[0-9a-f]{40}$/);
    expect(res.body.short_id).toBe(res.body.id.slice(0, 8));
    expect(res.body.web_url).toBe(
      `${gitlab.url}/team/service/-/commit/${res.body.id}`,
    );
    expect(res.body.authored_date).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000[+-]\d\d:\d\d$/,
    );
    expect((await gitlab.state.branches(projectId)).main).toBe(res.body.id);
  });

  it('applies update, move, chmod and delete actions on top of the branch', async () => {
    const res = await api('POST', `/projects/${projectId}/repository/commits`, {
      branch: 'main',
      commit_message: 'Rework',
      actions: [
        { action: 'update', file_path: 'README.md', content: '# Service v2\n' },
        {
          action: 'move',
          previous_path: 'src/index.ts',
          file_path: 'src/main.ts',
        },
        {
          action: 'chmod',
          file_path: 'scripts/run.sh',
          execute_filemode: true,
        },
        { action: 'create', file_path: 'tmp.txt', content: 'x' },
      ],
    });
    expect(res.status).toBe(201);
    const del = await api('POST', `/projects/${projectId}/repository/commits`, {
      branch: 'main',
      commit_message: 'Remove tmp',
      actions: [{ action: 'delete', file_path: 'tmp.txt' }],
    });
    expect(del.status).toBe(201);
    expect(del.body.parent_ids).toEqual([res.body.id]);
    expect(await gitlab.state.readFile(projectId, 'README.md')).toBe(
      '# Service v2\n',
    );
    expect(await gitlab.state.readFile(projectId, 'src/main.ts')).toBe(
      'export {};\n',
    );
    expect(
      await gitlab.state.readFile(projectId, 'src/index.ts'),
    ).toBeUndefined();
    expect(await gitlab.state.readFile(projectId, 'tmp.txt')).toBeUndefined();
  });

  it.each([
    [
      { action: 'create', file_path: 'README.md', content: 'x' },
      'A file with this name already exists',
    ],
    [
      { action: 'update', file_path: 'nope.md', content: 'x' },
      "A file with this name doesn't exist",
    ],
    [
      { action: 'delete', file_path: 'nope.md' },
      "A file with this name doesn't exist",
    ],
  ])('refuses inconsistent action %p', async (action, message) => {
    const before = (await gitlab.state.branches(projectId)).main;
    const res = await api('POST', `/projects/${projectId}/repository/commits`, {
      branch: 'main',
      commit_message: 'bad',
      actions: [action],
    });
    expect(res).toMatchObject({ status: 400, body: { message } });
    expect((await gitlab.state.branches(projectId)).main).toBe(before);
  });

  it('validates commit parameters like Grape', async () => {
    const missing = await api(
      'POST',
      `/projects/${projectId}/repository/commits`,
      {
        branch: 'main',
      },
    );
    expect(missing).toMatchObject({
      status: 400,
      body: { error: 'commit_message is missing, actions is missing' },
    });
    const badAction = await api(
      'POST',
      `/projects/${projectId}/repository/commits`,
      {
        branch: 'main',
        commit_message: 'x',
        actions: [{ action: 'explode', file_path: 'a' }],
      },
    );
    expect(badAction.body).toEqual({
      error: 'actions[0][action] does not have a valid value',
    });
    const noBranch = await api(
      'POST',
      `/projects/${projectId}/repository/commits`,
      {
        branch: 'missing',
        commit_message: 'x',
        actions: [{ action: 'create', file_path: 'a', content: 'a' }],
      },
    );
    expect(noBranch).toMatchObject({
      status: 400,
      body: {
        message: 'You can only create or edit files when you are on a branch',
      },
    });
  });

  it('creates a new branch from start_branch', async () => {
    const res = await api('POST', `/projects/${projectId}/repository/commits`, {
      branch: 'feature/docs',
      start_branch: 'main',
      commit_message: 'Docs',
      actions: [
        { action: 'create', file_path: 'docs/index.md', content: '# Docs' },
      ],
    });
    expect(res.status).toBe(201);
    const again = await api(
      'POST',
      `/projects/${projectId}/repository/commits`,
      {
        branch: 'feature/docs',
        start_branch: 'main',
        commit_message: 'Docs',
        actions: [{ action: 'create', file_path: 'docs/x.md', content: 'x' }],
      },
    );
    expect(again.body.message).toBe(
      "A branch called 'feature/docs' already exists. Switch to that branch in order to make changes",
    );
  });

  // docs: api/repository_files.md#get-file-from-repository
  it('reads a file with base64 content and metadata', async () => {
    const res = await api(
      'GET',
      `/projects/${projectId}/repository/files/src%2Fmain.ts?ref=main`,
    );
    expect(res.status).toBe(200);
    const content = 'export {};\n';
    expect(res.body).toMatchObject({
      file_name: 'main.ts',
      file_path: 'src/main.ts',
      size: content.length,
      encoding: 'base64',
      content: Buffer.from(content).toString('base64'),
      content_sha256: createHash('sha256').update(content).digest('hex'),
      ref: 'main',
      execute_filemode: false,
    });
    expect(res.body.blob_id).toMatch(/^[0-9a-f]{40}$/);
    expect(res.body.last_commit_id).toMatch(/^[0-9a-f]{40}$/);
    expect(res.headers.get('x-gitlab-file-name')).toBe('main.ts');

    const script = await api(
      'GET',
      `/projects/${projectId}/repository/files/scripts%2Frun.sh?ref=main`,
    );
    expect(script.body.execute_filemode).toBe(true);
  });

  it('answers file errors like GitLab', async () => {
    const noRef = await api(
      'GET',
      `/projects/${projectId}/repository/files/README.md`,
    );
    expect(noRef).toMatchObject({
      status: 400,
      body: { error: 'ref is missing' },
    });
    const missing = await api(
      'GET',
      `/projects/${projectId}/repository/files/missing.md?ref=main`,
    );
    expect(missing).toMatchObject({
      status: 404,
      body: { message: '404 File Not Found' },
    });
    const badRef = await api(
      'GET',
      `/projects/${projectId}/repository/files/README.md?ref=nope`,
    );
    expect(badRef.status).toBe(404);
  });

  // docs: api/repository_files.md#get-raw-file-from-repository
  it('serves raw files (ref defaults to the default branch)', async () => {
    const res = await fetch(
      `${gitlab.apiBaseUrl}/projects/team%2Fservice/repository/files/README.md/raw`,
      { headers: { 'PRIVATE-TOKEN': gitlab.rootToken } },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('# Service v2\n');
    const onBranch = await fetch(
      `${gitlab.apiBaseUrl}/projects/${projectId}/repository/files/docs%2Findex.md/raw?ref=feature%2Fdocs`,
      { headers: { 'PRIVATE-TOKEN': gitlab.rootToken } },
    );
    expect(await onBranch.text()).toBe('# Docs');
  });

  // docs: api/repository_files.md#create-new-file-in-repository
  it('creates, updates and deletes single files', async () => {
    const path = `/projects/${projectId}/repository/files/config%2Fapp.yaml`;
    const created = await api('POST', path, {
      branch: 'main',
      content: 'a: 1\n',
      commit_message: 'Add config',
    });
    expect(created).toMatchObject({
      status: 201,
      body: { file_path: 'config/app.yaml', branch: 'main' },
    });
    const updated = await api('PUT', path, {
      branch: 'main',
      content: 'a: 2\n',
      commit_message: 'Change config',
    });
    expect(updated.status).toBe(200);
    expect(await gitlab.state.readFile(projectId, 'config/app.yaml')).toBe(
      'a: 2\n',
    );
    const deleted = await api('DELETE', path, {
      branch: 'main',
      commit_message: 'Drop config',
    });
    expect(deleted.status).toBe(204);
    expect(
      await gitlab.state.readFile(projectId, 'config/app.yaml'),
    ).toBeUndefined();
  });

  // docs: api/repositories.md#list-repository-tree
  it('lists the tree at a path, recursively and paginated', async () => {
    const root = await api('GET', `/projects/${projectId}/repository/tree`);
    expect(root.status).toBe(200);
    expect(root.body).toEqual([
      expect.objectContaining({
        name: 'scripts',
        type: 'tree',
        path: 'scripts',
        mode: '040000',
      }),
      expect.objectContaining({ name: 'src', type: 'tree', path: 'src' }),
      expect.objectContaining({
        name: 'README.md',
        type: 'blob',
        path: 'README.md',
        mode: '100644',
      }),
    ]);
    const src = await api(
      'GET',
      `/projects/${projectId}/repository/tree?path=src`,
    );
    expect(src.body).toEqual([
      expect.objectContaining({
        name: 'main.ts',
        path: 'src/main.ts',
        type: 'blob',
      }),
    ]);
    const recursive = await api(
      'GET',
      `/projects/${projectId}/repository/tree?recursive=true&ref=feature%2Fdocs&per_page=2`,
    );
    expect(recursive.headers.get('x-total')).toBe('7');
    expect(recursive.body).toHaveLength(2);
    const all = await api(
      'GET',
      `/projects/${projectId}/repository/tree?recursive=true&ref=feature%2Fdocs&per_page=100`,
    );
    expect(all.body.map((e: any) => e.path).sort()).toEqual(
      [
        'README.md',
        'docs',
        'docs/index.md',
        'scripts',
        'scripts/run.sh',
        'src',
        'src/main.ts',
      ].sort(),
    );
    const missing = await api(
      'GET',
      `/projects/${projectId}/repository/tree?path=nope`,
    );
    expect(missing).toMatchObject({
      status: 404,
      body: { message: '404 Tree Not Found' },
    });
  });

  // docs: api/commits.md#list-repository-commits / #get-a-single-commit
  it('lists commits and gets one with stats', async () => {
    const list = await api(
      'GET',
      `/projects/${projectId}/repository/commits?ref_name=main&per_page=2`,
    );
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(2);
    expect(list.body[0].title).toBe('Drop config');
    expect(Number(list.headers.get('x-total'))).toBeGreaterThanOrEqual(6);
    const byPath = await api(
      'GET',
      `/projects/${projectId}/repository/commits?path=README.md`,
    );
    expect(byPath.body.map((c: any) => c.title)).toEqual([
      'Rework',
      'Initial import',
    ]);
    const one = await api(
      'GET',
      `/projects/${projectId}/repository/commits/${list.body[1].id}`,
    );
    expect(one.body).toMatchObject({
      id: list.body[1].id,
      title: 'Change config',
      stats: { additions: 1, deletions: 1, total: 2 },
    });
    const byBranch = await api(
      'GET',
      `/projects/${projectId}/repository/commits/feature%2Fdocs`,
    );
    expect(byBranch.body.title).toBe('Docs');
    const missing = await api(
      'GET',
      `/projects/${projectId}/repository/commits/${'0'.repeat(40)}`,
    );
    expect(missing).toMatchObject({
      status: 404,
      body: { message: '404 Commit Not Found' },
    });
  });

  // docs: api/branches.md
  it('creates, lists, gets and deletes branches', async () => {
    const created = await api(
      'POST',
      `/projects/${projectId}/repository/branches?branch=release%2F1.0&ref=main`,
    );
    expect(created.status).toBe(201);
    const main = (await gitlab.state.branches(projectId)).main;
    expect(created.body).toMatchObject({
      name: 'release/1.0',
      merged: true,
      protected: false,
      default: false,
      can_push: true,
      web_url: `${gitlab.url}/team/service/-/tree/release/1.0`,
      commit: { id: main },
    });
    const duplicate = await api(
      'POST',
      `/projects/${projectId}/repository/branches`,
      { branch: 'release/1.0', ref: 'main' },
    );
    expect(duplicate).toMatchObject({
      status: 400,
      body: { message: 'Branch already exists' },
    });
    const badRef = await api(
      'POST',
      `/projects/${projectId}/repository/branches`,
      {
        branch: 'x',
        ref: 'nope',
      },
    );
    expect(badRef.body).toEqual({ message: 'Invalid reference name: nope' });
    const badName = await api(
      'POST',
      `/projects/${projectId}/repository/branches`,
      {
        branch: 'bad..name',
        ref: 'main',
      },
    );
    expect(badName.body).toEqual({ message: 'Branch name is invalid' });
    const missing = await api(
      'POST',
      `/projects/${projectId}/repository/branches`,
      {},
    );
    expect(missing.body).toEqual({
      error: 'branch is missing, ref is missing',
    });

    const list = await api('GET', `/projects/${projectId}/repository/branches`);
    expect(list.body.map((b: any) => b.name)).toEqual([
      'feature/docs',
      'main',
      'release/1.0',
    ]);
    expect(list.body.find((b: any) => b.name === 'main')).toMatchObject({
      default: true,
      protected: true,
    });
    const search = await api(
      'GET',
      `/projects/${projectId}/repository/branches?search=^rel`,
    );
    expect(search.body.map((b: any) => b.name)).toEqual(['release/1.0']);

    const one = await api(
      'GET',
      `/projects/${projectId}/repository/branches/release%2F1.0`,
    );
    expect(one.body.name).toBe('release/1.0');
    const deleted = await api(
      'DELETE',
      `/projects/${projectId}/repository/branches/release%2F1.0`,
    );
    expect(deleted.status).toBe(204);
    const gone = await api(
      'GET',
      `/projects/${projectId}/repository/branches/release%2F1.0`,
    );
    expect(gone).toMatchObject({
      status: 404,
      body: { message: '404 Branch Not Found' },
    });
  });

  // docs: api/protected_branches.md
  it('protects branches (default branch is protected on creation like GitLab)', async () => {
    const list = await api('GET', `/projects/${projectId}/protected_branches`);
    expect(list.body).toEqual([
      expect.objectContaining({
        name: 'main',
        allow_force_push: false,
        push_access_levels: [
          expect.objectContaining({
            access_level: 40,
            access_level_description: 'Maintainers',
          }),
        ],
      }),
    ]);
    const again = await api(
      'POST',
      `/projects/${projectId}/protected_branches`,
      {
        name: 'main',
      },
    );
    expect(again).toMatchObject({
      status: 409,
      body: { message: "Protected branch 'main' already exists" },
    });

    const wildcard = await api(
      'POST',
      `/projects/${projectId}/protected_branches?name=feature%2F*&push_access_level=30&merge_access_level=40&allow_force_push=true`,
    );
    expect(wildcard.status).toBe(201);
    expect(wildcard.body).toMatchObject({
      name: 'feature/*',
      allow_force_push: true,
      push_access_levels: [{ access_level: 30 }],
      merge_access_levels: [{ access_level: 40 }],
    });
    const branch = await api(
      'GET',
      `/projects/${projectId}/repository/branches/feature%2Fdocs`,
    );
    expect(branch.body).toMatchObject({
      protected: true,
      developers_can_push: true,
      developers_can_merge: false,
    });
    const invalid = await api(
      'POST',
      `/projects/${projectId}/protected_branches`,
      {
        name: 'x',
        push_access_level: 7,
      },
    );
    expect(invalid.body).toEqual({
      error: 'push_access_level does not have a valid value',
    });

    const one = await api(
      'GET',
      `/projects/${projectId}/protected_branches/feature%2F*`,
    );
    expect(one.body.name).toBe('feature/*');
    const removed = await api(
      'DELETE',
      `/projects/${projectId}/protected_branches/feature%2F*`,
    );
    expect(removed.status).toBe(204);
    const gone = await api(
      'GET',
      `/projects/${projectId}/protected_branches/feature%2F*`,
    );
    expect(gone).toMatchObject({
      status: 404,
      body: { message: '404 Not found' },
    });
  });

  it('refuses REST commits to a branch nobody may push to', async () => {
    await api('POST', `/projects/${projectId}/protected_branches`, {
      name: 'frozen',
      push_access_level: 0,
    });
    const res = await api('POST', `/projects/${projectId}/repository/commits`, {
      branch: 'frozen',
      start_branch: 'main',
      commit_message: 'x',
      actions: [{ action: 'create', file_path: 'f', content: 'f' }],
    });
    expect(res).toMatchObject({
      status: 400,
      body: { message: 'You are not allowed to push into this branch' },
    });
  });
});

// docs: api/repositories.md#get-file-archive (what Backstage's GitLab UrlReader's readTree reads)
describe('GitLab double: repository archives', () => {
  let gitlab: GitLabDouble;
  let api: ApiCall;
  let projectId: number;
  let sha: string;
  let work: string;

  const fetchArchive = (query: string, format = '') =>
    fetch(
      `${gitlab.apiBaseUrl}/projects/${encodeURIComponent(
        'docs-team/handbook',
      )}/repository/archive${format}${query}`,
      { headers: { 'PRIVATE-TOKEN': gitlab.rootToken } },
    );
  /** Unpacks a tar.gz answer with the system's tar; lists its files, sorted. */
  const unpack = async (res: Response, into: string) => {
    fs.mkdirSync(into, { recursive: true });
    const file = joinPath(into, 'archive.tar.gz');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    execFileSync('tar', ['xzf', file, '-C', into]);
    fs.rmSync(file);
    return execFileSync('find', ['.', '-type', 'f'], { cwd: into })
      .toString()
      .split('\n')
      .filter(Boolean)
      .sort();
  };

  beforeAll(async () => {
    gitlab = await startGitLabDouble();
    api = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
    gitlab.addGroup({ path: 'docs-team' });
    projectId = (
      await gitlab.addProject({ namespace: 'docs-team', path: 'handbook' })
    ).id;
    const commit = await api(
      'POST',
      `/projects/${projectId}/repository/commits`,
      {
        branch: 'main',
        commit_message: 'Docs',
        actions: [
          { action: 'create', file_path: 'mkdocs.yml', content: 'site: x\n' },
          { action: 'create', file_path: 'docs/index.md', content: '# Hi\n' },
          { action: 'create', file_path: 'docs/a/b.md', content: '# B\n' },
        ],
      },
    );
    sha = commit.body.id;
    work = fs.mkdtempSync(joinPath(os.tmpdir(), 'gitlab-archive-'));
  });

  afterAll(async () => {
    await gitlab.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('serves the default branch as tar.gz under <project>-<ref>-<sha>/', async () => {
    const res = await fetchArchive('');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="handbook-main-${sha}.tar.gz"`,
    );
    expect(await unpack(res, joinPath(work, 'all'))).toEqual([
      `./handbook-main-${sha}/docs/a/b.md`,
      `./handbook-main-${sha}/docs/index.md`,
      `./handbook-main-${sha}/mkdocs.yml`,
    ]);
    expect(
      fs.readFileSync(
        joinPath(work, 'all', `handbook-main-${sha}/docs/index.md`),
        'utf8',
      ),
    ).toBe('# Hi\n');
  });

  it('serves only `path` of the commit `sha` names', async () => {
    const res = await fetchArchive(`?sha=${sha}&path=docs/a`, '.tar.gz');
    expect(res.status).toBe(200);
    expect(await unpack(res, joinPath(work, 'sub'))).toEqual([
      `./handbook-${sha}-${sha}-docs-a/docs/a/b.md`,
    ]);
  });

  it('answers 404 for an unknown ref or path, 400 for a bad path or format, 401 without a token', async () => {
    expect((await fetchArchive('?sha=no-such-branch')).status).toBe(404);
    expect((await fetchArchive('?path=nowhere')).status).toBe(404);
    expect((await fetchArchive('?path=../etc')).status).toBe(400);
    expect((await fetchArchive('', '.rar')).status).toBe(400);
    expect((await fetchArchive('?sha=--output=x')).status).toBe(404);
    const anonymous = await fetch(
      `${gitlab.apiBaseUrl}/projects/${projectId}/repository/archive`,
    );
    expect(anonymous.status).toBe(401);
  });

  it('serves zip and tar too', async () => {
    const zip = await fetchArchive('', '.zip');
    expect(zip.status).toBe(200);
    const bytes = Buffer.from(await zip.arrayBuffer());
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    const tar = await fetchArchive('', '.tar');
    expect(tar.status).toBe(200);
    expect(Buffer.from(await tar.arrayBuffer()).toString('latin1')).toContain(
      `handbook-main-${sha}/mkdocs.yml`,
    );
  });
});
