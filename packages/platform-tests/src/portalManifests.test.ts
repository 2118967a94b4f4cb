import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import {
  ControlPlane,
  KubeObject,
  KubeRest,
  parseManifests,
  repoRoot,
  startControlPlane,
} from '@internal/test-platform';
import { platformFile } from './crossplane';

// The portal's own Kubernetes manifests (platform/portal): every kustomization rendered with
// kustomize (the version kubectl 1.34 embeds) and server-side applied to a real kube-apiserver
// with the CRDs they use (Gateway API, CloudNativePG, Argo CD, the ApplicationEnvironment XR),
// the pod template admitted under Pod Security "restricted", and the portal service account's
// rights checked with SubjectAccessReviews. Nothing runs the pods: no kubelet, no operators.
jest.setTimeout(300_000);

const NAMESPACE = 'idp-portal';
const PORTAL_SA = `system:serviceaccount:${NAMESPACE}:idp-portal`;
const saGroups = (namespace: string) => [
  'system:serviceaccounts',
  `system:serviceaccounts:${namespace}`,
  'system:authenticated',
];
const TEAM_NS = 'team-payments-payments-api-development';
/** Argo CD's field manager for server-side apply: what applies these manifests in production. */
const FIELD_MANAGER = 'argocd-controller';

/** kustomize and the CRD files, from scripts/build-template-tools.sh (built once, cached). */
function portalTools(): { kustomize: string; crds: string[] } {
  const dir = execFileSync(
    'bash',
    [path.join(repoRoot(), 'scripts', 'build-template-tools.sh')],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
  ).trim();
  const crdDir = path.join(dir, 'crds');
  const cnpg = fs
    .readdirSync(crdDir)
    .filter(f => f.startsWith('cloudnative-pg-'))
    .map(f => path.join(crdDir, f, 'postgresql.cnpg.io_clusters.yaml'));
  const gatewayApi = fs
    .readdirSync(crdDir)
    .filter(f => f.endsWith('.yaml'))
    .map(f => path.join(crdDir, f));
  return {
    kustomize: path.join(dir, 'bin', 'kustomize'),
    crds: [...gatewayApi, ...cnpg],
  };
}

/** The kustomizations under test, relative to a copy of platform/portal. */
const VARIANTS = {
  access: 'access',
  base: 'base',
  'base + secret-env-file': 'overlays/test-secret-env-file',
  'overlays/production': 'overlays/production',
} as const;
type Variant = keyof typeof VARIANTS;

/** Every `${VAR}` (and `$env: VAR`) in a config file's values, as the backend's check reads them. */
function configVariables(text: string): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown) => {
    if (typeof node === 'string') {
      const unescaped = node.replace(/\$\$\{[^}]*\}/g, '');
      for (const m of unescaped.matchAll(
        /\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g,
      )) {
        names.add(m[1]);
      }
    } else if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$env' && typeof value === 'string') names.add(value);
        else walk(value);
      }
    }
  };
  walk(parse(text));
  return names;
}

function envFileKeys(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(line => line.trim() && !line.startsWith('#'))
    .map(line => line.slice(0, line.indexOf('=')));
}

const find = (objects: KubeObject[], kind: string, namePrefix: string) =>
  objects.find(o => o.kind === kind && o.metadata.name.startsWith(namePrefix));

describe('the portal manifests (platform/portal) on a real apiserver', () => {
  let cp: ControlPlane;
  let admin: KubeRest;
  let workDir: string;
  const rendered = {} as Record<Variant, KubeObject[]>;
  const summary: string[] = [];

  beforeAll(async () => {
    const tools = portalTools();
    // A copy, so the test can add its own overlay and a secret.env without touching the tree.
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-portal-manifests-'));
    fs.cpSync(platformFile('portal'), workDir, { recursive: true });
    fs.copyFileSync(
      path.join(workDir, 'secret-env-file', 'secret.example.env'),
      path.join(workDir, 'secret-env-file', 'secret.env'),
    );
    fs.mkdirSync(path.join(workDir, VARIANTS['base + secret-env-file']));
    fs.writeFileSync(
      path.join(
        workDir,
        VARIANTS['base + secret-env-file'],
        'kustomization.yaml',
      ),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources: [../../base]',
        'components: [../../secret-env-file]',
        '',
      ].join('\n'),
    );
    const run = promisify(execFile);
    const [controlPlane] = await Promise.all([
      startControlPlane(),
      ...Object.entries(VARIANTS).map(async ([variant, dir]) => {
        const { stdout } = await run(tools.kustomize, [
          'build',
          path.join(workDir, dir),
        ]);
        rendered[variant as Variant] = parseManifests(stdout);
      }),
    ]);
    cp = controlPlane;
    // What the platform installs besides what the test platform already has (Argo CD's CRDs,
    // the ApplicationEnvironment XR, the portal's rbac.yaml): Gateway API and CloudNativePG.
    await cp.apply(
      tools.crds.flatMap(f => parseManifests(fs.readFileSync(f, 'utf8'))),
    );
    admin = new KubeRest(cp.kubeConfig('admin'));
  });

  afterAll(async () => {
    await cp?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    if (summary.length > 0) {
      // eslint-disable-next-line no-console
      console.log(`platform/portal on kube-apiserver:\n${summary.join('\n')}`);
    }
  });

  /** Server-side applies every object, dry run (all of them) first, then for real. */
  async function applyVariant(variant: Variant): Promise<void> {
    const objects = rendered[variant];
    const refused: string[] = [];
    for (const dryRun of [true, false]) {
      for (const object of objects) {
        try {
          await admin.apply(object, {
            fieldManager: FIELD_MANAGER,
            force: false,
            dryRun,
          });
        } catch (error: any) {
          refused.push(
            `${dryRun ? 'dry run: ' : ''}${object.kind} ${
              object.metadata.name
            }: ${error.message}`,
          );
        }
      }
      expect(refused).toEqual([]);
    }
    const kinds = new Map<string, number>();
    for (const o of objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    summary.push(
      `  ${variant}: ${objects.length} objects applied (${[...kinds]
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ')})`,
    );
  }

  /** SubjectAccessReview as the admin: may `user` do this? */
  async function allowed(
    user: string,
    groups: string[],
    attributes: Record<string, string>,
  ): Promise<boolean> {
    const res = await admin.request(
      'POST',
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user, groups, resourceAttributes: attributes },
      },
    );
    if (res.status !== 201) {
      throw new Error(`SubjectAccessReview: ${res.status} ${res.body}`);
    }
    return res.body.status.allowed === true;
  }

  /** Rows: verb, group, resource (resource/subresource), namespace ('' = all or cluster-scoped). */
  type Row = [string, string, string, string, 'allowed' | 'denied'];
  async function expectRights(rows: Row[]) {
    const line = ([verb, group, resource, namespace]: Row, result: string) =>
      `${verb} ${group || 'core'}/${resource} in ${
        namespace || '*'
      } → ${result}`;
    const actual: string[] = [];
    for (const row of rows) {
      const [verb, group, resource, namespace] = row;
      const [name, subresource] = resource.split('/');
      const ok = await allowed(PORTAL_SA, saGroups(NAMESPACE), {
        verb,
        group,
        resource: name,
        ...(subresource ? { subresource } : {}),
        ...(namespace ? { namespace } : {}),
      });
      actual.push(line(row, ok ? 'allowed' : 'denied'));
    }
    expect(actual).toEqual(rows.map(row => line(row, row[4])));
    return rows.length;
  }

  it('renders every kustomization, and each Deployment provides every ${VAR} its config needs', () => {
    const production = fs.readFileSync(
      path.join(repoRoot(), 'app-config.production.yaml'),
      'utf8',
    );
    const secretExample = envFileKeys(
      platformFile('portal', 'secret-env-file', 'secret.example.env'),
    );
    const secretOnly = new Map<string, string[]>();
    for (const variant of [
      'base',
      'base + secret-env-file',
      'overlays/production',
    ] as const) {
      const objects = rendered[variant];
      const deployment = find(objects, 'Deployment', 'idp-portal')!;
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      const envConfigMap = find(objects, 'ConfigMap', 'idp-portal-env-')!;
      const configFiles = find(objects, 'ConfigMap', 'idp-portal-config-')!;

      // The image's command plus one --config per mounted file, in the mounted folder.
      const mount = container.volumeMounts.find(
        (m: any) =>
          pod.volumes.find((v: any) => v.name === m.name)?.configMap?.name ===
          configFiles.metadata.name,
      );
      expect(container.args).toEqual([
        'node',
        'packages/backend',
        '--config',
        'app-config.yaml',
        '--config',
        'app-config.production.yaml',
        ...['app-config.kubernetes.yaml', 'app-config.site.yaml'].flatMap(f => [
          '--config',
          `${mount.mountPath}/${f}`,
        ]),
      ]);
      expect(Object.keys(configFiles.data).sort()).toEqual([
        'app-config.kubernetes.yaml',
        'app-config.site.yaml',
      ]);

      // Every variable of every loaded file comes from the env ConfigMap, the Secret (the
      // generated one, else the keys secret.example.env documents) or the container's env.
      const required = new Set([
        ...configVariables(
          fs.readFileSync(path.join(repoRoot(), 'app-config.yaml'), 'utf8'),
        ),
        ...configVariables(production),
        ...Object.values<string>(configFiles.data).flatMap(text => [
          ...configVariables(text),
        ]),
      ]);
      const secret = find(objects, 'Secret', 'idp-portal-secrets');
      const secretKeys = secret ? Object.keys(secret.data) : secretExample;
      expect(
        container.envFrom.find((e: any) => e.secretRef)?.secretRef.name,
      ).toBe(secret?.metadata.name ?? 'idp-portal-secrets');
      expect(
        container.envFrom.find((e: any) => e.configMapRef)?.configMapRef.name,
      ).toBe(envConfigMap.metadata.name);
      const provided = new Set([
        ...Object.keys(envConfigMap.data),
        ...secretKeys,
        ...container.env.map((e: any) => e.name),
      ]);
      expect([...required].filter(name => !provided.has(name))).toEqual([]);

      // The route's hostname is the portal's public URL's.
      const route = find(objects, 'HTTPRoute', 'idp-portal')!;
      expect(route.spec.hostnames).toEqual([
        new URL(envConfigMap.data.PORTAL_BASE_URL).host,
      ]);
      expect(route.spec.rules[0].backendRefs).toEqual([
        { name: 'idp-portal', port: 80 },
      ]);

      // Secrets in the ConfigMap would be a leak: none of the example's keys is there.
      expect(secretExample.filter(k => k in envConfigMap.data)).toEqual([]);
      // secret.example.env lists exactly the variables nothing else provides.
      const nonSecret = new Set([
        ...Object.keys(envConfigMap.data),
        ...container.env.map((e: any) => e.name),
      ]);
      secretOnly.set(
        variant,
        [...required].filter(name => !nonSecret.has(name)).sort(),
      );
    }
    expect([...secretExample].sort()).toEqual(secretOnly.get('base'));

    // With CloudNativePG the database connection comes from the operator's -app Secret, over
    // TLS verified against the operator's CA.
    const productionObjects = rendered['overlays/production'];
    const [backend] = find(productionObjects, 'Deployment', 'idp-portal')!.spec
      .template.spec.containers;
    const fromSecret = (name: string) =>
      backend.env.find((e: any) => e.name === name)?.valueFrom?.secretKeyRef;
    expect({
      POSTGRES_HOST: fromSecret('POSTGRES_HOST'),
      POSTGRES_PORT: fromSecret('POSTGRES_PORT'),
      POSTGRES_USER: fromSecret('POSTGRES_USER'),
      POSTGRES_PASSWORD: fromSecret('POSTGRES_PASSWORD'),
    }).toEqual({
      POSTGRES_HOST: { name: 'idp-portal-db-app', key: 'host' },
      POSTGRES_PORT: { name: 'idp-portal-db-app', key: 'port' },
      POSTGRES_USER: { name: 'idp-portal-db-app', key: 'username' },
      POSTGRES_PASSWORD: { name: 'idp-portal-db-app', key: 'password' },
    });
    const db = find(productionObjects, 'Cluster', 'idp-portal-db')!;
    expect(db.spec.instances).toBe(2);
    expect(db.spec.bootstrap.initdb).toEqual({
      database: 'backstage',
      owner: 'backstage',
    });
    // Backstage's default pluginDivisionMode (database) creates a database per plugin.
    expect(production).not.toMatch(/pluginDivisionMode/);
    expect(db.spec.managed.roles).toContainEqual(
      expect.objectContaining({ name: 'backstage', createdb: true }),
    );

    // The access kustomization never carries Argo CD's own namespace.
    for (const variant of Object.keys(VARIANTS) as Variant[]) {
      expect(
        rendered[variant].filter(
          o => o.kind === 'Namespace' && o.metadata.name === 'argocd',
        ),
      ).toEqual([]);
    }
  });

  it('has the Deployment run like production: replicas, rollout, probes, resources, spread', () => {
    const deployment = find(rendered.base, 'Deployment', 'idp-portal')!;
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.readinessProbe.httpGet.path).toBe(
      '/.backstage/health/v1/readiness',
    );
    expect(container.livenessProbe.httpGet.path).toBe(
      '/.backstage/health/v1/liveness',
    );
    const startup = container.startupProbe;
    expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThan(
      60,
    );
    expect(container.resources.requests.memory).toBe('512Mi');
    expect(container.resources.limits.memory).toBe('1Gi');
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 7007, protocol: 'TCP' },
    ]);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // The root filesystem is read-only; /tmp is the one writable place.
    const tmp = container.volumeMounts.find((m: any) => m.mountPath === '/tmp');
    expect(
      pod.volumes.find((v: any) => v.name === tmp.name).emptyDir,
    ).toBeDefined();
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe(
      'kubernetes.io/hostname',
    );
    expect(
      pod.affinity.podAntiAffinity
        .preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm
        .topologyKey,
    ).toBe('kubernetes.io/hostname');
    const pdb = find(rendered.base, 'PodDisruptionBudget', 'idp-portal')!;
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(
      deployment.spec.selector.matchLabels,
    );
    const service = find(rendered.base, 'Service', 'idp-portal')!;
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([
      expect.objectContaining({ port: 80, targetPort: 'http' }),
    ]);
  });

  it('server-side applies access, base and base + secret-env-file: dry run, then for real, refused for nothing', async () => {
    await applyVariant('access');
    await applyVariant('base');
    await applyVariant('base + secret-env-file');
    const deployment = await admin.get(
      'apps/v1',
      'Deployment',
      'idp-portal',
      NAMESPACE,
    );
    expect(deployment?.spec.replicas).toBe(2);
  });

  it('admits the pod template under Pod Security restricted, and refuses it without its security context', async () => {
    const template = find(
      rendered['overlays/production'],
      'Deployment',
      'idp-portal',
    )!.spec.template;
    const create = (spec: any) =>
      admin.request('POST', `/api/v1/namespaces/${NAMESPACE}/pods?dryRun=All`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'idp-portal-template',
          labels: template.metadata.labels,
        },
        spec,
      });
    const admitted = await create(template.spec);
    expect([admitted.status, admitted.body.message]).toEqual([201, undefined]);

    const { securityContext, ...withoutPodContext } = template.spec;
    const refused = await create({
      ...withoutPodContext,
      containers: withoutPodContext.containers.map(
        ({ securityContext: _, ...c }: any) => c,
      ),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/violates PodSecurity "restricted/);
    summary.push(
      `  pod template: admitted under restricted (201); without securityContext: ${refused.status}`,
    );
  });

  it('gives the portal service account exactly its least privilege (SubjectAccessReview)', async () => {
    // What base applied (the test platform applies the same rbac.yaml when it starts).
    const rows: Row[] = [
      // What the deployment view reads, in every namespace.
      ['list', '', 'pods', '', 'allowed'],
      ['watch', '', 'pods', TEAM_NS, 'allowed'],
      ['list', '', 'services', '', 'allowed'],
      ['list', 'apps', 'deployments', '', 'allowed'],
      ['list', 'apps', 'replicasets', '', 'allowed'],
      ['list', 'autoscaling', 'horizontalpodautoscalers', '', 'allowed'],
      ['get', 'argoproj.io', 'applications', 'argocd', 'allowed'],
      ['list', 'argoproj.io', 'applications', 'argocd', 'allowed'],
      ['watch', 'argoproj.io', 'applications', 'argocd', 'allowed'],
      // idp:environment:apply and idp:undo.
      ['get', 'idp.acme.example', 'applicationenvironments', '', 'allowed'],
      ['list', 'idp.acme.example', 'applicationenvironments', '', 'allowed'],
      ['watch', 'idp.acme.example', 'applicationenvironments', '', 'allowed'],
      ['create', 'idp.acme.example', 'applicationenvironments', '', 'allowed'],
      ['patch', 'idp.acme.example', 'applicationenvironments', '', 'allowed'],
      ['delete', 'idp.acme.example', 'applicationenvironments', '', 'allowed'],
      // Refresh and Sync in the deployment view.
      ['patch', 'argoproj.io', 'applications', 'argocd', 'allowed'],
      // Nothing else.
      ['get', '', 'secrets', 'argocd', 'denied'],
      ['get', '', 'secrets', NAMESPACE, 'denied'],
      ['list', '', 'secrets', '', 'denied'],
      ['get', '', 'configmaps', TEAM_NS, 'denied'],
      ['list', '', 'configmaps', '', 'denied'],
      ['create', '', 'pods', TEAM_NS, 'denied'],
      ['delete', '', 'pods', TEAM_NS, 'denied'],
      ['create', '', 'pods/exec', TEAM_NS, 'denied'],
      ['create', 'apps', 'deployments', TEAM_NS, 'denied'],
      ['delete', 'argoproj.io', 'applications', 'argocd', 'denied'],
      ['create', 'argoproj.io', 'applications', 'argocd', 'denied'],
      ['patch', 'argoproj.io', 'applications', TEAM_NS, 'denied'],
      ['patch', 'argoproj.io', 'appprojects', 'argocd', 'denied'],
      ['create', '', 'namespaces', '', 'denied'],
      ['escalate', 'rbac.authorization.k8s.io', 'clusterroles', '', 'denied'],
      ['bind', 'rbac.authorization.k8s.io', 'clusterroles', '', 'denied'],
      ['escalate', 'rbac.authorization.k8s.io', 'roles', 'argocd', 'denied'],
      ['bind', 'rbac.authorization.k8s.io', 'roles', 'argocd', 'denied'],
      [
        'create',
        'rbac.authorization.k8s.io',
        'clusterrolebindings',
        '',
        'denied',
      ],
      [
        'create',
        'rbac.authorization.k8s.io',
        'rolebindings',
        TEAM_NS,
        'denied',
      ],
      ['impersonate', '', 'users', '', 'denied'],
      ['impersonate', '', 'serviceaccounts', '', 'denied'],
      ['*', '*', '*', '', 'denied'],
    ];
    const checked = await expectRights(rows);

    // The check can fail and can succeed: a service account without bindings may not even list
    // pods; a member of system:masters may do anything.
    expect(
      await allowed(
        `system:serviceaccount:${NAMESPACE}:unbound`,
        saGroups(NAMESPACE),
        { verb: 'list', resource: 'pods' },
      ),
    ).toBe(false);
    expect(
      await allowed('someone', ['system:masters'], {
        verb: '*',
        group: '*',
        resource: '*',
      }),
    ).toBe(true);

    // The same answers with the portal's real (bound) token.
    const portal = new KubeRest(cp.kubeConfig('portal'));
    expect((await portal.request('GET', '/api/v1/pods?limit=1')).status).toBe(
      200,
    );
    expect(
      (await portal.request('GET', '/api/v1/namespaces/argocd/secrets/any'))
        .status,
    ).toBe(403);
    summary.push(`  RBAC (base): ${checked} SubjectAccessReviews as expected`);
  });

  it('applies overlays/production, which adds Secrets in argocd and nothing else', async () => {
    await applyVariant('overlays/production');
    const checked = await expectRights([
      ['create', '', 'secrets', 'argocd', 'allowed'],
      ['get', '', 'secrets', 'argocd', 'allowed'],
      ['patch', '', 'secrets', 'argocd', 'allowed'],
      ['delete', '', 'secrets', 'argocd', 'allowed'],
      ['list', '', 'secrets', 'argocd', 'denied'],
      ['get', '', 'secrets', NAMESPACE, 'denied'],
      ['get', '', 'secrets', TEAM_NS, 'denied'],
      ['list', '', 'secrets', '', 'denied'],
      ['create', '', 'pods', TEAM_NS, 'denied'],
      ['*', '*', '*', '', 'denied'],
    ]);
    const db = await admin.get(
      'postgresql.cnpg.io/v1',
      'Cluster',
      'idp-portal-db',
      NAMESPACE,
    );
    expect(db?.spec.instances).toBe(2);
    summary.push(
      `  RBAC (overlays/production): ${checked} SubjectAccessReviews as expected`,
    );
  });

  it('accepts the Argo CD AppProject and Application that deploy the portal from this repository', async () => {
    const objects = parseManifests(
      fs.readFileSync(
        platformFile('portal', 'argocd-application.yaml'),
        'utf8',
      ),
    );
    const refused: string[] = [];
    for (const dryRun of [true, false]) {
      for (const object of objects) {
        try {
          await admin.apply(object, {
            fieldManager: FIELD_MANAGER,
            force: false,
            dryRun,
          });
        } catch (error: any) {
          refused.push(
            `${object.kind} ${object.metadata.name}: ${error.message}`,
          );
        }
      }
    }
    expect(refused).toEqual([]);
    const app = await admin.get(
      'argoproj.io/v1alpha1',
      'Application',
      'idp-portal',
      'argocd',
    );
    expect(app?.spec.syncPolicy.automated).toEqual({
      prune: true,
      selfHeal: true,
    });
    expect(app?.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    // The path it deploys is one of the kustomizations applied above.
    expect(app?.spec.source.path).toBe(
      `platform/portal/${VARIANTS['overlays/production']}`,
    );
    // The project admits every kind of that overlay, and the repository it deploys from.
    const project = objects.find(o => o.kind === 'AppProject')!;
    expect(app?.spec.project).toBe(project.metadata.name);
    expect(project.spec.sourceRepos).toContain(app?.spec.source.repoURL);
    const admitted = [
      ...project.spec.clusterResourceWhitelist,
      ...project.spec.namespaceResourceWhitelist,
    ].map((k: any) => `${k.group}/${k.kind}`);
    const kinds = [
      ...new Set(
        rendered['overlays/production'].map(
          o =>
            `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${
              o.kind
            }`,
        ),
      ),
    ];
    expect(kinds.filter(k => !admitted.includes(k))).toEqual([]);
    const namespaces = new Set(
      rendered['overlays/production']
        .map(o => o.metadata.namespace)
        .filter(Boolean),
    );
    expect([...namespaces].sort()).toEqual(
      project.spec.destinations.map((d: any) => d.namespace).sort(),
    );
    summary.push(
      `  argocd-application.yaml: ${objects.length} objects applied`,
    );
  });
});
