import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import {
  ControlPlane,
  GitLabDouble,
  KubeRest,
  platformAppProjects,
  compositeResourceCrd,
  parseManifests,
  repoRoot,
  startControlPlane,
  startGitLabDouble,
} from '@internal/test-platform';
import { mockServices } from '@backstage/backend-test-utils';
import { TestTask } from '../__testUtils__/taskContext';
import { testSigner, testTenancy } from '../__testUtils__/tenancy';
import { auditedAction } from './auditedAction';
import { Tenancy } from './tenancy';
import { createAppRepoAction } from './createAppRepo';
import { createDeployRepoAction } from './createDeployRepo';
import { applyEnvironmentAction } from './applyEnvironment';
import { undoAction } from './undo';
import { parseRecords } from './createdResources';
import { registerCatalogAction } from './registerCatalog';
import { examples as appExamples } from './createAppRepo.examples';
import { examples as deployExamples } from './createDeployRepo.examples';
import { examples as envExamples } from './applyEnvironment.examples';
import { examples as registerExamples } from './registerCatalog.examples';
import { examples as undoExamples } from './undo.examples';
import yaml from 'yaml';

jest.setTimeout(600_000);

const XR = 'idp.acme.example/v1alpha1';

/**
 * The actions against the real parts: a kube-apiserver with the platform's XRD and the portal's
 * RBAC, the GitLab double with real git repositories, and the status simulator playing
 * Crossplane. Each test uses its own component name so they stay independent. Each action is
 * wrapped as the module wraps it (audited, records signed), and decides tenancy from the sample
 * organisation (catalog-info/org.yaml): the tasks run as Diego Alvarez of team-payments.
 */
describe('golden-path actions on the test platform', () => {
  let cp: ControlPlane;
  let gitlab: GitLabDouble;
  let admin: KubeRest;
  let portalGitLabToken: string;
  let developerToken: string;
  let tenancy: Tenancy & { stop(): Promise<void> };
  const signer = testSigner();
  const tasks: TestTask[] = [];
  const OWNER = 'group:default/team-payments';

  const baseConfig = () => ({
    integrations: { gitlab: [gitlab.integrationConfig(portalGitLabToken)] },
    kubernetes: {
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name: 'development',
              url: cp.server,
              authProvider: 'serviceAccount',
              serviceAccountToken: cp.portalToken,
              caData: cp.caData,
            },
            {
              // The same apiserver with a developer's token: what a cluster without the
              // portal's RBAC looks like.
              name: 'unbound',
              url: cp.server,
              authProvider: 'serviceAccount',
              serviceAccountToken: developerToken,
              caData: cp.caData,
            },
          ],
        },
      ],
    },
    idp: {
      gitlab: {
        host: gitlab.host,
        retry: { attempts: 3, minDelayMs: 10, maxDelayMs: 100 },
      },
      environment: {
        clusters: { development: 'development', staging: 'development' },
        pollIntervalSeconds: 0.2,
      },
      argocd: { repositoryCredentials: 'secret', clusters: ['development'] },
    },
  });

  const wrap = <T extends Parameters<typeof auditedAction>[0]>(action: T) =>
    auditedAction(action, {
      auditor: mockServices.auditor.mock({
        createEvent: async () => ({
          success: async () => {},
          fail: async () => {},
        }),
      }),
      signer,
    });

  const actions = (extra: object = {}, scaffolder: any = undefined) => {
    const config = new ConfigReader({ ...baseConfig(), ...extra });
    return {
      app: wrap(createAppRepoAction({ config, tenancy })),
      deploy: wrap(createDeployRepoAction({ config, tenancy })),
      env: wrap(applyEnvironmentAction({ config, tenancy })),
      undo: wrap(
        undoAction({
          config,
          catalog: tenancy.catalog,
          scaffolder,
          tenancy,
          signer,
        }),
      ),
    };
  };

  /** The signed records in a task's log, as idp:undo reads them. */
  const recordsOf = (task: TestTask) =>
    parseRecords(task.events, {
      signer,
      taskId: task.id,
      stepIds: new Set(task.events.map(e => e.stepId)),
    }).records;

  const newTask = (id?: string) => {
    const t = new TestTask(id);
    tasks.push(t);
    return t;
  };

  const appFiles = (component: string) => ({
    'app/README.md': `# ${component}\n`,
    'app/catalog-info.yaml': `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${component}\nspec:\n  type: service\n  owner: team-payments\n  lifecycle: experimental\n`,
    'app/src/main.py': 'print("hello")\n',
    'deployment/Chart.yaml': `apiVersion: v2\nname: ${component}\nversion: 0.1.0\n`,
    'deployment/values.yaml': 'image:\n  tag: latest\n',
    // The value files the platform's Argo CD Application reads per environment.
    'deployment/environments/development.yaml': 'replicas: 1\n',
    'deployment/environments/staging.yaml': 'replicas: 1\n',
    'deployment/environments/production.yaml': 'replicas: 2\n',
  });

  /** Runs app repo, deploy repo and environment for `component` in one task. */
  async function goldenPath(
    task: TestTask,
    component: string,
    options: { environment?: string; env?: object } = {},
  ) {
    const a = actions();
    const files = appFiles(component);
    const appCtx = task.context(
      {
        owner: OWNER,
        name: component,
        description: 'Refunds: card & SEPA — "quoted"',
        topics: ['python'],
        visibility: 'internal',
        sourcePath: 'app',
      },
      { files, stepId: 'app-repo' },
    );
    await a.app.handler(appCtx);
    const deployCtx = task.context(
      {
        owner: OWNER,
        name: component,
        appProjectId: appCtx.outputs.projectId,
        sourcePath: 'deployment',
      },
      { files, stepId: 'deploy-repo' },
    );
    await a.deploy.handler(deployCtx);
    const envCtx = task.context(
      {
        owner: OWNER,
        system: 'payments',
        component,
        environment: options.environment ?? 'development',
        repository: { url: deployCtx.outputs.cloneUrl },
        ...options.env,
      },
      { stepId: 'environment' },
    );
    await a.env.handler(envCtx);
    return {
      app: appCtx.outputs,
      deploy: deployCtx.outputs,
      env: envCtx.outputs,
    };
  }

  const activeTokens = (projectId: number, name: string) =>
    gitlab.state
      .tokens()
      .filter(t => t.projectId === projectId && t.name === name && !t.revoked);

  beforeAll(async () => {
    tenancy = await testTenancy();
    [cp, gitlab] = await Promise.all([
      // The real controllers: Crossplane composes and reports the XRs' conditions, Argo CD
      // reads the deployment repositories (which the XR's Ready waits for), kwok runs pods.
      startControlPlane({ controllers: true }),
      startGitLabDouble({ basePath: '/gitlab' }),
    ]);
    await cp.apply(
      fs.readFileSync(
        path.join(
          repoRoot(),
          'platform/portal/argocd-repo-secrets/rbac-argocd-repo-secrets.yaml',
        ),
        'utf8',
      ),
    );
    developerToken = (cp.kubeConfig('developer').getCurrentUser() as any).token;
    admin = new KubeRest(cp.kubeConfig('admin'));
    gitlab.addGroup({ path: 'idp', name: 'IDP' });
    gitlab.addGroup({ path: 'team-payments', parent: 'idp' });
    gitlab.addGroup({ path: 'platform', parent: 'idp' });
    gitlab.addUser({ username: 'idp-portal', name: 'IDP portal' });
    portalGitLabToken = gitlab.createToken({
      user: 'idp-portal',
      scopes: ['api'],
    });
    gitlab.addProject({
      namespace: 'idp/platform',
      path: 'environments',
      initialize_with_readme: true,
    });
    // The teams' AppProjects for the double's repositories.
    await cp.apply(platformAppProjects(`${gitlab.baseUrl}/idp/`));
  });

  afterAll(async () => {
    await Promise.all([cp?.stop(), gitlab?.stop(), tenancy?.stop()]);
    tasks.forEach(t => t.cleanup());
  });

  it('creates both repositories, the credentials and a Ready environment, and leaks no secret', async () => {
    const task = newTask();
    const out = await goldenPath(task, 'payments-wholepath');

    const app = gitlab.state.project('idp/team-payments/payments-wholepath')!;
    expect(app).toMatchObject({
      visibility: 'internal',
      topics: ['python', 'idp-component-payments-wholepath'],
      ciConfigPath: '.gitlab-ci.yml',
      defaultBranch: 'main',
      description: 'Refunds: card & SEPA — "quoted"',
    });
    expect(out.app).toMatchObject({
      projectId: app.id,
      webUrl: `${gitlab.baseUrl}/idp/team-payments/payments-wholepath`,
      repoContentsUrl: `${gitlab.baseUrl}/idp/team-payments/payments-wholepath/-/blob/main`,
    });
    expect(await gitlab.state.readFile(app.id, 'src/main.py')).toBe(
      'print("hello")\n',
    );
    expect(app.protectedBranches).toEqual([
      expect.objectContaining({ name: 'main', allowForcePush: false }),
    ]);

    const deploy = gitlab.state.project(
      'idp/team-payments/payments-wholepath-deployment',
    )!;
    expect(deploy.defaultBranch).toBe('development');
    const branches = await gitlab.state.branches(deploy.id);
    expect(Object.keys(branches).sort()).toEqual([
      'development',
      'production',
      'staging',
    ]);
    expect(deploy.protectedBranches.map(b => b.name).sort()).toEqual([
      'development',
      'production',
    ]);
    expect(
      await gitlab.state.readFile(deploy.id, 'values.yaml', 'production'),
    ).toContain('tag: latest');

    const [imageBump] = activeTokens(deploy.id, 'idp-image-bump');
    expect(imageBump).toMatchObject({
      scopes: ['write_repository'],
      accessLevel: 40,
    });
    expect(imageBump.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const variable = app.variables.find(v => v.key === 'DEPLOY_REPO_TOKEN')!;
    expect(variable).toMatchObject({
      masked: true,
      protected: true,
      variableType: 'env_var',
    });
    expect(variable.value).toMatch(/^glpat-/);

    const secret = await admin.get(
      'v1',
      'Secret',
      `repo-gitlab-${deploy.id}`,
      'argocd',
    );
    expect(secret!.metadata.labels).toMatchObject({
      'argocd.argoproj.io/secret-type': 'repository',
      'idp.acme.example/component': 'payments-wholepath',
      'idp.acme.example/team': 'team-payments',
    });
    const password = Buffer.from(secret!.data.password, 'base64').toString();
    const [readToken] = gitlab.state
      .deployTokens()
      .filter(t => t.projectId === deploy.id && !t.revoked);
    expect(readToken.scopes).toEqual(['read_repository']);

    const xr = await admin.get(
      XR,
      'ApplicationEnvironment',
      'payments-wholepath-development',
    );
    expect(xr!.metadata.labels).toMatchObject({
      'backstage.io/kubernetes-id': 'payments-wholepath',
      'idp.acme.example/team': 'team-payments',
      'idp.acme.example/scaffolder-task': task.id,
    });
    expect(
      (xr!.metadata as any).managedFields.map((f: any) => f.manager),
    ).toContain('backstage-idp');
    expect(out.env).toMatchObject({
      name: 'payments-wholepath-development',
      namespace: 'team-payments-payments-wholepath-development',
      argocdApplication: 'payments-wholepath-development',
      conditions: [
        expect.objectContaining({ type: 'Synced', status: 'True' }),
        expect.objectContaining({ type: 'Ready', status: 'True' }),
      ],
    });
    // Every condition change is in the task log, in order.
    const conditionLines = task.logs.filter(l =>
      l.includes('ApplicationEnvironment payments-wholepath-development: '),
    );
    expect(conditionLines[0]).toMatch(/Ready=(Unknown|False)/);
    expect(conditionLines[conditionLines.length - 1]).toContain(
      'Synced=True (ReconcileSuccess), Ready=True (Available)',
    );

    // No secret in any log line, output or checkpoint.
    const everything = task.everything();
    for (const secretValue of [
      variable.value,
      password,
      portalGitLabToken,
      cp.portalToken,
    ]) {
      expect(secretValue.length).toBeGreaterThan(10);
      expect(everything).not.toContain(secretValue);
    }
    // Signed records for undo are in the log.
    expect(recordsOf(task).map(r => r.type)).toEqual([
      'gitlab-project',
      'gitlab-project',
      'gitlab-access-token',
      'gitlab-variable',
      'gitlab-deploy-token',
      'kubernetes-object',
      'kubernetes-object',
    ]);
  });

  it('re-run after losing every checkpoint adopts its own work and duplicates nothing', async () => {
    const task = newTask();
    await goldenPath(task, 'payments-rerun');
    const deploy = gitlab.state.project(
      'idp/team-payments/payments-rerun-deployment',
    )!;
    const firstToken = activeTokens(deploy.id, 'idp-image-bump')[0];
    const projectsBefore = gitlab.state.projects().length;

    task.forgetCheckpoints();
    await goldenPath(task, 'payments-rerun');

    expect(gitlab.state.projects()).toHaveLength(projectsBefore);
    const tokens = activeTokens(deploy.id, 'idp-image-bump');
    expect(tokens).toHaveLength(1);
    expect(tokens[0].id).not.toBe(firstToken.id);
    expect(
      gitlab.state
        .deployTokens()
        .filter(t => t.projectId === deploy.id && !t.revoked),
    ).toHaveLength(1);
    expect(task.logs.join('\n')).toContain(
      'already exists from an earlier attempt of this task',
    );
    expect(task.logs.join('\n')).toContain('Revoked 1 idp-image-bump token(s)');
    // The app pipeline's variable holds the new, working token.
    const app = gitlab.state.project('idp/team-payments/payments-rerun')!;
    expect(
      app.variables.filter(v => v.key === 'DEPLOY_REPO_TOKEN'),
    ).toHaveLength(1);
  });

  it("refuses to take over another task's project or environment, naming it and what to do", async () => {
    await goldenPath(newTask(), 'payments-taken');
    const other = newTask();
    const a = actions();
    await expect(
      a.app.handler(
        other.context(
          {
            owner: OWNER,
            name: 'payments-taken',
            sourcePath: 'app',
          },
          { files: appFiles('payments-taken') },
        ),
      ),
    ).rejects.toThrow(
      /GitLab project idp\/team-payments\/payments-taken already exists .* not created by this task\. Choose another name/,
    );
    await expect(
      a.env.handler(
        other.context({
          owner: OWNER,
          system: 'payments',
          component: 'payments-taken',
          environment: 'development',
          repository: { url: 'https://gitlab.example.com/x.git' },
        }),
      ),
    ).rejects.toThrow(
      /already exists on cluster development \(created by task .*\); decommission/,
    );
  });

  it.each([
    [{ name: 'Payments' }, /name: must be lowercase/],
    [{ name: 'a'.repeat(64) }, /name: must be at most 63 characters/],
    [{ name: 'pay..ments' }, /name: .*may contain only a-z/],
    [{ name: 'zahlungsüberweisung' }, /name: must be plain ASCII/],
    [{ name: '' }, /name: must not be empty/],
    [
      { owner: 'user:default/someone' },
      /owner: user:default\/someone is not a team/,
    ],
    [
      { owner: 'group:default/does-not-exist' },
      /owner: group:default\/does-not-exist is not in the catalog/,
    ],
    [
      { owner: 'group:other-ns/team' },
      /owner: group:other-ns\/team is not a team; teams are Groups in the 'default' namespace/,
    ],
    [
      { owner: 'group:default/engineering' },
      /owner: group:default\/engineering is a Group of type 'department', not a team/,
    ],
    [
      { owner: 'group:default/team-storefront' },
      /owner: user:default\/diego\.alvarez is not a member of group:default\/team-storefront.*own teams \(team-payments\)/,
    ],
    [
      { description: 'ok: yes\n\u0007bell' },
      /description: must not contain control characters/,
    ],
    [{ sourcePath: '../../etc' }, /sourcePath: must stay inside the workspace/],
    [{ topics: ['Not A Topic'] }, /topics: 'Not A Topic' must be lowercase/],
  ])('refuses %j before calling GitLab', async (bad, message) => {
    const before = gitlab.state.requests.length;
    const task = newTask();
    await expect(
      actions().app.handler(
        task.context(
          { owner: OWNER, name: 'payments-valid', ...bad },
          { files: appFiles('x') },
        ),
      ),
    ).rejects.toThrow(message);
    expect(gitlab.state.requests.length).toBe(before);
  });

  it('refuses an environment spec the XRD would refuse before touching the cluster', async () => {
    const task = newTask();
    await expect(
      actions().env.handler(
        task.context({
          owner: OWNER,
          system: 'Payments',
          component: 'payments-env',
          environment: 'development',
          targetNamespace: 'other-team-ns',
          repository: { url: 'ftp://x' },
          exposure: { mode: 'public' },
        }),
      ),
    ).rejects.toThrow(
      /system: must be lowercase.*targetNamespace: must start with the team's name.*repository\.url: must be an http\(s\) clone URL.*exposure\.hostname: is required/,
    );
    expect(
      await admin.get(XR, 'ApplicationEnvironment', 'payments-env-development'),
    ).toBeUndefined();
  });

  it('dry run is a server-side dry run: the real schema judges and nothing is created', async () => {
    const task = newTask();
    const ctx = task.context(
      {
        owner: OWNER,
        system: 'payments',
        component: 'payments-dry',
        environment: 'development',
        repository: { url: 'https://gitlab.example.com/x.git' },
      },
      { dryRun: true },
    );
    await actions().env.handler(ctx);
    expect(task.logs.join('\n')).toContain(
      'accepted ApplicationEnvironment payments-dry-development (server-side dry run)',
    );
    // A value only the apiserver's schema knows is wrong.
    await expect(
      actions().env.handler(
        task.context(
          {
            owner: OWNER,
            system: 'payments',
            component: 'payments-dry',
            environment: 'development',
            size: 'huge',
            repository: { url: 'https://gitlab.example.com/x.git' },
          },
          { dryRun: true },
        ),
      ),
    ).rejects.toThrow(
      /cluster 'development' rejected .*spec\.size.*Unsupported value: "huge"/,
    );
    expect(
      await admin.get(XR, 'ApplicationEnvironment', 'payments-dry-development'),
    ).toBeUndefined();
    // GitLab dry runs read, never write.
    const before = gitlab.state.requests.length;
    const appCtx = task.context(
      { owner: OWNER, name: 'payments-dry', sourcePath: 'app' },
      { files: appFiles('payments-dry'), dryRun: true },
    );
    await actions().app.handler(appCtx);
    expect(
      gitlab.state.requests.slice(before).every(r => r.method === 'GET'),
    ).toBe(true);
    expect(
      gitlab.state.project('idp/team-payments/payments-dry'),
    ).toBeUndefined();
  });

  it('an environment that never becomes Ready fails at the timeout with its last conditions', async () => {
    // A deployment repository Argo CD cannot read: Crossplane composes everything, but the
    // Application is never compared, so the XR stays not Ready and says which resource.
    const task = newTask();
    const ctx = task.context({
      owner: OWNER,
      system: 'payments',
      component: 'never-ready',
      environment: 'development',
      repository: { url: `${gitlab.baseUrl}/idp/team-payments/nowhere.git` },
      timeoutSeconds: 45,
    });
    await expect(actions().env.handler(ctx)).rejects.toThrow(
      /did not become Ready within 45 s\. Last conditions: Synced=True \(ReconcileSuccess\), Ready=False \(Creating: Unready resources: application\)/,
    );
  });

  it('a cluster that refuses the apply (RBAC) gives a message that says what to fix', async () => {
    const task = newTask();
    await expect(
      actions().env.handler(
        task.context({
          cluster: 'unbound',
          owner: OWNER,
          system: 'payments',
          component: 'payments-rbac',
          environment: 'development',
          repository: { url: 'https://gitlab.example.com/x.git' },
        }),
      ),
    ).rejects.toThrow(
      /the portal's service account may not (read|apply) ApplicationEnvironment on cluster 'unbound'.*platform\/portal\/access\/rbac\.yaml/,
    );
    await expect(
      actions().env.handler(
        task.context({
          cluster: 'nowhere',
          owner: OWNER,
          system: 'payments',
          component: 'payments-rbac',
          environment: 'development',
          repository: { url: 'https://gitlab.example.com/x.git' },
        }),
      ),
    ).rejects.toThrow(
      /No cluster named 'nowhere' .*configured: development, unbound/,
    );
  });

  it('fails half-way (GitLab 500 creating a token), then a retry of the same task finishes cleanly', async () => {
    const task = newTask();
    gitlab.faults.add({
      method: 'POST',
      path: '/api/v4/projects/*/access_tokens',
      status: 500,
      times: 1,
    });
    await expect(goldenPath(task, 'payments-halfway')).rejects.toThrow(
      /GitLab POST \/projects\/\d+\/access_tokens answered 500.*server error; try again later/,
    );
    // The retry (same task, checkpoints kept) continues where it stopped.
    await goldenPath(task, 'payments-halfway');
    const deploy = gitlab.state.project(
      'idp/team-payments/payments-halfway-deployment',
    )!;
    expect(
      gitlab.state
        .projects()
        .filter(p => p.path.startsWith('payments-halfway')),
    ).toHaveLength(2);
    expect(activeTokens(deploy.id, 'idp-image-bump')).toHaveLength(1);
    const commits = gitlab.state.requests.filter(
      r =>
        r.method === 'POST' &&
        r.path === `/api/v4/projects/${deploy.id}/repository/commits`,
    );
    expect(commits).toHaveLength(1);
  });

  it('survives transient GitLab failures (429 with Retry-After, 503, a reset connection)', async () => {
    const task = newTask();
    gitlab.faults.add({
      method: 'POST',
      path: '/api/v4/projects',
      status: 429,
      retryAfter: 0,
      times: 1,
    });
    gitlab.faults.add({
      method: 'GET',
      path: '/api/v4/user',
      status: 503,
      times: 1,
    });
    gitlab.faults.add({
      method: 'POST',
      path: /\/repository\/branches$/,
      reset: true,
      times: 1,
    });
    await goldenPath(task, 'payments-flaky');
    expect(task.logs.join('\n')).toMatch(
      /warn: GitLab POST \/projects: 429; retrying in \d+ ms \(attempt 2 of 3\)/,
    );
    expect(
      gitlab.state.projects().filter(p => p.path.startsWith('payments-flaky')),
    ).toHaveLength(2);
  });

  it('GitLab 500 on the second repository, then undo from the task log leaves nothing behind (twice)', async () => {
    const task = newTask();
    const a = actions();
    const files = appFiles('payments-broken');
    const appCtx = task.context(
      {
        owner: OWNER,
        name: 'payments-broken',
        sourcePath: 'app',
      },
      { files, stepId: 'app-repo' },
    );
    await a.app.handler(appCtx);
    const fault = gitlab.faults.add({
      method: 'POST',
      path: '/api/v4/projects',
      status: 500,
    });
    await expect(
      a.deploy.handler(
        task.context(
          {
            owner: OWNER,
            name: 'payments-broken',
            appProjectId: appCtx.outputs.projectId,
            sourcePath: 'deployment',
          },
          { files, stepId: 'deploy-repo' },
        ),
      ),
    ).rejects.toThrow(/GitLab POST \/projects answered 500/);
    gitlab.faults.remove(fault);

    expect(recordsOf(task)).toEqual([
      expect.objectContaining({
        type: 'gitlab-project',
        path: 'idp/team-payments/payments-broken',
      }),
    ]);
    // Undo by task id, through the scaffolder service: the failed task's signed records.
    const undo = actions({}, task.scaffolderService('failed')).undo;
    const undoTask = newTask();
    const undoCtx = undoTask.context(
      { taskId: task.id },
      { user: 'user:default/priya.sharma' },
    );
    await undo.handler(undoCtx);
    expect(undoCtx.outputs.removed).toEqual([
      'GitLab project idp/team-payments/payments-broken',
    ]);
    expect(
      gitlab.state.project('idp/team-payments/payments-broken'),
    ).toBeUndefined();

    // A second decommission (a new task) finds everything gone.
    const again = newTask().context(
      { taskId: task.id },
      { user: 'user:default/priya.sharma' },
    );
    await undo.handler(again);
    expect(again.outputs).toMatchObject({
      removed: [],
      alreadyGone: ['GitLab project idp/team-payments/payments-broken'],
    });
  });

  it('undo removes a whole golden path: environment (waiting until gone), secret, tokens, variable, projects', async () => {
    const task = newTask();
    const out = await goldenPath(task, 'payments-undo');
    const records = [
      out.app.created,
      out.deploy.created,
      out.env.created,
    ].flat();
    expect(recordsOf(task)).toEqual(
      records.map(({ task: _t, step: _s, sig: _g, ...r }: any) => r),
    );
    const undoTask = newTask();
    const ctx = undoTask.context({ resources: records });
    await actions().undo.handler(ctx);
    expect(ctx.outputs.removed).toHaveLength(7);
    const app = out.app.projectId as number;
    const deploy = out.deploy.projectId as number;
    expect(gitlab.state.project(app)).toBeUndefined();
    expect(gitlab.state.project(deploy)).toBeUndefined();
    expect(
      gitlab.state.tokens().filter(t => t.projectId === deploy && !t.revoked),
    ).toEqual([]);
    expect(
      await admin.get(
        XR,
        'ApplicationEnvironment',
        'payments-undo-development',
      ),
    ).toBeUndefined();
    expect(
      await admin.get('v1', 'Secret', `repo-gitlab-${deploy}`, 'argocd'),
    ).toBeUndefined();
    // In plan order: environment before the projects it deploys from.
    const order = undoTask.logs
      .filter(l => l.includes('Removed: '))
      .map(l => l.replace(/^info: Removed: /, ''));
    expect(order[0]).toBe(
      'ApplicationEnvironment payments-undo-development on cluster development',
    );
    expect(order.slice(-2)).toEqual([
      'GitLab project idp/team-payments/payments-undo-deployment',
      'GitLab project idp/team-payments/payments-undo',
    ]);
  });

  it('archives instead of deleting when configured', async () => {
    const task = newTask();
    const out = await goldenPath(task, 'payments-archive');
    const ctx = newTask().context({
      resources: out.app.created,
      projects: 'archive',
    });
    await actions().undo.handler(ctx);
    expect(gitlab.state.project(out.app.projectId)).toMatchObject({
      archived: true,
    });
  });

  async function gitopsRun(mode: 'push' | 'merge-request') {
    const task = newTask();
    const a = actions({
      idp: {
        ...baseConfig().idp,
        environment: {
          ...baseConfig().idp.environment,
          gitops: {
            host: gitlab.host,
            project: 'idp/platform/environments',
            mode,
          },
        },
      },
    });
    const component = `payments-gitops-${mode === 'push' ? 'push' : 'mr'}`;
    const ctx = task.context({
      owner: OWNER,
      system: 'payments',
      component,
      environment: 'development',
      repository: { url: 'https://gitlab.example.com/x.git' },
      wait: false,
    });
    await a.env.handler(ctx);
    // Re-running is idempotent.
    await a.env.handler(task.context(ctx.input));
    const file = `environments/development/${component}-development.yaml`;
    const project = gitlab.state.project('idp/platform/environments')!;
    expect(
      await admin.get(XR, 'ApplicationEnvironment', `${component}-development`),
    ).toBeUndefined();
    return { a, ctx, file, project, component };
  }

  it('GitOps push mode commits the manifest instead of applying it, and undo removes it', async () => {
    const { a, ctx, file, project } = await gitopsRun('push');
    expect(await gitlab.state.readFile(project.id, file, 'main')).toContain(
      'kind: ApplicationEnvironment',
    );
    await a.undo.handler(newTask().context({ resources: ctx.outputs.created }));
    expect(
      await gitlab.state.readFile(project.id, file, 'main'),
    ).toBeUndefined();
  });

  it('GitOps merge-request mode proposes the manifest in one merge request', async () => {
    const { file, component } = await gitopsRun('merge-request');
    const project = gitlab.state.project('idp/platform/environments')!;
    expect(
      await gitlab.state.readFile(project.id, file, 'main'),
    ).toBeUndefined();
    const mrs = project.mergeRequests.filter(m => m.title.includes(component));
    expect(mrs).toHaveLength(1);
    expect(mrs[0]).toMatchObject({ state: 'opened', targetBranch: 'main' });
    expect(
      await gitlab.state.readFile(project.id, file, mrs[0].sourceBranch),
    ).toContain(component);
  });

  it('applies a legacy namespaced claim when configured (Crossplane v1 style)', async () => {
    const xrd = parseManifests(
      fs.readFileSync(
        path.join(repoRoot(), 'platform/crossplane/definition.yaml'),
        'utf8',
      ),
    )[0];
    xrd.metadata.name = 'applicationenvironmentclaims.idp.acme.example';
    xrd.spec.scope = 'Namespaced';
    xrd.spec.names = {
      kind: 'ApplicationEnvironmentClaim',
      plural: 'applicationenvironmentclaims',
    };
    await cp.apply([
      compositeResourceCrd(xrd),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'idp-claims' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'idp-portal-claims' },
        rules: [
          {
            apiGroups: ['idp.acme.example'],
            resources: ['applicationenvironmentclaims'],
            verbs: ['get', 'create', 'patch', 'delete'],
          },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'idp-portal-claims' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'idp-portal-claims',
        },
        subjects: [
          {
            kind: 'ServiceAccount',
            name: 'idp-portal',
            namespace: 'idp-portal',
          },
        ],
      },
    ]);
    const a = actions({
      idp: {
        ...baseConfig().idp,
        environment: {
          ...baseConfig().idp.environment,
          kind: 'ApplicationEnvironmentClaim',
          scope: 'Namespaced',
          claimNamespace: 'idp-claims',
        },
      },
    });
    const task = newTask();
    const ctx = task.context({
      owner: OWNER,
      system: 'payments',
      component: 'payments-claim',
      environment: 'development',
      repository: { url: 'https://gitlab.example.com/x.git' },
      wait: false,
    });
    // The CRD may take a moment to be served.
    for (let i = 0; ; i++) {
      try {
        await a.env.handler(ctx);
        break;
      } catch (e) {
        if (i > 50 || !/does not serve/.test(String(e))) throw e;
        await new Promise(r => setTimeout(r, 200));
      }
    }
    const claim = await admin.get(
      XR,
      'ApplicationEnvironmentClaim',
      'payments-claim-development',
      'idp-claims',
    );
    expect(claim!.spec).toMatchObject({
      component: 'payments-claim',
      environment: 'development',
    });
    await a.undo.handler(newTask().context({ resources: ctx.outputs.created }));
    expect(
      await admin.get(
        XR,
        'ApplicationEnvironmentClaim',
        'payments-claim-development',
        'idp-claims',
      ),
    ).toBeUndefined();
  });

  it('runs every example of every action', async () => {
    const a = actions();
    const register = registerCatalogAction({
      config: new ConfigReader(baseConfig()),
      catalog: tenancy.catalog,
      tenancy,
    });
    const inputOf = (
      example: { example: string },
      values: Record<string, unknown>,
    ) => {
      // Examples reference earlier steps' outputs; substitute what those steps produced.
      const text = example.example.replace(
        /\$\{\{\s*([^}]+?)\s*\}\}/g,
        (_, expr: string) => String(values[expr] ?? ''),
      );
      return yaml.parse(text).steps[0].input;
    };
    const task = newTask();
    const outputs: Record<string, unknown> = {
      'parameters.owner': OWNER,
    };
    for (const example of appExamples) {
      const ctx = task.context(inputOf(example, outputs), {
        files: appFiles('example'),
      });
      await a.app.handler(ctx);
      // The deploy examples are for the first example's component.
      outputs['steps["app-repo"].output.projectId'] ??= ctx.outputs.projectId;
      outputs['steps["app-repo"].output.repoContentsUrl'] ??=
        ctx.outputs.repoContentsUrl;
      expect(ctx.outputs.projectId).toBeGreaterThan(0);
    }
    expect(
      gitlab.state.project('idp/team-payments/ledger-spike'),
    ).toMatchObject({
      ciConfigPath: 'ci/pipeline.yml',
      defaultBranch: 'trunk',
    });
    // Both deploy examples target the same project: the second is a re-run of the same task.
    for (const example of deployExamples) {
      const ctx = task.context(inputOf(example, outputs), {
        files: appFiles('example'),
      });
      await a.deploy.handler(ctx);
      outputs['steps["deploy-repo"].output.cloneUrl'] = ctx.outputs.cloneUrl;
      expect(ctx.outputs.branches.length).toBeGreaterThan(1);
    }
    for (const example of envExamples) {
      // An example may name its repository on gitlab.example.com: here it is the double's,
      // which Argo CD must be able to read for the environment to become Ready.
      const input = inputOf(example, outputs);
      if (input.repository?.url) {
        input.repository.url = input.repository.url.replace(
          'https://gitlab.example.com',
          gitlab.baseUrl,
        );
      }
      const ctx = task.context(input);
      await a.env.handler(ctx);
      expect(ctx.outputs.conditions).toEqual([
        expect.objectContaining({ type: 'Synced', status: 'True' }),
        expect.objectContaining({ type: 'Ready', status: 'True' }),
      ]);
    }
    // Registration needs a catalog: the real one runs in packages/backend/src/goldenPath.test.ts;
    // here the examples go through the action's validation and URL handling as a dry run.
    for (const example of registerExamples) {
      const ctx = task.context(inputOf(example, outputs), { dryRun: true });
      await register.handler(ctx);
      expect(task.logs[task.logs.length - 1]).toMatch(
        /would register https?:\/\/.*catalog-info\.yaml/,
      );
    }
    // Undo by task id and entity ref need the scaffolder and catalog (goldenPath.test.ts);
    // the examples' inputs must pass the action's validation.
    for (const example of undoExamples) {
      const input = inputOf(example, {
        'parameters.entity': 'component:default/payments-wholepath',
        'parameters.taskId': task.id,
      });
      expect(input.entityRef ?? input.taskId).toBeTruthy();
    }
  });
});
