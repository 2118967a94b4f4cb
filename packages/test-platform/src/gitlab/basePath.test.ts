import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { apiClient } from './__testUtils__/apiClient';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

const exec = promisify(execFile);

/*
 * A self-managed GitLab under a relative URL root
 * (docs: install/relative_url.md): API, git and web URLs all live below it.
 */
describe('GitLab double: serving under a sub-path', () => {
  let gitlab: GitLabDouble;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(join(tmpdir(), 'gitlab-double-data-'));
    gitlab = await startGitLabDouble({ basePath: '/gitlab/', dataDir });
  });

  afterAll(async () => {
    await gitlab.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('exposes URLs that include the base path', () => {
    expect(gitlab.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gitlab.basePath).toBe('/gitlab');
    expect(gitlab.baseUrl).toBe(`${gitlab.url}/gitlab`);
    expect(gitlab.apiBaseUrl).toBe(`${gitlab.url}/gitlab/api/v4`);
    expect(gitlab.host).toBe(`127.0.0.1:${gitlab.port}`);
  });

  it('serves the API only below the base path', async () => {
    const api = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
    expect((await api('GET', '/user')).status).toBe(200);
    const outside = await fetch(`${gitlab.url}/api/v4/user`, {
      headers: { 'PRIVATE-TOKEN': gitlab.rootToken },
    });
    expect(outside.status).toBe(404);
  });

  it('renders web, git and API links with the base path, and clones through it', async () => {
    const api = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
    gitlab.addGroup({ path: 'group' });
    const created = await api('POST', '/projects', {
      name: 'project',
      namespace_id: gitlab.state.group('group')!.id,
      initialize_with_readme: true,
    });
    expect(created.body).toMatchObject({
      web_url: `${gitlab.url}/gitlab/group/project`,
      http_url_to_repo: `${gitlab.url}/gitlab/group/project.git`,
      namespace: { web_url: `${gitlab.url}/gitlab/groups/group` },
      _links: {
        self: `${gitlab.url}/gitlab/api/v4/projects/${created.body.id}`,
      },
    });
    expect(
      gitlab.state.project('group/project')!.gitDir.startsWith(dataDir),
    ).toBe(true);

    const list = await api('GET', '/projects?per_page=1');
    expect(list.headers.get('link')).toContain(
      `<${gitlab.url}/gitlab/api/v4/projects?page=1&per_page=1>; rel="first"`,
    );

    const target = join(dataDir, 'clone');
    const url = created.body.http_url_to_repo.replace(
      '://',
      `://oauth2:${gitlab.rootToken}@`,
    );
    await exec('/usr/bin/git', ['clone', '--quiet', url, target], {
      env: {
        PATH: process.env.PATH,
        HOME: dataDir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
      },
    });
    expect(fs.readFileSync(join(target, 'README.md'), 'utf8')).toContain(
      '# project',
    );

    // The request log is relative to the base path.
    expect(gitlab.state.requests).toContainEqual(
      expect.objectContaining({
        path: '/api/v4/user',
        status: 200,
        kind: 'api',
      }),
    );
    expect(gitlab.state.requests).toContainEqual(
      expect.objectContaining({
        path: '/group/project.git/git-upload-pack',
        kind: 'git',
      }),
    );
  });

  it('removes its own temp data dir on stop() but keeps a given one', async () => {
    const temp = await startGitLabDouble();
    expect(fs.existsSync(temp.dataDir)).toBe(true);
    await temp.stop();
    expect(fs.existsSync(temp.dataDir)).toBe(false);

    const other = await startGitLabDouble({ dataDir: join(dataDir, 'other') });
    await other.addProject({ path: 'kept' });
    await other.stop();
    await other.stop();
    expect(fs.existsSync(join(dataDir, 'other', 'repositories', '1.git'))).toBe(
      true,
    );
    await expect(fetch(`${other.apiBaseUrl}/user`)).rejects.toThrow();
  });
});
