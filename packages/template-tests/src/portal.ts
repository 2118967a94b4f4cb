import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import gitlabActions from '@backstage/plugin-scaffolder-backend-module-gitlab';
import idpActions from '@internal/plugin-scaffolder-backend-module-idp';
import idpCatalog from '@internal/plugin-catalog-backend-module-idp';
import authPlugin from '@backstage/plugin-auth-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import idpRoles from '@internal/plugin-permission-backend-module-idp-roles';
import deploymentPlugin from '@internal/plugin-deployment-backend';
import techdocsPlugin from '@backstage/plugin-techdocs-backend';
import { localUsersModule } from '@internal/plugin-auth-backend-module-idp';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { permissionsRegistryServiceFactory } from '@backstage/backend-defaults/permissionsRegistry';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  ControlPlane,
  GitLabDouble,
  portalCatalogConfig,
  repoRoot,
} from '@internal/test-platform';

/** The developer the tests act as (catalog-info/org.yaml: team-payments). */
export const DEVELOPER = 'user:default/diego.alvarez';

/** The cluster name every environment maps to in these tests. */
export const CLUSTER = 'development';

/** A scaffolder task as the API reports it, with its event log. */
export interface TaskRun {
  id: string;
  task: any;
  events: any[];
  messages: string[];
  /** Milliseconds from the POST to the finished task. */
  wallMs: number;
}

/** What a dry run answers (POST /api/scaffolder/v2/dry-run). */
export interface DryRun {
  status: number;
  body: any;
  /** The workspace after the run: path → text. */
  files: Map<string, string>;
  messages: string[];
}

/** The portal's backend under test, with the plugins a golden path touches. */
export interface Portal {
  server: any;
  /** The Authorization header of the default user (Diego Alvarez, team-payments). */
  auth(): string;
  /**
   * The Authorization header of a sample user. With `access`, a real token from local sign-in
   * (whose ownership the permission policy maps to roles); without, a mock user token.
   */
  as(userRef: string): Promise<string>;
  stop(): Promise<void>;
  /** Runs a template from the catalog to the end, as `user` (default: Diego Alvarez). */
  runTask(
    templateName: string,
    values: object,
    user?: string,
  ): Promise<TaskRun>;
  /** POST /v2/tasks, without waiting: for input the server must refuse. */
  createTask(
    templateName: string,
    values: object,
    user?: string,
  ): Promise<request.Response>;
  /** Dry-runs a template file of templates/ with its folder as the directory contents. */
  dryRun(templateFile: string, values: object): Promise<DryRun>;
  /** Waits until the catalog has an entity (and returns it). */
  waitForEntity(kind: string, name: string, timeoutMs?: number): Promise<any>;
}

/** Reads a folder as the scaffolder's directory contents (what the template editor uploads). */
export function directoryContents(
  dir: string,
): Array<{ path: string; base64Content: string }> {
  const out: Array<{ path: string; base64Content: string }> = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), {
      withFileTypes: true,
    })) {
      const file = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(file);
      else
        out.push({
          path: file,
          base64Content: fs
            .readFileSync(path.join(dir, file))
            .toString('base64'),
        });
    }
  };
  walk('');
  return out;
}

/** Deep merge of plain objects (arrays and values of `b` win). */
function merge(a: any, b: any): any {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return b ?? a;
  const out = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
  return out;
}

/**
 * Starts the scaffolder, catalog (with the portal's tenancy module) and Kubernetes backends with
 * the portal's scaffolder modules, configured against the GitLab double and the control plane,
 * reading the real templates/ and catalog-info/ the way app-config.yaml does.
 *
 * With `access`, the way the portal runs for real: the auth backend with local mode's sign-in
 * (each sample user gets a real token), the permission backend with the portal's policy, and
 * the deployment backend; without, every request is a mock user's and everything is allowed.
 */
export async function startPortal(options: {
  cp: ControlPlane;
  gitlab: GitLabDouble;
  gitlabToken: string;
  /** Extra config locations: files of Templates, or `{ target, allow }` for other kinds. */
  extraLocations?: Array<string | { target: string; allow: string[] }>;
  access?: boolean;
  /** Extra configuration, merged over the defaults. */
  config?: object;
  /** Extra features or service factories (one replaces the test backend's default). */
  features?: any[];
}): Promise<Portal> {
  const { cp, gitlab, gitlabToken } = options;
  const root = repoRoot();
  const access = options.access
    ? [
        authPlugin,
        localUsersModule,
        authServiceFactory,
        httpAuthServiceFactory,
        userInfoServiceFactory,
        permissionsServiceFactory,
        permissionsRegistryServiceFactory,
        permissionPlugin,
        idpRoles,
      ]
    : [];
  // TechDocs as local mode and the sandbox run it: the sources read from GitLab (the double's
  // archive API), mkdocs-techdocs-core on PATH (scripts/build-techdocs.sh), published locally.
  const techdocsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-techdocs-'));
  const backend = await startTestBackend({
    features: [
      techdocsPlugin,
      catalogPlugin,
      idpCatalog,
      scaffolderEntityModel,
      scaffolderPlugin,
      gitlabActions,
      idpActions,
      kubernetesPlugin,
      deploymentPlugin,
      ...access,
      ...(options.features ?? []),
      mockServices.rootConfig.factory({
        data: merge(
          {
            ...(options.access && {
              app: { baseUrl: 'http://localhost:3000' },
              auth: { environment: 'development', providers: { local: {} } },
              permission: { enabled: true },
            }),
            techdocs: {
              builder: 'local',
              generator: { runIn: 'local' },
              publisher: {
                type: 'local',
                local: { publishDirectory: techdocsDir },
              },
            },
            integrations: {
              gitlab: [
                gitlab.integrationConfig(gitlabToken),
                // The host templates name literally (the System template's catalog
                // repository), served by the same double.
                {
                  ...gitlab.integrationConfig(gitlabToken),
                  host: 'gitlab.acme.example',
                },
              ],
            },
            catalog: {
              // The portal's rules and locations (sample catalog, its organisation, templates),
              // each with its own rules; the tests' extra files hold templates.
              ...portalCatalogConfig({
                extraLocations: (options.extraLocations ?? []).map(l =>
                  typeof l === 'string'
                    ? { target: l, allow: ['Template'] }
                    : l,
                ),
              }),
              processingInterval: { seconds: 1 },
            },
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: CLUSTER,
                      url: cp.server,
                      authProvider: 'serviceAccount',
                      serviceAccountToken: cp.portalToken,
                      caData: cp.caData,
                      // No metrics-server runs on the test platform.
                      skipMetricsLookup: true,
                    },
                  ],
                },
              ],
              objectTypes: ['pods', 'services', 'deployments', 'replicasets'],
              // Argo CD Applications only: the upstream backend lists custom resources in the
              // entity's namespace, and ApplicationEnvironments are cluster-scoped.
              customResources: [
                {
                  group: 'argoproj.io',
                  apiVersion: 'v1alpha1',
                  plural: 'applications',
                },
              ],
            },
            idp: {
              gitlab: {
                host: gitlab.host,
                retry: { attempts: 2, minDelayMs: 10 },
              },
              environment: {
                clusters: {
                  development: CLUSTER,
                  staging: CLUSTER,
                  production: CLUSTER,
                },
                pollIntervalSeconds: 0.2,
              },
              argocd: {
                repositoryCredentials: 'secret',
                clusters: [CLUSTER],
              },
              catalog: { waitTimeoutSeconds: 60 },
            },
          },
          options.config,
        ),
      }),
    ],
  });
  const server = backend.server;
  const auth = () => mockCredentials.user.header(DEVELOPER);

  const tokens = new Map<string, string>();
  const as = async (userRef: string): Promise<string> => {
    if (!options.access) return mockCredentials.user.header(userRef);
    if (!tokens.has(userRef)) {
      // Local mode's sign-in, once the catalog has the user.
      for (const deadline = Date.now() + 60_000; ; ) {
        const res = await request(server)
          .get('/api/auth/local/refresh')
          .set('x-idp-local-user', userRef);
        if (res.status === 200) {
          tokens.set(userRef, res.body.backstageIdentity.token);
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(`sign-in as ${userRef}: ${res.status}`);
        }
        await new Promise(r => setTimeout(r, 300));
      }
    }
    return `Bearer ${tokens.get(userRef)}`;
  };
  // Reads that any user's task needs (its events): a platform engineer may read every task.
  const reader = () =>
    options.access ? as('user:default/priya.sharma') : Promise.resolve(auth());

  const events = async (id: string) =>
    (
      await request(server)
        .get(`/api/scaffolder/v2/tasks/${id}/events`)
        .set('Authorization', await reader())
    ).body as any[];

  const portal: Portal = {
    server,
    auth,
    as,
    stop: async () => {
      await backend.stop();
      fs.rmSync(techdocsDir, { recursive: true, force: true });
    },
    createTask: async (templateName, values, user = DEVELOPER) =>
      request(server)
        .post('/api/scaffolder/v2/tasks')
        .set('Authorization', await as(user))
        .send({ templateRef: `template:default/${templateName}`, values }),
    async runTask(templateName, values, user = DEVELOPER) {
      const started = Date.now();
      const created = await portal.createTask(templateName, values, user);
      if (created.status !== 201) {
        throw new Error(
          `task refused (${created.status}): ${JSON.stringify(created.body)}`,
        );
      }
      const id = created.body.id as string;
      let task: any;
      for (const deadline = Date.now() + 240_000; Date.now() < deadline; ) {
        task = (
          await request(server)
            .get(`/api/scaffolder/v2/tasks/${id}`)
            .set('Authorization', await reader())
        ).body;
        if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
        await new Promise(r => setTimeout(r, 100));
      }
      const wallMs = Date.now() - started;
      const log = await events(id);
      return {
        id,
        task,
        events: log,
        messages: log.map(e => String(e.body?.message ?? '')),
        wallMs,
      };
    },
    async dryRun(templateFile, values) {
      const file = path.join(root, 'templates', templateFile);
      const template = parse(fs.readFileSync(file, 'utf8'));
      // The template's folder is uploaded with the template itself as template.yaml, as the
      // template editor does; its skeletons are siblings of it.
      const contents = directoryContents(path.dirname(file)).filter(
        f => f.path !== path.basename(file),
      );
      contents.push({
        path: 'template.yaml',
        base64Content: fs.readFileSync(file).toString('base64'),
      });
      const res = await request(server)
        .post('/api/scaffolder/v2/dry-run')
        .set('Authorization', await reader())
        .send({ template, values, secrets: {}, directoryContents: contents });
      const files = new Map<string, string>();
      for (const f of res.body?.directoryContents ?? []) {
        files.set(f.path, Buffer.from(f.base64Content, 'base64').toString());
      }
      return {
        status: res.status,
        body: res.body,
        files,
        messages: (res.body?.log ?? []).map((l: any) =>
          String(l.body?.message ?? ''),
        ),
      };
    },
    async waitForEntity(kind, name, timeoutMs = 60_000) {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
        const res = await request(server)
          .get(`/api/catalog/entities/by-name/${kind}/default/${name}`)
          .set('Authorization', await reader());
        if (res.status === 200) return res.body;
        await new Promise(r => setTimeout(r, 300));
      }
      throw new Error(`${kind} ${name} never reached the catalog`);
    },
  };
  // Every action decides who may act for which team from the catalog's Users and Groups: wait
  // until the sample organisation is in, as a portal that has finished starting would have it.
  await Promise.all(
    [
      ['user', 'diego.alvarez'],
      ['user', 'priya.sharma'],
      ['group', 'team-payments'],
      ['group', 'team-storefront'],
    ].map(([kind, name]) => portal.waitForEntity(kind, name)),
  );
  return portal;
}
