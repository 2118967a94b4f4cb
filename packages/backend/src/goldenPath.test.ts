import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import idpActions from '@internal/plugin-scaffolder-backend-module-idp';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  ControlPlane,
  GitLabDouble,
  KubeRest,
  StatusSimulator,
  repoRoot,
  startControlPlane,
  startGitLabDouble,
} from '@internal/test-platform';

jest.setTimeout(300_000);

const USER = 'user:default/diego.alvarez';
const XR = 'idp.acme.example/v1alpha1';

/** A template that runs the whole golden path with our actions (templates/ has the real ones). */
function writeTemplates(dir: string) {
  const files: Record<string, string> = {
    'template.yaml': `
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: test-golden-path
spec:
  owner: group:default/platform-team
  type: service
  parameters:
    - properties:
        name: { type: string }
  steps:
    - id: app-files
      action: fetch:template
      input:
        url: ./app
        targetPath: app
        values:
          name: \${{ parameters.name }}
    - id: app-repo
      action: idp:gitlab:create-app-repo
      input:
        group: idp/team-payments
        name: \${{ parameters.name }}
        sourcePath: app
    - id: deploy-files
      action: fetch:template
      input:
        url: ./deployment
        targetPath: deployment
        values:
          name: \${{ parameters.name }}
    - id: deploy-repo
      action: idp:gitlab:create-deploy-repo
      input:
        group: idp/team-payments
        name: \${{ parameters.name }}
        appProjectId: \${{ steps['app-repo'].output.projectId }}
        sourcePath: deployment
    - id: environment
      action: idp:environment:apply
      input:
        team: team-payments
        system: payments
        component: \${{ parameters.name }}
        environment: development
        repository:
          url: \${{ steps['deploy-repo'].output.cloneUrl }}
    - id: register
      action: idp:catalog:register
      input:
        repoContentsUrl: \${{ steps['app-repo'].output.repoContentsUrl }}
  output:
    entityRef: \${{ steps.register.output.entityRef }}
`,
    'app/catalog-info.yaml': `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: \${{ values.name }}
  annotations:
    gitlab.com/project-slug: idp/team-payments/\${{ values.name }}
    idp.acme.example/deploy-repo-slug: idp/team-payments/\${{ values.name }}-deployment
    idp.acme.example/environments: development
    backstage.io/kubernetes-id: \${{ values.name }}
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-payments
  system: payments
`,
    'app/README.md': '# ${{ values.name }}\n',
    'deployment/values.yaml': 'image:\n  tag: latest\n',
    'decommission.yaml': `
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: test-undo
spec:
  owner: group:default/platform-team
  type: service
  parameters:
    - properties:
        taskId: { type: string }
        entityRef: { type: string }
  steps:
    - id: undo
      action: idp:undo
      input:
        taskId: \${{ parameters.taskId }}
        entityRef: \${{ parameters.entityRef }}
  output:
    removed: \${{ steps.undo.output.removed }}
`,
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
}

/**
 * The golden path through the real scaffolder and catalog backends (SQLite), with our module,
 * against the GitLab double and a real kube-apiserver where the simulator plays Crossplane.
 */
describe('golden path through the scaffolder', () => {
  let cp: ControlPlane;
  let gitlab: GitLabDouble;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let controller: { stop(): Promise<void> };
  let gitlabToken: string;
  let dir: string;

  const auth = () => mockCredentials.user.header(USER);

  async function runTask(templateName: string, values: object) {
    const created = await request(backend.server)
      .post('/api/scaffolder/v2/tasks')
      .set('Authorization', auth())
      .send({ templateRef: `template:default/${templateName}`, values });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    let task: any;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      task = (
        await request(backend.server)
          .get(`/api/scaffolder/v2/tasks/${id}`)
          .set('Authorization', auth())
      ).body;
      if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
      await new Promise(r => setTimeout(r, 500));
    }
    const events = (
      await request(backend.server)
        .get(`/api/scaffolder/v2/tasks/${id}/events`)
        .set('Authorization', auth())
    ).body as any[];
    return {
      id,
      task,
      events,
      messages: events.map(e => String(e.body?.message ?? '')),
    };
  }

  async function waitForTemplate(name: string) {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const res = await request(backend.server)
        .get(`/api/catalog/entities/by-name/template/default/${name}`)
        .set('Authorization', auth());
      if (res.status === 200) return;
      await new Promise(r => setTimeout(r, 300));
    }
    throw new Error(`template ${name} never reached the catalog`);
  }

  beforeAll(async () => {
    [cp, gitlab] = await Promise.all([
      startControlPlane(),
      startGitLabDouble({ basePath: '/gitlab' }),
    ]);
    await cp.apply(
      fs.readFileSync(
        path.join(repoRoot(), 'platform/portal/rbac-argocd-repo-secrets.yaml'),
        'utf8',
      ),
    );
    gitlab.addGroup({ path: 'idp' });
    gitlab.addGroup({ path: 'team-payments', parent: 'idp' });
    gitlab.addUser({ username: 'idp-portal' });
    gitlabToken = gitlab.createToken({ user: 'idp-portal', scopes: ['api'] });
    controller = new StatusSimulator(
      cp.kubeConfig('admin'),
    ).runEnvironmentController({
      readyAfterMs: 1000,
      pollMs: 100,
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-golden-'));
    writeTemplates(dir);
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        scaffolderEntityModel,
        scaffolderPlugin,
        idpActions,
        mockServices.rootConfig.factory({
          data: {
            integrations: { gitlab: [gitlab.integrationConfig(gitlabToken)] },
            catalog: {
              rules: [{ allow: ['Component', 'Template', 'Location'] }],
              locations: [
                { type: 'file', target: path.join(dir, 'template.yaml') },
                { type: 'file', target: path.join(dir, 'decommission.yaml') },
              ],
              processingInterval: { seconds: 1 },
            },
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
                  ],
                },
              ],
            },
            idp: {
              gitlab: {
                host: gitlab.host,
                retry: { attempts: 2, minDelayMs: 10 },
              },
              environment: {
                clusters: { development: 'development' },
                pollIntervalSeconds: 0.2,
              },
              argocd: {
                repositoryCredentials: 'secret',
                clusters: ['development'],
              },
              catalog: { waitTimeoutSeconds: 60 },
            },
          },
        }),
      ],
    });
    await Promise.all([
      waitForTemplate('test-golden-path'),
      waitForTemplate('test-undo'),
    ]);
  });

  afterAll(async () => {
    await controller?.stop();
    await backend?.stop();
    await Promise.all([cp?.stop(), gitlab?.stop()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a service end to end, registers it, leaks no token, and decommissions it by entity', async () => {
    const run = await runTask('test-golden-path', { name: 'payments-golden' });
    expect(run.messages.join('\n')).toContain(
      'payments-golden-development is Ready',
    );
    expect(run.task.status).toBe('completed');
    const entityRef = 'component:default/payments-golden';

    const entity = await request(backend.server)
      .get('/api/catalog/entities/by-name/component/default/payments-golden')
      .set('Authorization', auth());
    expect(entity.status).toBe(200);

    // Every secret value the path handled, searched for in everything the task exposes.
    const app = gitlab.state.project('idp/team-payments/payments-golden')!;
    const deploy = gitlab.state.project(
      'idp/team-payments/payments-golden-deployment',
    )!;
    const admin = new KubeRest(cp.kubeConfig('admin'));
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
    expect(run.task.spec.output ?? {}).toBeDefined();

    const undo = await runTask('test-undo', { entityRef });
    expect(undo.task.status).toBe('completed');
    expect(gitlab.state.project(app.id)).toBeUndefined();
    expect(gitlab.state.project(deploy.id)).toBeUndefined();
    expect(
      await admin.get(
        XR,
        'ApplicationEnvironment',
        'payments-golden-development',
      ),
    ).toBeUndefined();
    expect(
      await admin.get('v1', 'Secret', `repo-gitlab-${deploy.id}`, 'argocd'),
    ).toBeUndefined();
    const gone = await request(backend.server)
      .get('/api/catalog/entities/by-name/component/default/payments-golden')
      .set('Authorization', auth());
    expect(gone.status).toBe(404);
  });

  it('a task that fails on the second repository is cleaned up from its own log', async () => {
    // The first project creation (the app repository) goes through; the second fails.
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
    const run = await runTask('test-golden-path', { name: 'payments-failing' });
    gitlab.faults.clear();
    expect(run.task.status).toBe('failed');
    expect(run.messages.join('\n')).toMatch(
      /GitLab POST \/projects answered 500.*server error; try again later/,
    );
    expect(
      gitlab.state.project('idp/team-payments/payments-failing'),
    ).toBeDefined();

    const undo = await runTask('test-undo', { taskId: run.id });
    expect(undo.task.status).toBe('completed');
    expect(undo.messages.join('\n')).toContain(
      `Task ${run.id} recorded 1 created resources`,
    );
    expect(
      gitlab.state.project('idp/team-payments/payments-failing'),
    ).toBeUndefined();
  });
});
