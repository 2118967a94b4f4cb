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

  it.each(['payments-api-staging', 'storefront-web-production'])(
    'renders examples/%s.yaml as reviewed',
    async example => {
      const rendered = await renderer.render(
        platformFile('crossplane', 'examples', `${example}.yaml`),
      );
      expect(rendered).toHaveLength(9); // the XR and eight composed resources
      compareWithExpected(`example-${example}`, rendered);
    },
  );

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
