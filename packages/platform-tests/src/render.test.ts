import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  KubeObject,
  Renderer,
  normalise,
  platformFile,
  startRenderer,
} from './crossplane';
import { parseManifests } from '@internal/test-platform';

// Renders the ApplicationEnvironment Composition with crank and the real functions (built by
// scripts/build-crossplane.sh) and compares with the reviewed files in
// platform/crossplane/tests/expected/. After a deliberate change to composition.yaml:
//   UPDATE_EXPECTED=1 CI=true scripts/run.sh yarn backstage-cli repo test packages/platform-tests/src/render.test.ts
// then review the diff of tests/expected/ like code.
jest.setTimeout(600_000); // the first run of a machine builds the tooling

const EXPECTED = platformFile('crossplane', 'tests', 'expected');
const ENVIRONMENTS = ['development', 'staging', 'production'];
const SIZES = ['small', 'medium', 'large'];

function xr(environment: string, size: string): KubeObject {
  return {
    apiVersion: 'idp.acme.example/v1alpha1',
    kind: 'ApplicationEnvironment',
    metadata: { name: `payments-api-${environment}` },
    spec: {
      team: 'team-payments',
      system: 'payments',
      component: 'payments-api',
      environment,
      size,
      repository: {
        url: 'https://gitlab.acme.example/idp/team-payments/payments-api-deploy.git',
      },
    },
  };
}

function compareWithExpected(name: string, rendered: KubeObject[]) {
  const file = path.join(EXPECTED, `${name}.yaml`);
  const text = normalise(rendered)
    .map(o => stringify(o))
    .join('---\n');
  if (process.env.UPDATE_EXPECTED === '1') {
    fs.mkdirSync(EXPECTED, { recursive: true });
    fs.writeFileSync(
      file,
      `# Reviewed output of crank render; regenerate with UPDATE_EXPECTED=1 (render.test.ts).\n${text}`,
    );
    return;
  }
  if (!fs.existsSync(file)) {
    throw new Error(
      `${file} is missing: run the test with UPDATE_EXPECTED=1 and review the file`,
    );
  }
  expect(normalise(rendered)).toEqual(
    parseManifests(fs.readFileSync(file, 'utf8')),
  );
}

const byName = (objects: KubeObject[], kind: string, name?: string) =>
  objects.find(o => o.kind === kind && (!name || o.metadata.name === name));

describe('ApplicationEnvironment composition (crank render)', () => {
  let renderer: Renderer;

  beforeAll(async () => {
    renderer = await startRenderer();
  });
  afterAll(async () => {
    await renderer?.stop();
  });

  describe.each(ENVIRONMENTS)('%s', environment => {
    it.each(SIZES)('size %s matches the reviewed output', async size => {
      const rendered = await renderer.render(xr(environment, size));
      compareWithExpected(`${environment}-${size}`, rendered);

      // The naming contract, independent of the expected files.
      const namespace = `team-payments-payments-api-${environment}`;
      expect(rendered[0].status).toMatchObject({
        namespace,
        argocdApplication: `payments-api-${environment}`,
      });
      const app = byName(rendered, 'Application')!;
      expect(app.metadata).toMatchObject({
        name: `payments-api-${environment}`,
        namespace: 'argocd',
      });
      expect(app.spec.source.targetRevision).toBe(environment);
      expect(app.spec.source.helm.valueFiles).toEqual([
        'values.yaml',
        `environments/${environment}.yaml`,
      ]);
      expect(byName(rendered, 'ResourceQuota')!.metadata.labels).toMatchObject({
        'idp.acme.example/size': size,
      });
      for (const o of rendered.slice(1)) {
        expect(o.metadata.labels).toMatchObject({
          'backstage.io/kubernetes-id': 'payments-api',
          'idp.acme.example/team': 'team-payments',
          'idp.acme.example/system': 'payments',
          'idp.acme.example/component': 'payments-api',
          'idp.acme.example/environment': environment,
        });
      }
      const inNamespace = rendered.filter(
        o =>
          !['ApplicationEnvironment', 'Namespace', 'Application'].includes(
            o.kind,
          ),
      );
      expect(inNamespace).toHaveLength(6);
      expect(new Set(inNamespace.map(o => o.metadata.namespace))).toEqual(
        new Set([namespace]),
      );
    });
  });

  it.each([
    'payments-api-staging',
    'storefront-web-production',
    'payments-api-preview',
  ])('renders examples/%s.yaml as reviewed', async example => {
    const rendered = await renderer.render(
      platformFile('crossplane', 'examples', `${example}.yaml`),
    );
    expect(rendered).toHaveLength(9); // the XR and eight composed resources
    compareWithExpected(`example-${example}`, rendered);
  });

  describe('the target namespace as the cluster has it (crank --required-resources)', () => {
    // function-applicationenvironment asks Crossplane for the Namespace by name and refuses one
    // that exists but is neither composed by this XR nor labelled with its team.
    const example = platformFile(
      'crossplane',
      'examples',
      'storefront-web-production.yaml',
    );
    const exampleXr = () =>
      parseManifests(fs.readFileSync(example, 'utf8'))[0] as KubeObject;
    const namespace = (
      name: string,
      metadata: Record<string, unknown> = {},
    ): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        ...metadata,
        labels: {
          'kubernetes.io/metadata.name': name,
          ...(metadata.labels as Record<string, string> | undefined),
        },
      },
    });

    it('renders the example as reviewed when its namespace does not exist yet', async () => {
      const rendered = await renderer.render(example, {
        requiredResources: [namespace('team-storefront-other')],
      });
      expect(rendered).toHaveLength(9);
      compareWithExpected('example-storefront-web-production', rendered);
    });

    it("renders the example as reviewed when its namespace exists with the team's label (adopted)", async () => {
      const rendered = await renderer.render(example, {
        requiredResources: [
          namespace('team-storefront-web', {
            labels: { 'idp.acme.example/team': 'team-storefront' },
          }),
        ],
      });
      expect(rendered).toHaveLength(9);
      compareWithExpected('example-storefront-web-production', rendered);
    });

    it('renders an environment whose namespace it composed itself (controller reference to its UID)', async () => {
      const uid = '3b9d6c1e-7a2f-4e58-9c0d-5f1a8b2e4d67';
      const environment = exampleXr();
      environment.metadata.uid = uid;
      const rendered = await renderer.render(environment, {
        requiredResources: [
          namespace('team-storefront-web', {
            ownerReferences: [
              {
                apiVersion: 'idp.acme.example/v1alpha1',
                kind: 'ApplicationEnvironment',
                name: 'storefront-web-production',
                uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }),
        ],
      });
      expect(rendered).toHaveLength(9);
      expect(byName(rendered, 'Namespace')!.metadata.name).toBe(
        'team-storefront-web',
      );
    });

    it("refuses a namespace that belongs to another team (another team's label)", async () => {
      await expect(
        renderer.render(example, {
          requiredResources: [
            namespace('team-storefront-web', {
              labels: { 'idp.acme.example/team': 'team-payments' },
            }),
          ],
        }),
      ).rejects.toThrow(
        'returned a fatal result: refused ApplicationEnvironment: namespace "team-storefront-web" already exists and belongs to team "team-payments" (label idp.acme.example/team), not to team "team-storefront"',
      );
    });

    it.each([
      ['team-storefront-web', 'a namespace created outside the platform'],
      ['default', 'default, had the XRD rules been bypassed'],
    ])(
      'refuses an existing namespace without the team label: %s (%s)',
      async name => {
        const environment = exampleXr();
        environment.spec.targetNamespace = name;
        await expect(
          renderer.render(environment, {
            requiredResources: [namespace(name)],
          }),
        ).rejects.toThrow(
          `refused ApplicationEnvironment: namespace "${name}" already exists and does not belong to team "team-storefront" (no idp.acme.example/team label)`,
        );
      },
    );

    it("refuses a namespace controlled by another of the team's environments", async () => {
      await expect(
        renderer.render(example, {
          requiredResources: [
            namespace('team-storefront-web', {
              labels: { 'idp.acme.example/team': 'team-storefront' },
              ownerReferences: [
                {
                  apiVersion: 'idp.acme.example/v1alpha1',
                  kind: 'ApplicationEnvironment',
                  name: 'storefront-web-staging',
                  uid: '9e4f2b7c-1d3a-4c8e-b6f0-7a5d2c9e1b38',
                  controller: true,
                },
              ],
            }),
          ],
        }),
      ).rejects.toThrow(
        'namespace "team-storefront-web" already exists and is controlled by ApplicationEnvironment "storefront-web-staging"',
      );
    });
  });

  describe('public hostnames (composition.yaml allowedHostnameSuffixes: apps.acme.example)', () => {
    const withHostname = (hostname: string): KubeObject => {
      const environment = parseManifests(
        fs.readFileSync(
          platformFile(
            'crossplane',
            'examples',
            'storefront-web-production.yaml',
          ),
          'utf8',
        ),
      )[0] as KubeObject;
      environment.spec.exposure.hostname = hostname;
      return environment;
    };

    it('renders a hostname inside apps.acme.example', async () => {
      const rendered = await renderer.render(
        withHostname('checkout.apps.acme.example'),
      );
      expect(rendered).toHaveLength(9);
    });

    it.each([
      'shop.acme.example',
      'apps.acme.example',
      'shop.evilapps.acme.example',
    ])('refuses %s', async hostname => {
      await expect(renderer.render(withHostname(hostname))).rejects.toThrow(
        `refused ApplicationEnvironment: spec.exposure.hostname "${hostname}" is not in a domain the platform serves (apps.acme.example): use a name such as storefront-web.apps.acme.example`,
      );
    });
  });

  describe('a preview (spec.preview)', () => {
    const preview = () =>
      parseManifests(
        fs.readFileSync(
          platformFile('crossplane', 'examples', 'payments-api-preview.yaml'),
          'utf8',
        ),
      )[0] as KubeObject;
    const internal = { name: 'exposure.mode', value: 'internal' };

    it('has its own names and label and deploys like development, with Helm parameters', async () => {
      const rendered = await renderer.render(preview());
      // The naming contract (plugins/idp-common naming.ts mirrors it), independent of the
      // expected file: never the development environment's names.
      const namespace = 'team-payments-payments-api-preview-mr-42';
      expect(rendered[0].status).toMatchObject({
        namespace,
        argocdApplication: 'payments-api-preview-mr-42',
      });
      const app = byName(rendered, 'Application')!;
      expect(app.metadata).toMatchObject({
        name: 'payments-api-preview-mr-42',
        namespace: 'argocd',
      });
      expect(app.spec.destination.namespace).toBe(namespace);
      expect(app.spec.source).toEqual({
        repoURL:
          'https://gitlab.acme.example/idp/team-payments/payments-api-deploy.git',
        path: '.',
        targetRevision: 'development',
        helm: {
          valueFiles: ['values.yaml', 'environments/development.yaml'],
          parameters: [
            internal,
            {
              name: 'image.repository',
              value: 'registry.acme.example/idp/team-payments/payments-api',
            },
            { name: 'image.tag', value: 'mr-42-3f2c1a9', forceString: true },
          ],
        },
      });
      for (const o of rendered.slice(1)) {
        expect(o.metadata.labels).toMatchObject({
          'backstage.io/kubernetes-id': 'payments-api',
          'idp.acme.example/environment': 'development',
          'idp.acme.example/preview': 'mr-42',
        });
      }
      const inNamespace = rendered.filter(
        o =>
          !['ApplicationEnvironment', 'Namespace', 'Application'].includes(
            o.kind,
          ),
      );
      expect(inNamespace).toHaveLength(6);
      expect(new Set(inNamespace.map(o => o.metadata.namespace))).toEqual(
        new Set([namespace]),
      );
    });

    it('before its pipeline built an image: only exposure.mode=internal', async () => {
      const environment = preview();
      delete environment.spec.preview.image;
      const rendered = await renderer.render(environment);
      expect(rendered).toHaveLength(9);
      expect(byName(rendered, 'Application')!.spec.source.helm).toEqual({
        valueFiles: ['values.yaml', 'environments/development.yaml'],
        parameters: [internal],
      });
    });

    it('is refused on staging by the function too (besides the XRD rule)', async () => {
      const environment = preview();
      environment.spec.environment = 'staging';
      await expect(renderer.render(environment)).rejects.toThrow(
        'returned a fatal result: invalid ApplicationEnvironment: preview environments are development environments: spec.environment is "staging", it must be development',
      );
    });
  });

  it('honours targetNamespace, revision, path and the exposure port', async () => {
    const rendered = await renderer.render(
      platformFile('crossplane', 'examples', 'storefront-web-production.yaml'),
    );
    expect(rendered[0].status).toMatchObject({
      namespace: 'team-storefront-web',
      argocdApplication: 'storefront-web-production',
    });
    const app = byName(rendered, 'Application')!;
    expect(app.spec).toMatchObject({
      project: 'team-storefront',
      source: { path: 'charts/storefront-web', targetRevision: 'release' },
      destination: { namespace: 'team-storefront-web' },
    });
    expect(
      byName(rendered, 'NetworkPolicy', 'allow-from-gateway')!.spec.ingress,
    ).toEqual([
      {
        from: [
          {
            namespaceSelector: {
              matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' },
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 3000 }],
      },
    ]);
  });
});
