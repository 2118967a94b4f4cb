import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import {
  ControlPlane,
  GitLabDouble,
  KubeObject,
  KubeRest,
  platformAppProjects,
  repoRoot,
  startControlPlane,
  startGitLabDouble,
} from '@internal/test-platform';
import { Portal, startPortal } from './portal';
import { gitlabCiLocal, run as runCommand, templateTools } from './tools';

// The Python golden path through the portal's API, for real: the real templates of templates/,
// the real scaffolder and catalog backends (SQLite), the GitLab double, and a real kube-apiserver
// with the real controllers: Crossplane composes the environment and reports it Ready, Argo CD
// syncs the deployment repository with the deploy token the golden path created, the scheduler
// binds the pods and kwok runs them. Nothing in this path is written by a simulator. Then the
// app's own deploy job (gitlab-ci-local) commits a new image tag and Argo CD rolls the
// Deployment to it, and the decommission template removes all of it.
jest.setTimeout(900_000);

const XR = 'idp.acme.example/v1alpha1';
const NAME = 'payments-golden';
const NAMESPACE = `team-payments-${NAME}-development`;
const APP = `${NAME}-development`;

/** Polls until `probe` answers something truthy (the controllers work asynchronously). */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 180_000,
  describe: () => Promise<unknown> = async () => undefined,
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
      throw new Error(
        `timed out waiting for ${what} (last: ${String(
          last,
        )}): ${JSON.stringify(await describe().catch(e => String(e)))}`,
      );
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

const VALUES = {
  name: NAME,
  description: 'Golden path of the template tests',
  owner: 'group:default/team-payments',
  system: 'system:default/payments',
  environment: 'development',
  size: 'small',
  // Internal: a public service's HTTPRoute stays Progressing in Argo CD until a Gateway
  // controller accepts it, and no Gateway implementation can run here (they need Envoy); public
  // exposure is checked by the chart tests (admitted) and the tenancy suite (hostname rules).
  exposure: 'internal',
  visibility: 'internal',
};

/** A template that cleans up after a failed task from its log (idp:undo with taskId). */
const UNDO_TASK_TEMPLATE = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: test-undo-task
spec:
  owner: group:default/platform-team
  type: service
  parameters:
    - properties:
        taskId: { type: string }
  steps:
    - id: undo
      action: idp:undo
      input:
        taskId: \${{ parameters.taskId }}
`;

describe('the Python golden path through the portal', () => {
  let cp: ControlPlane;
  let gitlab: GitLabDouble;
  let portal: Portal;
  let admin: KubeRest;
  let gitlabToken: string;
  let dir: string;

  beforeAll(async () => {
    [cp, gitlab] = await Promise.all([
      startControlPlane({
        controllers: {
          crossplane: true,
          // Resource health in the Application's status, as the platform configures Argo CD
          // (platform/argocd/README.md): the deployment view lists unhealthy resources.
          argocd: { persistResourceHealth: true },
          kwok: true,
        },
      }),
      startGitLabDouble({ basePath: '/gitlab' }),
    ]);
    // The teams' AppProjects, permitting the double's repositories instead of gitlab.acme.example,
    // and the Gateway API a public service's HTTPRoute needs (a cluster with the shared gateway).
    await cp.apply(platformAppProjects(`${gitlab.baseUrl}/idp/`));
    await cp.apply(
      templateTools()
        .gatewayApiCrds.map(f => fs.readFileSync(f, 'utf8'))
        .join('\n---\n'),
    );
    await cp.apply(
      fs.readFileSync(
        path.join(
          repoRoot(),
          'platform/portal/argocd-repo-secrets/rbac-argocd-repo-secrets.yaml',
        ),
        'utf8',
      ),
    );
    // Only the top-level group exists: the path creates the team's subgroup.
    gitlab.addGroup({ path: 'idp' });
    gitlab.addUser({ username: 'idp-portal' });
    gitlabToken = gitlab.createToken({ user: 'idp-portal', scopes: ['api'] });
    admin = new KubeRest(cp.kubeConfig('admin'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-golden-'));
    fs.writeFileSync(path.join(dir, 'undo-task.yaml'), UNDO_TASK_TEMPLATE);
    portal = await startPortal({
      cp,
      gitlab,
      gitlabToken,
      extraLocations: [path.join(dir, 'undo-task.yaml')],
    });
    await Promise.all(
      ['python-fastapi-service', 'decommission-service', 'test-undo-task'].map(
        t => portal.waitForEntity('template', t),
      ),
    );
  });

  afterAll(async () => {
    await portal?.stop();
    await Promise.all([cp?.stop(), gitlab?.stop()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the service from the form values, shows its deployment, leaks no token, and decommissions it', async () => {
    const run = await portal.runTask('python-fastapi-service', VALUES);
    const log = run.messages.join('\n');
    expect(`${run.task.status}\n${log}`).toMatch(/^completed\n/);
    expect(log).toContain(`${NAME}-development is Ready`);

    // Both repositories, with the rendered skeletons on the right branches.
    const app = gitlab.state.project(`idp/team-payments/${NAME}`)!;
    const deploy = gitlab.state.project(
      `idp/team-payments/${NAME}-deployment`,
    )!;
    expect(gitlab.state.group('idp/team-payments')).toBeDefined();
    expect(app.defaultBranch).toBe('main');
    expect(app.ciConfigPath).toBe('.gitlab-ci.yml');
    // The template's topics, and the golden path's mark that idp:undo checks before removing it.
    expect(app.topics).toEqual(['python', 'fastapi', `idp-component-${NAME}`]);
    for (const file of [
      'app/main.py',
      'tests/test_health.py',
      'pyproject.toml',
      'uv.lock',
      'Dockerfile',
      '.gitlab-ci.yml',
      'mkdocs.yml',
      'docs/index.md',
    ]) {
      expect(`${file}: ${!!(await gitlab.state.readFile(app.id, file))}`).toBe(
        `${file}: true`,
      );
    }
    const entityFile = parse(
      (await gitlab.state.readFile(app.id, 'catalog-info.yaml'))!,
    );
    expect(entityFile.metadata.annotations['backstage.io/kubernetes-id']).toBe(
      NAME,
    );
    expect(Object.keys(await gitlab.state.branches(deploy.id)).sort()).toEqual([
      'development',
      'production',
      'staging',
    ]);
    for (const branch of ['development', 'production']) {
      const values = parse(
        (await gitlab.state.readFile(
          deploy.id,
          `environments/${branch}.yaml`,
          branch,
        ))!,
      );
      expect(values.image.tag).toBe('not-built-yet');
    }
    expect(
      parse((await gitlab.state.readFile(deploy.id, 'values.yaml'))!),
    ).toMatchObject({ component: NAME, exposure: { mode: 'internal' } });
    expect(app.variables.map(v => v.key)).toEqual(['DEPLOY_REPO_TOKEN']);

    // The environment: applied, Ready, pointing Argo CD at the deployment repository.
    const xr = await admin.get(
      XR,
      'ApplicationEnvironment',
      `${NAME}-development`,
    );
    expect(xr?.spec).toMatchObject({
      team: 'team-payments',
      system: 'payments',
      component: NAME,
      environment: 'development',
      size: 'small',
      repository: { url: `${gitlab.baseUrl}/${deploy.fullPath}.git` },
      exposure: { mode: 'internal', port: 8080 },
    });
    expect(
      xr?.status.conditions.find((c: any) => c.type === 'Ready').status,
    ).toBe('True');

    // The catalog entity, processed without errors.
    const entity = await portal.waitForEntity('component', NAME);
    expect(entity.spec).toMatchObject({
      owner: 'group:default/team-payments',
      system: 'payments',
    });
    const ancestry = await request(portal.server)
      .get(`/api/catalog/entities/by-name/component/default/${NAME}/ancestry`)
      .set('Authorization', portal.auth());
    expect(ancestry.status).toBe(200);
    const facets = await request(portal.server)
      .get('/api/catalog/entities/by-query')
      .query({ filter: `metadata.name=${NAME}`, fields: 'status' })
      .set('Authorization', portal.auth());
    expect(JSON.stringify(facets.body)).not.toMatch(/"level":"error"/);

    // Crossplane composed the namespace with its guardrails and the Application (the XR's
    // Ready above is Crossplane's); Argo CD syncs the chart from the deployment repository with
    // the deploy token, the scheduler binds the pods and kwok runs them.
    const revision = (await gitlab.state.branches(deploy.id)).development;
    const synced = await eventually(
      'Argo CD to sync and report Healthy',
      async () => {
        const a = await admin.get(
          'argoproj.io/v1alpha1',
          'Application',
          APP,
          'argocd',
        );
        return a?.status?.sync?.status === 'Synced' &&
          a?.status?.health?.status === 'Healthy' &&
          a?.status?.sync?.revision === revision
          ? a
          : undefined;
      },
      180_000,
      async () => ({
        applications: (
          await admin.list('argoproj.io/v1alpha1', 'Application', {
            namespace: 'argocd',
          })
        ).map(a => ({ name: a.metadata.name, status: a.status })),
        xr: (await admin.get(XR, 'ApplicationEnvironment', APP))?.status,
        logs: cp.dir,
      }),
    );
    expect(synced.status.operationState).toMatchObject({
      phase: 'Succeeded',
      syncResult: { revision },
    });
    expect(synced.status.history.map((h: any) => h.revision)).toEqual([
      revision,
    ]);
    const podsOf = async () =>
      (await admin.list('v1', 'Pod', { namespace: NAMESPACE })).filter(
        (p: KubeObject) => !p.metadata.deletionTimestamp,
      );
    const runningPods = await eventually('the pods to run', async () => {
      const pods = await podsOf();
      return pods.length > 0 &&
        pods.every(
          (p: any) =>
            p.status?.phase === 'Running' &&
            p.status?.conditions?.some(
              (c: any) => c.type === 'Ready' && c.status === 'True',
            ),
        )
        ? pods
        : undefined;
    });
    const deployment = await admin.get(
      'apps/v1',
      'Deployment',
      NAME,
      NAMESPACE,
    );
    expect(deployment?.status?.availableReplicas).toBe(runningPods.length);
    expect(
      (await admin.list('apps/v1', 'ReplicaSet', { namespace: NAMESPACE }))
        .length,
    ).toBe(1);
    const view = await request(portal.server)
      .post(`/api/kubernetes/services/${NAME}`)
      .set('Authorization', portal.auth())
      .send({ entity });
    expect(
      `${view.status} ${view.status === 200 ? '' : JSON.stringify(view.body)}`,
    ).toBe('200 ');
    const cluster = view.body.items[0];
    expect(cluster.errors).toEqual([]);
    const byType = (type: string) =>
      cluster.resources.find((r: any) => r.type === type)?.resources ?? [];
    expect(
      byType('pods')
        .map((p: any) => p.metadata.name)
        .sort(),
    ).toEqual(runningPods.map((p: KubeObject) => p.metadata.name).sort());
    // The upstream backend looks for custom resources only in the entity's namespace, and the
    // Application lives in argocd: what the deployment view (our own backend) has to read
    // instead. Read it here with the same least-privilege service account.
    expect(
      byType('customresources').filter((r: any) => r.kind === 'Application'),
    ).toEqual([]);
    const portalReads = new KubeRest(cp.kubeConfig('portal'));
    const application = await portalReads.get(
      'argoproj.io/v1alpha1',
      'Application',
      entity.metadata.annotations['argocd/app-name'],
      'argocd',
    );
    expect(application?.spec.source).toMatchObject({
      repoURL: `${gitlab.baseUrl}/${deploy.fullPath}.git`,
      targetRevision: 'development',
    });
    expect(application?.status).toMatchObject({
      sync: { status: 'Synced', revision },
      health: { status: 'Healthy' },
    });

    // The portal's deployment view: the environment Ready (Crossplane), the Application Synced
    // and Healthy at the deployment repository's revision (Argo CD), the pods running (kwok).
    const deploymentView = async () =>
      (
        await request(portal.server)
          .get(`/api/deployment/entities/default/component/${NAME}`)
          .set('Authorization', portal.auth())
      ).body;
    const first = (await deploymentView()).clusters[0].environments[0];
    expect(first).toMatchObject({
      name: APP,
      environment: 'development',
      namespace: NAMESPACE,
      application: {
        syncStatus: 'Synced',
        healthStatus: 'Healthy',
        revision,
      },
    });
    expect(first.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Ready', status: 'True' }),
      ]),
    );
    expect(first.pods).toHaveLength(runningPods.length);

    // Its TechDocs, as the Docs tab asks for them: the TechDocs backend reads the app
    // repository through GitLab's archive API and builds it with mkdocs-techdocs-core.
    const sync = await request(portal.server)
      .get(`/api/techdocs/sync/default/component/${NAME}`)
      .set('Authorization', portal.auth());
    expect(`${sync.status} ${JSON.stringify(sync.body)}`).toMatch(/^200 /);
    const docs = await request(portal.server)
      .get(`/api/techdocs/static/docs/default/component/${NAME}/index.html`)
      .set('Authorization', portal.auth());
    expect(docs.status).toBe(200);
    expect(docs.text).toMatch(new RegExp(`<h1 id="${NAME}">${NAME}\\b`));
    expect(docs.text).toContain(app.fullPath);
    expect(docs.text).toContain(deploy.fullPath);
    // Nothing fetched from outside the portal (the reader waits for every stylesheet).
    expect(docs.text).not.toMatch(/https:\/\/fonts\.(googleapis|gstatic)\.com/);

    // The app's deploy job, as its pipeline on main runs it (gitlab-ci-local, shell executor),
    // with the DEPLOY_REPO_TOKEN the golden path stored: it commits the new image tag into the
    // deployment repository, and Argo CD rolls the Deployment to it.
    const tools = templateTools();
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-golden-app-'));
    const env = {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${tools.path}`,
      GIT_TERMINAL_PROMPT: '0',
    };
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
        `${gitlab.baseUrl}/${app.fullPath}.git`,
        'app',
      ],
      { cwd: workDir, env },
    );
    expect(`${cloned.code} ${cloned.output}`).toMatch(/^0 /);
    const appDir = path.join(workDir, 'app');
    const sha = (
      await runCommand('git', ['rev-parse', 'HEAD'], { cwd: appDir })
    ).stdout
      .trim()
      .slice(0, 8);
    const image = `registry.acme.example/idp/team-payments/${NAME}`;
    const deployJob = await runCommand(
      gitlabCiLocal()[0],
      [
        ...gitlabCiLocal().slice(1),
        '--force-shell-executor',
        '--ignore-predefined-vars',
        'CI_SERVER_URL,CI_REGISTRY_IMAGE',
        '--variable',
        `DEPLOY_REPO_TOKEN=${
          gitlab.state
            .project(app.id)!
            .variables.find(v => v.key === 'DEPLOY_REPO_TOKEN')!.value
        }`,
        '--variable',
        `CI_SERVER_URL=${gitlab.baseUrl}`,
        '--variable',
        `CI_REGISTRY_IMAGE=${image}`,
        'deploy-development',
      ],
      { cwd: appDir, env },
    );
    fs.rmSync(workDir, { recursive: true, force: true });
    expect(`${deployJob.code} ${deployJob.output}`).toMatch(/^0 /);
    const bumped = (await gitlab.state.branches(deploy.id)).development;
    expect(bumped).not.toBe(revision);
    const rolled = await eventually(
      'Argo CD to roll out the new image',
      async () => {
        const a = await admin.get(
          'argoproj.io/v1alpha1',
          'Application',
          APP,
          'argocd',
        );
        const d = await admin.get('apps/v1', 'Deployment', NAME, NAMESPACE);
        // The history entry is written when the operation completes, after the Deployment
        // may already show the new image: wait for both.
        return a?.status?.sync?.revision === bumped &&
          a?.status?.operationState?.phase === 'Succeeded' &&
          a?.status?.history?.some((h: any) => h.revision === bumped) &&
          a?.status?.health?.status === 'Healthy' &&
          d?.spec?.template?.spec?.containers?.[0]?.image ===
            `${image}:${sha}` &&
          d?.status?.updatedReplicas === d?.spec?.replicas &&
          d?.status?.availableReplicas === d?.spec?.replicas
          ? a
          : undefined;
      },
    );
    expect(rolled.status.history.map((h: any) => h.revision)).toEqual([
      revision,
      bumped,
    ]);
    expect(
      (await admin.list('apps/v1', 'ReplicaSet', { namespace: NAMESPACE }))
        .length,
    ).toBe(2);
    const after = await eventually(
      'the view to show the new revision',
      async () => {
        const e = (await deploymentView()).clusters[0].environments[0];
        return e.application?.revision === bumped &&
          e.application?.history?.[0]?.revision === bumped &&
          e.pods.length > 0 &&
          e.pods.every((p: any) => p.imageTag === sha)
          ? e
          : undefined;
      },
    );
    // Newest first.
    expect(after.application.history.map((h: any) => h.revision)).toEqual([
      bumped,
      revision,
    ]);

    // The controllers are real: with the XR paused (Crossplane stops reconciling it) and the
    // Application's automated sync removed, a chart change pushed to the deployment repository
    // makes Argo CD report OutOfSync after a Refresh from the portal, and only the portal's
    // Sync deploys it. Unpausing the XR, Crossplane puts its automated sync policy back.
    await admin.mergePatch(
      XR,
      'ApplicationEnvironment',
      `${NAME}-development`,
      {
        metadata: { annotations: { 'crossplane.io/paused': 'true' } },
      },
    );
    await eventually('Crossplane to pause the XR', async () => {
      const paused = await admin.get(
        XR,
        'ApplicationEnvironment',
        `${NAME}-development`,
      );
      return paused?.status?.conditions?.some(
        (c: any) => c.type === 'Synced' && c.reason === 'ReconcilePaused',
      );
    });
    await admin.mergePatch(
      'argoproj.io/v1alpha1',
      'Application',
      APP,
      { spec: { syncPolicy: { automated: null } } },
      { namespace: 'argocd' },
    );
    const values = await gitlab.state.readFile(
      deploy.id,
      'environments/development.yaml',
      'development',
    );
    const pushed = await fetch(
      `${gitlab.apiBaseUrl}/projects/${deploy.id}/repository/commits`,
      {
        method: 'POST',
        headers: {
          'PRIVATE-TOKEN': gitlab.rootToken,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          branch: 'development',
          commit_message: 'Two replicas in development',
          actions: [
            {
              action: 'update',
              file_path: 'environments/development.yaml',
              content: values!.replace(/^replicas: 1$/m, 'replicas: 2'),
            },
          ],
        }),
      },
    );
    expect(values).toMatch(/^replicas: 1$/m);
    expect(pushed.status).toBe(201);
    const twoReplicas = ((await pushed.json()) as { id: string }).id;
    const viewCluster = (await deploymentView()).clusters[0].cluster as string;
    const act = (action: 'refresh' | 'sync') =>
      request(portal.server)
        .post(`/api/deployment/entities/default/component/${NAME}/actions`)
        .set('Authorization', portal.auth())
        .send({ action, cluster: viewCluster, application: APP });
    expect((await act('refresh')).status).toBe(202);
    const outOfSync = await eventually(
      'Argo CD to report the pushed chart OutOfSync',
      async () => {
        const e = (await deploymentView()).clusters[0].environments[0];
        return e.application?.syncStatus === 'OutOfSync' ? e : undefined;
      },
    );
    expect(outOfSync.application.revision).toBe(twoReplicas);
    // Nothing deploys it by itself: still one ReplicaSet's worth of pods, at the old revision.
    await new Promise(r => setTimeout(r, 15_000));
    expect(
      (await admin.get('apps/v1', 'Deployment', NAME, NAMESPACE))?.spec
        ?.replicas,
    ).not.toBe(2);
    expect((await act('sync')).status).toBe(202);
    const manualSync = await eventually(
      "the portal's Sync to deploy it",
      async () => {
        const a = await admin.get(
          'argoproj.io/v1alpha1',
          'Application',
          APP,
          'argocd',
        );
        const d = await admin.get('apps/v1', 'Deployment', NAME, NAMESPACE);
        return a?.status?.sync?.status === 'Synced' &&
          a?.status?.sync?.revision === twoReplicas &&
          a?.status?.operationState?.phase === 'Succeeded' &&
          a?.status?.history?.some((h: any) => h.revision === twoReplicas) &&
          d?.spec?.replicas === 2
          ? a
          : undefined;
      },
    );
    expect(manualSync.status.operationState.operation.initiatedBy).not.toEqual({
      automated: true,
    });
    expect(manualSync.status.history.map((h: any) => h.revision)).toEqual([
      revision,
      bumped,
      twoReplicas,
    ]);
    await admin.mergePatch(
      XR,
      'ApplicationEnvironment',
      `${NAME}-development`,
      {
        metadata: { annotations: { 'crossplane.io/paused': null } },
      },
    );
    await eventually('Crossplane to restore the automated sync', async () => {
      const a = await admin.get(
        'argoproj.io/v1alpha1',
        'Application',
        APP,
        'argocd',
      );
      return a?.spec?.syncPolicy?.automated?.selfHeal === true ? a : undefined;
    });

    // Every secret value the path handled, searched for in everything the task exposes.
    const secret = await admin.get(
      'v1',
      'Secret',
      `repo-gitlab-${deploy.id}`,
      'argocd',
    );
    const secrets = [
      app.variables.find(v => v.key === 'DEPLOY_REPO_TOKEN')!.value,
      Buffer.from(secret!.data.password, 'base64').toString(),
      gitlabToken,
      cp.portalToken,
    ];
    const exposed = JSON.stringify({ events: run.events, task: run.task });
    for (const value of secrets) expect(exposed).not.toContain(value);

    // What the golden path created, and how long it took (the XR's Ready delay included).
    const listing = [
      `GitLab group   idp/team-payments`,
      `GitLab project ${app.fullPath} (${app.id})`,
      `GitLab project ${deploy.fullPath} (${deploy.id}), branches development, staging, production`,
      `CI/CD variable DEPLOY_REPO_TOKEN on ${app.fullPath}`,
      ...gitlab.state
        .tokens()
        .filter(t => !t.revoked && t.name === 'idp-image-bump')
        .map(t => `access token  ${t.name} on ${deploy.fullPath}`),
      ...gitlab.state
        .deployTokens()
        .filter(t => !t.revoked)
        .map(t => `deploy token   ${t.name} on ${deploy.fullPath}`),
      `Secret         argocd/repo-gitlab-${deploy.id}`,
      `XR             ApplicationEnvironment ${NAME}-development (Ready)`,
      `namespace      team-payments-${NAME}-development, Application argocd/${NAME}-development`,
      `entity         component:default/${NAME} and its Location`,
    ];
    // eslint-disable-next-line no-console
    console.log(
      `Python golden path: ${run.wallMs} ms from Create to a finished task ` +
        `(Crossplane, Argo CD and kwok real), ` +
        `${
          gitlab.state.requests.length
        } GitLab requests. It created:\n  ${listing.join('\n  ')}`,
    );

    // Decommission: a wrong confirmation is refused and removes nothing; the right one, all.
    const wrong = await portal.runTask('decommission-service', {
      entity: `component:default/${NAME}`,
      confirmation: 'payments',
    });
    expect(wrong.task.status).toBe('failed');
    expect(wrong.messages.join('\n')).toContain(
      `type the name '${NAME}' to decommission`,
    );
    expect(gitlab.state.project(app.id)).toBeDefined();

    const undo = await portal.runTask('decommission-service', {
      entity: `component:default/${NAME}`,
      confirmation: NAME,
    });
    expect(`${undo.task.status}\n${undo.messages.join('\n')}`).toMatch(
      /^completed\n/,
    );
    expect(gitlab.state.project(app.id)).toBeUndefined();
    expect(gitlab.state.project(deploy.id)).toBeUndefined();
    expect(
      gitlab.state
        .tokens()
        .filter(t => t.name === 'idp-image-bump' && !t.revoked),
    ).toEqual([]);
    expect(
      await admin.get(XR, 'ApplicationEnvironment', `${NAME}-development`),
    ).toBeUndefined();
    expect(
      await admin.get('v1', 'Secret', `repo-gitlab-${deploy.id}`, 'argocd'),
    ).toBeUndefined();
    const gone = await request(portal.server)
      .get(`/api/catalog/entities/by-name/component/default/${NAME}`)
      .set('Authorization', portal.auth());
    expect(gone.status).toBe(404);
  });

  it('a task that fails on the deployment repository says why, and is cleaned up from its own log', async () => {
    // The first project creation (the application repository) goes through; the second fails.
    gitlab.faults.add({
      method: 'POST',
      path: '/api/v4/projects',
      latencyMs: 1,
      times: 1,
    });
    gitlab.faults.add({
      method: 'POST',
      path: '/api/v4/projects',
      status: 500,
    });
    const run = await portal.runTask('python-fastapi-service', {
      ...VALUES,
      name: 'payments-failing',
    });
    gitlab.faults.clear();
    expect(run.task.status).toBe('failed');
    expect(run.messages.join('\n')).toMatch(
      /GitLab POST \/projects answered 500.*server error; try again later/,
    );
    expect(
      gitlab.state.project('idp/team-payments/payments-failing'),
    ).toBeDefined();

    const undo = await portal.runTask('test-undo-task', { taskId: run.id });
    expect(undo.task.status).toBe('completed');
    expect(undo.messages.join('\n')).toContain(
      `Task ${run.id} recorded 1 created resources`,
    );
    expect(
      gitlab.state.project('idp/team-payments/payments-failing'),
    ).toBeUndefined();
  });
});
