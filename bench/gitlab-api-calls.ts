/*
 * GitLab API calls and wall time of one golden path's GitLab part, done two ways against the
 * GitLab test double, in one invocation:
 *
 *   A) built-in: Backstage's own actions from @backstage/plugin-scaffolder-backend-module-gitlab
 *      (publish:gitlab x2, gitlab:projectAccessToken:create, gitlab:projectVariable:create,
 *      gitlab:repo:push of the ApplicationEnvironment manifest to the GitOps repository);
 *   B) ours: idp:gitlab:create-app-repo, idp:gitlab:create-deploy-repo and idp:environment:apply
 *      in GitOps push mode (no cluster).
 *
 * Both sides run with the same task context (TestTask), the same GitLab identity (idp-portal with
 * an api token) and the same workspace files. Capabilities are read back from the double's state.
 *
 * Run: bench/gitlab-api-calls.sh [--runs N] [--warmup N]   (see bench/README.md)
 */
import os from 'node:os';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import {
  createGitlabProjectAccessTokenAction,
  createGitlabProjectVariableAction,
  createGitlabRepoPushAction,
  createPublishGitlabAction,
} from '@backstage/plugin-scaffolder-backend-module-gitlab';
import yaml from 'yaml';
import { GitLabDouble, startGitLabDouble } from '@internal/test-platform';
import { TestTask } from '../plugins/scaffolder-backend-module-idp/src/__testUtils__/taskContext';
import { createAppRepoAction } from '../plugins/scaffolder-backend-module-idp/src/actions/createAppRepo';
import { createDeployRepoAction } from '../plugins/scaffolder-backend-module-idp/src/actions/createDeployRepo';
import { applyEnvironmentAction } from '../plugins/scaffolder-backend-module-idp/src/actions/applyEnvironment';
import { parseRecords } from '../plugins/scaffolder-backend-module-idp/src/actions/createdResources';
import { auditedAction } from '../plugins/scaffolder-backend-module-idp/src/actions/auditedAction';
import {
  testSigner,
  testTenancy,
} from '../plugins/scaffolder-backend-module-idp/src/__testUtils__/tenancy';

const GROUP = 'idp/team-payments';
/** The team our actions act for (verified against the sample organisation). */
const OWNER = 'group:default/team-payments';
const GITOPS_PROJECT = 'idp/platform/idp-argocd-user-apps';
const TOKEN_NAME = 'idp-image-bump';
const VARIABLE_KEY = 'DEPLOY_REPO_TOKEN';
const ENVIRONMENT = 'development';

type Side = 'built-in' | 'ours';

interface Counts {
  api: number;
  git: number;
  other: number;
  /** Answers >= 400 (lookups that expect 404 included). */
  failed: number;
}

interface StepResult extends Counts {
  step: string;
}

interface RunResult {
  side: Side;
  component: string;
  ms: number;
  total: Counts;
  steps: StepResult[];
  task: TestTask;
  appPath: string;
  deployPath: string;
  manifestPath: string;
  /** What the task's outputs said about the token (built-in passes it through). */
  tokenInOutputs: boolean;
}

interface Capabilities {
  environmentBranches: string[];
  protectedApp: string[];
  protectedDeploy: string[];
  variableMasked: boolean;
  variableProtected: boolean;
  tokenScopes: string[];
  tokenValueNotInTask: boolean;
  undoRecords: number;
  undoRecordsResolved: number;
  manifestCommitted: boolean;
  filesPushed: boolean;
}

function parseArgs(argv: string[]) {
  const options = { runs: 5, warmup: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.split('=', 2);
    const value = () => {
      const v = inline ?? argv[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) {
        throw new Error(`${flag} needs a non-negative integer, got '${v}'`);
      }
      return n;
    };
    if (flag === '--runs') options.runs = value();
    else if (flag === '--warmup') options.warmup = value();
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(
        'usage: bench/gitlab-api-calls.sh [--runs N (default 5)] [--warmup N (default 1)]\n',
      );
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg} (try --help)`);
  }
  if (options.runs < 1) throw new Error('--runs must be at least 1');
  return options;
}

/** The same small app and deployment skeletons for both sides (6 files each). */
function workspaceFiles(component: string): Record<string, string> {
  return {
    'app/README.md': `# ${component}\n\nRefunds for card and SEPA payments.\n`,
    'app/.gitlab-ci.yml':
      'stages: [test, build]\ntest:\n  stage: test\n  script: python -m pytest\nbuild:\n  stage: build\n  script: docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .\n',
    'app/catalog-info.yaml': `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${component}\nspec:\n  type: service\n  owner: team-payments\n  system: payments\n  lifecycle: experimental\n`,
    'app/Dockerfile':
      'FROM python:3.12-slim\nCOPY src /app\nCMD ["python", "/app/main.py"]\n',
    'app/src/main.py': 'print("hello")\n',
    'app/tests/test_main.py': 'def test_ok():\n    assert True\n',
    'deployment/README.md': `# ${component} deployment\n`,
    'deployment/Chart.yaml': `apiVersion: v2\nname: ${component}\nversion: 0.1.0\n`,
    'deployment/values.yaml':
      'image:\n  repository: registry.example.com/payments\n  tag: latest\n',
    'deployment/templates/deployment.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Chart.Name }}\n',
    'deployment/templates/service.yaml':
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Chart.Name }}\n',
    'deployment/values-production.yaml': 'replicas: 3\n',
  };
}

function classify(path: string): keyof Omit<Counts, 'failed'> {
  if (path.startsWith('/api/v4/')) return 'api';
  if (path.includes('.git/')) return 'git';
  return 'other';
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fmt(n: number, digits = 0): string {
  return n.toFixed(digits);
}

/** A plain-text table; the first `textColumns` columns are left-aligned, the rest right-aligned. */
function table(header: string[], rows: string[][], textColumns = 1): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map(r => r[i].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i < textColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]),
      )
      .join('  ')
      .trimEnd();
  return [
    line(header),
    widths.map(w => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

function markdownTable(
  header: string[],
  rows: string[][],
  textColumns = 1,
): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header
      .map((_, i) => (i < textColumns ? ' --- ' : ' ---: '))
      .join('|')}|`,
    ...rows.map(r => `| ${r.join(' | ')} |`),
  ].join('\n');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const double: GitLabDouble = await startGitLabDouble({ basePath: '/gitlab' });
  const tasks: TestTask[] = [];
  let tenancy: Awaited<ReturnType<typeof testTenancy>> | undefined;
  try {
    double.addGroup({ path: 'idp', name: 'IDP' });
    double.addGroup({ path: 'team-payments', parent: 'idp' });
    double.addGroup({ path: 'platform', parent: 'idp' });
    double.addUser({ username: 'idp-portal', name: 'IDP portal' });
    const portalToken = double.createToken({
      user: 'idp-portal',
      scopes: ['api'],
      name: 'portal',
    });
    await double.addProject({
      namespace: 'idp/platform',
      path: 'idp-argocd-user-apps',
      initialize_with_readme: true,
    });
    const secrets = [portalToken, double.rootToken];

    const integrations = [double.integrationConfig(portalToken)];
    const builtinConfig = new ConfigReader({
      integrations: { gitlab: integrations },
    });
    const scm = ScmIntegrations.fromConfig(builtinConfig);
    const oursConfig = new ConfigReader({
      integrations: { gitlab: integrations },
      idp: {
        gitlab: { host: double.host },
        argocd: { repositoryCredentials: 'none' },
        environment: {
          gitops: { host: double.host, project: GITOPS_PROJECT, mode: 'push' },
        },
      },
    });

    const builtin = {
      publish: createPublishGitlabAction({
        integrations: scm,
        config: builtinConfig,
      }),
      token: createGitlabProjectAccessTokenAction({ integrations: scm }),
      variable: createGitlabProjectVariableAction({ integrations: scm }),
      push: createGitlabRepoPushAction({ integrations: scm }),
    };
    // Ours as the module runs them: team checks against the sample organisation (the tasks
    // run as Diego Alvarez of team-payments), records signed by the action wrapper.
    tenancy = await testTenancy();
    const signer = testSigner();
    const auditor = {
      createEvent: async () => ({
        success: async () => {},
        fail: async () => {},
      }),
    } as any;
    const wrap = <T extends Parameters<typeof auditedAction>[0]>(action: T) =>
      auditedAction(action, { auditor, signer });
    const ours = {
      app: wrap(createAppRepoAction({ config: oursConfig, tenancy })),
      deploy: wrap(createDeployRepoAction({ config: oursConfig, tenancy })),
      env: wrap(applyEnvironmentAction({ config: oursConfig, tenancy })),
    };

    const repoUrl = (owner: string, repo: string) =>
      `${double.host}?${new URLSearchParams({ owner, repo })}`;

    /** Runs `fn` and counts the double's requests it caused. */
    const measured = async (
      steps: StepResult[],
      step: string,
      fn: () => Promise<void>,
    ) => {
      const before = double.state.requests.length;
      await fn();
      await new Promise(resolve => setImmediate(resolve));
      const entries = double.state.requests.slice(before);
      const counts: StepResult = { step, api: 0, git: 0, other: 0, failed: 0 };
      for (const e of entries) {
        counts[classify(e.path)]++;
        if (e.status >= 400) counts.failed++;
        if (e.status >= 500) {
          throw new Error(
            `${step}: the double answered ${e.status} to ${e.method} ${e.path}`,
          );
        }
      }
      steps.push(counts);
    };

    const runBuiltin = async (component: string): Promise<RunResult> => {
      const task = new TestTask();
      tasks.push(task);
      const files = workspaceFiles(component);
      const steps: StepResult[] = [];
      const deployName = `${component}-deployment`;
      const manifestPath = `environments/${ENVIRONMENT}/${component}-${ENVIRONMENT}.yaml`;
      let tokenInOutputs = false;
      const started = performance.now();

      const appCtx = task.context(
        {
          repoUrl: repoUrl(GROUP, component),
          defaultBranch: 'main',
          repoVisibility: 'internal',
          sourcePath: 'app',
          gitCommitMessage: `Create ${component} from a golden path`,
          settings: {
            description: 'Refunds: card & SEPA',
            ci_config_path: '.gitlab-ci.yml',
            topics: ['python', 'payments'],
            visibility: 'internal',
          },
        },
        { files },
      );
      await measured(steps, 'publish:gitlab (app)', () =>
        builtin.publish.handler(appCtx as any),
      );
      const deployCtx = task.context(
        {
          repoUrl: repoUrl(GROUP, deployName),
          defaultBranch: ENVIRONMENT,
          repoVisibility: 'internal',
          sourcePath: 'deployment',
          gitCommitMessage: `Create the deployment of ${component} from a golden path`,
          settings: {
            description: `GitOps deployment of ${component}`,
            visibility: 'internal',
          },
        },
        { files },
      );
      await measured(steps, 'publish:gitlab (deploy)', () =>
        builtin.publish.handler(deployCtx as any),
      );
      const tokenCtx = task.context({
        repoUrl: repoUrl(GROUP, deployName),
        projectId: deployCtx.outputs.projectId,
        name: TOKEN_NAME,
        accessLevel: 40,
        scopes: ['write_repository'],
        expiresAt: new Date(Date.now() + 90 * 86_400_000)
          .toISOString()
          .slice(0, 10),
      });
      await measured(steps, 'gitlab:projectAccessToken:create', () =>
        builtin.token.handler(tokenCtx as any),
      );
      const accessToken = tokenCtx.outputs.access_token;
      if (typeof accessToken !== 'string') {
        throw new Error(
          'gitlab:projectAccessToken:create output no access_token',
        );
      }
      tokenInOutputs = true;
      const variableCtx = task.context({
        repoUrl: repoUrl(GROUP, component),
        projectId: appCtx.outputs.projectId,
        key: VARIABLE_KEY,
        value: accessToken,
        variableType: 'env_var',
        variableProtected: true,
        masked: true,
      });
      await measured(steps, 'gitlab:projectVariable:create', () =>
        builtin.variable.handler(variableCtx as any),
      );
      const manifest = yaml.stringify({
        apiVersion: 'idp.acme.example/v1alpha1',
        kind: 'ApplicationEnvironment',
        metadata: {
          name: `${component}-${ENVIRONMENT}`,
          labels: {
            'backstage.io/kubernetes-id': component,
            'idp.acme.example/team': 'team-payments',
            'idp.acme.example/system': 'payments',
            'idp.acme.example/component': component,
            'idp.acme.example/environment': ENVIRONMENT,
            'idp.acme.example/scaffolder-task': task.id,
          },
        },
        spec: {
          team: 'team-payments',
          system: 'payments',
          component,
          environment: ENVIRONMENT,
          repository: { url: `${deployCtx.outputs.remoteUrl}.git` },
        },
      });
      const pushCtx = task.context(
        {
          repoUrl: repoUrl('idp/platform', 'idp-argocd-user-apps'),
          branchName: 'main',
          commitMessage: `Add ApplicationEnvironment ${component}-${ENVIRONMENT}`,
          sourcePath: 'gitops',
        },
        { files: { [`gitops/${manifestPath}`]: manifest } },
      );
      await measured(steps, 'gitlab:repo:push (manifest)', () =>
        builtin.push.handler(pushCtx as any),
      );
      const ms = performance.now() - started;
      return result('built-in', component, ms, steps, task, {
        appPath: `${GROUP}/${component}`,
        deployPath: `${GROUP}/${deployName}`,
        manifestPath,
        tokenInOutputs,
      });
    };

    const runOurs = async (component: string): Promise<RunResult> => {
      const task = new TestTask();
      tasks.push(task);
      const files = workspaceFiles(component);
      const steps: StepResult[] = [];
      const started = performance.now();

      const appCtx = task.context(
        {
          owner: OWNER,
          name: component,
          description: 'Refunds: card & SEPA',
          topics: ['python', 'payments'],
          visibility: 'internal',
          sourcePath: 'app',
        },
        { files, stepId: 'app-repo' },
      );
      await measured(steps, 'idp:gitlab:create-app-repo', () =>
        ours.app.handler(appCtx),
      );
      const deployCtx = task.context(
        {
          owner: OWNER,
          name: component,
          appProjectId: appCtx.outputs.projectId,
          visibility: 'internal',
          sourcePath: 'deployment',
        },
        { files, stepId: 'deploy-repo' },
      );
      await measured(steps, 'idp:gitlab:create-deploy-repo', () =>
        ours.deploy.handler(deployCtx),
      );
      const envCtx = task.context(
        {
          owner: OWNER,
          system: 'payments',
          component,
          environment: ENVIRONMENT,
          repository: { url: deployCtx.outputs.cloneUrl },
          wait: false,
        },
        { stepId: 'environment' },
      );
      await measured(steps, 'idp:environment:apply (gitops push)', () =>
        ours.env.handler(envCtx),
      );
      const ms = performance.now() - started;
      const gitops = (envCtx.outputs.created ?? []).find(
        (r: { type: string }) => r.type === 'gitops-file',
      );
      if (!gitops) {
        throw new Error('idp:environment:apply recorded no gitops-file');
      }
      return result('ours', component, ms, steps, task, {
        appPath: `${GROUP}/${component}`,
        deployPath: deployCtx.outputs.projectPath,
        manifestPath: gitops.path,
        tokenInOutputs: false,
      });
    };

    const result = (
      side: Side,
      component: string,
      ms: number,
      steps: StepResult[],
      task: TestTask,
      rest: Pick<
        RunResult,
        'appPath' | 'deployPath' | 'manifestPath' | 'tokenInOutputs'
      >,
    ): RunResult => {
      const total: Counts = { api: 0, git: 0, other: 0, failed: 0 };
      for (const s of steps) {
        total.api += s.api;
        total.git += s.git;
        total.other += s.other;
        total.failed += s.failed;
      }
      return { side, component, ms, total, steps, task, ...rest };
    };

    /** What a run left in GitLab, read from the double's state. */
    const capabilities = async (run: RunResult): Promise<Capabilities> => {
      const app = double.state.project(run.appPath);
      const deploy = double.state.project(run.deployPath);
      const gitopsProject = double.state.project(GITOPS_PROJECT);
      if (!app || !deploy || !gitopsProject) {
        throw new Error(
          `${run.side} ${
            run.component
          }: missing project (app ${!!app}, deploy ${!!deploy})`,
        );
      }
      const variable = app.variables.find(v => v.key === VARIABLE_KEY);
      const token = double.state
        .tokens()
        .find(
          t => t.kind === 'project' && t.projectId === deploy.id && !t.revoked,
        );
      if (!variable || !token) {
        throw new Error(
          `${run.side} ${run.component}: no ${VARIABLE_KEY} variable or no project token`,
        );
      }
      const everything = run.task.everything();
      for (const secret of secrets) {
        if (everything.includes(secret)) {
          throw new Error(
            `${run.side}: the portal's token is in the task's logs/outputs`,
          );
        }
      }
      const files = workspaceFiles(run.component);
      let filesPushed = true;
      for (const [file, content] of Object.entries(files)) {
        const [dir, ...rest] = file.split('/');
        const project = dir === 'app' ? app : deploy;
        if (
          (await double.state.readFile(project.id, rest.join('/'))) !== content
        ) {
          filesPushed = false;
        }
      }
      const manifest = await double.state.readFile(
        gitopsProject.id,
        run.manifestPath,
        'main',
      );
      const { records } = parseRecords(run.task.events, {
        signer: testSigner(),
        taskId: run.task.id,
        stepIds: new Set(run.task.events.map(e => e.stepId)),
      });
      let resolved = 0;
      for (const r of records) {
        const exists =
          (r.type === 'gitlab-project' && !!double.state.project(r.id)) ||
          (r.type === 'gitlab-access-token' &&
            double.state
              .tokens()
              .some(t => t.id === r.tokenId && !t.revoked)) ||
          (r.type === 'gitlab-variable' &&
            !!double.state
              .project(r.projectId)
              ?.variables.some(v => v.key === r.key)) ||
          (r.type === 'gitops-file' &&
            (await double.state.readFile(r.project, r.path, r.branch)) !==
              undefined);
        if (exists) resolved++;
      }
      const branches = Object.keys(
        await double.state.branches(deploy.id),
      ).sort();
      return {
        environmentBranches: branches,
        protectedApp: app.protectedBranches.map(b => b.name).sort(),
        protectedDeploy: deploy.protectedBranches.map(b => b.name).sort(),
        variableMasked: variable.masked,
        variableProtected: variable.protected,
        tokenScopes: token.scopes,
        tokenValueNotInTask: !everything.includes(variable.value),
        undoRecords: records.length,
        undoRecordsResolved: resolved,
        manifestCommitted:
          manifest !== undefined &&
          manifest.includes('kind: ApplicationEnvironment') &&
          manifest.includes(run.component),
        filesPushed,
      };
    };

    const runs: Record<Side, RunResult[]> = { 'built-in': [], ours: [] };
    const caps: Record<Side, Capabilities[]> = { 'built-in': [], ours: [] };
    const total = options.warmup + options.runs;
    // Interleaved (A, B, A, B, ...) so that drift on the machine hits both sides alike.
    for (let i = 0; i < total; i++) {
      const warm = i < options.warmup;
      const label = warm ? `w${i + 1}` : `${i - options.warmup + 1}`;
      for (const side of ['built-in', 'ours'] as Side[]) {
        const component = `bench-${
          side === 'ours' ? 'ours' : 'builtin'
        }-${label}`;
        const run =
          side === 'ours'
            ? await runOurs(component)
            : await runBuiltin(component);
        const c = await capabilities(run);
        if (!c.filesPushed) {
          throw new Error(
            `${side} ${component}: pushed files differ from the workspace`,
          );
        }
        if (!c.manifestCommitted) {
          throw new Error(
            `${side} ${component}: no manifest at ${run.manifestPath}`,
          );
        }
        process.stderr.write(
          `${warm ? 'warm-up' : 'run'} ${label} ${side.padEnd(8)} ${fmt(
            run.ms,
          )} ms, ${run.total.api} API, ${run.total.git} git\n`,
        );
        if (!warm) {
          runs[side].push(run);
          caps[side].push(c);
        }
      }
    }
    if (double.state.errors.length > 0) {
      throw new Error(
        `The double had ${
          double.state.errors.length
        } unexpected server error(s): ${String(double.state.errors[0])}`,
      );
    }

    // Summaries.
    const summary = (side: Side) => {
      const r = runs[side];
      const uniq = (f: (x: RunResult) => number) => {
        const values = [...new Set(r.map(f))].sort((a, b) => a - b);
        return values.length === 1
          ? `${values[0]}`
          : `${values[0]}–${values[values.length - 1]}`;
      };
      return {
        msMedian: median(r.map(x => x.ms)),
        msMin: Math.min(...r.map(x => x.ms)),
        msMax: Math.max(...r.map(x => x.ms)),
        api: median(r.map(x => x.total.api)),
        git: median(r.map(x => x.total.git)),
        other: median(r.map(x => x.total.other)),
        apiRange: uniq(x => x.total.api),
        gitRange: uniq(x => x.total.git),
        failedRange: uniq(x => x.total.failed),
        requests: median(r.map(x => x.total.api + x.total.git + x.total.other)),
      };
    };
    const a = summary('built-in');
    const b = summary('ours');
    const ratio = (x: number, y: number) =>
      y === 0 ? 'n/a' : `${fmt(x / y, 2)}×`;

    const header = [
      'path',
      'median ms',
      'min–max ms',
      'API calls',
      'git requests',
      'all requests',
      'answered ≥400',
    ];
    const rows = [
      ['A built-in', a, runs['built-in']],
      ['B ours', b, runs.ours],
    ].map(([name, s]) => {
      const v = s as ReturnType<typeof summary>;
      return [
        name as string,
        fmt(v.msMedian),
        `${fmt(v.msMin)}–${fmt(v.msMax)}`,
        v.apiRange,
        v.gitRange,
        `${v.requests}`,
        v.failedRange,
      ];
    });
    rows.push([
      'ratio B/A',
      ratio(b.msMedian, a.msMedian),
      '',
      ratio(b.api, a.api),
      ratio(b.git, a.git),
      ratio(b.requests, a.requests),
      '',
    ]);

    // Per-step counts of the last measured run of each side.
    const stepRows = (['built-in', 'ours'] as Side[]).flatMap(side => {
      const last = runs[side][runs[side].length - 1];
      return last.steps.map(s => [
        side === 'ours' ? 'B' : 'A',
        s.step,
        `${s.api}`,
        `${s.git}`,
        `${s.failed}`,
      ]);
    });
    const stepHeader = ['', 'step', 'API', 'git', '≥400'];

    const yesNo = (v: boolean) => (v ? 'yes' : 'no');
    const capRow = (side: Side) => {
      const all = caps[side];
      const c = all[all.length - 1];
      // Every measured run must agree; otherwise say so.
      const same = all.every(x => JSON.stringify(x) === JSON.stringify(c));
      const envBranches = c.environmentBranches.filter(x =>
        ['development', 'staging', 'production'].includes(x),
      );
      return {
        same,
        cells: [
          `${envBranches.join(', ')} (${envBranches.length}/3)`,
          `app: ${c.protectedApp.join(', ') || '–'}; deploy: ${
            c.protectedDeploy.join(', ') || '–'
          }`,
          `${yesNo(c.variableMasked && c.variableProtected)} (masked ${yesNo(
            c.variableMasked,
          )}, protected ${yesNo(c.variableProtected)})`,
          yesNo(c.tokenValueNotInTask),
          `${c.undoRecords} (${c.undoRecordsResolved} found in GitLab)`,
          `${yesNo(c.manifestCommitted)}`,
        ],
      };
    };
    const capHeader = [
      'capability (read from the double after the run)',
      'A built-in',
      'B ours',
    ];
    const capLabels = [
      'environment branches on the deploy repo',
      'protected branches',
      'token stored as masked, protected CI/CD variable',
      'token value never in task outputs/logs/checkpoints',
      'records for undo in the task log',
      'ApplicationEnvironment manifest on main of the GitOps repo',
    ];
    const ca = capRow('built-in');
    const cb = capRow('ours');
    const capRows = capLabels.map((l, i) => [l, ca.cells[i], cb.cells[i]]);

    const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
    const machine = `${cpu}, ${
      os.cpus().length
    } cores, ${os.platform()} ${os.release()}, Node ${process.version}`;
    const command = `bench/gitlab-api-calls.sh --runs ${options.runs}${
      options.warmup !== 1 ? ` --warmup ${options.warmup}` : ''
    }`;

    const out: string[] = [];
    out.push('');
    out.push(`Machine: ${machine}`);
    out.push(
      `Runs: ${options.runs} measured per path (after ${options.warmup} warm-up), interleaved; GitLab double under /gitlab on 127.0.0.1`,
    );
    out.push('');
    out.push(table(header, rows));
    out.push('');
    out.push(
      'The double also auto-protects a project\'s default branch when it first appears (GitLab\'s "fully protected" default).',
    );
    out.push('');
    out.push(table(stepHeader, stepRows, 2));
    out.push('');
    out.push(table(['capability', 'A built-in', 'B ours'], capRows, 3));
    if (!ca.same || !cb.same) {
      out.push(
        'WARNING: capabilities differed between runs; the last run is shown.',
      );
    }
    out.push('');

    const md: string[] = [];
    md.push('## GitLab part of one golden path: built-in actions vs ours');
    md.push('');
    md.push(
      `Measured with \`${command}\` on ${new Date()
        .toISOString()
        .slice(0, 10)}: ${machine}. ` +
        `GitLab test double (\`@internal/test-platform\`, served under \`/gitlab\` on 127.0.0.1, so network latency is ~0 and ` +
        `the numbers are dominated by request count and git work). ${options.runs} measured runs per path after ${options.warmup} warm-up, interleaved; each run creates new projects.`,
    );
    md.push('');
    md.push(
      '- **A built-in**: `publish:gitlab` (app, `main`) → `publish:gitlab` (deploy, `development`) → ' +
        '`gitlab:projectAccessToken:create` (deploy, `write_repository`) → `gitlab:projectVariable:create` ' +
        '(app, masked, protected, value from the previous output) → `gitlab:repo:push` (manifest to `idp/platform/idp-argocd-user-apps`, `main`).',
    );
    md.push(
      '- **B ours**: `idp:gitlab:create-app-repo` → `idp:gitlab:create-deploy-repo` (`idp.argocd.repositoryCredentials: none`) → ' +
        '`idp:environment:apply` (GitOps push mode, `wait: false`).',
    );
    md.push(
      '- "API calls" are requests under `/api/v4/`; "git requests" are git smart-HTTP requests (`.git/`). "Answered ≥400" are mostly expected 404 lookups.',
    );
    md.push('');
    md.push(markdownTable(header, rows));
    md.push('');
    md.push(
      markdownTable(
        stepHeader.map((h, i) => (i === 0 ? 'path' : h)),
        stepRows,
        2,
      ),
    );
    md.push('');
    md.push(markdownTable(capHeader, capRows, 3));
    md.push('');
    md.push(
      'Protected branches include the default branch that the double (like GitLab by default) protects when it first appears; the built-in path protects nothing itself.',
    );
    md.push('');

    process.stdout.write(`${out.join('\n')}\n`);
    process.stdout.write('----- markdown for docs/benchmarks.md -----\n');
    process.stdout.write(`${md.join('\n')}\n`);
  } finally {
    for (const t of tasks) t.cleanup();
    await tenancy?.stop();
    await double.stop();
  }
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(
      `bench/gitlab-api-calls: FAILED: ${error?.stack ?? error}\n`,
    );
    process.exit(1);
  },
);
