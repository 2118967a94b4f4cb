import fs from 'node:fs';
import { AppsV1Api, CoreV1Api, V1Pod } from '@kubernetes/client-node';
import {
  ControlPlane,
  KubeRest,
  parseManifests,
  startControlPlane,
} from '@internal/test-platform';
import {
  KubeObject,
  Renderer,
  composedResources,
  platformFile,
  startRenderer,
} from './crossplane';
import { eventually, outcome } from './apiserver';

// The Composition's guardrails, proven by behaviour against a real kube-apiserver (RBAC,
// ResourceQuota, LimitRange and Pod Security admission are real; Crossplane and Argo CD do not
// run: the composed resources of `crank render` are applied as Crossplane would apply them).
jest.setTimeout(600_000);

const PAYMENTS_NS = 'team-payments-payments-api-development';
const STOREFRONT_NS = 'team-storefront-web';

const readPlatform = (...parts: string[]) =>
  parseManifests(fs.readFileSync(platformFile(...parts), 'utf8'));

/** Pod Security "restricted" compliant container settings. */
const restricted = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  runAsUser: 1000,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function pod(name: string, containers: any[]): V1Pod {
  return {
    metadata: { name },
    spec: {
      containers: containers.map((c, i) => ({
        name: `c${i}`,
        image: 'registry.acme.example/app:1.0.0',
        securityContext: restricted,
        ...c,
      })),
    },
  };
}

describe('ApplicationEnvironment guardrails on a real apiserver', () => {
  let cp: ControlPlane;
  let renderer: Renderer;
  let admin: KubeRest;
  let devCore: CoreV1Api;
  let devApps: AppsV1Api;
  let adminCore: CoreV1Api;
  const applied: KubeObject[] = [];

  beforeAll(async () => {
    [cp, renderer] = await Promise.all([startControlPlane(), startRenderer()]);
    admin = new KubeRest(cp.kubeConfig('admin'));
    adminCore = cp.kubeConfig('admin').makeApiClient(CoreV1Api);
    devCore = cp.kubeConfig('developer').makeApiClient(CoreV1Api);
    devApps = cp.kubeConfig('developer').makeApiClient(AppsV1Api);

    // What a platform engineer installs: Functions, Composition, AppProjects.
    await cp.apply([
      ...readPlatform('crossplane', 'functions.yaml'),
      ...readPlatform('crossplane', 'composition.yaml'),
      ...readPlatform('argocd', 'appprojects.yaml'),
    ]);

    // What Crossplane would compose for two teams' environments.
    const payments = await renderer.render({
      apiVersion: 'idp.acme.example/v1alpha1',
      kind: 'ApplicationEnvironment',
      metadata: { name: 'payments-api-development' },
      spec: {
        team: 'team-payments',
        system: 'payments',
        component: 'payments-api',
        environment: 'development',
        repository: {
          url: 'https://gitlab.acme.example/idp/team-payments/payments-api-deploy.git',
        },
      },
    });
    const storefront = await renderer.render(
      platformFile('crossplane', 'examples', 'storefront-web-production.yaml'),
    );
    applied.push(
      ...composedResources(payments),
      ...composedResources(storefront),
    );
    await cp.apply(
      [...applied].sort(
        (a, b) =>
          Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'),
      ),
    );

    // The quota controller must have counted usage before quota admission lets pods in
    // ("status unknown for quota" otherwise), and the aggregated edit ClusterRole must exist.
    await eventually('the team-quota status', async () => {
      const quota = await admin.get(
        'v1',
        'ResourceQuota',
        'team-quota',
        PAYMENTS_NS,
      );
      return quota?.status?.hard ? quota : undefined;
    });
    await eventually('the aggregated edit ClusterRole', async () => {
      const role = await admin.get(
        'rbac.authorization.k8s.io/v1',
        'ClusterRole',
        'edit',
      );
      return (role?.rules ?? []).some((r: any) =>
        (r.resources ?? []).includes('deployments'),
      );
    });
  });

  afterAll(async () => {
    await renderer?.stop();
    await cp?.stop();
  });

  it('serves the ApplicationEnvironment CRD derived from the XRD, without drift', async () => {
    // The test platform derives the XR CRD from platform/crossplane/definition.yaml when it
    // starts; compare what the apiserver serves with the XRD, so a stale or hand-edited copy
    // anywhere in the chain fails here.
    const xrd = readPlatform('crossplane', 'definition.yaml')[0] as any;
    const crd = (await admin.get(
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      xrd.metadata.name,
    )) as any;
    expect(crd.spec.group).toBe(xrd.spec.group);
    expect(crd.spec.scope).toBe(xrd.spec.scope);
    expect(crd.spec.names.kind).toBe(xrd.spec.names.kind);
    expect(crd.spec.versions.map((v: any) => v.name)).toEqual(
      xrd.spec.versions.map((v: any) => v.name),
    );
    const served = crd.spec.versions[0].schema.openAPIV3Schema.properties;
    const declared = xrd.spec.versions[0].schema.openAPIV3Schema.properties;
    const { crossplane, ...specProperties } = served.spec.properties;
    expect(specProperties).toEqual(declared.spec.properties);
    expect(served.spec.required).toEqual(declared.spec.required);
    expect(served.spec['x-kubernetes-validations']).toEqual(
      declared.spec['x-kubernetes-validations'],
    );
    const { conditions, ...statusProperties } = served.status.properties;
    expect(statusProperties).toEqual(declared.status.properties);
    // What Crossplane v2 adds: spec.crossplane and status.conditions, with a status subresource.
    expect(Object.keys(crossplane.properties).sort()).toEqual([
      'compositionRef',
      'compositionRevisionRef',
      'compositionRevisionSelector',
      'compositionSelector',
      'compositionUpdatePolicy',
      'resourceRefs',
    ]);
    expect(conditions.type).toBe('array');
    expect(crd.spec.versions[0].subresources).toEqual({ status: {} });
  });

  it('accepts the Composition, Functions and AppProjects as schema-valid', async () => {
    const composition = await admin.get(
      'apiextensions.crossplane.io/v1',
      'Composition',
      'applicationenvironments.idp.acme.example',
    );
    expect(composition?.spec.mode).toBe('Pipeline');
    expect(
      composition?.spec.pipeline.map((s: any) => s.functionRef.name),
    ).toEqual(['function-applicationenvironment', 'function-auto-ready']);
    // The project's own function comes from its registry (placeholder reference until it is
    // published, platform/README.md); function-auto-ready from the Crossplane contrib registry.
    for (const [name, pkg] of [
      [
        'function-applicationenvironment',
        /^registry\.acme\.example\/platform\/function-applicationenvironment:v\d+\.\d+\.\d+$/,
      ],
      [
        'function-auto-ready',
        /^xpkg\.crossplane\.io\/crossplane-contrib\/function-auto-ready:v\d+\.\d+\.\d+$/,
      ],
    ] as const) {
      expect(
        (await admin.get('pkg.crossplane.io/v1', 'Function', name))?.spec
          .package,
      ).toMatch(pkg);
    }
    const projects = await admin.list('argoproj.io/v1alpha1', 'AppProject', {
      namespace: 'argocd',
    });
    expect(projects.map(p => p.metadata.name).sort()).toEqual([
      'platform-team',
      'team-payments',
      'team-storefront',
    ]);
    const payments = projects.find(p => p.metadata.name === 'team-payments')!;
    expect(payments.spec.destinations).toEqual([
      {
        server: 'https://kubernetes.default.svc',
        namespace: 'team-payments-*',
      },
    ]);
    expect(payments.spec.sourceRepos).toEqual([
      'https://gitlab.acme.example/idp/team-payments/*',
    ]);
    expect(payments.spec.clusterResourceWhitelist ?? []).toEqual([]);
    expect(
      payments.spec.namespaceResourceBlacklist.map((r: any) => r.kind).sort(),
    ).toEqual(['LimitRange', 'NetworkPolicy', 'ResourceQuota', 'RoleBinding']);
  });

  it('rejects a Composition that is not schema-valid', async () => {
    const [composition] = readPlatform('crossplane', 'composition.yaml');
    const res = await outcome(
      admin.apply(
        {
          ...composition,
          metadata: { name: 'broken' },
          spec: { ...composition.spec, mode: 'Sideways' },
        },
        { fieldManager: 'test', dryRun: true },
      ),
    );
    expect(res.code).toBe(422);
    expect(res.message).toContain('spec.mode: Unsupported value: "Sideways"');
  });

  it('applies every composed resource of both environments', async () => {
    for (const o of applied) {
      const live = await admin.get(
        o.apiVersion,
        o.kind,
        o.metadata.name,
        o.metadata.namespace,
      );
      expect(o.metadata.labels).toBeDefined();
      expect(live?.metadata.labels).toMatchObject(o.metadata.labels!);
    }
    expect(applied.map(o => o.kind).sort()).toEqual(
      [
        'Application',
        'LimitRange',
        'Namespace',
        'NetworkPolicy',
        'NetworkPolicy',
        'NetworkPolicy',
        'ResourceQuota',
        'RoleBinding',
      ]
        .flatMap(k => [k, k])
        .sort(),
    );
  });

  it("applies a preview's composed resources; Argo CD's CRD keeps the Application's Helm parameters", async () => {
    // Server-side apply prunes fields a CRD does not declare (with a warning only), so reading
    // the Application back proves helm.parameters and its fields are Argo CD's.
    const rendered = await renderer.render(
      platformFile('crossplane', 'examples', 'payments-api-preview.yaml'),
    );
    const preview = composedResources(rendered);
    await cp.apply(preview);
    const app = preview.find(o => o.kind === 'Application')!;
    expect(app.spec.source.helm.parameters).toHaveLength(3);
    const live = await admin.get(
      'argoproj.io/v1alpha1',
      'Application',
      'payments-api-preview-mr-42',
      'argocd',
    );
    expect(live?.spec.source).toEqual(app.spec.source);
    const namespace = await admin.get(
      'v1',
      'Namespace',
      'team-payments-payments-api-preview-mr-42',
    );
    expect(namespace?.metadata.labels).toMatchObject({
      'idp.acme.example/environment': 'development',
      'idp.acme.example/preview': 'mr-42',
    });
  });

  it("lets the team's developers deploy in their own namespace", async () => {
    const deployment = {
      metadata: { name: 'payments-api' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'payments-api' } },
        template: {
          metadata: { labels: { app: 'payments-api' } },
          spec: pod('x', [{}]).spec!,
        },
      },
    };
    const created = await devApps.createNamespacedDeployment({
      namespace: PAYMENTS_NS,
      body: deployment,
    });
    expect(created.metadata?.namespace).toBe(PAYMENTS_NS);
  });

  it("refuses the developer in another team's namespace", async () => {
    const res = await outcome(
      devApps.createNamespacedDeployment({
        namespace: STOREFRONT_NS,
        body: {
          metadata: { name: 'intruder' },
          spec: {
            selector: { matchLabels: { app: 'x' } },
            template: {
              metadata: { labels: { app: 'x' } },
              spec: pod('x', [{}]).spec!,
            },
          },
        },
      }),
    );
    expect(res.code).toBe(403);
    expect(res.message).toContain(
      'User "diego.alvarez" cannot create resource "deployments" in API group "apps" in the namespace "team-storefront-web"',
    );
  });

  it('refuses the developer removing the quota, limits or role binding', async () => {
    const ops = [
      devCore.deleteNamespacedResourceQuota({
        name: 'team-quota',
        namespace: PAYMENTS_NS,
      }),
      devCore.deleteNamespacedLimitRange({
        name: 'container-defaults',
        namespace: PAYMENTS_NS,
      }),
    ];
    for (const op of ops) expect((await outcome(op)).code).toBe(403);
    const dev = new KubeRest(cp.kubeConfig('developer'));
    const res = await dev.request(
      'DELETE',
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${PAYMENTS_NS}/rolebindings/team-edit`,
    );
    expect(res.status).toBe(403);
  });

  it('gives a container without resources the LimitRange defaults', async () => {
    await devCore.createNamespacedPod({
      namespace: PAYMENTS_NS,
      body: pod('no-resources', [{}]),
    });
    const live = await adminCore.readNamespacedPod({
      name: 'no-resources',
      namespace: PAYMENTS_NS,
    });
    expect(live.spec?.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
    });
  });

  it('refuses a pod over the namespace quota', async () => {
    // small: requests.cpu 2 for the namespace, at most 1 CPU per container.
    const oneCpu = {
      resources: { requests: { cpu: '1' }, limits: { cpu: '1' } },
    };
    const res = await outcome(
      devCore.createNamespacedPod({
        namespace: PAYMENTS_NS,
        body: pod('too-big', [oneCpu, oneCpu, oneCpu]),
      }),
    );
    expect(res.code).toBe(403);
    expect(res.message).toContain('exceeded quota: team-quota');
  });

  it('refuses a container over the LimitRange maximum', async () => {
    const res = await outcome(
      devCore.createNamespacedPod({
        namespace: PAYMENTS_NS,
        body: pod('too-wide', [
          { resources: { requests: { cpu: '2' }, limits: { cpu: '2' } } },
        ]),
      }),
    );
    expect(res.code).toBe(403);
    expect(res.message).toContain('maximum cpu usage per Container is 1');
  });

  it('refuses a privileged pod (Pod Security restricted)', async () => {
    const res = await outcome(
      devCore.createNamespacedPod({
        namespace: PAYMENTS_NS,
        body: pod('privileged', [
          {
            // allowPrivilegeEscalation: false and privileged: true is itself invalid (422).
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 1000,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
              privileged: true,
            },
          },
        ]),
      }),
    );
    expect(res.code).toBe(403);
    expect(res.message).toContain('violates PodSecurity "restricted:latest"');
    expect(res.message).toContain('privileged');
  });

  describe('invalid ApplicationEnvironments are refused by the XRD schema', () => {
    const base = {
      team: 'team-payments',
      system: 'payments',
      component: 'payments-api',
      environment: 'development',
      repository: {
        url: 'https://gitlab.acme.example/idp/team-payments/payments-api-deploy.git',
      },
    };
    const create = async (name: string, spec: Record<string, unknown>) => {
      const res = await admin.request(
        'POST',
        '/apis/idp.acme.example/v1alpha1/applicationenvironments',
        {
          apiVersion: 'idp.acme.example/v1alpha1',
          kind: 'ApplicationEnvironment',
          metadata: { name },
          spec,
        },
      );
      return { code: res.status, message: String(res.body?.message) };
    };

    it('accepts a valid one (control)', async () => {
      expect((await create('valid', base)).code).toBe(201);
    });

    it('refuses an unknown environment', async () => {
      const res = await create('bad-env', { ...base, environment: 'qa' });
      expect(res.code).toBe(422);
      expect(res.message).toContain(
        'spec.environment: Unsupported value: "qa": supported values: "development", "staging", "production"',
      );
    });

    it('refuses a 64-character targetNamespace', async () => {
      const targetNamespace = `team-payments-${'x'.repeat(50)}`;
      expect(targetNamespace).toHaveLength(64);
      const res = await create('long-ns', { ...base, targetNamespace });
      expect(res.code).toBe(422);
      expect(res.message).toContain(
        'spec.targetNamespace: Too long: may not be more than 63',
      );
    });

    it('refuses a missing team', async () => {
      const { team: _team, ...spec } = base;
      const res = await create('no-team', spec);
      expect(res.code).toBe(422);
      expect(res.message).toContain('spec.team: Required value');
    });

    it('refuses a derived namespace over 63 characters (CEL rule)', async () => {
      const res = await create('long-derived', {
        ...base,
        component: 'c'.repeat(40),
      });
      expect(res.code).toBe(422);
      expect(res.message).toContain(
        'the namespace <team>-<component>-<environment> would exceed 63 characters',
      );
    });

    it("refuses a targetNamespace outside the team's prefix (CEL rule)", async () => {
      const res = await create('foreign-ns', {
        ...base,
        targetNamespace: 'team-storefront-web',
      });
      expect(res.code).toBe(422);
      expect(res.message).toContain(
        "targetNamespace must start with the team's name and a dash",
      );
    });

    // System namespaces, each with a team whose <team>- prefix the namespace passes, so only the
    // reserved-namespace rule refuses it (default and argocd have no dash: no team fits).
    it.each([
      ['default', 'team-payments'],
      ['argocd', 'team-payments'],
      ['crossplane-system', 'crossplane'],
      ['gateway-system', 'gateway'],
      ['idp-portal', 'idp'],
      ['kube-system', 'kube'],
      ['kube-public', 'kube'],
      ['kube-node-lease', 'kube'],
      ['kube-foo', 'kube'],
    ])(
      'refuses the system namespace %s as targetNamespace (team %s; CEL rule)',
      async (targetNamespace, team) => {
        const res = await create(`reserved-${targetNamespace}`, {
          ...base,
          team,
          targetNamespace,
        });
        expect(res.code).toBe(422);
        expect(res.message).toContain(
          'spec.targetNamespace: Invalid value: "string": targetNamespace must not be a system namespace: default, argocd, crossplane-system, gateway-system, idp-portal or any kube-* namespace',
        );
      },
    );

    it('refuses the derived namespace of a team named kube (kube-*; CEL rule)', async () => {
      const res = await create('kube-team', { ...base, team: 'kube' });
      expect(res.code).toBe(422);
      expect(res.message).toContain(
        'the namespace <team>-<component>-<environment> must not start with kube- (reserved for Kubernetes)',
      );
    });

    it.each([
      '127.0.0.1',
      '169.254.169.254',
      '10.0.0.1',
      '2130706433',
      '127.1',
      '0x7f000001',
      '169.254.169.254.nip.io',
    ])('refuses the IP hostname %s (CEL rule)', async hostname => {
      const res = await create(`ip-${hostname.replace(/\./g, '-')}`, {
        ...base,
        exposure: { mode: 'public', hostname, port: 8080 },
      });
      expect(res.code).toBe(422);
      expect(res.message).toContain(
        'spec.exposure.hostname: Invalid value: "string": exposure.hostname must be a DNS name, not an IP address (such as 127.0.0.1 or 169.254.169.254)',
      );
    });

    it('refuses a wildcard hostname (CEL rule besides the pattern)', async () => {
      const res = await create('wildcard-host', {
        ...base,
        exposure: { mode: 'public', hostname: '*.apps.acme.example' },
      });
      expect(res.code).toBe(422);
      expect(res.message).toContain(
        'exposure.hostname must not be a wildcard: name one host',
      );
    });

    describe('previews (spec.preview)', () => {
      const preview = {
        name: 'mr-42',
        branch: 'feature/refund-limits',
        mergeRequest: 42,
        expiresAt: '2027-01-15T18:00:00Z',
        image: {
          repository: 'registry.acme.example/idp/team-payments/payments-api',
          tag: 'mr-42-3f2c1a9',
        },
      };
      const path = (name: string) =>
        `/apis/idp.acme.example/v1alpha1/applicationenvironments/${name}`;
      const patch = async (name: string, spec: Record<string, unknown>) => {
        const res = await admin.request(
          'PATCH',
          path(name),
          { spec },
          'application/merge-patch+json',
        );
        return { code: res.status, message: String(res.body?.message) };
      };

      it('accepts a preview of development, with or without an image (controls)', async () => {
        expect(
          await create('preview-mr-42', { ...base, preview }),
        ).toMatchObject({ code: 201 });
        const { image: _image, mergeRequest: _mr, ...minimal } = preview;
        expect(
          await create('preview-minimal', {
            ...base,
            preview: { ...minimal, name: 'feature-x' },
          }),
        ).toMatchObject({ code: 201 });
      });

      it.each(['staging', 'production'])(
        'refuses a preview on %s (CEL rule)',
        async environment => {
          const res = await create(`preview-on-${environment}`, {
            ...base,
            environment,
            preview,
          });
          expect(res.code).toBe(422);
          expect(res.message).toContain(
            'preview environments are development environments: spec.environment must be development',
          );
        },
      );

      it('refuses a 21-character preview name', async () => {
        const res = await create('preview-long-name', {
          ...base,
          preview: { ...preview, name: 'a'.repeat(21) },
        });
        expect(res.code).toBe(422);
        expect(res.message).toContain(
          'spec.preview.name: Too long: may not be more than 20',
        );
      });

      it('refuses a preview name that is not a DNS label, an expiresAt that is no date-time and a bad image tag', async () => {
        for (const [name, bad, field] of [
          ['preview-bad-name', { name: 'MR_42' }, 'spec.preview.name'],
          [
            'preview-bad-date',
            { expiresAt: 'tomorrow' },
            'spec.preview.expiresAt',
          ],
          [
            'preview-bad-tag',
            { image: { ...preview.image, tag: '-mr-42' } },
            'spec.preview.image.tag',
          ],
        ] as const) {
          const res = await create(name, {
            ...base,
            preview: { ...preview, ...bad },
          });
          expect({ name, code: res.code }).toEqual({ name, code: 422 });
          expect(res.message).toContain(`${field}: Invalid value`);
        }
      });

      it('refuses a preview without a branch', async () => {
        const { branch: _branch, ...spec } = preview;
        const res = await create('preview-no-branch', {
          ...base,
          preview: spec,
        });
        expect(res.code).toBe(422);
        expect(res.message).toContain('spec.preview.branch: Required value');
      });

      it("refuses a preview's namespace over 63 characters, which the environment's would not exceed (CEL rule)", async () => {
        // team-payments-<30>-development is 56 characters; -preview-<20> makes it 73.
        const component = 'c'.repeat(30);
        expect(
          await create('long-development', { ...base, component }),
        ).toMatchObject({ code: 201 });
        const res = await create('long-preview', {
          ...base,
          component,
          preview: { ...preview, name: 'p'.repeat(20) },
        });
        expect(res.code).toBe(422);
        expect(res.message).toContain(
          "the preview's namespace <team>-<component>-preview-<preview.name> would exceed 63 characters: shorten preview.name",
        );
        // Its own targetNamespace lifts the rule, as for environments.
        expect(
          await create('long-preview-own-ns', {
            ...base,
            component,
            targetNamespace: 'team-payments-long-preview',
            preview: { ...preview, name: 'p'.repeat(20) },
          }),
        ).toMatchObject({ code: 201 });
      });

      it('lets the portal extend expiresAt and the pipeline update the image, branch and merge request', async () => {
        expect(
          await create('preview-update', { ...base, preview }),
        ).toMatchObject({ code: 201 });
        const res = await patch('preview-update', {
          preview: {
            ...preview,
            expiresAt: '2027-01-22T18:00:00Z',
            branch: 'feature/refund-limits-v2',
            mergeRequest: 43,
            image: { ...preview.image, tag: 'mr-42-9b8e7d6' },
          },
        });
        expect({
          code: res.code,
          refusal: res.code === 200 ? '' : res.message,
        }).toEqual({ code: 200, refusal: '' });
        const live = await admin.get(
          'idp.acme.example/v1alpha1',
          'ApplicationEnvironment',
          'preview-update',
        );
        expect(live?.spec.preview).toMatchObject({
          name: 'mr-42',
          expiresAt: '2027-01-22T18:00:00Z',
          image: { tag: 'mr-42-9b8e7d6' },
        });
      });

      it('refuses renaming, removing or adding a preview (CEL transition rule)', async () => {
        expect(
          await create('preview-fixed', { ...base, preview }),
        ).toMatchObject({ code: 201 });
        expect(
          await create('environment-fixed', {
            ...base,
            component: 'refunds',
          }),
        ).toMatchObject({ code: 201 });
        for (const [name, spec] of [
          ['preview-fixed', { preview: { ...preview, name: 'mr-43' } }],
          ['preview-fixed', { preview: null }],
          ['environment-fixed', { preview }],
        ] as const) {
          const res = await patch(name, spec);
          expect({ name, spec, code: res.code }).toEqual({
            name,
            spec,
            code: 422,
          });
          expect(res.message).toContain(
            'spec.preview cannot be added, removed or renamed; create a new ApplicationEnvironment instead',
          );
        }
      });
    });

    it('still accepts valid namespaces and hostnames (controls)', async () => {
      for (const [name, spec] of [
        ['own-ns', { ...base, targetNamespace: 'team-payments-api' }],
        [
          'own-ns-kube-word',
          { ...base, targetNamespace: 'team-payments-kube-system' },
        ],
        ['kubernetes-team', { ...base, team: 'kubernetes-team' }],
        [
          'gateway-team',
          { ...base, team: 'gateway', targetNamespace: 'gateway-apps' },
        ],
        [
          'public-host',
          {
            ...base,
            exposure: { mode: 'public', hostname: 'refunds.apps.acme.example' },
          },
        ],
        [
          'digits-in-host',
          {
            ...base,
            exposure: {
              mode: 'public',
              hostname: '1password.apps2.acme.example',
            },
          },
        ],
        [
          'numeric-sublabel',
          {
            ...base,
            exposure: { mode: 'public', hostname: 'v2.10.apps.acme.example' },
          },
        ],
      ] as const) {
        const res = await create(name, spec);
        expect({
          name,
          code: res.code,
          refusal: res.code === 201 ? '' : res.message,
        }).toEqual({ name, code: 201, refusal: '' });
      }
    });
  });
});
