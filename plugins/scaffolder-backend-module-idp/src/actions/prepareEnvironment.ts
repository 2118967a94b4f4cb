import { Config } from '@backstage/config';
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ApplicationEnvironmentSpec,
  ClusterClient,
  ENVIRONMENTS,
  EnvironmentName,
  GitLabApiError,
  IDP_LABELS,
  KubeObject,
  VerifiedTeam,
  buildApplicationEnvironment,
  environmentNames,
  readIdpConfig,
  teamFromOwnerRef,
} from '@internal/plugin-idp-node';
import { assertValid, defaultGitLabHost, gitlabClient } from './helpers';
import { environmentSpecErrors } from './applyEnvironment';
import { componentTopic } from './createAppRepo';
import { Tenancy, verifyOwner } from './tenancy';
import { examples } from './prepareEnvironment.examples';

/** A service's environment as the platform holds it: its ApplicationEnvironment on a cluster. */
export interface ServiceEnvironment {
  cluster: string;
  object: KubeObject;
}

/**
 * The component entity a request names, and the team that owns it, verified for the user: the
 * entity must be a Component in the catalog whose owner is a team Group, and the user must be a
 * member of that team (platform engineers: any team). The entity's owner is itself the
 * catalog's (the tenancy rules make a registered entity's owner the team whose GitLab group holds
 * its file); the ref is only the user's choice of service.
 */
export async function verifiedComponent(
  tenancy: Tenancy,
  ctx: { user?: { ref?: string } },
  entityRef: string,
): Promise<{ name: string; entityRef: string; team: VerifiedTeam }> {
  let ref;
  try {
    ref = parseEntityRef(entityRef, {
      defaultKind: 'component',
      defaultNamespace: 'default',
    });
  } catch (e) {
    throw new InputError(
      `Invalid input. component: ${
        (e as Error).message
      }; name a catalog Component such as component:default/payments-api`,
    );
  }
  if (ref.kind.toLocaleLowerCase('en-US') !== 'component') {
    throw new InputError(
      `Invalid input. component: ${stringifyEntityRef(
        ref,
      )} is not a Component; environments belong to services`,
    );
  }
  const credentials = await tenancy.auth.getOwnServiceCredentials();
  const entity = await tenancy.catalog.getEntityByRef(ref, { credentials });
  const canonical = stringifyEntityRef(ref);
  if (!entity) {
    throw new InputError(
      `Invalid input. component: ${canonical} is not in the catalog`,
    );
  }
  if (!teamFromOwnerRef(entity.spec?.owner)) {
    throw new InputError(
      `Invalid input. component: ${canonical} is owned by ${String(
        entity.spec?.owner,
      )}, not a team; only team services have environments`,
    );
  }
  const team = await verifyOwner(
    tenancy,
    ctx,
    String(entity.spec!.owner),
    'component',
  );
  return { name: entity.metadata.name, entityRef: canonical, team };
}

/**
 * Every environment of a component: the ApplicationEnvironments labelled with it on every
 * cluster an environment maps to, that belong to `team` (spec and label), previews aside. An XR another team
 * labelled with this component's name is not this service's.
 */
export async function environmentsOf(
  config: Config,
  component: string,
  team: string,
): Promise<ServiceEnvironment[]> {
  const settings = readIdpConfig(config).environment;
  const out: ServiceEnvironment[] = [];
  for (const cluster of new Set(Object.values(settings.clusters))) {
    const client = ClusterClient.fromConfig(config, cluster);
    const xrs = await client.list({
      apiVersion: settings.apiVersion,
      kind: settings.kind,
      namespace: settings.claimNamespace,
      labelSelector: `${IDP_LABELS.component}=${component}`,
    });
    for (const object of xrs) {
      if (
        object.spec?.team === team &&
        object.metadata.labels?.[IDP_LABELS.team] === team &&
        object.spec?.component === component &&
        // A preview is short-lived and has its own path (the deployment backend's previews
        // API, its scheduled expiry); it is not one of the service's environments here.
        !object.spec?.preview
      ) {
        out.push({ cluster, object });
      }
    }
  }
  return out.sort(
    (a, b) =>
      ENVIRONMENTS.indexOf(a.object.spec.environment) -
      ENVIRONMENTS.indexOf(b.object.spec.environment),
  );
}

/** The first lines of a values file the portal writes for an environment that has none. */
function valuesFileFor(environment: string, taskId: string): string {
  return [
    `# ${environment[0].toUpperCase()}${environment.slice(
      1,
    )}: added from the portal (scaffolder task ${taskId}).`,
    '# Overrides values.yaml on this branch; CI writes image.repository and image.tag here when it',
    '# deploys, and a promotion from the portal writes the image that runs in the environment before.',
    'replicas: 1',
    '',
  ].join('\n');
}

/**
 * `idp:environment:prepare`: the first step of adding an environment to an existing service.
 * Everything it outputs comes from the platform, not from the form: the team is the component's
 * catalog owner, verified for the user; the system, size and deployment repository come from the
 * service's existing ApplicationEnvironments (created by a golden path); the repository must be
 * the team's `<component>-deployment` project carrying the component's mark. It checks the new
 * environment (not there yet, the spec valid, the cluster's server-side dry run) before its one
 * side effect: making sure the deployment repository has the environment's branch and
 * `environments/<env>.yaml` (created from the default branch when missing; they are part of the
 * deployment repository, which the service's decommission removes). `idp:environment:apply`
 * then applies the environment with these outputs.
 *
 * Production is added only by the team's own members: a platform engineer acting for another
 * team may add development or staging, not production.
 *
 * Backstage has no action for this: its built-ins can create repositories and files, but know
 * nothing of which environments a service has or who may add one.
 *
 * @public
 */
export function prepareEnvironmentAction(options: {
  config: Config;
  tenancy: Tenancy;
}) {
  const { config, tenancy } = options;
  return createTemplateAction({
    id: 'idp:environment:prepare',
    description:
      "Checks and prepares a new environment of an existing service: the owner from the catalog, the rest from the service's ApplicationEnvironments, and the deployment repository's branch and values file.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        component: z =>
          z
            .string({
              description:
                "The service: a catalog Component ref such as 'component:default/payments-api'",
            })
            .min(1)
            .max(255),
        environment: z =>
          z.enum(ENVIRONMENTS, { description: 'The environment to add' }),
        size: z =>
          z
            .enum(['small', 'medium', 'large'], {
              description:
                "Quota preset (default: the service's existing environment's)",
            })
            .optional(),
        exposure: z =>
          z
            .object(
              {
                mode: z.enum(['public', 'internal', 'none']).optional(),
                hostname: z.string().max(253).optional(),
              },
              { description: 'How the new environment is reached' },
            )
            .optional(),
      },
      output: {
        owner: z => z.string({ description: "The component's team (ref)" }),
        team: z => z.string({ description: "The team's name" }),
        system: z => z.string({ description: 'Catalog System' }),
        component: z => z.string({ description: 'Component name' }),
        environment: z => z.string({ description: 'The environment to add' }),
        size: z => z.string({ description: 'Quota preset' }),
        exposure: z =>
          z.object(
            {
              mode: z.string(),
              hostname: z.string().optional(),
              port: z.number(),
            },
            { description: 'How the new environment is reached' },
          ),
        repositoryUrl: z =>
          z.string({ description: 'Clone URL of the deployment repository' }),
        branch: z => z.string({ description: 'Branch Argo CD deploys' }),
        existing: z =>
          z.array(z.string(), {
            description: 'The environments the service had before',
          }),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const idp = readIdpConfig(config);
      const settings = idp.environment;
      const environment = input.environment as EnvironmentName;
      const { name: component, team } = await verifiedComponent(
        tenancy,
        ctx,
        input.component,
      );
      if (environment === 'production' && team.grantedBy !== 'membership') {
        throw new NotAllowedError(
          `environment: production environments of ${team.ref} are added by its own members; a platform engineer may add development or staging for another team`,
        );
      }
      const environments = await environmentsOf(config, component, team.name);
      if (environments.length === 0) {
        throw new InputError(
          `Invalid input. component: ${component} has no environment the platform knows of; create the service with a golden path first`,
        );
      }
      const existing = environments.find(
        e => e.object.spec.environment === environment,
      );
      if (
        existing &&
        existing.object.metadata.labels?.[IDP_LABELS.task] !== ctx.task.id
      ) {
        throw new ConflictError(
          `${component} already has a ${environment} environment (${existing.object.metadata.name} on cluster ${existing.cluster}); remove it first to recreate it`,
        );
      }
      const source = environments.find(e => e !== existing)!.object.spec;
      const exposure = {
        mode: input.exposure?.mode ?? 'internal',
        ...(input.exposure?.hostname && { hostname: input.exposure.hostname }),
        port: source.exposure?.port ?? 8080,
      };

      // The deployment repository by the naming rules, and only when it is the component's.
      const host = defaultGitLabHost(config);
      const gitlab = gitlabClient(config, host, ctx.logger, ctx.signal);
      const deployPath = `${team.gitlabGroup}/${component}-deployment`;
      const project = await gitlab.findProject(deployPath);
      if (
        !project ||
        !(project.topics ?? []).includes(componentTopic(component))
      ) {
        throw new InputError(
          `Invalid input. component: ${component} has no deployment repository ${deployPath} made by a golden path (topic ${componentTopic(
            component,
          )}); its environments cannot be managed from the portal`,
        );
      }
      const repositoryUrl = String(project.http_url_to_repo);
      const spec: ApplicationEnvironmentSpec = JSON.parse(
        JSON.stringify({
          team: team.name,
          system: source.system,
          component,
          environment,
          size: input.size ?? source.size ?? 'small',
          repository: { url: repositoryUrl },
          exposure,
        }),
      );
      assertValid(
        environmentSpecErrors(spec, { publicDomains: settings.publicDomains }),
      );
      const clusterName = settings.clusters[environment];
      if (!clusterName) {
        throw new InputError(
          `No cluster for environment '${environment}': set idp.environment.clusters.${environment}`,
        );
      }
      const cluster = ClusterClient.fromConfig(config, clusterName);
      // The cluster's own checks (schema, CEL rules, the portal's RBAC), before the repository.
      await cluster.apply(
        buildApplicationEnvironment(spec, settings, ctx.task.id),
        { fieldManager: settings.fieldManager, dryRun: true },
      );
      const branch = environment;
      const valuesPath = `environments/${environment}.yaml`;
      ctx.output('owner', team.ref);
      ctx.output('team', team.name);
      ctx.output('system', spec.system);
      ctx.output('component', component);
      ctx.output('environment', environment);
      ctx.output('size', spec.size!);
      ctx.output('exposure', exposure as any);
      ctx.output('repositoryUrl', repositoryUrl);
      ctx.output('branch', branch);
      ctx.output(
        'existing',
        environments
          .filter(e => e !== existing)
          .map(e => e.object.spec.environment),
      );
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: ${component} can get ${environment} (${
            environmentNames(spec).namespace
          } on cluster ${clusterName}), deployed from ${deployPath}@${branch}`,
        );
        return;
      }

      await ctx.checkpoint({
        key: `v1.idp.environment.prepare.${host}.${project.id}.${branch}`,
        fn: async () => {
          try {
            await gitlab.api.Branches.create(
              project.id,
              branch,
              String(project.default_branch),
            );
            ctx.logger.info(
              `Created branch ${branch} of ${deployPath} from ${project.default_branch}`,
            );
          } catch (e) {
            if (!(e as GitLabApiError).isAlreadyTaken) throw e;
          }
          const file = await gitlab.find(
            gitlab.api.RepositoryFiles.show(project.id, valuesPath, branch),
          );
          if (!file) {
            await gitlab.api.Commits.create(
              project.id,
              branch,
              `Add ${valuesPath}\n\nBackstage-Task: ${ctx.task.id}`,
              [
                {
                  action: 'create',
                  filePath: valuesPath,
                  content: valuesFileFor(environment, ctx.task.id),
                },
              ],
            );
            ctx.logger.info(`Added ${valuesPath} to ${deployPath}@${branch}`);
          }
        },
      });
      ctx.logger.info(
        `${component} gets ${environment}: ${
          environmentNames(spec).namespace
        } on cluster ${clusterName}, deployed from ${deployPath}@${branch}`,
      );
    },
  });
}
