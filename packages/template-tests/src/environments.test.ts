import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { parseDocument } from 'yaml';
import {
  ControlPlane,
  GitLabDouble,
  KubeRest,
  platformAppProjects,
  repoRoot,
  startControlPlane,
  startGitLabDouble,
} from '@internal/test-platform';
import { mockServices } from '@backstage/backend-test-utils';
import { Portal, TaskRun, startPortal } from './portal';
import { gitlabCiLocal, run as runCommand, templateTools } from './tools';

/*
 * Environment management through the portal, for real: the add-environment and
 * remove-environment templates run as the sample users (real sign-in tokens, the portal's
 * permission policy) against the real scaffolder and catalog, the GitLab double with real git,
 * and a real kube-apiserver with the real controllers (Crossplane composes each environment,
 * Argo CD deploys the environment's branch, kwok runs the pods). A service created by the Python
 * golden path gets staging and production, loses staging, and has its production undone from the
 * add task's own records; every refusal changes nothing.
 */
jest.setTimeout(900_000);

const XR = 'idp.acme.example/v1alpha1';
const APPLICATION = 'argoproj.io/v1alpha1';
const DIEGO = 'user:default/diego.alvarez'; // team-payments
const MEI = 'user:default/mei.chen'; // team-storefront
const PRIYA = 'user:default/priya.sharma'; // platform-team
const NAME = 'payments-envs';
const COMPONENT = `component:default/${NAME}`;
/** The team's pipeline token for previews: a Backstage external access token (config below). */
const PREVIEW_TOKEN = 'preview-token-team-payments-0123456789abcdef';
const PIPELINE_SUBJECT = 'gitlab-ci-team-payments';
const REAPER = 'deployment-remove-expired-previews';

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

describe('environment management: add and remove environments of a service', () => {
  let cp: ControlPlane;
  let gitlab: GitLabDouble;
  let portal: Portal;
  let admin: KubeRest;
  // The scheduler of the test backend, whose tasks run when a test triggers them: the expiry
  // task runs here when the test says so (its once-across-replicas run is previews.test.ts's).
  // (The instance is a MockSchedulerService, whose factory installs that same instance.)
  const scheduler = mockServices.scheduler() as ReturnType<
    typeof mockServices.scheduler
  > & { factory(): ReturnType<typeof mockServices.scheduler.factory> };
  const addTasks: Record<string, TaskRun> = {};

  const ready = (xr: any) =>
    xr?.status?.conditions?.some(
      (c: any) => c.type === 'Ready' && c.status === 'True',
    );

  /** The cluster's and the deployment repository's view of the service. */
  async function inventory() {
    const xrs = (await admin.list(XR, 'ApplicationEnvironment'))
      .map((x: any) => x.metadata.name)
      .sort();
    const namespaces = (await admin.list('v1', 'Namespace'))
      .filter((n: any) => n.status?.phase !== 'Terminating')
      .map((n: any) => n.metadata.name)
      .filter((n: string) => n.startsWith('team-'))
      .sort();
    const apps = (
      await admin.list(APPLICATION, 'Application', { namespace: 'argocd' })
    )
      .map((a: any) => a.metadata.name)
      .sort();
    const deploy = gitlab.state.project(`idp/team-payments/${NAME}-deployment`);
    const branches = deploy
      ? (
          await (
            await fetch(
              `${gitlab.apiBaseUrl}/projects/${deploy.id}/repository/branches`,
              { headers: { 'private-token': gitlab.rootToken } },
            )
          ).json()
        )
          .map((b: any) => `${b.name}@${b.commit.id}`)
          .sort()
      : [];
    return { xrs, namespaces, apps, branches };
  }

  async function changesNothing(fn: () => Promise<TaskRun>) {
    const before = await inventory();
    const run = await fn();
    expect(await inventory()).toEqual(before);
    return run;
  }

  const failedWith = (run: TaskRun, message: RegExp) => {
    expect(run.task.status).toBe('failed');
    expect(run.messages.join('\n')).toMatch(message);
  };

  const add = (values: object, user = DIEGO) =>
    portal.runTask(
      'add-environment',
      { component: COMPONENT, environment: 'staging', ...values },
      user,
    );

  const deployProject = () =>
    gitlab.state.project(`idp/team-payments/${NAME}-deployment`)!;

  /** A call to the double's API as its administrator. */
  async function gitlabApi(method: string, url: string, body?: object) {
    const res = await fetch(`${gitlab.apiBaseUrl}${url}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'private-token': gitlab.rootToken,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** What the app's deploy job does: commit a new image tag to an environment's values file. */
  async function ciDeploys(environment: string, tag: string) {
    const file = `environments/${environment}.yaml`;
    const { id } = deployProject();
    const current = await gitlabApi(
      'GET',
      `/projects/${id}/repository/files/${encodeURIComponent(
        file,
      )}?ref=${environment}`,
    );
    const doc = parseDocument(
      Buffer.from(current.content, 'base64').toString('utf8'),
    );
    doc.setIn(['image', 'tag'], tag);
    await gitlabApi('POST', `/projects/${id}/repository/commits`, {
      branch: environment,
      commit_message: `Deploy ${tag} to ${environment}`,
      actions: [{ action: 'update', file_path: file, content: doc.toString() }],
    });
  }

  /** The service's deployment as the portal's deployment view reads it, as `user`. */
  async function deploymentOf(user = DIEGO) {
    const res = await request(portal.server)
      .get(`/api/deployment/entities/default/component/${NAME}`)
      .set('Authorization', await portal.as(user));
    expect(res.status).toBe(200);
    return res.body as {
      clusters: Array<{ cluster: string; environments: any[] }>;
    };
  }

  const environmentOf = async (environment: string) =>
    (await deploymentOf()).clusters
      .flatMap(c => c.environments)
      .find(e => e.environment === environment);

  /** Asks Argo CD, through the portal, to look at the repository now. */
  async function refresh(environment: string) {
    const res = await request(portal.server)
      .post(`/api/deployment/entities/default/component/${NAME}/actions`)
      .set('Authorization', await portal.as(DIEGO))
      .send({
        action: 'refresh',
        cluster: 'development',
        application: `${NAME}-${environment}`,
      });
    expect(res.status).toBe(202);
  }

  /** Waits until every pod of the environment runs `tag`, ready, and Argo CD is Synced and Healthy. */
  const runsHealthy = (environment: string, tag: string, count?: number) =>
    eventually(`${environment} running ${tag}`, async () => {
      const env = await environmentOf(environment);
      return (
        env?.application?.syncStatus === 'Synced' &&
        env.application.healthStatus === 'Healthy' &&
        env.pods.length > 0 &&
        (count === undefined || env.pods.length === count) &&
        env.pods.every(
          (p: any) =>
            p.imageTag === tag &&
            p.phase === 'Running' &&
            p.readyContainers === p.totalContainers &&
            !p.problem,
        ) &&
        env
      );
    });

  const promote = async (from: string, to: string, user = DIEGO) =>
    request(portal.server)
      .post(`/api/deployment/entities/default/component/${NAME}/promotions`)
      .set('Authorization', await portal.as(user))
      .send({ from, to });

  beforeAll(async () => {
    [cp, gitlab] = await Promise.all([
      startControlPlane({ controllers: true }),
      startGitLabDouble({ basePath: '/gitlab' }),
    ]);
    await cp.apply(platformAppProjects(`${gitlab.baseUrl}/idp/`));
    await cp.apply(
      fs.readFileSync(
        path.join(
          repoRoot(),
          'platform/portal/argocd-repo-secrets/rbac-argocd-repo-secrets.yaml',
        ),
        'utf8',
      ),
    );
    admin = new KubeRest(cp.kubeConfig('admin'));
    gitlab.addGroup({ path: 'idp' });
    gitlab.addUser({ username: 'idp-portal' });
    const gitlabToken = gitlab.createToken({
      user: 'idp-portal',
      scopes: ['api'],
    });
    portal = await startPortal({
      cp,
      gitlab,
      gitlabToken,
      access: true,
      features: [scheduler.factory()],
      config: {
        backend: {
          auth: {
            externalAccess: [
              {
                type: 'static',
                options: { token: PREVIEW_TOKEN, subject: PIPELINE_SUBJECT },
                // The pipeline's token reaches the deployment backend only.
                accessRestrictions: [{ plugin: 'deployment' }],
              },
            ],
          },
        },
        deployment: {
          previews: {
            maxTtlHours: 96,
            pipelines: [{ subject: PIPELINE_SUBJECT, team: 'team-payments' }],
          },
        },
      },
    });
    await Promise.all(
      [
        'python-fastapi-service',
        'add-environment',
        'remove-environment',
        'cleanup-failed-task',
      ].map(t => portal.waitForEntity('template', t)),
    );
    const created = await portal.runTask(
      'python-fastapi-service',
      {
        name: NAME,
        description: 'Environment management',
        owner: 'group:default/team-payments',
        system: 'system:default/payments',
        environment: 'development',
        size: 'small',
        exposure: 'internal',
        visibility: 'internal',
      },
      DIEGO,
    );
    if (created.task.status !== 'completed') {
      throw new Error(`the golden path failed: ${created.messages.join('\n')}`);
    }
    await portal.waitForEntity('component', NAME);
  });

  afterAll(async () => {
    await portal?.stop();
    await Promise.all([cp?.stop(), gitlab?.stop()]);
  });

  describe('refused before any side effect', () => {
    it("a developer of another team adding to this team's service", async () => {
      failedWith(
        await changesNothing(() => add({}, MEI)),
        /user:default\/mei\.chen is not a member of group:default\/team-payments/,
      );
    });

    it("a platform engineer adding another team's production", async () => {
      failedWith(
        await changesNothing(() => add({ environment: 'production' }, PRIYA)),
        /production environments of group:default\/team-payments are added by its own members/,
      );
    });

    it('a service that is not in the catalog', async () => {
      failedWith(
        await changesNothing(() =>
          add({ component: 'component:default/no-such-service' }),
        ),
        /component:default\/no-such-service is not in the catalog/,
      );
    });

    it('an environment the service already has', async () => {
      failedWith(
        await changesNothing(() => add({ environment: 'development' })),
        /payments-envs already has a development environment \(payments-envs-development on cluster development\)/,
      );
    });

    it('a public hostname that is an IP address', async () => {
      failedWith(
        await changesNothing(() =>
          add({ exposure: 'public', hostname: '169.254.169.254' }),
        ),
        /exposure\.hostname: must be a DNS name, not an IP address/,
      );
    });
  });

  it('adds staging: its own branch and values, Ready, deployed by Argo CD, two pods running', async () => {
    const run = await add({});
    expect(run.task.status).toBe('completed');
    addTasks.staging = run;
    const log = run.messages.join('\n');
    expect(log).toContain(
      `${NAME} gets staging: team-payments-${NAME}-staging on cluster development, deployed from idp/team-payments/${NAME}-deployment@staging`,
    );
    const xr: any = await admin.get(
      XR,
      'ApplicationEnvironment',
      `${NAME}-staging`,
    );
    expect(ready(xr)).toBe(true);
    // The platform's facts, not the form's: the team and system of the existing environment,
    // the team's deployment repository, the environment's branch.
    expect(xr.spec).toMatchObject({
      team: 'team-payments',
      system: 'payments',
      component: NAME,
      environment: 'staging',
      repository: {
        url: `${gitlab.baseUrl}/idp/team-payments/${NAME}-deployment.git`,
        revision: 'staging',
      },
    });
    expect(xr.metadata.labels['idp.acme.example/scaffolder-task']).toBe(run.id);
    const app = await eventually('staging synced and healthy', async () => {
      const a = await admin.get(
        APPLICATION,
        'Application',
        `${NAME}-staging`,
        'argocd',
      );
      return a?.status?.sync?.status === 'Synced' &&
        a?.status?.health?.status === 'Healthy'
        ? a
        : undefined;
    });
    expect(app.spec.source.targetRevision).toBe('staging');
    // environments/staging.yaml of the skeleton: two replicas.
    const pods = await eventually('two staging pods running', async () => {
      const list = await admin.list('v1', 'Pod', {
        namespace: `team-payments-${NAME}-staging`,
      });
      const running = list.filter(
        (p: any) =>
          p.status?.phase === 'Running' &&
          p.status?.containerStatuses?.every((c: any) => c.ready),
      );
      return running.length === 2 ? running : undefined;
    });
    expect(pods).toHaveLength(2);
  });

  describe('promote development → staging', () => {
    it('commits the image that runs healthy in development to staging, and Argo CD deploys it', async () => {
      await ciDeploys('development', '1.0.0');
      await refresh('development');
      await runsHealthy('development', '1.0.0');
      const res = await promote('development', 'staging');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        kind: 'commit',
        image: `registry.invalid/idp/team-payments/${NAME}:1.0.0`,
      });
      expect(res.body.message).toMatch(
        /^Promoted registry\.invalid\/idp\/team-payments\/payments-envs:1\.0\.0 to staging: commit [0-9a-f]{8} on idp\/team-payments\/payments-envs-deployment@staging; Argo CD deploys it$/,
      );
      // The commit says who promoted it and from where.
      const commits = await gitlabApi(
        'GET',
        `/projects/${deployProject().id}/repository/commits?ref_name=staging`,
      );
      expect(commits[0].message).toContain(
        `Promote ${NAME} 1.0.0 from development to staging`,
      );
      expect(commits[0].message).toContain(`Promoted-By: ${DIEGO}`);
      await refresh('staging');
      await runsHealthy('staging', '1.0.0', 2);
      // Again: staging already deploys it.
      const again = await promote('development', 'staging');
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(/staging already deploys/);
    });

    it('refuses what another team asks, a backwards promotion, and an environment the service lacks', async () => {
      const before = await inventory();
      const mei = await promote('development', 'staging', MEI);
      expect(mei.status).toBe(403);
      const backwards = await promote('staging', 'development');
      expect(backwards.status).toBe(400);
      expect(backwards.body.error.message).toMatch(
        /development does not come after staging/,
      );
      const missing = await promote('staging', 'production');
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toMatch(
        /the service has no production environment; add it first/,
      );
      expect(await inventory()).toEqual(before);
    });
  });

  it('adds production, which a member of the team may', async () => {
    const run = await add({ environment: 'production' });
    expect(run.task.status).toBe('completed');
    addTasks.production = run;
    const xr: any = await admin.get(
      XR,
      'ApplicationEnvironment',
      `${NAME}-production`,
    );
    // The conditions in the failure message: what Crossplane said when it was not Ready.
    expect({ ready: ready(xr), conditions: xr?.status?.conditions }).toEqual({
      ready: true,
      conditions: expect.anything(),
    });
  });

  describe('promote staging → production', () => {
    it('opens a merge request instead of deploying, and the view lists it as pending', async () => {
      const res = await promote('staging', 'production');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        kind: 'merge-request',
        image: `registry.invalid/idp/team-payments/${NAME}:1.0.0`,
        url: `${gitlab.baseUrl}/idp/team-payments/${NAME}-deployment/-/merge_requests/1`,
      });
      const pending = await request(portal.server)
        .get(`/api/deployment/entities/default/component/${NAME}/promotions`)
        .set('Authorization', await portal.as(DIEGO));
      expect(pending.body).toEqual([
        expect.objectContaining({
          environment: 'production',
          title: `Promote ${NAME} 1.0.0 to production`,
          iid: 1,
          url: res.body.url,
          author: 'idp-portal',
        }),
      ]);
      // Asked twice: the same merge request.
      const again = await promote('staging', 'production');
      expect(again.body.url).toBe(res.body.url);
      // Nothing reached production's branch: the approval is GitLab's.
      await refresh('production');
      await new Promise(r => setTimeout(r, 5000));
      const after = await environmentOf('production');
      expect(after.pods.length).toBeGreaterThan(0);
      expect(after.pods.map((p: any) => p.imageTag)).not.toContain('1.0.0');
    });

    it('once merged in GitLab, production runs it and nothing is pending', async () => {
      await gitlabApi(
        'PUT',
        `/projects/${deployProject().id}/merge_requests/1/merge`,
      );
      await refresh('production');
      await eventually('production running 1.0.0', async () => {
        const env = await environmentOf('production');
        return (
          env?.application?.syncStatus === 'Synced' &&
          env.pods.length > 0 &&
          env.pods.every(
            (p: any) => p.imageTag === '1.0.0' && p.phase === 'Running',
          )
        );
      });
      const pending = await request(portal.server)
        .get(`/api/deployment/entities/default/component/${NAME}/promotions`)
        .set('Authorization', await portal.as(DIEGO));
      expect(pending.body).toEqual([]);
    });

    it('refuses to promote a crash-looping image, and says why', async () => {
      await ciDeploys('development', '1.1.0-crashloop');
      await refresh('development');
      await eventually('development crash-looping', async () => {
        const env = await environmentOf('development');
        return env?.pods.some(
          (p: any) =>
            p.imageTag === '1.1.0-crashloop' &&
            p.problem === 'CrashLoopBackOff',
        );
      });
      const staging = await environmentOf('staging');
      const res = await promote('development', 'staging');
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(
        /^Not promoted: development is not running healthy, /,
      );
      expect(res.body.error.message).toMatch(
        /CrashLoopBackOff|Degraded|Progressing/,
      );
      expect(
        (await environmentOf('staging')).pods.map((p: any) => p.imageTag),
      ).toEqual(staging.pods.map((p: any) => p.imageTag));
    });
  });

  it('the deployment view shows the three environments', async () => {
    const res = await request(portal.server)
      .get(`/api/deployment/entities/default/component/${NAME}`)
      .set('Authorization', await portal.as(DIEGO));
    expect(res.status).toBe(200);
    const environments = res.body.clusters.flatMap((c: any) =>
      c.environments.map((e: any) => e.environment),
    );
    expect(environments.sort()).toEqual([
      'development',
      'production',
      'staging',
    ]);
  });

  describe('previews', () => {
    const previewsPath = `/api/deployment/entities/default/component/${NAME}/previews`;
    const previewOf = async (name: string) =>
      (await deploymentOf()).clusters
        .flatMap(c => c.environments)
        .find(e => e.preview?.name === name);

    /**
     * Runs one job of the service's own .gitlab-ci.yml as its merge request pipeline would
     * (gitlab-ci-local, shell executor), with the team's preview token as its CI/CD variable.
     */
    async function pipelineJob(job: string, iid: number, branch: string) {
      const tools = templateTools();
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-preview-'));
      const env = {
        ...process.env,
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${tools.path}`,
        GIT_TERMINAL_PROMPT: '0',
      };
      try {
        const rootAuth = `http.extraHeader=Authorization: Basic ${Buffer.from(
          `root:${gitlab.rootToken}`,
        ).toString('base64')}`;
        const cloned = await runCommand(
          'git',
          [
            '-c',
            rootAuth,
            'clone',
            '-q',
            `${gitlab.baseUrl}/idp/team-payments/${NAME}.git`,
            'app',
          ],
          { cwd: workDir, env },
        );
        expect(`${cloned.code} ${cloned.output}`).toMatch(/^0 /);
        const port = (portal.server.address() as AddressInfo).port;
        const variables = {
          CI_PIPELINE_SOURCE: 'merge_request_event',
          CI_MERGE_REQUEST_IID: String(iid),
          CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: branch,
          CI_REGISTRY_IMAGE: `registry.acme.example/idp/team-payments/${NAME}`,
          IDP_PORTAL_URL: `http://127.0.0.1:${port}`,
          IDP_PREVIEW_TOKEN: PREVIEW_TOKEN,
        };
        return await runCommand(
          gitlabCiLocal()[0],
          [
            ...gitlabCiLocal().slice(1),
            '--force-shell-executor',
            '--ignore-predefined-vars',
            Object.keys(variables)
              .filter(k => k.startsWith('CI_'))
              .join(','),
            ...Object.entries(variables).flatMap(([k, v]) => [
              '--variable',
              `${k}=${v}`,
            ]),
            job,
          ],
          { cwd: path.join(workDir, 'app'), env },
        );
      } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
      }
    }

    it("refuses another team's developer, another team's service and a TTL over the maximum, changing nothing", async () => {
      const before = await inventory();
      const other = await request(portal.server)
        .post(previewsPath)
        .set('Authorization', await portal.as(MEI))
        .send({ branch: 'feature/x' });
      expect(other.status).toBe(403);
      const long = await request(portal.server)
        .post(previewsPath)
        .set('Authorization', await portal.as(DIEGO))
        .send({ branch: 'feature/x', ttlHours: 97 });
      expect(long.status).toBe(400);
      expect(long.body.error.message).toMatch(
        /ttlHours: must be more than 0 and at most 96/,
      );
      // The pipeline token on another team's service, and on another plugin's API.
      const storefront = await request(portal.server)
        .post(
          '/api/deployment/entities/default/component/storefront-web/previews',
        )
        .set('Authorization', `Bearer ${PREVIEW_TOKEN}`)
        .send({ branch: 'feature/x' });
      expect([403, 404]).toContain(storefront.status);
      const catalog = await request(portal.server)
        .get('/api/catalog/entities')
        .set('Authorization', `Bearer ${PREVIEW_TOKEN}`);
      expect(catalog.status).toBe(403);
      expect(catalog.body.error.message).toMatch(
        /This token's access is restricted to plugin\(s\) 'deployment'/,
      );
      expect(await inventory()).toEqual(before);
    });

    it("the merge request's pipeline creates its preview: Ready, deployed by Argo CD, shown with branch and expiry", async () => {
      const job = await pipelineJob('preview', 7, 'feature/refund-limits');
      expect(`${job.code} ${job.output}`).toMatch(/^0 /);
      expect(job.output).toContain(`"resource":"${NAME}-preview-mr-7"`);
      // The job's log (the first line is this test's own command line, which passes the token).
      expect(job.output.split('\n').slice(1).join('\n')).not.toContain(
        PREVIEW_TOKEN,
      );
      const xr: any = await eventually('the preview Ready', async () => {
        const x = await admin.get(
          XR,
          'ApplicationEnvironment',
          `${NAME}-preview-mr-7`,
        );
        return ready(x) && x;
      });
      expect(xr.spec).toMatchObject({
        team: 'team-payments',
        environment: 'development',
        exposure: { mode: 'internal' },
        preview: {
          name: 'mr-7',
          branch: 'feature/refund-limits',
          mergeRequest: 7,
        },
      });
      expect(xr.metadata.annotations['idp.acme.example/requested-by']).toBe(
        `pipeline:${PIPELINE_SUBJECT}`,
      );
      const shown = await eventually(
        'the preview running in the view',
        async () => {
          const e = await previewOf('mr-7');
          return (
            e?.application?.healthStatus === 'Healthy' &&
            e.pods.length > 0 &&
            e.pods.every(
              (p: any) =>
                p.imageTag?.startsWith('mr-7-') && p.phase === 'Running',
            ) &&
            e
          );
        },
      );
      expect(shown).toMatchObject({
        name: `${NAME}-preview-mr-7`,
        namespace: `team-payments-${NAME}-preview-mr-7`,
        preview: {
          name: 'mr-7',
          branch: 'feature/refund-limits',
          mergeRequest: 7,
        },
      });
      const expires = Date.parse(shown.preview.expiresAt);
      expect(expires - Date.now()).toBeGreaterThan(71 * 3_600_000);
      // Promotion never takes a preview for development.
      expect((await environmentOf('development')).preview).toBeUndefined();
    });

    it('closing the merge request runs its stop job, which removes the preview and leaves nothing', async () => {
      const job = await pipelineJob('preview-stop', 7, 'feature/refund-limits');
      expect(`${job.code} ${job.output}`).toMatch(/^0 /);
      expect(job.output).toContain('Preview mr-7 is being removed');
      expect(job.output).not.toMatch(/FAIL\s+preview-stop/);
      await eventually('the preview gone', async () => {
        const { xrs, namespaces, apps } = await inventory();
        return (
          !xrs.some((x: string) => x.includes('preview')) &&
          !namespaces.some((n: string) => n.includes('preview')) &&
          !apps.some((a: string) => a.includes('preview')) &&
          true
        );
      });
    });

    it('a developer creates one from the portal; once expired, the scheduled task removes it', async () => {
      const created = await request(portal.server)
        .post(previewsPath)
        .set('Authorization', await portal.as(DIEGO))
        .send({ branch: 'spike/faster-refunds', ttlHours: 1 });
      expect(created.status).toBe(201);
      expect(created.body.preview.name).toBe('spike-faster-refunds');
      const name = `${NAME}-preview-spike-faster-refunds`;
      await eventually('the preview Ready', async () =>
        ready(await admin.get(XR, 'ApplicationEnvironment', name)),
      );
      // Not expired yet: the task leaves it.
      await scheduler.triggerTask(REAPER);
      expect(await admin.get(XR, 'ApplicationEnvironment', name)).toBeDefined();
      // An hour passes (its expiry moved into the past, as the platform sees it then).
      await admin.mergePatch(XR, 'ApplicationEnvironment', name, {
        spec: { preview: { expiresAt: '2026-01-01T00:00:00Z' } },
      });
      const view = await previewOf('spike-faster-refunds');
      expect(view.preview.expiresAt).toBe('2026-01-01T00:00:00Z');
      await scheduler.triggerTask(REAPER);
      await eventually('the expired preview gone', async () => {
        const { xrs, namespaces, apps } = await inventory();
        return (
          !xrs.includes(name) &&
          !namespaces.includes(`team-payments-${name}`) &&
          !apps.includes(name) &&
          true
        );
      });
      expect(await previewOf('spike-faster-refunds')).toBeUndefined();
    });
  });

  describe('remove', () => {
    const remove = (values: object, user = DIEGO) =>
      portal.runTask(
        'remove-environment',
        { component: COMPONENT, environment: 'staging', ...values },
        user,
      );

    it('refuses a wrong confirmation, another team, and an environment the service lacks', async () => {
      failedWith(
        await changesNothing(() => remove({ confirmation: NAME })),
        /confirmation: type the environment's name, payments-envs-staging, to remove it/,
      );
      failedWith(
        await changesNothing(() =>
          remove({ confirmation: `${NAME}-staging` }, MEI),
        ),
        /is not a member of group:default\/team-payments/,
      );
    });

    it('removes staging: the XR, its namespace and Application go; the others stay', async () => {
      const run = await remove({ confirmation: `${NAME}-staging` });
      expect(run.task.status).toBe('completed');
      expect(
        await admin.get(XR, 'ApplicationEnvironment', `${NAME}-staging`),
      ).toBeUndefined();
      await eventually(
        'the staging namespace and Application gone',
        async () => {
          const { namespaces, apps } = await inventory();
          return (
            !namespaces.includes(`team-payments-${NAME}-staging`) &&
            !apps.includes(`${NAME}-staging`)
          );
        },
      );
      const { xrs } = await inventory();
      expect(xrs).toEqual([`${NAME}-development`, `${NAME}-production`]);
      // Removing it again: it is gone, and the message says what the service has.
      failedWith(
        await changesNothing(() => remove({ confirmation: `${NAME}-staging` })),
        /payments-envs has no staging environment; it has development, production/,
      );
    });

    it("undoes the production add from that task's own records, and keeps the last environment", async () => {
      const undo = await portal.runTask(
        'cleanup-failed-task',
        { taskId: addTasks.production.id },
        PRIYA,
      );
      expect(undo.task.status).toBe('completed');
      expect(
        await admin.get(XR, 'ApplicationEnvironment', `${NAME}-production`),
      ).toBeUndefined();
      expect((await inventory()).xrs).toEqual([`${NAME}-development`]);
      failedWith(
        await changesNothing(() =>
          remove({
            environment: 'development',
            confirmation: `${NAME}-development`,
          }),
        ),
        /development is payments-envs's only environment; decommission the service instead/,
      );
    });
  });
});
