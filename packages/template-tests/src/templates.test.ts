import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parse, parseAllDocuments } from 'yaml';
import {
  componentEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { environmentNames } from '@internal/plugin-idp-node';
import {
  ControlPlane,
  GitLabDouble,
  repoRoot,
  startControlPlane,
  startGitLabDouble,
} from '@internal/test-platform';
import { Portal, startPortal } from './portal';

// Every template of templates/ through the real scaffolder backend: registered in the catalog,
// dry-run on sample input (our actions' dry runs ask the GitLab double and the real apiserver),
// the files and steps they produce, and bad input refused before anything is created.
jest.setTimeout(300_000);

const PYTHON = {
  name: 'payments-refunds',
  description: 'Refunds for card payments',
  owner: 'group:default/team-payments',
  system: 'system:default/payments',
  environment: 'development',
  size: 'small',
  exposure: 'public',
  hostname: 'refunds.apps.acme.example',
  visibility: 'internal',
};

const TYPESCRIPT = {
  ...PYTHON,
  name: 'payments-ledger',
  description: 'Ledger of card payments',
  exposure: 'internal',
  hostname: undefined,
};

describe('golden-path templates', () => {
  let cp: ControlPlane;
  let gitlab: GitLabDouble;
  let portal: Portal;

  beforeAll(async () => {
    [cp, gitlab] = await Promise.all([
      startControlPlane(),
      startGitLabDouble({ basePath: '/gitlab' }),
    ]);
    gitlab.addGroup({ path: 'idp' });
    gitlab.addGroup({ path: 'team-payments', parent: 'idp' });
    gitlab.addGroup({ path: 'platform', parent: 'idp' });
    gitlab.addUser({ username: 'idp-portal' });
    await gitlab.addProject({
      namespace: 'idp/platform',
      path: 'idp-portal',
      initialize_with_readme: true,
    });
    await gitlab.addProject({
      namespace: 'idp/team-payments',
      path: 'payments-taken',
    });
    // The sample catalog's payments-checkout (catalog-info/components.yaml) has a project.
    await gitlab.addProject({
      namespace: 'idp/team-payments',
      path: 'payments-checkout',
    });
    const gitlabToken = gitlab.createToken({
      user: 'root',
      scopes: ['api'],
    });
    portal = await startPortal({ cp, gitlab, gitlabToken });
    await Promise.all(
      [
        'python-fastapi-service',
        'backstage-system',
        'decommission-service',
      ].map(name => portal.waitForEntity('template', name)),
    );
  });

  afterAll(async () => {
    await portal?.stop();
    await Promise.all([cp?.stop(), gitlab?.stop()]);
  });

  it('registers every template of templates/all.yaml, and the catalog reads its systems folder', async () => {
    const location = parse(
      fs.readFileSync(path.join(repoRoot(), 'templates/all.yaml'), 'utf8'),
    );
    const names = (location.spec.targets as string[]).map(
      target =>
        parse(
          fs.readFileSync(path.join(repoRoot(), 'templates', target), 'utf8'),
        ).metadata.name as string,
    );
    expect(names).toEqual([
      'python-fastapi-service',
      'typescript-node-service',
      'backstage-system',
      'add-environment',
      'remove-environment',
      'decommission-service',
      'cleanup-failed-task',
    ]);
    // Tags say who may run them (the permission policy lists `developer` templates to
    // developers; decommissioning is for platform engineers).
    const audience: Record<string, string> = {};
    for (const name of names) {
      const template = await portal.waitForEntity('template', name);
      audience[name] = ['developer', 'platform-engineer'].find(tag =>
        template.metadata.tags.includes(tag),
      )!;
    }
    expect(audience).toEqual({
      'python-fastapi-service': 'developer',
      'typescript-node-service': 'developer',
      'backstage-system': 'developer',
      'add-environment': 'developer',
      'remove-environment': 'developer',
      'decommission-service': 'platform-engineer',
      'cleanup-failed-task': 'platform-engineer',
    });
    for (const system of ['idp', 'payments', 'storefront']) {
      await portal.waitForEntity('system', system);
    }
  });

  describe.each([
    ['service/python-fastapi.yaml', PYTHON, 'app/app/main.py'],
    ['service/typescript-node.yaml', TYPESCRIPT, 'app/src/app.ts'],
  ])('%s', (file, values, sourceFile) => {
    it('dry-runs on sample input: every step, both skeletons rendered, names that match', async () => {
      const run = await portal.dryRun(file, values);
      expect(run.status).toBe(200);
      expect(run.body.steps.map((s: any) => s.action)).toEqual([
        'idp:environment:apply',
        'fetch:template',
        'fetch:template',
        'idp:gitlab:create-app-repo',
        'idp:gitlab:create-deploy-repo',
        'idp:environment:apply',
        'idp:catalog:register',
      ]);
      const log = run.messages.join('\n');
      expect(log).toContain(
        `Check only: cluster development would accept ApplicationEnvironment ${values.name}-development (server-side dry run); nothing was applied`,
      );
      expect(log).toContain(
        `Dry run: would create idp/team-payments/${values.name} on`,
      );
      expect(log).toContain(
        `Dry run: would create idp/team-payments/${values.name}-deployment with branches development, staging, production`,
      );
      // The apiserver validated the ApplicationEnvironment (dryRun=All) without creating it.
      expect(log).toMatch(/dry run/i);

      // Nothing a skeleton meant to template is left unrendered; the chart is left to Helm.
      expect(run.files.has(sourceFile)).toBe(true);
      for (const [name, content] of run.files) {
        expect(
          `${name}: ${content.includes('${{') ? 'unrendered' : 'ok'}`,
        ).toBe(`${name}: ok`);
      }
      expect(run.files.get('deployment/templates/deployment.yaml')).toContain(
        '{{ .Values.component }}',
      );

      // The entity's annotations are the names the composition and the actions use.
      const entity = parse(run.files.get('app/catalog-info.yaml')!);
      expect(await componentEntityV1alpha1Validator.check(entity)).toBe(true);
      const names = environmentNames({
        team: 'team-payments',
        component: values.name,
        environment: 'development',
      });
      expect(entity.metadata.name).toBe(values.name);
      expect(entity.spec).toMatchObject({
        owner: 'group:default/team-payments',
        system: 'payments',
        type: 'service',
      });
      expect(entity.metadata.annotations).toMatchObject({
        'gitlab.com/project-slug': `idp/team-payments/${values.name}`,
        'backstage.io/kubernetes-id': values.name,
        'backstage.io/kubernetes-namespace': names.namespace,
        'argocd/app-name': names.argocdApplication,
        'backstage.io/techdocs-ref': 'dir:.',
        'idp.acme.example/deploy-repo-slug': `idp/team-payments/${values.name}-deployment`,
        'idp.acme.example/environments': 'development',
      });
      const chartValues = parse(run.files.get('deployment/values.yaml')!);
      expect(chartValues).toMatchObject({
        component: values.name,
        team: 'team-payments',
        port: 8080,
        exposure: { mode: values.exposure },
      });
      expect(
        parse(run.files.get('app/.gitlab-ci.yml')!).variables,
      ).toMatchObject({
        DEPLOY_PROJECT_PATH: `idp/team-payments/${values.name}-deployment`,
      });
      // A dry run creates nothing.
      expect(
        gitlab.state.project(`idp/team-payments/${values.name}`),
      ).toBeUndefined();
    });
  });

  it('refuses a name GitLab already has, in the dry run, before any side effect', async () => {
    const run = await portal.dryRun('service/python-fastapi.yaml', {
      ...PYTHON,
      name: 'payments-taken',
    });
    // A failing step fails the dry run with the step's message (what the template editor shows).
    expect(run.status).toBe(500);
    expect(run.body.error.message).toContain(
      'GitLab project idp/team-payments/payments-taken already exists',
    );
  });

  describe('refuses bad input with a message on the field, and creates nothing', () => {
    // The form's schema: the server refuses these too, before a task exists.
    it.each([
      ['a 70-character name', { name: `p${'a'.repeat(69)}` }, 'name'],
      [
        'public exposure without a hostname',
        { hostname: undefined },
        'hostname',
      ],
      ['an unknown environment', { environment: 'qa' }, 'environment'],
      ['an unknown size', { size: 'huge' }, 'size'],
      [
        'a hostname with a scheme',
        { hostname: 'https://x.example' },
        'hostname',
      ],
    ])('%s', async (_what, change, property) => {
      gitlab.state.clearRequests();
      const values = { ...PYTHON, ...change };
      const dry = await portal.dryRun('service/python-fastapi.yaml', values);
      expect(dry.status).toBe(400);
      expect(JSON.stringify(dry.body.errors)).toContain(property);
      const task = await portal.createTask('python-fastapi-service', values);
      expect(task.status).toBe(400);
      expect(gitlab.state.requests).toEqual([]);
    });

    // The name's rules are the form field's (IdpEntityNamePicker) and, on the server, the first
    // step's: the environment check (where the name is the component's) refuses it before
    // anything is rendered or any request reaches GitLab.
    it.each([
      ['an uppercase name', 'Payments-Refunds'],
      ['a name ending in a dash', 'payments-'],
      ['a name with an underscore', 'payments_refunds'],
    ])('%s', async (_what, name) => {
      gitlab.state.clearRequests();
      const run = await portal.runTask('python-fastapi-service', {
        ...PYTHON,
        name,
      });
      expect(run.task.status).toBe('failed');
      expect(run.messages.join('\n')).toMatch(
        /Beginning step Check the owner, name and environment\nInputError: Invalid input\. component: (must be lowercase|may contain only a-z)/,
      );
      expect(gitlab.state.requests).toEqual([]);
    });
  });

  it('backstage-system: renders a valid System and opens a merge request to the catalog repository', async () => {
    const values = {
      name: 'analytics',
      title: 'Analytics',
      description: 'Reporting: "what sold" and where',
      owner: 'group:default/team-storefront',
      domain: 'domain:default/commerce',
    };
    const dry = await portal.dryRun('system/template.yaml', values);
    expect(dry.status).toBe(200);
    const system = parse(dry.files.get('system/analytics.yaml')!);
    expect(await systemEntityV1alpha1Validator.check(system)).toBe(true);
    expect(system).toMatchObject({
      kind: 'System',
      metadata: {
        name: 'analytics',
        title: 'Analytics',
        description: 'Reporting: "what sold" and where',
      },
      spec: {
        owner: 'group:default/team-storefront',
        domain: 'domain:default/commerce',
      },
    });

    const run = await portal.runTask('backstage-system', values);
    expect(run.task.status).toBe('completed');
    const project = gitlab.state.project('idp/platform/idp-portal')!;
    expect(project.mergeRequests).toHaveLength(1);
    expect(project.mergeRequests[0]).toMatchObject({
      title: 'Add System analytics',
      sourceBranch: 'add-system-analytics',
      targetBranch: 'main',
      state: 'opened',
    });
    const committed = await gitlab.state.readFile(
      project.id,
      'catalog-info/systems/analytics.yaml',
      'add-system-analytics',
    );
    expect(parse(committed!)).toEqual(system);
    // The glob in catalog-info/all.yaml picks such a file up: the sample systems live there too.
    const all = parseAllDocuments(
      fs.readFileSync(path.join(repoRoot(), 'catalog-info/all.yaml'), 'utf8'),
    )[0].toJS();
    expect(all.spec.targets).toContain('./systems/*.yaml');

    const bad = await portal.createTask('backstage-system', {
      ...values,
      name: 'Analytics',
    });
    expect(bad.status).toBe(400);
  });

  it('decommission-service: dry-runs the undo plan of an entity, and refuses a wrong confirmation', async () => {
    const values = {
      entity: 'component:default/payments-checkout',
      confirmation: 'payments-checkout',
    };
    await portal.waitForEntity('component', 'payments-checkout');
    const dry = await portal.dryRun('decommission/template.yaml', values);
    expect(dry.status).toBe(200);
    const log = dry.messages.join('\n');
    expect(log).toMatch(
      /Undo plan \(\d+\): .*idp\/team-payments\/payments-checkout/,
    );

    const wrong = await portal.dryRun('decommission/template.yaml', {
      ...values,
      confirmation: 'payments',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain(
      "confirmation: type the name 'payments-checkout' to decommission component:default/payments-checkout; nothing was removed",
    );
    const missing = await portal.createTask('decommission-service', {
      entity: values.entity,
    });
    expect(missing.status).toBe(400);
  });

  it('the service templates differ only where the language does', async () => {
    const read = (f: string) =>
      parse(fs.readFileSync(path.join(repoRoot(), 'templates', f), 'utf8'));
    const py = read('service/python-fastapi.yaml');
    const ts = read('service/typescript-node.yaml');
    expect(ts.spec.parameters).toEqual(py.spec.parameters);
    expect(ts.spec.steps.map((s: any) => s.id)).toEqual(
      py.spec.steps.map((s: any) => s.id),
    );
    expect(ts.spec.output).toEqual(py.spec.output);
    // No step is skipped by the dry run: each of ours supports it.
    const res = await request(portal.server)
      .get('/api/scaffolder/v2/actions')
      .set('Authorization', portal.auth());
    const actions = new Map<string, any>(
      (res.body as any[]).map(a => [a.id, a]),
    );
    for (const step of py.spec.steps) {
      expect(actions.has(step.action)).toBe(true);
    }
  });
});
