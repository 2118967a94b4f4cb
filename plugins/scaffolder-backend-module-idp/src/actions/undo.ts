import { Config } from '@backstage/config';
import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  ANNOTATION_ORIGIN_LOCATION,
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
  GitLabProject,
  IDP_ANNOTATIONS,
  IDP_LABELS,
  KubeObject,
  VerifiedTeam,
  readEnvironmentApiSettings,
  readIdpConfig,
} from '@internal/plugin-idp-node';
import { defaultGitLabHost, gitlabClient, sleep } from './helpers';
import {
  CreatedResource,
  parseRecords,
  resourceKey,
  verifyRecord,
} from './createdResources';
import {
  ARGOCD_DEPLOY_TOKEN_NAME,
  IMAGE_BUMP_TOKEN_NAME,
  argocdRepoSecretName,
} from './createDeployRepo';
import { componentTopic } from './createAppRepo';
import { Tenancy, verifyOwner } from './tenancy';
import { RecordSigner } from '../records/RecordSigner';
import { examples } from './undo.examples';

/** The actions whose records undo accepts: the ones that create things. */
const RECORDING_ACTIONS = new Set([
  'idp:gitlab:create-app-repo',
  'idp:gitlab:create-deploy-repo',
  'idp:environment:apply',
  'idp:catalog:register',
]);

/** Task states in which nothing runs any more. */
const FINISHED = ['completed', 'failed', 'cancelled'];

/**
 * The order undo removes things in: consumers before what they consume, projects after
 * everything on them, and the catalog entry last: a decommission that fails half-way keeps the
 * entity, so it can be run again from the entity.
 */
function rank(r: CreatedResource): number {
  switch (r.type) {
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
    case 'catalog-location':
      return 7;
    default:
      return 9;
  }
}

/**
 * Whose resources a plan removes: one task's (from its signed records), or one entity's (derived
 * from the naming rules for its verified team). Every resource is checked against this mark,
 * fresh, right before it is removed.
 */
type Mark =
  | { by: 'task'; taskId: string }
  | { by: 'entity'; entityRef: string; component: string; team: VerifiedTeam };

/** The component a project path belongs to: `<group>/<name>` or `<group>/<name>-deployment`. */
function componentOfProject(r: { path: string; role: 'app' | 'deploy' }) {
  const last = r.path.split('/').pop()!;
  return r.role === 'deploy' ? last.replace(/-deployment$/, '') : last;
}

/** Why an object is not the mark's to remove, or undefined when it is. */
function labelMismatch(object: KubeObject, mark: Mark): string | undefined {
  const labels = object.metadata.labels ?? {};
  if (mark.by === 'task') {
    return labels[IDP_LABELS.task] === mark.taskId
      ? undefined
      : `it is labelled ${IDP_LABELS.task}=${
          labels[IDP_LABELS.task] ?? '(none)'
        }, not this task's ${mark.taskId}`;
  }
  const component =
    labels[IDP_LABELS.component] ?? (object as any).spec?.component;
  const team = labels[IDP_LABELS.team] ?? (object as any).spec?.team;
  if (component !== mark.component) {
    return `it belongs to component ${component ?? '(none)'}, not ${
      mark.component
    }`;
  }
  if (team !== undefined && team !== mark.team.name) {
    return `it belongs to team ${team}, not ${mark.team.name}`;
  }
  return undefined;
}

/**
 * What a golden path created for an entity, derived from the naming rules for its verified team,
 * not from its annotations: the projects `<team group>/<name>` and `…-deployment`, their tokens,
 * variable and Argo CD Secrets, the ApplicationEnvironments labelled with the component on every
 * configured cluster, and the entity's own location. Annotations that name something else are
 * reported and left alone.
 */
async function resourcesOfEntity(
  entity: Entity,
  mark: Extract<Mark, { by: 'entity' }>,
  deps: {
    config: Config;
    gitlabFor: (host: string) => GitLabClient;
    catalogLocation: { id: string; target: string } | undefined;
    logger: LoggerService;
  },
): Promise<CreatedResource[]> {
  const { config, gitlabFor, logger } = deps;
  const annotations = entity.metadata.annotations ?? {};
  const out: CreatedResource[] = [];
  const host = defaultGitLabHost(config);
  const gitlab = gitlabFor(host);
  const appPath = `${mark.team.gitlabGroup}/${mark.component}`;
  const deployPath = `${appPath}-deployment`;
  for (const [annotation, expected] of [
    [IDP_ANNOTATIONS.gitlabProjectSlug, appPath],
    [IDP_ANNOTATIONS.deployRepoSlug, deployPath],
  ]) {
    const named = annotations[annotation];
    if (named && named !== expected) {
      logger.warn(
        `${mark.entityRef} names ${named} in ${annotation}; only ${expected}, its own project by the naming rules, is considered`,
      );
    }
  }
  const app = await gitlab.findProject(appPath);
  const deploy = await gitlab.findProject(deployPath);
  if (app) {
    out.push({
      type: 'gitlab-variable',
      host,
      projectId: app.id,
      key: readIdpConfig(config).gitlab.deployToken.variableName,
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
    for (const [type, name] of [
      ['gitlab-access-token', IMAGE_BUMP_TOKEN_NAME],
      ['gitlab-deploy-token', ARGOCD_DEPLOY_TOKEN_NAME],
    ] as const) {
      const tokens = await gitlab.list<{
        id: number;
        name: string;
        revoked?: boolean;
      }>(page =>
        type === 'gitlab-access-token'
          ? gitlab.api.ProjectAccessTokens.all(deploy.id, page)
          : gitlab.api.DeployTokens.all({ projectId: deploy.id, ...page }),
      );
      for (const t of tokens.filter(x => x.name === name && !x.revoked)) {
        out.push({
          type,
          host,
          projectId: deploy.id,
          tokenId: t.id,
          name,
        });
      }
    }
    const { argocd } = readIdpConfig(config);
    if (argocd.repositoryCredentials === 'secret') {
      for (const cluster of argocd.clusters) {
        out.push({
          type: 'kubernetes-object',
          cluster,
          apiVersion: 'v1',
          kind: 'Secret',
          name: argocdRepoSecretName(deploy.id),
          namespace: argocd.namespace,
        });
      }
    }
  }
  // Environments: every XR labelled with the component on every cluster an environment maps
  // to; the label check before removal makes sure each is this team's.
  const settings = readEnvironmentApiSettings(config);
  for (const cluster of new Set(Object.values(settings.clusters))) {
    const client = ClusterClient.fromConfig(config, cluster);
    const xrs = await client.list({
      apiVersion: settings.apiVersion,
      kind: settings.kind,
      namespace: settings.claimNamespace,
      labelSelector: `${IDP_LABELS.component}=${mark.component}`,
    });
    for (const xr of xrs) {
      out.push({
        type: 'kubernetes-object',
        cluster,
        apiVersion: settings.apiVersion,
        kind: settings.kind,
        name: xr.metadata.name!,
        ...(xr.metadata.namespace && { namespace: xr.metadata.namespace }),
      });
    }
  }
  if (deps.catalogLocation) {
    out.push({
      type: 'catalog-location',
      ...deps.catalogLocation,
      entityRef: mark.entityRef,
    });
  }
  return out;
}

/**
 * `idp:undo`: removes what a golden path created. Sources, each checked:
 *
 * - `taskId`: the signed records in a finished task's log. Only records the portal's action
 *   wrapper signed for that task and for the step that logged them, where that step runs one
 *   of the portal's own actions, are accepted; a line any other step (or a user's value) put
 *   into the log is not a record. A task that is still running is refused.
 * - `resources`: signed records (the actions' `created` outputs).
 * - `entityRef`: derived from the naming rules for the entity's verified team, not from its
 *   annotations; `confirmation` must be the entity's name.
 *
 * Before each removal the resource is read again and must carry the owner's marks: a project
 * the component's topic (`idp-component-<name>`), an object the task's or the component's and
 * team's labels, a token or variable one of our names on a project that passed. Anything else
 * is left alone and reported. Ids and names must be plain (no path segments). Order: the
 * environments (waiting until they are gone, so Crossplane has removed what it composed),
 * secrets, variables, tokens, the projects, and the catalog entry last, only when everything
 * else is gone, so a decommission that fails half-way can be run again from the entity.
 * Whatever is already gone counts as done, so running it twice is safe. Backstage has no
 * rollback for failed tasks; this is it.
 *
 * @public
 */
export function undoAction(options: {
  config: Config;
  catalog: CatalogService;
  scaffolder: ScaffolderService;
  tenancy: Tenancy;
  signer: RecordSigner;
}) {
  const { config, catalog, scaffolder, tenancy, signer } = options;
  return createTemplateAction({
    id: 'idp:undo',
    description:
      'Removes what a golden path created (ApplicationEnvironments, secrets, tokens, variables, GitLab projects, catalog location), given signed records, a finished task id or an entity ref; only what carries the task’s or the entity’s marks. Safe to run twice.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        resources: z =>
          z
            .array(z.any(), {
              description: "Signed records from the actions' created outputs",
            })
            .optional(),
        taskId: z =>
          z
            .string({
              description:
                'A finished (completed, failed or cancelled) scaffolder task whose log holds the records',
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
        leftAlone: z =>
          z.array(z.string(), {
            description:
              'What was named but does not carry the owner’s marks, so it was not touched',
          }),
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
        input.projects ?? readIdpConfig(config).gitlab.projectRemoval;
      const credentials = await ctx.getInitiatorCredentials();
      const clients = new Map<string, GitLabClient>();
      const gitlabFor = (host: string) => {
        if (!clients.has(host))
          clients.set(host, gitlabClient(config, host, ctx.logger, ctx.signal));
        return clients.get(host)!;
      };

      const planned: Array<{ resource: CreatedResource; mark: Mark }> = [];
      const refusedRecords: string[] = [];
      (input.resources ?? []).flat().forEach((candidate: unknown) => {
        const { record, reason } = verifyRecord(signer, candidate);
        if (record) {
          planned.push({
            resource: record,
            mark: { by: 'task', taskId: (candidate as any).task },
          });
        } else {
          refusedRecords.push(reason!);
        }
      });
      if (refusedRecords.length > 0) {
        throw new InputError(
          `Invalid input. resources: ${
            refusedRecords.length
          } record(s) are not the portal's signed records (${refusedRecords.join(
            '; ',
          )}); nothing was removed`,
        );
      }

      let entityMark: Extract<Mark, { by: 'entity' }> | undefined;
      if (input.taskId) {
        const task = await scaffolder.getTask(
          { taskId: input.taskId },
          { credentials },
        );
        if (!FINISHED.includes(task.status)) {
          throw new NotAllowedError(
            `Task ${input.taskId} is ${task.status}; undo only cleans up after a finished task (wait for it, or cancel it first). Nothing was removed`,
          );
        }
        const stepIds = new Set(
          (task.spec.steps ?? [])
            .filter(step => RECORDING_ACTIONS.has(step.action))
            .map(step => step.id),
        );
        const events = await scaffolder.getLogs(
          { taskId: input.taskId },
          { credentials },
        );
        const { records, rejected } = parseRecords(
          events.map(e => ({
            message: String((e.body as any)?.message ?? ''),
            stepId: (e.body as any)?.stepId,
          })),
          { signer, taskId: input.taskId, stepIds },
        );
        ctx.logger.info(
          `Task ${input.taskId} recorded ${records.length} created resources`,
        );
        for (const r of rejected) {
          ctx.logger.warn(
            `Ignored a record-like line in task ${input.taskId}'s log: ${r.reason}`,
          );
        }
        records.forEach(resource =>
          planned.push({
            resource,
            mark: { by: 'task', taskId: input.taskId! },
          }),
        );
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
          if (planned.length === 0) {
            throw new NotFoundError(
              `${ref} is not in the catalog; nothing to decommission`,
            );
          }
          ctx.logger.info(`${ref} is not in the catalog any more`);
        } else {
          // The entity's owner must be a real team; the user (a platform engineer: the
          // permission policy lets only them run undo) may act for it.
          const team = await verifyOwner(
            tenancy,
            ctx,
            String(entity.spec?.owner ?? ''),
            `${ref} spec.owner`,
          );
          entityMark = {
            by: 'entity',
            entityRef: ref,
            component: entity.metadata.name,
            team,
          };
          const location = await catalog.getLocationByEntity(ref, {
            credentials,
          });
          const resources = await resourcesOfEntity(entity, entityMark, {
            config,
            gitlabFor,
            logger: ctx.logger,
            catalogLocation: location && {
              id: location.id,
              target: location.target,
            },
          });
          resources.forEach(resource =>
            planned.push({ resource, mark: entityMark! }),
          );
        }
      }
      const unique = new Map(planned.map(p => [resourceKey(p.resource), p]));
      const plan = [...unique.values()].sort(
        (a, b) => rank(a.resource) - rank(b.resource),
      );
      ctx.logger.info(
        `Undo plan (${plan.length}): ${
          plan.map(p => describe(p.resource)).join('; ') || 'nothing'
        }`,
      );
      if (ctx.isDryRun) {
        ctx.output('removed', []);
        ctx.output('alreadyGone', []);
        ctx.output('leftAlone', []);
        return;
      }

      const removed: string[] = [];
      const alreadyGone: string[] = [];
      const leftAlone: string[] = [];
      const failures: string[] = [];
      // Projects whose marks were checked: their tokens and variables may go.
      const verifiedProjects = new Set<number>();
      const timeoutMs = (input.timeoutSeconds ?? 300) * 1000;
      for (const { resource: r, mark } of plan) {
        const what = describe(r);
        if (r.type === 'catalog-location' && failures.length > 0) {
          // Keep the entry, so the entity can be decommissioned again once the rest is fixed.
          leftAlone.push(`${what}: kept until everything else is removed`);
          continue;
        }
        try {
          const outcome = await ctx.checkpoint({
            key: `v2.idp.undo.${resourceKey(r)}`,
            fn: async () =>
              removeOne(r, mark, {
                config,
                catalog,
                credentials,
                gitlabFor,
                projectRemoval,
                timeoutMs,
                verifiedProjects,
                logger: ctx.logger,
                signal: ctx.signal,
              }),
          });
          if (outcome === 'removed') {
            removed.push(what);
            ctx.logger.info(`Removed: ${what}`);
          } else if (outcome === 'gone') {
            alreadyGone.push(what);
            ctx.logger.info(`Already gone: ${what}`);
          } else {
            leftAlone.push(`${what}: ${outcome.notOurs}`);
            ctx.logger.info(`Left alone: ${what}: ${outcome.notOurs}`);
          }
        } catch (e) {
          // Keep going: one stuck resource should not leave everything else behind.
          failures.push(`${what}: ${(e as Error).message}`);
          ctx.logger.error(`Could not remove ${what}: ${(e as Error).message}`);
        }
      }
      if (failures.length === 0) {
        if (input.taskId) await tenancy.names.releaseTask(input.taskId);
        if (entityMark) {
          await tenancy.names.release(
            entityMark.component,
            entityMark.team.name,
          );
        }
      }
      ctx.output('removed', removed);
      ctx.output('alreadyGone', alreadyGone);
      ctx.output('leftAlone', leftAlone);
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

/** What happened to one resource: removed, already gone, or left alone and why. */
type Outcome = 'removed' | 'gone' | { notOurs: string };

/** Why a project is not the mark's, or undefined when it is. */
function projectMismatch(
  project: GitLabProject,
  component: string,
  mark: Mark,
): string | undefined {
  const topic = componentTopic(component);
  if (!(project.topics ?? []).includes(topic)) {
    return `it does not carry the golden path's mark (topic ${topic})`;
  }
  if (
    mark.by === 'entity' &&
    !project.path_with_namespace.startsWith(`${mark.team.gitlabGroup}/`)
  ) {
    return `it is not in ${mark.team.ref}'s group ${mark.team.gitlabGroup}`;
  }
  return undefined;
}

async function removeOne(
  r: CreatedResource,
  mark: Mark,
  deps: {
    config: Config;
    catalog: CatalogService;
    credentials: BackstageCredentials;
    gitlabFor: (host: string) => GitLabClient;
    projectRemoval: 'delete' | 'archive';
    timeoutMs: number;
    verifiedProjects: Set<number>;
    logger: LoggerService;
    signal?: AbortSignal;
  },
): Promise<Outcome> {
  switch (r.type) {
    case 'catalog-location': {
      const { catalog, credentials } = deps;
      const location = await catalog.getLocationById(r.id, { credentials });
      if (location && location.target !== r.target) {
        return {
          notOurs: `location ${r.id} now points at ${location.target}, not ${r.target}`,
        };
      }
      if (location) await catalog.removeLocationById(r.id, { credentials });
      // Removing a location orphans its entities; remove the entity too so it leaves the catalog now.
      let entityRemoved = false;
      if (r.entityRef) {
        const entity = await catalog.getEntityByRef(r.entityRef, {
          credentials,
        });
        const origin =
          entity?.metadata.annotations?.[ANNOTATION_ORIGIN_LOCATION];
        if (entity?.metadata.uid && origin === `url:${r.target}`) {
          await catalog.removeEntityByUid(entity.metadata.uid, { credentials });
          entityRemoved = true;
        }
      }
      return location || entityRemoved ? 'removed' : 'gone';
    }
    case 'kubernetes-object': {
      const cluster = ClusterClient.fromConfig(deps.config, r.cluster);
      const current = await cluster.get(r);
      if (!current) return 'gone';
      const mismatch = labelMismatch(current, mark);
      if (mismatch) return { notOurs: mismatch };
      await cluster.delete(r);
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
      return 'removed';
    }
    case 'gitops-file': {
      const gitops = readIdpConfig(deps.config).environment.gitops;
      if (!gitops || gitops.project !== r.project || gitops.host !== r.host) {
        return {
          notOurs: `${r.project} is not the configured GitOps repository`,
        };
      }
      const gitlab = deps.gitlabFor(r.host);
      const file = await gitlab.find(
        gitlab.api.RepositoryFiles.show(r.project, r.path, r.branch),
      );
      if (!file) return 'gone';
      await gitlab.api.Commits.create(
        r.project,
        r.branch,
        `Remove ${r.path} (decommissioned from the portal)`,
        [{ action: 'delete', filePath: r.path }],
      );
      return 'removed';
    }
    case 'gitlab-variable': {
      const expectedKey = readIdpConfig(deps.config).gitlab.deployToken
        .variableName;
      if (r.key !== expectedKey) {
        return { notOurs: `${r.key} is not the golden path's variable` };
      }
      const owned = await projectOwned(deps, r.host, r.projectId, mark);
      if (owned !== true) return owned;
      const gitlab = deps.gitlabFor(r.host);
      return (await gitlab.deleteIfExists(
        gitlab.api.ProjectVariables.remove(r.projectId, r.key),
      ))
        ? 'removed'
        : 'gone';
    }
    case 'gitlab-access-token':
    case 'gitlab-deploy-token': {
      const expectedName =
        r.type === 'gitlab-access-token'
          ? IMAGE_BUMP_TOKEN_NAME
          : ARGOCD_DEPLOY_TOKEN_NAME;
      if (r.name !== expectedName) {
        return { notOurs: `${r.name} is not the golden path's token` };
      }
      const owned = await projectOwned(deps, r.host, r.projectId, mark);
      if (owned !== true) return owned;
      return (await revokeToken(
        deps.gitlabFor(r.host),
        r.type,
        r.projectId,
        r.tokenId,
        expectedName,
      ))
        ? 'removed'
        : 'gone';
    }
    case 'gitlab-project': {
      const gitlab = deps.gitlabFor(r.host);
      const project = await gitlab.findProject(r.id);
      if (!project) return 'gone';
      if (project.path_with_namespace !== r.path) {
        return {
          notOurs: `project ${r.id} is now ${project.path_with_namespace}, not ${r.path}`,
        };
      }
      const component =
        mark.by === 'entity' ? mark.component : componentOfProject(r);
      const mismatch = projectMismatch(project, component, mark);
      if (mismatch) return { notOurs: mismatch };
      deps.verifiedProjects.add(project.id);
      if (deps.projectRemoval === 'archive') {
        if (project.archived) return 'gone';
        await gitlab.api.Projects.archive(r.id);
        return 'removed';
      }
      return (await gitlab.deleteIfExists(gitlab.api.Projects.remove(r.id)))
        ? 'removed'
        : 'gone';
    }
    default:
      return { notOurs: 'unknown record type' };
  }
}

/**
 * Whether a project (the home of a token or variable about to be removed) carries the mark:
 * `true`, `'gone'` when the project no longer exists (which removed what was on it), or why not.
 */
async function projectOwned(
  deps: {
    gitlabFor: (host: string) => GitLabClient;
    verifiedProjects: Set<number>;
  },
  host: string,
  projectId: number,
  mark: Mark,
): Promise<true | 'gone' | { notOurs: string }> {
  if (deps.verifiedProjects.has(projectId)) return true;
  const project = await deps.gitlabFor(host).findProject(projectId);
  if (!project) return 'gone';
  const component =
    mark.by === 'entity'
      ? mark.component
      : project.path.replace(/-deployment$/, '');
  const mismatch = projectMismatch(project, component, mark);
  if (mismatch)
    return {
      notOurs: `its project ${project.path_with_namespace}: ${mismatch}`,
    };
  deps.verifiedProjects.add(projectId);
  return true;
}

/** Revokes a project access token or deploy token if it is still active and has `name`. */
async function revokeToken(
  gitlab: GitLabClient,
  type: 'gitlab-access-token' | 'gitlab-deploy-token',
  projectId: number,
  tokenId: number,
  name: string,
): Promise<boolean> {
  const access = type === 'gitlab-access-token';
  try {
    const token = await gitlab.find<{
      name: string;
      revoked?: boolean;
      active?: boolean;
    }>(
      access
        ? gitlab.api.ProjectAccessTokens.show(projectId, tokenId)
        : gitlab.api.DeployTokens.show(tokenId, { projectId }),
    );
    if (!token || token.revoked || token.active === false) return false;
    if (token.name !== name) return false;
    return await gitlab.deleteIfExists(
      access
        ? gitlab.api.ProjectAccessTokens.revoke(projectId, tokenId)
        : gitlab.api.DeployTokens.remove(tokenId, { projectId }),
    );
  } catch (e) {
    // The project itself may be gone already, which removed its tokens.
    if ((e as any).status === 404) return false;
    throw e;
  }
}
