import { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ScaffolderService,
  createTemplateAction,
} from '@backstage/plugin-scaffolder-node';
import {
  ClusterClient,
  GitLabClient,
  IDP_ANNOTATIONS,
  environmentNames,
  readEnvironmentApiSettings,
  teamFromOwnerRef,
} from '@internal/plugin-idp-node';
import { defaultGitLabHost, gitlabClient, sleep } from './helpers';
import { CreatedResource, parseRecords, resourceKey } from './createdResources';
import {
  ARGOCD_DEPLOY_TOKEN_NAME,
  IMAGE_BUMP_TOKEN_NAME,
  argocdRepoSecretName,
} from './createDeployRepo';
import { examples } from './undo.examples';

/** The order undo removes things in: consumers before what they consume, projects last. */
function rank(r: CreatedResource): number {
  switch (r.type) {
    case 'catalog-location':
      return 0;
    case 'kubernetes-object':
      return r.kind === 'Secret' ? 2 : 1;
    case 'gitops-file':
      return 1;
    case 'gitlab-variable':
      return 3;
    case 'gitlab-access-token':
    case 'gitlab-deploy-token':
      return 4;
    case 'gitlab-project':
      return r.role === 'deploy' ? 5 : 6;
    default:
      return 9;
  }
}

/**
 * What a golden path created for an entity, derived from its annotations and the naming rules:
 * for services created before records existed, or whose task is gone.
 */
async function resourcesOfEntity(
  entity: Entity,
  config: Config,
  gitlabFor: (host: string) => GitLabClient,
  catalogLocation: { id: string; target: string } | undefined,
): Promise<CreatedResource[]> {
  const annotations = entity.metadata.annotations ?? {};
  const out: CreatedResource[] = [];
  const entityRef = stringifyEntityRef(entity);
  if (catalogLocation) {
    out.push({ type: 'catalog-location', ...catalogLocation, entityRef });
  }
  const host = defaultGitLabHost(config);
  const gitlab = gitlabFor(host);
  const appSlug = annotations[IDP_ANNOTATIONS.gitlabProjectSlug];
  const deploySlug = annotations[IDP_ANNOTATIONS.deployRepoSlug];
  const app = appSlug ? await gitlab.findProject(appSlug) : undefined;
  const deploy = deploySlug ? await gitlab.findProject(deploySlug) : undefined;
  const variable =
    config.getOptionalString('idp.gitlab.deployToken.variableName') ??
    'DEPLOY_REPO_TOKEN';
  if (app) {
    out.push({
      type: 'gitlab-variable',
      host,
      projectId: app.id,
      key: variable,
    });
    out.push({
      type: 'gitlab-project',
      host,
      id: app.id,
      path: app.path_with_namespace,
      role: 'app',
    });
  }
  if (deploy) {
    out.push({
      type: 'gitlab-project',
      host,
      id: deploy.id,
      path: deploy.path_with_namespace,
      role: 'deploy',
    });
    for (const [kind, name] of [
      ['access_tokens', IMAGE_BUMP_TOKEN_NAME],
      ['deploy_tokens', ARGOCD_DEPLOY_TOKEN_NAME],
    ] as const) {
      const tokens = await gitlab.list(`/projects/${deploy.id}/${kind}`);
      for (const t of tokens.filter(x => x.name === name && !x.revoked)) {
        out.push({
          type:
            kind === 'access_tokens'
              ? 'gitlab-access-token'
              : 'gitlab-deploy-token',
          host,
          projectId: deploy.id,
          tokenId: t.id,
          name,
        });
      }
    }
    if (
      config.getOptionalString('idp.argocd.repositoryCredentials') === 'secret'
    ) {
      for (const cluster of config.getOptionalStringArray(
        'idp.argocd.clusters',
      ) ?? []) {
        out.push({
          type: 'kubernetes-object',
          cluster,
          apiVersion: 'v1',
          kind: 'Secret',
          name: argocdRepoSecretName(deploy.id),
          namespace:
            config.getOptionalString('idp.argocd.namespace') ?? 'argocd',
        });
      }
    }
  }
  const settings = readEnvironmentApiSettings(config);
  const component =
    annotations[IDP_ANNOTATIONS.kubernetesId] ?? entity.metadata.name;
  const team = teamFromOwnerRef(String(entity.spec?.owner ?? ''));
  const environments = (annotations[IDP_ANNOTATIONS.environments] ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  for (const environment of environments) {
    const cluster = settings.clusters[environment];
    if (!cluster) continue;
    out.push({
      type: 'kubernetes-object',
      cluster,
      apiVersion: settings.apiVersion,
      kind: settings.kind,
      name: environmentNames({ team, component, environment }).resource,
      ...(settings.scope === 'Namespaced' && {
        namespace: settings.claimNamespace,
      }),
    });
  }
  return out;
}

/**
 * `idp:undo`: removes what a golden path created, from the records its actions wrote (passed as
 * `resources`, or read back from a task's log by `taskId`) or derived from an entity's
 * annotations (`entityRef`). Order: the catalog entry, then the environments (waiting until they
 * are gone, so Crossplane has removed what it composed), secrets, variables, tokens, and the
 * projects last. Whatever is already gone counts as done, so running it twice is safe.
 * Backstage has no rollback for failed tasks; this is it.
 *
 * @public
 */
export function undoAction(options: {
  config: Config;
  catalog: CatalogService;
  scaffolder: ScaffolderService;
}) {
  const { config, catalog, scaffolder } = options;
  return createTemplateAction({
    id: 'idp:undo',
    description:
      'Removes what a golden path created (catalog location, ApplicationEnvironments, secrets, tokens, variables, GitLab projects), given records, a task id or an entity ref. Safe to run twice.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        resources: z =>
          z
            .array(z.any(), {
              description: "Records from the actions' created outputs",
            })
            .optional(),
        taskId: z =>
          z
            .string({
              description:
                'A finished or failed scaffolder task whose log holds the records',
            })
            .optional(),
        entityRef: z =>
          z
            .string({
              description: 'An entity whose golden path should be removed',
            })
            .optional(),
        confirmation: z =>
          z
            .string({
              description:
                "With entityRef: the entity's name, typed by the user to confirm; anything else is refused before anything is removed",
            })
            .optional(),
        projects: z =>
          z
            .enum(['delete', 'archive'], {
              description:
                'What to do with GitLab projects (default idp.gitlab.projectRemoval or delete)',
            })
            .optional(),
        timeoutSeconds: z =>
          z
            .number({
              description:
                'How long to wait for environments to be deleted (default 300)',
            })
            .int()
            .min(1)
            .max(3600)
            .optional(),
      },
      output: {
        removed: z => z.array(z.string(), { description: 'What was removed' }),
        alreadyGone: z =>
          z.array(z.string(), { description: 'What was already gone' }),
      },
    },
    async handler(ctx) {
      // Templates pass optional parameters through as empty strings.
      const input = {
        ...ctx.input,
        taskId: ctx.input.taskId || undefined,
        entityRef: ctx.input.entityRef || undefined,
      };
      if (
        input.taskId &&
        !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(
          input.taskId,
        )
      ) {
        throw new InputError(
          `Invalid input. taskId: '${input.taskId}' is not a task id`,
        );
      }
      if (!input.resources && !input.taskId && !input.entityRef) {
        throw new InputError(
          'Invalid input. Give resources, taskId or entityRef',
        );
      }
      const projectRemoval =
        input.projects ??
        (config.getOptionalString('idp.gitlab.projectRemoval') as
          | 'delete'
          | 'archive'
          | undefined) ??
        'delete';
      const credentials = await ctx.getInitiatorCredentials();
      const clients = new Map<string, GitLabClient>();
      const gitlabFor = (host: string) => {
        if (!clients.has(host))
          clients.set(host, gitlabClient(config, host, ctx.logger));
        return clients.get(host)!;
      };

      const resources: CreatedResource[] = [];
      for (const r of input.resources ?? []) {
        if (Array.isArray(r)) resources.push(...r);
        else if (r && typeof r === 'object' && typeof r.type === 'string')
          resources.push(r);
      }
      if (input.taskId) {
        const events = await scaffolder.getLogs(
          { taskId: input.taskId },
          { credentials },
        );
        const fromLog = parseRecords(
          events.map(e => String((e.body as any)?.message ?? '')),
        );
        ctx.logger.info(
          `Task ${input.taskId} recorded ${fromLog.length} created resources`,
        );
        resources.push(...fromLog);
      }
      if (input.entityRef) {
        const ref = stringifyEntityRef(
          parseEntityRef(input.entityRef, { defaultKind: 'component' }),
        );
        const entity = await catalog.getEntityByRef(ref, { credentials });
        // The decommission template asks the user to type the name; the form checks it too, but
        // only this check cannot be bypassed by calling the API directly.
        const expected = entity?.metadata.name ?? parseEntityRef(ref).name;
        if (
          input.confirmation !== undefined &&
          input.confirmation.trim() !== expected
        ) {
          throw new InputError(
            `Invalid input. confirmation: type the name '${expected}' to decommission ${ref}; nothing was removed`,
          );
        }
        if (!entity) {
          if (resources.length === 0) {
            throw new NotFoundError(
              `${ref} is not in the catalog; nothing to decommission`,
            );
          }
          ctx.logger.info(`${ref} is not in the catalog any more`);
        } else {
          const location = await catalog.getLocationByEntity(ref, {
            credentials,
          });
          resources.push(
            ...(await resourcesOfEntity(
              entity,
              config,
              gitlabFor,
              location && { id: location.id, target: location.target },
            )),
          );
        }
      }
      const unique = new Map(resources.map(r => [resourceKey(r), r]));
      const plan = [...unique.values()].sort((a, b) => rank(a) - rank(b));
      ctx.logger.info(
        `Undo plan (${plan.length}): ${
          plan.map(describe).join('; ') || 'nothing'
        }`,
      );
      if (ctx.isDryRun) {
        ctx.output('removed', []);
        ctx.output('alreadyGone', []);
        return;
      }

      const removed: string[] = [];
      const alreadyGone: string[] = [];
      const failures: string[] = [];
      const timeoutMs = (input.timeoutSeconds ?? 300) * 1000;
      for (const r of plan) {
        const what = describe(r);
        try {
          const done = await ctx.checkpoint({
            key: `v1.idp.undo.${resourceKey(r)}`,
            fn: async () =>
              removeOne(r, {
                config,
                catalog,
                credentials,
                gitlabFor,
                projectRemoval,
                timeoutMs,
                logger: ctx.logger,
                signal: ctx.signal,
              }),
          });
          (done ? removed : alreadyGone).push(what);
          ctx.logger.info(`${done ? 'Removed' : 'Already gone'}: ${what}`);
        } catch (e) {
          // Keep going: one stuck resource should not leave everything else behind.
          failures.push(`${what}: ${(e as Error).message}`);
          ctx.logger.error(`Could not remove ${what}: ${(e as Error).message}`);
        }
      }
      ctx.output('removed', removed);
      ctx.output('alreadyGone', alreadyGone);
      if (failures.length > 0) {
        throw new Error(
          `Undo left ${
            failures.length
          } resource(s) behind; fix the cause and run it again (it is safe to repeat): ${failures.join(
            ' | ',
          )}`,
        );
      }
    },
  });
}

function describe(r: CreatedResource): string {
  switch (r.type) {
    case 'gitlab-project':
      return `GitLab project ${r.path}`;
    case 'gitlab-access-token':
      return `project access token ${r.name} (${r.tokenId}) of project ${r.projectId}`;
    case 'gitlab-deploy-token':
      return `deploy token ${r.name} (${r.tokenId}) of project ${r.projectId}`;
    case 'gitlab-variable':
      return `CI/CD variable ${r.key} of project ${r.projectId}`;
    case 'gitops-file':
      return `${r.path} in ${r.project}`;
    case 'kubernetes-object':
      return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${
        r.name
      } on cluster ${r.cluster}`;
    case 'catalog-location':
      return `catalog location ${r.target}`;
    default:
      return JSON.stringify(r);
  }
}

async function removeOne(
  r: CreatedResource,
  deps: {
    config: Config;
    catalog: CatalogService;
    credentials: any;
    gitlabFor: (host: string) => GitLabClient;
    projectRemoval: 'delete' | 'archive';
    timeoutMs: number;
    logger: LoggerService;
    signal?: AbortSignal;
  },
): Promise<boolean> {
  switch (r.type) {
    case 'catalog-location': {
      const { catalog, credentials } = deps;
      const location = await catalog.getLocationById(r.id, { credentials });
      if (location) await catalog.removeLocationById(r.id, { credentials });
      // Removing a location orphans its entities; remove the entity too so it leaves the catalog now.
      let entityRemoved = false;
      if (r.entityRef) {
        const entity = await catalog.getEntityByRef(r.entityRef, {
          credentials,
        });
        if (entity?.metadata.uid) {
          await catalog.removeEntityByUid(entity.metadata.uid, { credentials });
          entityRemoved = true;
        }
      }
      return Boolean(location) || entityRemoved;
    }
    case 'kubernetes-object': {
      const cluster = ClusterClient.fromConfig(deps.config, r.cluster);
      const existed = await cluster.delete(r);
      const deadline = Date.now() + deps.timeoutMs;
      // Wait until it is gone: Crossplane removes composed resources before the XR's finalizer.
      while (await cluster.get(r)) {
        if (Date.now() > deadline) {
          throw new Error(
            `still present after ${
              deps.timeoutMs / 1000
            } s; check its finalizers and composed resources`,
          );
        }
        await sleep(1000, deps.signal);
      }
      return existed;
    }
    case 'gitops-file': {
      const gitlab = deps.gitlabFor(r.host);
      const project = encodeURIComponent(r.project);
      const file = await gitlab.find(
        `/projects/${project}/repository/files/${encodeURIComponent(r.path)}`,
        { query: { ref: r.branch } },
      );
      if (!file) return false;
      await gitlab.request('POST', `/projects/${project}/repository/commits`, {
        body: {
          branch: r.branch,
          commit_message: `Remove ${r.path} (decommissioned from the portal)`,
          actions: [{ action: 'delete', file_path: r.path }],
        },
      });
      return true;
    }
    case 'gitlab-variable':
      return deps
        .gitlabFor(r.host)
        .deleteIfExists(
          `/projects/${r.projectId}/variables/${encodeURIComponent(r.key)}`,
        );
    case 'gitlab-access-token':
      return revokeToken(
        deps.gitlabFor(r.host),
        `/projects/${r.projectId}/access_tokens/${r.tokenId}`,
      );
    case 'gitlab-deploy-token':
      return revokeToken(
        deps.gitlabFor(r.host),
        `/projects/${r.projectId}/deploy_tokens/${r.tokenId}`,
      );
    case 'gitlab-project': {
      const gitlab = deps.gitlabFor(r.host);
      const project = await gitlab.findProject(r.id);
      if (!project) return false;
      if (project.path_with_namespace !== r.path) {
        throw new Error(
          `project ${r.id} is now ${project.path_with_namespace}, not ${r.path}; leaving it alone`,
        );
      }
      if (deps.projectRemoval === 'archive') {
        if (project.archived) return false;
        await gitlab.request('POST', `/projects/${r.id}/archive`);
        return true;
      }
      return gitlab.deleteIfExists(`/projects/${r.id}`);
    }
    default:
      return false;
  }
}

async function revokeToken(
  gitlab: GitLabClient,
  path: string,
): Promise<boolean> {
  try {
    const token = await gitlab.find(path);
    if (!token || token.revoked || token.active === false) return false;
    return await gitlab.deleteIfExists(path);
  } catch (e) {
    // The project itself may be gone already, which removed its tokens.
    if ((e as any).status === 404) return false;
    throw e;
  }
}
