import { execFile } from 'node:child_process';
import { gitEnv } from './__testUtils__/gitEnv';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import {
  createGitlabProjectAccessTokenAction,
  createGitlabProjectVariableAction,
  createGitlabRepoPushAction,
  createPublishGitlabAction,
  createPublishGitlabMergeRequestAction,
} from '@backstage/plugin-scaffolder-backend-module-gitlab';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { apiClient, ApiCall } from './__testUtils__/apiClient';
import { GitLabDouble, startGitLabDouble } from './startGitLabDouble';

const exec = promisify(execFile);

type Logger = NonNullable<
  NonNullable<Parameters<typeof createMockActionContext>[0]>['logger']
>;

/*
 * Backstage's own GitLab scaffolder actions (from
 * @backstage/plugin-scaffolder-backend-module-gitlab, unmodified) run against
 * the double served under /gitlab, configured like a self-hosted instance at
 * https://example.org/gitlab: `host` is what repoUrl names (here with a port),
 * `baseUrl` carries the sub-path and is what the actions hand to gitbeaker.
 * The tests build on each other: 1 creates the project the others use.
 */
describe('GitLab double: Backstage scaffolder GitLab actions under /gitlab', () => {
  const GROUP = 'idp/team-payments';
  const REPO = 'payments-api';
  const VARIABLE_VALUE = 'pAym3ntsDeploySecretValue42';

  let gitlab: GitLabDouble;
  let api: ApiCall;
  let integrations: ScmIntegrations;
  let config: ConfigReader;
  let tempDir: string;
  let repoUrl: string;
  let projectId: number;
  /** Every line any action logged (message plus meta), for leak checks. */
  const logLines: string[] = [];
  /** Token values to mask in git error messages. */
  const secrets: string[] = [];

  const record =
    (level: string) =>
    (message: string, meta?: Error | object): void => {
      const detail =
        meta instanceof Error
          ? meta.stack ?? meta.message
          : JSON.stringify(meta);
      logLines.push(`${level} ${message} ${detail ?? ''}`);
    };
  const logger: Logger = {
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    child: () => logger,
  };

  const redact = (text: string) =>
    secrets.reduce((out, secret) => out.split(secret).join('***'), text);

  /** Runs the git CLI isolated from the machine's configuration; errors never show tokens. */
  const runGit = async (args: string[], cwd: string) => {
    try {
      const { stdout } = await exec('/usr/bin/git', args, {
        cwd,
        env: gitEnv(tempDir),
      });
      return stdout;
    } catch (error) {
      const e = error as { message?: string; stderr?: string };
      throw new Error(redact(`${e.message ?? error}\n${e.stderr ?? ''}`));
    }
  };

  /** `http_url_to_repo` with `oauth2:<token>` basic-auth credentials. */
  const withCredentials = (httpUrl: string, token: string) =>
    httpUrl.replace('://', `://oauth2:${token}@`);

  /** A fresh workspace directory holding `files` (relative path -> content). */
  const workspace = (name: string, files: Record<string, string>) => {
    const dir = join(tempDir, name);
    for (const [path, content] of Object.entries(files)) {
      fs.mkdirSync(dirname(join(dir, path)), { recursive: true });
      fs.writeFileSync(join(dir, path), content);
    }
    return dir;
  };

  /** Runs an action's handler with a mock context and returns its outputs. */
  const runAction = async <TContext extends { input: unknown }>(
    action: { handler(ctx: TContext): Promise<void> },
    input: TContext['input'],
    workspacePath: string,
  ): Promise<Record<string, any>> => {
    const ctx = createMockActionContext({ workspacePath, logger });
    await action.handler({ ...ctx, input } as unknown as TContext);
    return Object.fromEntries(
      jest.mocked(ctx.output).mock.calls.map(([name, value]) => [name, value]),
    );
  };

  beforeAll(async () => {
    gitlab = await startGitLabDouble({ basePath: '/gitlab' });
    secrets.push(gitlab.rootToken);
    api = apiClient(gitlab.apiBaseUrl, gitlab.rootToken);
    tempDir = fs.mkdtempSync(join(tmpdir(), 'backstage-gitlab-actions-'));
    gitlab.addGroup({ path: 'idp' });
    gitlab.addGroup({ path: 'team-payments', parent: 'idp' });

    config = new ConfigReader({
      integrations: {
        gitlab: [gitlab.integrationConfig()],
      },
    });
    integrations = ScmIntegrations.fromConfig(config);
    repoUrl = `${gitlab.host}?${new URLSearchParams({
      owner: GROUP,
      repo: REPO,
    })}`;
  });

  afterAll(async () => {
    await gitlab?.stop();
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  });

  it('resolves repoUrl with a port to the integration whose baseUrl has the sub-path', () => {
    const integration = integrations.gitlab.byHost(gitlab.host);
    expect(gitlab.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(integration?.config).toMatchObject({
      host: gitlab.host,
      baseUrl: `${gitlab.url}/gitlab`,
      apiBaseUrl: `${gitlab.url}/gitlab/api/v4`,
    });
    // What parseRepoUrl does: `https://${repoUrl}` keeps the port in `host`.
    expect(new URL(`https://${repoUrl}`).host).toBe(gitlab.host);
  });

  it('publish:gitlab creates the project in an existing group and pushes the workspace', async () => {
    const files = {
      'README.md': '# Payments API\n',
      '.gitlab-ci.yml': 'test:\n  script: echo ok\n',
      'catalog-info.yaml':
        'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments-api\n',
      'src/main/app.ts': 'export const answer = 42;\n',
    };
    const dir = workspace('publish', files);

    const outputs = await runAction(
      createPublishGitlabAction({ integrations, config }),
      {
        repoUrl,
        defaultBranch: 'main',
        repoVisibility: 'internal',
        gitCommitMessage: 'Initial commit from Backstage',
        gitAuthorName: 'Backstage Scaffolder',
        gitAuthorEmail: 'scaffolder@example.org',
        settings: {
          ci_config_path: '.gitlab-ci.yml',
          description: 'Payments API service',
          topics: ['payments', 'backstage'],
        },
      },
      dir,
    );

    const project = gitlab.state.project(`${GROUP}/${REPO}`);
    expect(project).toBeDefined();
    projectId = project!.id;
    expect(project).toMatchObject({
      fullPath: `${GROUP}/${REPO}`,
      name: REPO,
      path: REPO,
      namespaceId: gitlab.state.group(GROUP)!.id,
      visibility: 'internal',
      description: 'Payments API service',
      ciConfigPath: '.gitlab-ci.yml',
      topics: ['payments', 'backstage'],
      defaultBranch: 'main',
      emptyRepo: false,
    });

    const branches = await gitlab.state.branches(projectId);
    expect(Object.keys(branches)).toEqual(['main']);
    for (const [path, content] of Object.entries(files)) {
      expect(await gitlab.state.readFile(projectId, path, 'main')).toBe(
        content,
      );
    }

    const remoteUrl = `${gitlab.url}/gitlab/${GROUP}/${REPO}`;
    expect(outputs).toEqual({
      remoteUrl,
      repoContentsUrl: `${remoteUrl}/-/blob/main`,
      projectId,
      commitHash: branches.main,
      created: true,
    });

    // The push went over git smart HTTP below the base path.
    expect(gitlab.state.requests).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        path: `/${GROUP}/${REPO}.git/git-receive-pack`,
        status: 200,
        kind: 'git',
      }),
    );

    // And a plain `git clone` of http_url_to_repo sees the same content.
    const shown = await api('GET', `/projects/${projectId}`);
    expect(shown.status).toBe(200);
    expect(shown.body.http_url_to_repo).toBe(`${remoteUrl}.git`);
    const clone = join(tempDir, 'publish-clone');
    await runGit(
      [
        'clone',
        '--quiet',
        withCredentials(shown.body.http_url_to_repo, gitlab.rootToken),
        clone,
      ],
      tempDir,
    );
    expect(fs.readFileSync(join(clone, 'src/main/app.ts'), 'utf8')).toBe(
      files['src/main/app.ts'],
    );
    expect((await runGit(['rev-parse', 'HEAD'], clone)).trim()).toBe(
      branches.main,
    );
    expect(
      (await runGit(['log', '-1', '--format=%an <%ae>|%s'], clone)).trim(),
    ).toBe(
      'Backstage Scaffolder <scaffolder@example.org>|Initial commit from Backstage',
    );
  });

  it('gitlab:projectVariable:create adds a masked protected variable without logging its value', async () => {
    await runAction(
      createGitlabProjectVariableAction({ integrations }),
      {
        repoUrl,
        projectId,
        key: 'DEPLOY_SECRET',
        value: VARIABLE_VALUE,
        variableType: 'env_var',
        variableProtected: true,
        masked: true,
      },
      workspace('variable', {}),
    );

    const variable = gitlab.state
      .project(projectId)!
      .variables.find(v => v.key === 'DEPLOY_SECRET');
    expect(variable).toMatchObject({
      variableType: 'env_var',
      protected: true,
      masked: true,
      hidden: false,
      raw: false,
      environmentScope: '*',
    });
    expect(variable!.value === VARIABLE_VALUE).toBe(true);

    const shown = await api(
      'GET',
      `/projects/${projectId}/variables/DEPLOY_SECRET`,
    );
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      key: 'DEPLOY_SECRET',
      variable_type: 'env_var',
      protected: true,
      masked: true,
      environment_scope: '*',
    });
    expect(shown.body.value === VARIABLE_VALUE).toBe(true);

    expect(logLines.some(line => line.includes(VARIABLE_VALUE))).toBe(false);
    expect(
      gitlab.state.requests.some(r => r.path.includes(VARIABLE_VALUE)),
    ).toBe(false);
  });

  it('gitlab:projectAccessToken:create issues a write_repository token that can push', async () => {
    const outputs = await runAction(
      createGitlabProjectAccessTokenAction({ integrations }),
      {
        repoUrl,
        projectId,
        name: 'ci-pusher',
        accessLevel: 30,
        scopes: ['write_repository'],
      },
      workspace('token', {}),
    );
    const token: unknown = outputs.access_token;
    expect(typeof token).toBe('string');
    const accessToken = token as string;
    secrets.push(accessToken);
    expect(/^glpat-/.test(accessToken)).toBe(true);
    expect(logLines.some(line => line.includes(accessToken))).toBe(false);

    const record_ = gitlab.state
      .tokens()
      .find(t => t.kind === 'project' && t.name === 'ci-pusher');
    expect(record_).toMatchObject({
      projectId,
      scopes: ['write_repository'],
      accessLevel: 30,
      revoked: false,
    });
    expect(record_!.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // The token alone clones and pushes a new branch with the git CLI.
    const clone = join(tempDir, 'token-clone');
    await runGit(
      [
        'clone',
        '--quiet',
        withCredentials(`${gitlab.baseUrl}/${GROUP}/${REPO}.git`, accessToken),
        clone,
      ],
      tempDir,
    );
    await runGit(['checkout', '--quiet', '-b', 'token-push'], clone);
    fs.writeFileSync(join(clone, 'PUSHED_BY_TOKEN.md'), 'pushed\n');
    await runGit(['add', 'PUSHED_BY_TOKEN.md'], clone);
    await runGit(['commit', '--quiet', '-m', 'Push with project token'], clone);
    await runGit(['push', '--quiet', 'origin', 'token-push'], clone);

    const head = (await runGit(['rev-parse', 'HEAD'], clone)).trim();
    const branches = await gitlab.state.branches(projectId);
    expect(branches['token-push']).toBe(head);
    expect(
      await gitlab.state.readFile(
        projectId,
        'PUSHED_BY_TOKEN.md',
        'token-push',
      ),
    ).toBe('pushed\n');
  });

  it('gitlab:repo:push pushes a change to a new branch, then adds to it', async () => {
    const before = await gitlab.state.branches(projectId);
    const readme = '# Payments API\n\nNow with docs.\n';

    // New branch: the action creates it from the default branch, then commits.
    const first = await runAction(
      createGitlabRepoPushAction({ integrations }),
      {
        repoUrl,
        branchName: 'feature/docs',
        commitMessage: 'Update README',
        commitAction: 'update',
      },
      workspace('repo-push-1', { 'README.md': readme }),
    );
    let branches = await gitlab.state.branches(projectId);
    expect(branches['feature/docs']).toBeDefined();
    expect(branches['feature/docs']).not.toBe(before.main);
    expect(branches.main).toBe(before.main);
    expect(first).toEqual({
      projectid: `${GROUP}/${REPO}`,
      projectPath: `${GROUP}/${REPO}`,
      commitHash: branches['feature/docs'],
    });
    expect(
      await gitlab.state.readFile(projectId, 'README.md', 'feature/docs'),
    ).toBe(readme);
    expect(await gitlab.state.readFile(projectId, 'README.md', 'main')).toBe(
      '# Payments API\n',
    );
    // Files outside the workspace are kept.
    expect(
      await gitlab.state.readFile(projectId, 'src/main/app.ts', 'feature/docs'),
    ).toBe('export const answer = 42;\n');

    // Existing branch with the default commitAction "auto": the tree's blob
    // ids tell it README.md is unchanged (skip) and docs/index.md is new.
    const second = await runAction(
      createGitlabRepoPushAction({ integrations }),
      { repoUrl, branchName: 'feature/docs', commitMessage: 'Add docs' },
      workspace('repo-push-2', {
        'README.md': readme,
        'docs/index.md': '# Docs\n',
      }),
    );
    const previous = branches['feature/docs'];
    branches = await gitlab.state.branches(projectId);
    expect(second.commitHash).toBe(branches['feature/docs']);
    expect(second.commitHash).not.toBe(previous);
    expect(
      await gitlab.state.readFile(projectId, 'docs/index.md', 'feature/docs'),
    ).toBe('# Docs\n');
    const changed = await runGit(
      [
        `--git-dir=${gitlab.state.project(projectId)!.gitDir}`,
        'diff',
        '--name-only',
        previous,
        second.commitHash,
      ],
      tempDir,
    );
    expect(changed.trim().split('\n')).toEqual(['docs/index.md']);
  });

  it('gitlab:repo:push with commitAction auto cannot change an existing file on a new branch (Backstage behaviour)', async () => {
    // The action lists the tree of the not-yet-existing branch (GitLab: 404
    // Tree Not Found), so every file becomes a "create" and GitLab refuses
    // to create README.md again.
    gitlab.state.clearRequests();
    await expect(
      runAction(
        createGitlabRepoPushAction({ integrations }),
        { repoUrl, branchName: 'feature/auto', commitMessage: 'Change' },
        workspace('repo-push-auto', { 'README.md': '# Changed\n' }),
      ),
    ).rejects.toThrow(/A file with this name already exists/);
    expect(gitlab.state.requests).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        path: expect.stringMatching(/\/repository\/tree$/),
        status: 404,
      }),
    );
    expect(await gitlab.state.readFile(projectId, 'README.md')).toBe(
      '# Payments API\n',
    );
  });

  it('publish:gitlab:merge-request opens a merge request from a new branch', async () => {
    const dir = workspace('merge-request', {
      'docs/adr/0001-use-backstage.md': '# Use Backstage\n',
    });

    const outputs = await runAction(
      createPublishGitlabMergeRequestAction({ integrations }),
      {
        repoUrl,
        title: 'Add ADR 0001',
        description: 'Records the decision to use Backstage.',
        branchName: 'adr/0001',
        assignee: 'root',
        labels: ['docs', 'adr'],
        removeSourceBranch: true,
      },
      dir,
    );

    expect(outputs).toMatchObject({
      projectid: `${GROUP}/${REPO}`,
      projectPath: `${GROUP}/${REPO}`,
      targetBranchName: 'main',
    });
    const listed = await api(
      'GET',
      `/projects/${projectId}/merge_requests?source_branch=adr%2F0001`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(1);
    const iid = listed.body[0].iid;

    const shown = await api(
      'GET',
      `/projects/${projectId}/merge_requests/${iid}`,
    );
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      iid,
      project_id: projectId,
      title: 'Add ADR 0001',
      description: 'Records the decision to use Backstage.',
      state: 'opened',
      source_branch: 'adr/0001',
      target_branch: 'main',
      assignee: { username: 'root' },
      force_remove_source_branch: true,
      web_url: `${gitlab.url}/gitlab/${GROUP}/${REPO}/-/merge_requests/${iid}`,
    });
    expect([...shown.body.labels].sort()).toEqual(['adr', 'docs']);
    expect(outputs.mergeRequestUrl).toBe(shown.body.web_url);

    const branches = await gitlab.state.branches(projectId);
    expect(
      await gitlab.state.readFile(
        projectId,
        'docs/adr/0001-use-backstage.md',
        'adr/0001',
      ),
    ).toBe('# Use Backstage\n');
    expect(
      await gitlab.state.readFile(projectId, 'docs/adr/0001-use-backstage.md'),
    ).toBeUndefined();
    expect(shown.body.sha).toBe(branches['adr/0001']);
  });
});
