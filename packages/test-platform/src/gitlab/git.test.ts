import { execFile } from 'node:child_process';
import { gitEnv } from './__testUtils__/gitEnv';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as git from 'isomorphic-git';
import * as http from 'isomorphic-git/http/node';
import { apiClient, ApiCall } from './__testUtils__/apiClient';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

const exec = promisify(execFile);

/*
 * Git over HTTP against the double, with the real git CLI and with
 * isomorphic-git (what Backstage's publish:gitlab uses).
 * docs: topics/git/troubleshooting_git.md (HTTP basic auth with tokens),
 * user/project/repository/branches/protected.md (push rules).
 */
describe('GitLab double: git smart HTTP', () => {
  let gitlab: GitLabDouble;
  let api: ApiCall;
  let workDir: string;

  /** Runs the git CLI isolated from the machine's configuration. */
  const runGit = async (args: string[], cwd?: string) => {
    const { stdout } = await exec('/usr/bin/git', args, {
      cwd: cwd ?? workDir,
      env: gitEnv(workDir),
    });
    return stdout;
  };
  /** Clone URL with basic-auth credentials, as CI systems write them. */
  const remote = (fullPath: string, token: string, user = 'oauth2') =>
    `http://${user}:${token}@${gitlab.host}/${fullPath}.git`;

  beforeAll(async () => {
    gitlab = await startGitLabDouble();
    api = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
    workDir = fs.mkdtempSync(join(tmpdir(), 'gitlab-double-git-test-'));
    gitlab.addGroup({ path: 'org' });
  });

  afterAll(async () => {
    await gitlab.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('clones with the git CLI what the commits API wrote', async () => {
    const project = await gitlab.addProject({
      namespace: 'org',
      path: 'cloned',
    });
    const commit = await api(
      'POST',
      `/projects/${project.id}/repository/commits`,
      {
        branch: 'main',
        commit_message: 'Add app',
        actions: [
          {
            action: 'create',
            file_path: 'app/config.yaml',
            content: 'port: 8080\n',
          },
        ],
      },
    );
    expect(commit.status).toBe(201);

    await runGit([
      'clone',
      '--quiet',
      remote('org/cloned', gitlab.rootToken),
      'cloned',
    ]);
    expect(
      fs.readFileSync(join(workDir, 'cloned/app/config.yaml'), 'utf8'),
    ).toBe('port: 8080\n');
    expect(
      (await runGit(['rev-parse', 'HEAD'], join(workDir, 'cloned'))).trim(),
    ).toBe(commit.body.id);
  });

  it('shows a branch pushed with the git CLI in the branches API', async () => {
    const dir = join(workDir, 'cloned');
    await runGit(['checkout', '--quiet', '-b', 'feature/cli'], dir);
    fs.writeFileSync(join(dir, 'cli.txt'), 'from the CLI\n');
    await runGit(['add', 'cli.txt'], dir);
    await runGit(['commit', '--quiet', '-m', 'CLI commit'], dir);
    await runGit(['push', '--quiet', 'origin', 'feature/cli'], dir);
    const head = (await runGit(['rev-parse', 'HEAD'], dir)).trim();

    const branch = await api(
      'GET',
      '/projects/org%2Fcloned/repository/branches/feature%2Fcli',
    );
    expect(branch.status).toBe(200);
    expect(branch.body.commit).toMatchObject({
      id: head,
      title: 'CLI commit',
      author_name: 'Tester',
    });
    const list = await api('GET', '/projects/org%2Fcloned/repository/branches');
    expect(list.body.map((b: any) => b.name)).toEqual(['feature/cli', 'main']);
    const file = await api(
      'GET',
      '/projects/org%2Fcloned/repository/files/cli.txt?ref=feature%2Fcli',
    );
    expect(Buffer.from(file.body.content, 'base64').toString()).toBe(
      'from the CLI\n',
    );
  });

  it('refuses force pushes to the protected default branch but not elsewhere', async () => {
    const dir = join(workDir, 'cloned');
    await runGit(['checkout', '--quiet', 'main'], dir);
    await runGit(['commit', '--quiet', '--amend', '-m', 'Rewritten'], dir);
    await expect(
      runGit(['push', '--quiet', '--force', 'origin', 'main'], dir),
    ).rejects.toThrow(
      /You are not allowed to force push code to a protected branch on this project/,
    );
    await expect(
      runGit(['push', '--quiet', 'origin', '--delete', 'main'], dir),
    ).rejects.toThrow(/You can only delete protected branches/);
    // An unprotected branch can be force-pushed and deleted.
    await runGit(
      ['push', '--quiet', '--force', 'origin', 'HEAD:feature/cli'],
      dir,
    );
    await runGit(['push', '--quiet', 'origin', '--delete', 'feature/cli'], dir);
    expect(Object.keys(await gitlab.state.branches('org/cloned'))).toEqual([
      'main',
    ]);
  });

  it('makes the first pushed branch the default branch of an empty project', async () => {
    const created = await api('POST', '/projects', {
      name: 'empty',
      namespace_id: gitlab.state.group('org')!.id,
    });
    expect(created.body.default_branch).toBe('main');
    const dir = join(workDir, 'fresh');
    fs.mkdirSync(dir);
    await runGit(['init', '--quiet', '--initial-branch=master'], dir);
    fs.writeFileSync(join(dir, 'a.txt'), 'a');
    await runGit(['add', '.'], dir);
    await runGit(['commit', '--quiet', '-m', 'first'], dir);
    await runGit(
      ['push', '--quiet', remote('org/empty', gitlab.rootToken), 'master'],
      dir,
    );
    const project = await api('GET', '/projects/org%2Fempty');
    expect(project.body).toMatchObject({
      default_branch: 'master',
      empty_repo: false,
    });
  });

  it('pushes with isomorphic-git (Backstage publish:gitlab style)', async () => {
    const created = await api('POST', '/projects', {
      name: 'iso',
      namespace_id: gitlab.state.group('org')!.id,
    });
    const dir = join(workDir, 'iso');
    fs.mkdirSync(dir);
    fs.writeFileSync(join(dir, 'catalog-info.yaml'), 'kind: Component\n');
    await git.init({ fs, dir, defaultBranch: 'main' });
    await git.add({ fs, dir, filepath: 'catalog-info.yaml' });
    const sha = await git.commit({
      fs,
      dir,
      message: 'initial commit',
      author: { name: 'Scaffolder', email: 'scaffolder@example.com' },
    });
    let authCalls = 0;
    const result = await git.push({
      fs,
      http,
      dir,
      url: created.body.http_url_to_repo,
      ref: 'main',
      remoteRef: 'refs/heads/main',
      onAuth: () => {
        authCalls += 1;
        return { username: 'oauth2', password: gitlab.rootToken };
      },
    });
    expect(result.ok).toBe(true);
    // The first request is unauthenticated; the 401 challenge triggers onAuth.
    expect(authCalls).toBe(1);
    expect((await gitlab.state.branches(created.body.id)).main).toBe(sha);
    const file = await fetch(
      `${gitlab.apiBaseUrl}/projects/${created.body.id}/repository/files/catalog-info.yaml/raw`,
      { headers: { 'PRIVATE-TOKEN': gitlab.rootToken } },
    );
    expect(await file.text()).toBe('kind: Component\n');
  });

  it('lets a read_repository token clone but refuses its push with 403', async () => {
    const readOnly = gitlab.createToken({ scopes: ['read_repository'] });
    await runGit([
      'clone',
      '--quiet',
      remote('org/cloned', readOnly),
      'readonly',
    ]);
    const dir = join(workDir, 'readonly');
    fs.writeFileSync(join(dir, 'nope.txt'), 'nope');
    await runGit(['add', '.'], dir);
    await runGit(['commit', '--quiet', '-m', 'nope'], dir);
    await expect(
      runGit(['push', '--quiet', 'origin', 'HEAD:refs/heads/nope'], dir),
    ).rejects.toThrow(/403/);

    const info = await fetch(
      `${gitlab.url}/org/cloned.git/info/refs?service=git-receive-pack`,
      {
        headers: {
          Authorization: `Basic ${Buffer.from(`oauth2:${readOnly}`).toString(
            'base64',
          )}`,
        },
      },
    );
    expect(info.status).toBe(403);
    expect(await info.text()).toBe(
      'You are not allowed to push code to this project.',
    );
    expect(
      Object.keys(await gitlab.state.branches('org/cloned')),
    ).not.toContain('nope');
  });

  it('challenges anonymous and rejects bad credentials with 401', async () => {
    const anonymous = await fetch(
      `${gitlab.url}/org/cloned.git/info/refs?service=git-upload-pack`,
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(
      'Basic realm="GitLab"',
    );
    await expect(
      runGit(['ls-remote', remote('org/cloned', 'glpat-wrong')]),
    ).rejects.toThrow(/Authentication failed/);
    const apiOnlyScope = gitlab.createToken({ scopes: ['read_user'] });
    await expect(
      runGit(['ls-remote', remote('org/cloned', apiOnlyScope)]),
    ).rejects.toThrow(/Authentication failed/);
  });

  it('accepts deploy tokens with their username for clones only', async () => {
    const created = await api('POST', '/projects/org%2Fcloned/deploy_tokens', {
      name: 'reader',
      scopes: ['read_repository'],
    });
    const { username, token } = created.body;
    const refs = await runGit([
      'ls-remote',
      remote('org/cloned', token, username),
    ]);
    expect(refs).toContain('refs/heads/main');
    await expect(
      runGit(['ls-remote', remote('org/cloned', token, 'someone-else')]),
    ).rejects.toThrow(/Authentication failed/);
  });

  it('inflates gzip-encoded upload-pack requests', async () => {
    const head = (await gitlab.state.branches('org/cloned')).main;
    const pkt = (line: string) =>
      `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
    const body = gzipSync(
      Buffer.from(`${pkt(`want ${head}\n`)}0000${pkt('done\n')}`),
    );
    const res = await fetch(`${gitlab.url}/org/cloned.git/git-upload-pack`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`x:${gitlab.rootToken}`).toString(
          'base64',
        )}`,
        'Content-Type': 'application/x-git-upload-pack-request',
        'Content-Encoding': 'gzip',
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(
      'application/x-git-upload-pack-result',
    );
    const result = Buffer.from(await res.arrayBuffer());
    expect(result.subarray(0, 8).toString()).toBe('0008NAK\n');
    expect(result.includes(Buffer.from('PACK'))).toBe(true);
  });

  it('answers 404 for unknown repositories', async () => {
    await expect(
      runGit(['ls-remote', remote('org/missing', gitlab.rootToken)]),
    ).rejects.toThrow(/not found/);
  });
});
