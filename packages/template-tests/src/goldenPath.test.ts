import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import {
  ControlPlane,
  GitLabDouble,
  KubeRest,
  StatusSimulator,
  repoRoot,
  startControlPlane,
  startGitLabDouble,
} from '@internal/test-platform';
import { Portal, startPortal } from './portal';

// The Python golden path through the portal's API, with the real templates of templates/: the
// real scaffolder and catalog backends (SQLite), the GitLab double, a real kube-apiserver where
// the simulator plays Crossplane (the XR becomes Ready after a fixed delay) and Argo CD, and
// what the deployment view reads, with the portal's least-privilege service account. Then the decommission template removes all of it.
jest.setTimeout(600_000);

const XR = 'idp.acme.example/v1alpha1';
const READY_AFTER_MS = 2000;
const NAME = 'payments-golden';

const VALUES = {
  name: NAME,
  description: 'Golden path of the template tests',
  owner: 'group:default/team-payments',
  system: 'system:default/payments',
  environment: 'development',
  size: 'small',
  exposure: 'public',
  hostname: 'golden.apps.acme.example',
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
  let controller: { stop(): Promise<void> };
  let simulator: StatusSimulator;
  let admin: KubeRest;
  let gitlabToken: string;
  let dir: string;

  beforeAll(async () => {
    [cp, gitlab] = await Promise.all([
      startControlPlane(),
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
    // Only the top-level group exists: the path creates the team's subgroup.
    gitlab.addGroup({ path: 'idp' });
    gitlab.addUser({ username: 'idp-portal' });
    gitlabToken = gitlab.createToken({ user: 'idp-portal', scopes: ['api'] });
    simulator = new StatusSimulator(cp.kubeConfig('admin'));
    controller = simulator.runEnvironmentController({
      readyAfterMs: READY_AFTER_MS,
      pollMs: 100,
    });
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
    await controller?.stop();
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
    ).toMatchObject({ component: NAME, exposure: { mode: 'public' } });
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
      exposure: { mode: 'public', hostname: VALUES.hostname, port: 8080 },
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

    // Argo CD syncs it and the pods come up (the simulator writes both); Backstage's Kubernetes
    // backend finds the pods by the entity's annotations.
    const revision = (await gitlab.state.branches(deploy.id)).development;
    await simulator.setApplicationStatus(`${NAME}-development`, {
      sync: 'Synced',
      health: 'Healthy',
      revision,
      history: [{ revision, deployedAt: new Date().toISOString() }],
    });
    await simulator.setPods(
      `team-payments-${NAME}-development`,
      { 'backstage.io/kubernetes-id': NAME },
      [{ name: `${NAME}-7d9f-abcde`, state: 'Running' }],
    );
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
    expect(byType('pods').map((p: any) => p.metadata.name)).toEqual([
      `${NAME}-7d9f-abcde`,
    ]);
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
        `(of which ${READY_AFTER_MS} ms is the simulated Crossplane delay), ` +
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
