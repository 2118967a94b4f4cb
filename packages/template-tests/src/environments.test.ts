import fs from 'node:fs';
import path from 'node:path';
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
import { Portal, TaskRun, startPortal } from './portal';

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
    portal = await startPortal({ cp, gitlab, gitlabToken, access: true });
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
    expect(
      ready(
        await admin.get(XR, 'ApplicationEnvironment', `${NAME}-production`),
      ),
    ).toBe(true);
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
