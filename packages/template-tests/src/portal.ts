import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import gitlabActions from '@backstage/plugin-scaffolder-backend-module-gitlab';
import idpActions from '@internal/plugin-scaffolder-backend-module-idp';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  ControlPlane,
  GitLabDouble,
  portalCatalogRules,
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
  auth(): string;
  stop(): Promise<void>;
  /** Runs a template from the catalog to the end. */
  runTask(templateName: string, values: object): Promise<TaskRun>;
  /** POST /v2/tasks, without waiting: for input the server must refuse. */
  createTask(templateName: string, values: object): Promise<request.Response>;
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

/**
 * Starts the scaffolder, catalog and Kubernetes backends with the portal's scaffolder modules,
 * configured against the GitLab double and the control plane, reading the real templates/ and
 * catalog-info/ the way app-config.yaml does.
 */
export async function startPortal(options: {
  cp: ControlPlane;
  gitlab: GitLabDouble;
  gitlabToken: string;
  extraLocations?: string[];
}): Promise<Portal> {
  const { cp, gitlab, gitlabToken } = options;
  const root = repoRoot();
  const backend = await startTestBackend({
    features: [
      catalogPlugin,
      scaffolderEntityModel,
      scaffolderPlugin,
      gitlabActions,
      idpActions,
      kubernetesPlugin,
      mockServices.rootConfig.factory({
        data: {
          integrations: { gitlab: [gitlab.integrationConfig(gitlabToken)] },
          catalog: {
            rules: portalCatalogRules(),
            locations: [
              {
                type: 'file',
                target: path.join(root, 'catalog-info/all.yaml'),
              },
              { type: 'file', target: path.join(root, 'templates/all.yaml') },
              ...(options.extraLocations ?? []).map(target => ({
                type: 'file',
                target,
              })),
            ],
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
      }),
    ],
  });
  const server = backend.server;
  const auth = () => mockCredentials.user.header(DEVELOPER);

  const events = async (id: string) =>
    (
      await request(server)
        .get(`/api/scaffolder/v2/tasks/${id}/events`)
        .set('Authorization', auth())
    ).body as any[];

  const portal: Portal = {
    server,
    auth,
    stop: () => backend.stop(),
    createTask: (templateName, values) =>
      request(server)
        .post('/api/scaffolder/v2/tasks')
        .set('Authorization', auth())
        .send({ templateRef: `template:default/${templateName}`, values }),
    async runTask(templateName, values) {
      const started = Date.now();
      const created = await portal.createTask(templateName, values);
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
            .set('Authorization', auth())
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
        .set('Authorization', auth())
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
          .set('Authorization', auth());
        if (res.status === 200) return res.body;
        await new Promise(r => setTimeout(r, 300));
      }
      throw new Error(`${kind} ${name} never reached the catalog`);
    },
  };
  return portal;
}
