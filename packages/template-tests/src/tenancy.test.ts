import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parse, stringify } from 'yaml';
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
 * Tenancy and trust: a developer of team-payments (Diego Alvarez) tries, through the portal's
 * own API and templates, every way the portal used to let a user act as another team or as a
 * platform engineer, and each is refused with a clear message and changes nothing: no GitLab
 * group, project, token, variable, namespace, XR, Application, Secret, entity or location,
 * asserted by listing them all before and after. The same runs as a platform engineer succeed
 * where they should (acting for another team).
 *
 * Real parts: the scaffolder, catalog (with the portal's catalog rules and tenancy module),
 * auth (local sign-in, real tokens), permission backend with the portal's policy, Kubernetes
 * and deployment backends, the GitLab double with real git repositories, a real kube-apiserver
 * (with the status simulator making XRs Ready).
 */
jest.setTimeout(900_000);

const XR = 'idp.acme.example/v1alpha1';
const DIEGO = 'user:default/diego.alvarez'; // team-payments (and the fixture team 'team')
const PRIYA = 'user:default/priya.sharma'; // platform-team
const MEI = 'user:default/mei.chen'; // team-storefront

const service = (name: string, overrides: object = {}) => ({
  name,
  description: 'Tenancy probe',
  owner: 'group:default/team-payments',
  system: 'system:default/payments',
  environment: 'development',
  size: 'small',
  exposure: 'internal',
  visibility: 'internal',
  ...overrides,
});

describe('tenancy: nobody acts as another team or as a platform engineer', () => {
  let cp: ControlPlane;
  let gitlab: GitLabDouble;
  let portal: Portal;
  let admin: KubeRest;
  let gitlabToken: string;

  /** Commits files to a project of the double (as its administrator). */
  async function commit(project: string, files: Record<string, string>) {
    const p = gitlab.state.project(project)!;
    const res = await fetch(
      `${gitlab.apiBaseUrl}/projects/${p.id}/repository/commits`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'private-token': gitlab.rootToken,
        },
        body: JSON.stringify({
          branch: 'main',
          commit_message: 'test fixture',
          actions: Object.entries(files).map(([file_path, content]) => ({
            action: 'create',
            file_path,
            content,
          })),
        }),
      },
    );
    if (!res.ok) throw new Error(`commit to ${project}: ${res.status}`);
  }

  /** A project in a group of the double holding one catalog-info.yaml. */
  async function repoWith(fullPath: string, entities: object[]) {
    const namespace = fullPath.split('/').slice(0, -1).join('/');
    await gitlab.addProject({
      namespace,
      path: fullPath.split('/').pop()!,
      initialize_with_readme: true,
    });
    await commit(fullPath, {
      'catalog-info.yaml': entities.map(e => stringify(e)).join('---\n'),
    });
    return `${gitlab.baseUrl}/${fullPath}/-/blob/main/catalog-info.yaml`;
  }

  /** Everything a golden path or a registration could create, as lists. */
  async function inventory() {
    const names = (items: any[]) =>
      items
        .map(
          i =>
            `${i.metadata.namespace ? `${i.metadata.namespace}/` : ''}${
              i.metadata.name
            }`,
        )
        .sort();
    const list = async (apiVersion: string, kind: string, ns?: string) =>
      names(await admin.list(apiVersion, kind, ns ? { namespace: ns } : {}));
    const entities = await request(portal.server)
      .get('/api/catalog/entities')
      .query({ fields: 'kind,metadata.namespace,metadata.name' })
      .set('Authorization', await portal.as(PRIYA));
    const locations = await request(portal.server)
      .get('/api/catalog/locations')
      .set('Authorization', await portal.as(PRIYA));
    return {
      groups: gitlab.state
        .groups()
        .map(g => g.fullPath)
        .sort(),
      projects: gitlab.state
        .projects()
        .map(p => p.fullPath)
        .sort(),
      tokens: gitlab.state
        .tokens()
        .filter(t => !t.revoked && t.projectId !== undefined)
        .map(t => `${t.projectId}:${t.name}`)
        .sort(),
      deployTokens: gitlab.state
        .deployTokens()
        .filter(t => !t.revoked)
        .map(t => `${t.projectId}:${t.name}`)
        .sort(),
      variables: gitlab.state
        .projects()
        .flatMap(p => p.variables.map(v => `${p.fullPath}:${v.key}`))
        .sort(),
      mergeRequests: gitlab.state
        .projects()
        .flatMap(p => p.mergeRequests.map(m => `${p.fullPath}!${m.iid}`))
        .sort(),
      namespaces: await list('v1', 'Namespace'),
      xrs: await list(XR, 'ApplicationEnvironment'),
      applications: await list('argoproj.io/v1alpha1', 'Application', 'argocd'),
      secrets: await list('v1', 'Secret', 'argocd'),
      entities: (entities.body as any[])
        .map(e => `${e.kind}:${e.metadata.namespace}/${e.metadata.name}`)
        .sort(),
      locations: (locations.body as any[]).map(l => l.data.target).sort(),
    };
  }

  /** Runs `fn` and asserts that nothing in the inventory changed. */
  async function changesNothing<T>(fn: () => Promise<T>): Promise<T> {
    const before = await inventory();
    const result = await fn();
    // Give the catalog a few processing rounds to pick up anything that was registered.
    await new Promise(r => setTimeout(r, 2500));
    expect(await inventory()).toEqual(before);
    return result;
  }

  const failedWith = (run: TaskRun, message: RegExp) => {
    expect(run.task.status).toBe('failed');
    expect(run.messages.join('\n')).toMatch(message);
  };

  beforeAll(async () => {
    [cp, gitlab] = await Promise.all([
      // The real controllers (Crossplane, Argo CD, kwok): what the golden paths here create
      // becomes Ready the way it does on a cluster.
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
    admin = new KubeRest(cp.kubeConfig('admin'));
    gitlab.addUser({ username: 'idp-portal' });
    gitlabToken = gitlab.createToken({ user: 'idp-portal', scopes: ['api'] });
    for (const group of ['idp', 'sandbox']) gitlab.addGroup({ path: group });
    for (const team of ['team-payments', 'team-storefront', 'platform']) {
      gitlab.addGroup({ path: team, parent: 'idp' });
    }
    // The catalog repository the System template proposes to.
    await gitlab.addProject({
      namespace: 'idp/platform',
      path: 'idp-portal',
      initialize_with_readme: true,
    });
    // team-storefront's service "shop", as a golden path left it: its projects carry the
    // golden path's mark, its environment routes shop.apps.acme.example.
    for (const p of ['shop', 'shop-deployment']) {
      await gitlab.addProject({
        namespace: 'idp/team-storefront',
        path: p,
        initialize_with_readme: true,
        topics: ['idp-component-shop'],
        // Argo CD reads it without credentials (the test seeds no repository Secret for it).
        visibility: 'public',
      });
    }
    await cp.apply(platformAppProjects(`${gitlab.baseUrl}/idp/`));
    await admin.apply(
      {
        apiVersion: XR,
        kind: 'ApplicationEnvironment',
        metadata: {
          name: 'shop-development',
          labels: {
            'backstage.io/kubernetes-id': 'shop',
            'idp.acme.example/team': 'team-storefront',
            'idp.acme.example/component': 'shop',
          },
        },
        spec: {
          team: 'team-storefront',
          system: 'storefront',
          component: 'shop',
          environment: 'development',
          repository: {
            url: `${gitlab.baseUrl}/idp/team-storefront/shop-deployment.git`,
          },
          exposure: {
            mode: 'public',
            hostname: 'shop.apps.acme.example',
            port: 8080,
          },
        },
      },
      { fieldManager: 'tenancy-test' },
    );
    portal = await startPortal({
      cp,
      gitlab,
      gitlabToken,
      access: true,
      extraLocations: [
        {
          target: path.join(__dirname, '__fixtures__/tenancy-templates.yaml'),
          allow: ['Template', 'Group'],
        },
      ],
      config: {
        idp: { environment: { publicDomains: ['apps.acme.example'] } },
      },
    });
    await Promise.all(
      [
        'python-fastapi-service',
        'backstage-system',
        'cleanup-failed-task',
        'decommission-service',
        'tenancy-log',
        'tenancy-namespace',
      ].map(t => portal.waitForEntity('template', t)),
    );
    await portal.waitForEntity('group', 'team');
    // The cluster has shop's environment before anything is asked of it.
    for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
      const xr = await admin.get(
        XR,
        'ApplicationEnvironment',
        'shop-development',
      );
      // Crossplane's Ready: everything composed, and Argo CD has read the repository.
      if (
        xr?.status?.conditions?.some(
          (c: any) => c.type === 'Ready' && c.status === 'True',
        )
      )
        break;
      await new Promise(r => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await portal?.stop();
    await Promise.all([cp?.stop(), gitlab?.stop()]);
  });

  describe('2. the team comes from the catalog, not the form', () => {
    it.each([
      [
        'a Group that does not exist',
        'group:default/does-not-exist',
        /owner: group:default\/does-not-exist is not in the catalog; choose an existing team/,
      ],
      [
        'a Group in another namespace',
        'group:other-ns/team',
        /owner: group:other-ns\/team is not a team; teams are Groups in the 'default' namespace/,
      ],
      [
        'a User',
        'user:default/someone',
        /owner: user:default\/someone is not a team; a service is owned by a team Group/,
      ],
      [
        'a Group that is not a team',
        'group:default/engineering',
        /owner: group:default\/engineering is a Group of type 'department', not a team/,
      ],
      [
        'another team (the developer is not in it), in development',
        'group:default/team-storefront',
        /owner: user:default\/diego\.alvarez is not a member of group:default\/team-storefront\. Developers may act only for their own teams/,
      ],
    ])(
      'refuses %s as the owner, before any side effect',
      async (_, owner, message) => {
        const run = await changesNothing(() =>
          portal.runTask(
            'python-fastapi-service',
            service('probe-owner', { owner }),
            DIEGO,
          ),
        );
        failedWith(run, message);
        // The first step refused it: nothing else ran.
        expect(run.messages.join('\n')).not.toMatch(
          /Beginning step Render the application/,
        );
      },
    );

    it("refuses another team's production environment too", async () => {
      const run = await changesNothing(() =>
        portal.runTask(
          'python-fastapi-service',
          service('probe-prod', {
            owner: 'group:default/team-storefront',
            environment: 'production',
          }),
          DIEGO,
        ),
      );
      failedWith(run, /is not a member of group:default\/team-storefront/);
    });

    it.each([
      [
        'a system namespace',
        'team-payments',
        'kube-system',
        /'kube-system' is a system namespace/,
      ],
      [
        'the default namespace',
        'team-payments',
        'default',
        /'default' is a system namespace/,
      ],
      ['argocd', 'team-payments', 'argocd', /'argocd' is a system namespace/],
      [
        "another team's namespace",
        'team-payments',
        'team-storefront-shop-development',
        /must start with the team's name and a dash \('team-payments-'\)/,
      ],
      [
        "another team's prefix, for a team whose name is a prefix of it",
        'team',
        'team-payments-sneaky',
        /'team-payments-sneaky' is in the namespaces of team team-payments/,
      ],
    ])(
      'refuses %s as the target namespace',
      async (_, team, targetNamespace, message) => {
        const run = await changesNothing(() =>
          portal.runTask(
            'tenancy-namespace',
            {
              owner: `group:default/${team}`,
              component: 'probe-namespace',
              targetNamespace,
            },
            DIEGO,
          ),
        );
        failedWith(run, message);
      },
    );

    it('and the cluster refuses a system namespace even when our actions are bypassed', async () => {
      await expect(
        admin.apply(
          {
            apiVersion: XR,
            kind: 'ApplicationEnvironment',
            metadata: { name: 'bypass-development' },
            spec: {
              team: 'kube',
              system: 'x',
              component: 'bypass',
              environment: 'development',
              targetNamespace: 'kube-system',
              repository: { url: 'https://gitlab.acme.example/x.git' },
            },
          },
          { fieldManager: 'tenancy-test' },
        ),
      ).rejects.toThrow(/targetNamespace/);
    });
  });

  describe('5. shared names', () => {
    it.each([
      [
        'an IP address',
        '127.0.0.1',
        /exposure\.hostname: must be a DNS name, not an IP address|must end in a top-level domain/,
      ],
      [
        'the metadata address',
        '169.254.169.254',
        /exposure\.hostname: must be a DNS name, not an IP address|must end in a top-level domain/,
      ],
      [
        'a host outside the allowed domains',
        'refunds.evil.example',
        /exposure\.hostname: must be under \*\.apps\.acme\.example/,
      ],
      [
        "another team's routed hostname",
        'shop.apps.acme.example',
        /exposure\.hostname: shop\.apps\.acme\.example is already routed to shop \(development\) of team-storefront/,
      ],
    ])('refuses %s as the public hostname', async (_, hostname, message) => {
      const run = await changesNothing(() =>
        portal.runTask(
          'python-fastapi-service',
          service('probe-host', { exposure: 'public', hostname }),
          DIEGO,
        ),
      );
      failedWith(run, message);
    });

    it('refuses a wildcard before the task starts (the form schema)', async () => {
      const res = await changesNothing(() =>
        portal.createTask(
          'python-fastapi-service',
          service('probe-wild', {
            exposure: 'public',
            hostname: '*.apps.acme.example',
          }),
          DIEGO,
        ),
      );
      expect(res.status).toBe(400);
    });

    it("refuses a component name another team's service has", async () => {
      const run = await changesNothing(() =>
        portal.runTask(
          'python-fastapi-service',
          service('storefront-web'),
          DIEGO,
        ),
      );
      failedWith(
        run,
        /component:default\/storefront-web already exists in the catalog, owned by (group:default\/)?team-storefront; names are unique across teams/,
      );
    });

    it('two teams racing for one new name: exactly one proceeds, the other changes nothing', async () => {
      const before = await inventory();
      const [payments, storefront] = await Promise.all([
        portal.runTask('python-fastapi-service', service('race-name'), DIEGO),
        portal.runTask(
          'python-fastapi-service',
          service('race-name', {
            owner: 'group:default/team-storefront',
            system: 'system:default/storefront',
          }),
          MEI,
        ),
      ]);
      const statuses = [payments.task.status, storefront.task.status].sort();
      expect(statuses).toEqual(['completed', 'failed']);
      const [winner, loser] =
        payments.task.status === 'completed'
          ? [payments, storefront]
          : [storefront, payments];
      expect(loser.messages.join('\n')).toMatch(
        /The component name 'race-name' belongs to team-(payments|storefront)|race-name already exists in the catalog/,
      );
      const team = winner === payments ? 'team-payments' : 'team-storefront';
      const after = await inventory();
      // Only the winner's service was created.
      expect(after.projects.filter(p => !before.projects.includes(p))).toEqual([
        `idp/${team}/race-name`,
        `idp/${team}/race-name-deployment`,
      ]);
      expect(after.xrs.filter(x => !before.xrs.includes(x))).toEqual([
        'race-name-development',
      ]);
      // Clean up for the rest of the suite.
      const undo = await portal.runTask(
        'decommission-service',
        { entity: 'component:default/race-name', confirmation: 'race-name' },
        PRIYA,
      );
      expect(undo.task.status).toBe('completed');
    });
  });

  describe('1. who may register what', () => {
    const register = async (target: string, as = DIEGO) =>
      request(portal.server)
        .post('/api/catalog/locations')
        .set('Authorization', await portal.as(as))
        .send({ type: 'url', target });

    it.each([
      [
        'a User in platform-team with their GitLab login',
        'idp/team-payments/reg-user',
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'User',
          metadata: {
            name: 'diego-admin',
            annotations: {
              [`${'gitlab.acme.example'}/user-login`]: 'diego.alvarez',
            },
          },
          spec: { memberOf: ['platform-team'] },
        },
      ],
      [
        'a Group',
        'idp/team-payments/reg-group',
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Group',
          metadata: { name: 'team-admins' },
          spec: { type: 'team', children: [], members: ['diego.alvarez'] },
        },
      ],
      [
        'a Template',
        'idp/team-payments/reg-template',
        {
          apiVersion: 'scaffolder.backstage.io/v1beta3',
          kind: 'Template',
          metadata: { name: 'steal-token', tags: ['developer'] },
          spec: {
            owner: 'group:default/team-payments',
            type: 'service',
            steps: [
              {
                id: 't',
                action: 'gitlab:projectAccessToken:create',
                input: { projectId: 1 },
              },
            ],
          },
        },
      ],
      [
        'a Component owned by another team',
        'idp/team-payments/reg-other-owner',
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name: 'reg-other-owner' },
          spec: {
            type: 'service',
            lifecycle: 'experimental',
            owner: 'group:default/team-storefront',
          },
        },
      ],
      [
        "a Location pointing at another team's project",
        'idp/team-payments/reg-location',
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Location',
          metadata: { name: 'reg-location' },
          spec: {
            type: 'url',
            target:
              'GITLAB/idp/team-storefront/shop/-/blob/main/catalog-info.yaml',
          },
        },
      ],
      [
        "a Component in a repository outside any team's group",
        'sandbox/reg-outside',
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name: 'reg-outside' },
          spec: {
            type: 'service',
            lifecycle: 'experimental',
            owner: 'group:default/team-payments',
          },
        },
      ],
    ])('refuses %s', async (_, repo, entity: any) => {
      const fixed = JSON.parse(
        JSON.stringify(entity).replace('GITLAB', gitlab.baseUrl),
      );
      const target = await repoWith(repo, [fixed]);
      const before = await inventory();
      // What the Register page does first: the catalog reads the file (a dry run) and refuses
      // it, naming the rule.
      const dry = await request(portal.server)
        .post('/api/catalog/locations?dryRun=true')
        .set('Authorization', await portal.as(DIEGO))
        .send({ type: 'url', target });
      expect(dry.status).toBe(400);
      const message = String(dry.body?.error?.message ?? '');
      expect(message).toMatch(/not of an allowed kind|Catalog tenancy rule/);
      process.stdout.write(`registration refused: ${message}\n`);
      // Registering anyway (the API does not dry-run by itself): the location is stored, and
      // what it holds is refused in processing and never becomes an entity.
      const res = await register(target);
      expect(res.status).toBe(201);
      await new Promise(r => setTimeout(r, 3000));
      const after = await inventory();
      expect(after.entities.filter(e => !before.entities.includes(e))).toEqual(
        expect.not.arrayContaining([
          expect.stringMatching(new RegExp(`:default/${fixed.metadata.name}$`)),
        ]),
      );
      // What the registration could have gained: nothing.
      expect(after.entities).not.toContain('User:default/diego-admin');
      expect(after.entities).not.toContain('Template:default/steal-token');
      // Clean up the location (a platform engineer may).
      const location = (
        await request(portal.server)
          .get('/api/catalog/locations')
          .set('Authorization', await portal.as(PRIYA))
      ).body.find((l: any) => l.data.target === target);
      if (location) {
        await request(portal.server)
          .delete(`/api/catalog/locations/${location.data.id}`)
          .set('Authorization', await portal.as(PRIYA));
      }
    });

    it('a User registered with memberOf platform-team cannot sign in as a platform engineer', async () => {
      const res = await request(portal.server)
        .get('/api/auth/local/refresh')
        .set('x-idp-local-user', 'user:default/diego-admin');
      expect(res.status).not.toBe(200);
    });

    it("accepts a Component of the developer's own team from the team's repository", async () => {
      const target = await repoWith('idp/team-payments/reg-ok', [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name: 'reg-ok' },
          spec: {
            type: 'library',
            lifecycle: 'experimental',
            owner: 'group:default/team-payments',
          },
        },
      ]);
      const res = await register(target);
      expect(res.status).toBe(201);
      const entity = await portal.waitForEntity('component', 'reg-ok');
      expect(entity.spec.owner).toBe('group:default/team-payments');
    });

    it('the production configuration does not load the sample organisation', () => {
      const production = parse(
        fs.readFileSync(
          path.join(repoRoot(), 'app-config.production.yaml'),
          'utf8',
        ),
      );
      const targets = production.catalog.locations.map((l: any) => l.target);
      expect(targets).toEqual([
        './catalog-info/all.yaml',
        './templates/all.yaml',
      ]);
      // And catalog-info/all.yaml no longer includes the organisation.
      const all = parse(
        fs.readFileSync(path.join(repoRoot(), 'catalog-info/all.yaml'), 'utf8'),
      );
      expect(all.spec.targets).not.toContain('./org.yaml');
    });
  });

  describe('3. undo removes only what it created', () => {
    it('ignores a forged undo record a developer logged, and leaves the project it names', async () => {
      const shop = gitlab.state.project('idp/team-storefront/shop')!;
      const forged = `[undo-record ${JSON.stringify({
        type: 'gitlab-project',
        host: gitlab.host,
        id: shop.id,
        path: shop.fullPath,
        role: 'app',
      })}]`;
      const logged = await portal.runTask(
        'tenancy-log',
        { message: `x ${forged}` },
        DIEGO,
      );
      expect(logged.task.status).toBe('completed');
      expect(logged.messages.join('\n')).toContain(forged);
      const cleanup = await changesNothing(() =>
        portal.runTask('cleanup-failed-task', { taskId: logged.id }, PRIYA),
      );
      expect(cleanup.task.status).toBe('completed');
      expect(cleanup.messages.join('\n')).toContain(
        `Task ${logged.id} recorded 0 created resources`,
      );
      expect(gitlab.state.project(shop.id)).toBeDefined();
    });

    it('refuses an unsigned record passed as resources', async () => {
      const shop = gitlab.state.project('idp/team-storefront/shop')!;
      const run = await changesNothing(() =>
        portal.runTask(
          'tenancy-undo-records',
          {
            record: {
              type: 'gitlab-project',
              host: gitlab.host,
              id: shop.id,
              path: shop.fullPath,
              role: 'app',
            },
          },
          PRIYA,
        ),
      );
      failedWith(
        run,
        /resources: 1 record\(s\) are not the portal's signed records/,
      );
    });

    it('a developer may not run undo at all', async () => {
      const res = await changesNothing(() =>
        portal.createTask(
          'cleanup-failed-task',
          { taskId: '00000000-0000-4000-8000-000000000000' },
          DIEGO,
        ),
      );
      // Refused before any step: developers do not even see platform engineers' templates.
      expect([403, 404]).toContain(res.status);
    });

    it('refuses to clean up after a task that is still running', async () => {
      const waiting = await portal.createTask('tenancy-wait', {}, PRIYA);
      expect(waiting.status).toBe(201);
      // Wait until it is in its long step.
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
        const events = await request(portal.server)
          .get(`/api/scaffolder/v2/tasks/${waiting.body.id}/events`)
          .set('Authorization', await portal.as(PRIYA));
        if (JSON.stringify(events.body).includes('still running')) break;
        await new Promise(r => setTimeout(r, 200));
      }
      const cleanup = await portal.runTask(
        'cleanup-failed-task',
        { taskId: waiting.body.id },
        PRIYA,
      );
      failedWith(
        cleanup,
        /is processing; undo only cleans up after a finished task/,
      );
    });

    it("decommissioning an entity whose annotations name another team's projects leaves them alone", async () => {
      const target = await repoWith('idp/team-payments/copy-shop', [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name: 'copy-shop',
            annotations: {
              'gitlab.com/project-slug': 'idp/team-storefront/shop',
              'idp.acme.example/deploy-repo-slug':
                'idp/team-storefront/shop-deployment',
              'backstage.io/kubernetes-id': 'shop',
              'idp.acme.example/environments': 'development',
            },
          },
          spec: {
            type: 'service',
            lifecycle: 'experimental',
            owner: 'group:default/team-payments',
          },
        },
      ]);
      const reg = await request(portal.server)
        .post('/api/catalog/locations')
        .set('Authorization', await portal.as(DIEGO))
        .send({ type: 'url', target });
      expect(reg.status).toBe(201);
      await portal.waitForEntity('component', 'copy-shop');
      const undo = await portal.runTask(
        'decommission-service',
        { entity: 'component:default/copy-shop', confirmation: 'copy-shop' },
        PRIYA,
      );
      expect(undo.task.status).toBe('completed');
      // shop's projects and environment are untouched.
      expect(gitlab.state.project('idp/team-storefront/shop')).toBeDefined();
      expect(
        gitlab.state.project('idp/team-storefront/shop-deployment'),
      ).toBeDefined();
      expect(
        await admin.get(XR, 'ApplicationEnvironment', 'shop-development'),
      ).toBeDefined();
      expect(undo.messages.join('\n')).toMatch(
        /names idp\/team-storefront\/shop in gitlab\.com\/project-slug; only idp\/team-payments\/copy-shop/,
      );
    });
  });

  describe('4. deployment actions follow ownership, not annotations', () => {
    it("a component that copies another team's kubernetes-id sees and syncs nothing of it", async () => {
      const target = await repoWith('idp/team-payments/copycat', [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name: 'copycat',
            annotations: {
              'backstage.io/kubernetes-id': 'shop',
              'backstage.io/kubernetes-namespace':
                'team-storefront-shop-development',
              'argocd/app-name': 'shop-development',
            },
          },
          spec: {
            type: 'service',
            lifecycle: 'experimental',
            owner: 'group:default/team-payments',
          },
        },
      ]);
      const reg = await request(portal.server)
        .post('/api/catalog/locations')
        .set('Authorization', await portal.as(DIEGO))
        .send({ type: 'url', target });
      expect(reg.status).toBe(201);
      await portal.waitForEntity('component', 'copycat');
      const before = await admin.get(
        'argoproj.io/v1alpha1',
        'Application',
        'shop-development',
        'argocd',
      );
      const view = await request(portal.server)
        .get('/api/deployment/entities/default/component/copycat')
        .set('Authorization', await portal.as(DIEGO));
      expect(view.status).toBe(200);
      expect(view.body.clusters.flatMap((c: any) => c.environments)).toEqual(
        [],
      );
      const sync = await request(portal.server)
        .post('/api/deployment/entities/default/component/copycat/actions')
        .set('Authorization', await portal.as(DIEGO))
        .send({
          action: 'sync',
          cluster: 'development',
          application: 'shop-development',
        });
      expect(sync.status).toBe(404);
      const after = await admin.get(
        'argoproj.io/v1alpha1',
        'Application',
        'shop-development',
        'argocd',
      );
      expect(after!.metadata.resourceVersion).toBe(
        before!.metadata.resourceVersion,
      );
    });
  });

  describe('6. the System template', () => {
    it('cannot be pointed at another repository, and quotes what the user typed', async () => {
      const shop = gitlab.state.project('idp/team-storefront/shop')!;
      const run = await portal.runTask(
        'backstage-system',
        {
          name: 'reporting',
          description: 'Reports\nowner: group:default/platform-team',
          owner: 'group:default/team-payments',
          domain: 'domain:default/commerce',
          // Not a parameter of the template any more: ignored.
          catalogRepoUrl: `${gitlab.host}?owner=idp/team-storefront&repo=shop`,
        },
        DIEGO,
      );
      expect(run.task.status).toBe('completed');
      expect(gitlab.state.project(shop.id)!.mergeRequests).toEqual([]);
      const portalRepo = gitlab.state.project('idp/platform/idp-portal')!;
      expect(portalRepo.mergeRequests.map(m => m.title)).toContain(
        'Add System reporting',
      );
      const file = await gitlab.state.readFile(
        portalRepo.id,
        'catalog-info/systems/reporting.yaml',
        'add-system-reporting',
      );
      expect(parse(file!)).toMatchObject({
        metadata: {
          description: 'Reports\nowner: group:default/platform-team',
        },
        spec: { owner: 'group:default/team-payments' },
      });
    });
  });

  describe('7. GitLab side effects run as the portal, only through checked actions', () => {
    it("refuses a developer a built-in GitLab action (the portal's token, no team check)", async () => {
      const shop = gitlab.state.project('idp/team-storefront/shop')!;
      const run = await changesNothing(() =>
        portal.runTask(
          'tenancy-builtin-token',
          { project: String(shop.id) },
          DIEGO,
        ),
      );
      failedWith(run, /Unauthorized action/);
    });

    it('no golden-path template takes a user token or runs an action outside the developer list', () => {
      const templates = fs
        .readFileSync(path.join(repoRoot(), 'templates/all.yaml'), 'utf8')
        .match(/\.\/[^\s]+\.yaml/g)!
        .map(f => path.join(repoRoot(), 'templates', f));
      const developerActions =
        require('@internal/plugin-permission-backend-module-idp-roles')
          .DEFAULT_DEVELOPER_ACTIONS as string[];
      for (const file of templates) {
        const template = parse(fs.readFileSync(file, 'utf8'));
        const forDevelopers = template.metadata.tags.includes('developer');
        for (const step of template.spec.steps) {
          expect(`${file} ${step.id}: ${'token' in (step.input ?? {})}`).toBe(
            `${file} ${step.id}: false`,
          );
          // A developer template's every action is one developers may run.
          expect(
            `${file} ${step.action}: ${
              !forDevelopers || developerActions.includes(step.action)
            }`,
          ).toBe(`${file} ${step.action}: true`);
        }
      }
    });
  });

  describe('a platform engineer may act for any team', () => {
    it('creates and decommissions a service for team-storefront', async () => {
      const run = await portal.runTask(
        'python-fastapi-service',
        service('priya-for-storefront', {
          owner: 'group:default/team-storefront',
          system: 'system:default/storefront',
        }),
        PRIYA,
      );
      expect(`${run.task.status}\n${run.messages.join('\n')}`).toMatch(
        /^completed\n/,
      );
      expect(
        gitlab.state.project('idp/team-storefront/priya-for-storefront'),
      ).toBeDefined();
      const xr = await admin.get(
        XR,
        'ApplicationEnvironment',
        'priya-for-storefront-development',
      );
      expect(xr?.spec.team).toBe('team-storefront');
      const entity = await portal.waitForEntity(
        'component',
        'priya-for-storefront',
      );
      expect(entity.spec.owner).toBe('group:default/team-storefront');
      const undo = await portal.runTask(
        'decommission-service',
        {
          entity: 'component:default/priya-for-storefront',
          confirmation: 'priya-for-storefront',
        },
        PRIYA,
      );
      expect(undo.task.status).toBe('completed');
      expect(
        gitlab.state.project('idp/team-storefront/priya-for-storefront'),
      ).toBeUndefined();
    });
  });
});
