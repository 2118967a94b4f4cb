import { Config } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import {
  ActionContext,
  createTemplateAction,
} from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import {
  ApplicationEnvironmentSpec,
  ClusterClient,
  ENVIRONMENTS,
  EnvironmentCondition,
  GitLabApiError,
  IDP_LABELS,
  KubeObject,
  buildApplicationEnvironment,
  describeCondition,
  dnsLabelErrors,
  environmentNames,
  readIdpConfig,
  readinessOf,
} from '@internal/plugin-idp-node';
import { assertValid, gitlabClient, sleep } from './helpers';
import { CreatedResource, recordCreated } from './createdResources';
import { Tenancy, claimComponentName, verifyOwner } from './tenancy';
import { examples } from './applyEnvironment.examples';

const HOSTNAME =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/**
 * Namespaces no environment may use, whatever its team is called: the cluster's own and the
 * platform's. The XRD refuses them too (definition.yaml), so a template that bypasses this
 * action is still refused by the cluster.
 */
export const RESERVED_NAMESPACES = [
  'default',
  'argocd',
  'crossplane-system',
  'gateway-system',
  'idp-portal',
];

/**
 * Errors of a public hostname: a DNS name (at least two labels, lowercase, no wildcard), not an
 * IP literal, under one of `allowedDomains` when any are configured.
 */
export function hostnameErrors(
  exposure: ApplicationEnvironmentSpec['exposure'],
  allowedDomains: string[] = [],
) {
  const hostname = exposure?.hostname;
  if (hostname === undefined) {
    return exposure?.mode === 'public'
      ? ['is required when exposure.mode is public']
      : [];
  }
  if (!HOSTNAME.test(hostname) || hostname.length > 253) {
    return [
      'must be a lowercase DNS name such as refunds.apps.acme.example (no wildcard, no port)',
    ];
  }
  if (hostname.split('.').every(label => /^[0-9]+$/.test(label))) {
    return ['must be a DNS name, not an IP address'];
  }
  if (/^[0-9]+$/.test(hostname.split('.').pop()!)) {
    return ['must end in a top-level domain, not a number'];
  }
  if (
    allowedDomains.length > 0 &&
    !allowedDomains.some(d => hostname.endsWith(`.${d}`))
  ) {
    return [
      `must be under ${allowedDomains
        .map(d => `*.${d}`)
        .join(' or ')} (idp.environment.publicDomains)`,
    ];
  }
  return [];
}

/** Errors of a target namespace for `team`, given every team in the catalog. */
export function targetNamespaceErrors(
  targetNamespace: string,
  team: string,
  teams: string[] = [],
): string[] {
  const errors = dnsLabelErrors(targetNamespace);
  if (
    RESERVED_NAMESPACES.includes(targetNamespace) ||
    targetNamespace.startsWith('kube-')
  ) {
    errors.push(
      `'${targetNamespace}' is a system namespace; environments get their own`,
    );
  } else if (!targetNamespace.startsWith(`${team}-`)) {
    errors.push(
      `must start with the team's name and a dash ('${team}-'), so teams stay in their own namespaces`,
    );
  } else {
    const other = teams.find(
      t => t !== team && targetNamespace.startsWith(`${t}-`),
    );
    if (other) {
      errors.push(
        `'${targetNamespace}' is in the namespaces of team ${other} ('${other}-…'); choose one that is not another team's`,
      );
    }
  }
  return errors;
}

/** The stand-in repository host of a check before the repositories exist (RFC 2606). */
const CHECK_ONLY_HOST = 'deployment-repository.invalid';

/**
 * Checks a spec with the XRD's rules and the portal's tenancy rules, so bad input fails before
 * any cluster is touched. `teams` (every team in the catalog) lets a target namespace be checked
 * against other teams' prefixes.
 */
export function environmentSpecErrors(
  spec: ApplicationEnvironmentSpec,
  options: { teams?: string[]; publicDomains?: string[] } = {},
) {
  const errors: Record<string, string[]> = {
    team: dnsLabelErrors(spec.team),
    system: dnsLabelErrors(spec.system),
    component: dnsLabelErrors(spec.component),
    environment: (ENVIRONMENTS as readonly string[]).includes(spec.environment)
      ? []
      : [`must be one of ${ENVIRONMENTS.join(', ')}`],
    targetNamespace:
      spec.targetNamespace === undefined
        ? []
        : targetNamespaceErrors(spec.targetNamespace, spec.team, options.teams),
    'repository.url': /^https?:\/\/[^\s]+$/.test(spec.repository?.url ?? '')
      ? []
      : ['must be an http(s) clone URL'],
    'exposure.hostname': hostnameErrors(spec.exposure, options.publicDomains),
  };
  if (
    spec.targetNamespace === undefined &&
    errors.team.length + errors.component.length === 0 &&
    environmentNames(spec).namespace.length > 63
  ) {
    errors.component = [
      `the namespace ${
        environmentNames(spec).namespace
      } would exceed 63 characters: shorten the names or set targetNamespace`,
    ];
  }
  return errors;
}

/** `idp.environment.gitops`: commit the manifest instead of applying it. */
function gitopsSettings(config: Config) {
  return readIdpConfig(config).environment.gitops;
}

/**
 * `idp:environment:apply`: builds the service's ApplicationEnvironment and server-side applies it
 * to the environment's cluster, then waits until Crossplane reports it Synced and Ready, logging
 * every condition change. Dry-run is the apiserver's own dry run, so the template editor
 * validates against the real schema. In GitOps mode the manifest is committed instead (pushed or
 * proposed as a merge request) for platforms where Argo CD owns the XRs.
 *
 * The team is the verified owner (a catalog team the user belongs to; platform engineers: any),
 * never a form value: the XR's spec.team, and with it the namespace, the RoleBinding subject and
 * the Argo CD project, follow from it. The component name is claimed for the team, and a public
 * hostname must be under the configured domains and not routed to another component.
 *
 * Backstage has no built-in action for Kubernetes objects; community ones apply blindly and
 * return, which is why templates grow `sleep` steps that are never long enough.
 *
 * @public
 */
export function applyEnvironmentAction(options: {
  config: Config;
  tenancy: Tenancy;
}) {
  const { config, tenancy } = options;
  return createTemplateAction({
    id: 'idp:environment:apply',
    description:
      "Applies a service's ApplicationEnvironment to a cluster (server-side apply) and waits until it is Synced and Ready; or commits it to a GitOps repository.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        cluster: z =>
          z
            .string({
              description:
                'Cluster name from the kubernetes configuration (default: idp.environment.clusters[environment])',
            })
            .optional(),
        owner: z =>
          z
            .string({
              description:
                "The owning team, a catalog Group of type team (e.g. 'group:default/team-payments'); the user must be a member of it",
            })
            .min(1)
            .max(255),
        system: z => z.string({ description: 'Catalog System' }).max(63),
        component: z =>
          z.string({ description: 'Catalog Component name' }).max(63),
        environment: z => z.enum(ENVIRONMENTS, { description: 'Environment' }),
        targetNamespace: z =>
          z
            .string({
              description:
                'Namespace instead of <team>-<component>-<environment>',
            })
            .max(63)
            .optional(),
        size: z =>
          z
            .enum(['small', 'medium', 'large'], {
              description: 'Quota preset (default small)',
            })
            .optional(),
        repository: z =>
          z
            .object(
              {
                url: z.string().max(2048),
                path: z.string().max(1024).optional(),
                revision: z.string().max(255).optional(),
              },
              {
                description:
                  'The GitOps deployment repository Argo CD syncs from (required unless checkOnly)',
              },
            )
            .optional(),
        checkOnly: z =>
          z
            .boolean({
              description:
                "Only check: verify the owner and the user's membership, validate the spec, claim the component name for the team, find the cluster, refuse a name another task owns and let the apiserver dry-run it; apply nothing to the cluster. Templates run this first, before any repository exists, so a refused owner, name or environment stops the task before any side effect.",
            })
            .optional(),
        exposure: z =>
          z
            .object(
              {
                mode: z.enum(['public', 'internal', 'none']).optional(),
                hostname: z.string().max(253).optional(),
                port: z.number().int().min(1).max(65535).optional(),
              },
              { description: 'How the service is reached' },
            )
            .optional(),
        wait: z =>
          z
            .boolean({
              description: 'Wait until Synced and Ready (default true)',
            })
            .optional(),
        timeoutSeconds: z =>
          z
            .number({
              description:
                'How long to wait (default idp.environment.waitTimeoutSeconds)',
            })
            .int()
            .min(1)
            .max(7200)
            .optional(),
      },
      output: {
        team: z =>
          z.string({
            description:
              'The verified team (its name): what the namespace, GitLab group and RoleBinding follow from',
          }),
        name: z => z.string({ description: 'ApplicationEnvironment name' }),
        cluster: z => z.string({ description: 'Cluster it was applied to' }),
        namespace: z =>
          z.string({ description: 'The namespace the service deploys to' }),
        argocdApplication: z =>
          z.string({ description: 'Argo CD Application name' }),
        conditions: z =>
          z.array(z.any(), { description: 'Last Synced and Ready conditions' }),
        created: z =>
          z.array(z.any(), {
            description: 'What this step created, for idp:undo',
          }),
      },
    },
    async handler(ctx) {
      const settings = readIdpConfig(config).environment;
      const gitops = gitopsSettings(config);
      const input = ctx.input;
      if (!input.repository && !input.checkOnly) {
        throw new InputError(
          'Invalid input. repository: required (the deployment repository Argo CD syncs from)',
        );
      }
      const team = await verifyOwner(tenancy, ctx, input.owner);
      const spec: ApplicationEnvironmentSpec = JSON.parse(
        JSON.stringify({
          team: team.name,
          system: input.system,
          component: input.component,
          environment: input.environment,
          targetNamespace: input.targetNamespace || undefined,
          size: input.size,
          // Before the repositories exist (checkOnly), a stand-in in a reserved domain lets
          // the rest of the spec be checked, also by the apiserver.
          repository: input.repository ?? {
            url: `https://${CHECK_ONLY_HOST}/${team.name}/${input.component}-deployment.git`,
          },
          exposure: input.exposure,
        }),
      );
      const teams =
        spec.targetNamespace === undefined
          ? []
          : (await tenancy.teams.allTeams()).map(t => t.name);
      assertValid(
        environmentSpecErrors(spec, {
          teams,
          publicDomains: settings.publicDomains,
        }),
      );
      const clusterName = input.cluster ?? settings.clusters[spec.environment];
      if (!clusterName && !gitops) {
        throw new InputError(
          `No cluster for environment '${spec.environment}': set the cluster input or idp.environment.clusters.${spec.environment}`,
        );
      }
      const cluster = clusterName
        ? ClusterClient.fromConfig(config, clusterName)
        : undefined;
      const object = buildApplicationEnvironment(spec, settings, ctx.task.id);
      const names = environmentNames(spec);
      const ref = {
        apiVersion: settings.apiVersion,
        kind: settings.kind,
        name: object.metadata.name,
        namespace: object.metadata.namespace,
      };
      const label = `${settings.kind} ${
        ref.namespace ? `${ref.namespace}/` : ''
      }${ref.name}`;
      if (cluster && spec.exposure?.hostname) {
        await assertHostnameFree(cluster, settings, spec);
      }
      if (!ctx.isDryRun) {
        await claimComponentName(
          tenancy,
          team,
          spec.component,
          ctx.task.id,
          'component',
        );
      }
      ctx.output('team', team.name);
      ctx.output('name', ref.name);
      ctx.output('cluster', clusterName ?? '');
      ctx.output('namespace', names.namespace);
      ctx.output('argocdApplication', names.argocdApplication);

      if (input.checkOnly) {
        await checkEnvironment(ctx, cluster, object, ref, label, settings);
        ctx.output('conditions', []);
        ctx.output('created', []);
        return;
      }

      if (ctx.isDryRun) {
        if (cluster) {
          await cluster.apply(object, {
            fieldManager: settings.fieldManager,
            dryRun: true,
          });
          ctx.logger.info(
            `Dry run: cluster ${cluster.name} accepted ${label} (server-side dry run)`,
          );
        }
        ctx.output('conditions', []);
        ctx.output('created', []);
        return;
      }

      const created: CreatedResource[] = [];
      if (gitops) {
        created.push(
          await commitManifest(
            ctx,
            config,
            gitops,
            object,
            // One directory per cluster; without a cluster mapping, per environment.
            clusterName ?? spec.environment,
          ),
        );
      } else {
        await ctx.checkpoint({
          key: `v1.idp.environment.apply.${cluster!.name}.${label}`,
          fn: async () => {
            const existing = await cluster!.get(ref);
            const owner = existing?.metadata?.labels?.[IDP_LABELS.task];
            if (existing && owner !== ctx.task.id) {
              throw new ConflictError(
                `${label} already exists on cluster ${cluster!.name}${
                  owner ? ` (created by task ${owner})` : ''
                }; decommission that service first or choose another component name`,
              );
            }
            await cluster!.apply(object, {
              fieldManager: settings.fieldManager,
            });
          },
        });
        created.push(
          recordCreated(
            ctx.logger,
            {
              type: 'kubernetes-object',
              cluster: cluster!.name,
              ...ref,
              ...(ref.namespace === undefined && { namespace: undefined }),
            },
            `Applied ${label} to cluster ${cluster!.name} (field manager ${
              settings.fieldManager
            })`,
          ),
        );
      }
      ctx.output('created', created);

      if (input.wait === false || !cluster) {
        ctx.output('conditions', []);
        return;
      }
      const timeoutMs =
        (input.timeoutSeconds ?? settings.waitTimeoutSeconds) * 1000;
      const conditions = await waitUntilReady(ctx, cluster, ref, label, {
        timeoutMs,
        pollMs: settings.pollIntervalSeconds * 1000,
      });
      ctx.output('conditions', conditions as any);
    },
  });
}

/**
 * Refuses a public hostname another component's environment already routes (every
 * ApplicationEnvironment on the cluster is the portal's record of who routes what).
 */
async function assertHostnameFree(
  cluster: ClusterClient,
  settings: { apiVersion: string; kind: string; claimNamespace?: string },
  spec: ApplicationEnvironmentSpec,
) {
  const all = await cluster.list({
    apiVersion: settings.apiVersion,
    kind: settings.kind,
    namespace: settings.claimNamespace,
  });
  const taken = all.find(
    xr =>
      xr.spec?.exposure?.hostname === spec.exposure?.hostname &&
      !(
        xr.spec?.component === spec.component &&
        xr.spec?.environment === spec.environment
      ),
  );
  if (taken) {
    throw new ConflictError(
      `Invalid input. exposure.hostname: ${
        spec.exposure!.hostname
      } is already routed to ${taken.spec?.component} (${
        taken.spec?.environment
      }) of ${taken.spec?.team}; choose another hostname`,
    );
  }
}

/**
 * `checkOnly`: what would stop the apply, found before anything is created: another task's XR
 * of the same name, and anything the apiserver refuses (schema, CEL rules, the portal's RBAC),
 * through a server-side dry run. Nothing is written.
 */
async function checkEnvironment(
  ctx: { logger: { info(m: string): void }; task: { id: string } },
  cluster: ClusterClient | undefined,
  object: any,
  ref: { apiVersion: string; kind: string; name: string; namespace?: string },
  label: string,
  settings: { fieldManager: string },
) {
  if (!cluster) {
    ctx.logger.info(`Check only: ${label} is valid (GitOps mode)`);
    return;
  }
  const existing = await cluster.get(ref);
  const owner = existing?.metadata?.labels?.[IDP_LABELS.task];
  if (existing && owner !== ctx.task.id) {
    throw new ConflictError(
      `${label} already exists on cluster ${cluster.name}${
        owner ? ` (created by task ${owner})` : ''
      }; decommission that service first or choose another component name`,
    );
  }
  await cluster.apply(object, {
    fieldManager: settings.fieldManager,
    dryRun: true,
  });
  ctx.logger.info(
    `Check only: cluster ${cluster.name} would accept ${label} (server-side dry run); nothing was applied`,
  );
}

async function waitUntilReady(
  ctx: { logger: { info(m: string): void }; signal?: AbortSignal },
  cluster: ClusterClient,
  ref: { apiVersion: string; kind: string; name: string; namespace?: string },
  label: string,
  options: { timeoutMs: number; pollMs: number },
): Promise<EnvironmentCondition[]> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  let readiness = readinessOf(undefined);
  ctx.logger.info(
    `Waiting up to ${Math.round(
      options.timeoutMs / 1000,
    )} s for ${label} to be Synced and Ready`,
  );
  for (;;) {
    const current: KubeObject | undefined = await cluster.get(ref);
    if (!current) {
      throw new Error(
        `${label} disappeared from cluster ${cluster.name} while waiting for it to become Ready`,
      );
    }
    readiness = readinessOf(current);
    const line = `${describeCondition(readiness.synced)}, ${describeCondition(
      readiness.ready,
    )}`;
    if (line !== last) {
      ctx.logger.info(`${label}: ${line}`);
      last = line;
    }
    if (
      readiness.synced.status === 'True' &&
      readiness.ready.status === 'True'
    ) {
      ctx.logger.info(
        `${label} is Ready${
          current.status?.namespace
            ? `; namespace ${current.status.namespace}`
            : ''
        }`,
      );
      return [readiness.synced, readiness.ready];
    }
    if (Date.now() >= deadline) break;
    await sleep(
      Math.min(options.pollMs, Math.max(0, deadline - Date.now())),
      ctx.signal,
    );
  }
  const never =
    readiness.synced.reason === 'NotReported' &&
    readiness.ready.reason === 'NotReported';
  const advice = never
    ? 'No controller reported any condition: check that Crossplane runs on the cluster and the Composition is installed.'
    : 'Ask the platform team to look at the composed resources (kubectl describe), then retry the task or run idp:undo.';
  throw new Error(
    `${label} did not become Ready within ${Math.round(
      options.timeoutMs / 1000,
    )} s. Last conditions: ${last}. ${advice}`,
  );
}

async function commitManifest(
  ctx: ActionContext<any, any>,
  config: Config,
  gitops: NonNullable<ReturnType<typeof gitopsSettings>>,
  object: KubeObject,
  clusterName: string,
): Promise<CreatedResource> {
  const gitlab = gitlabClient(config, gitops.host, ctx.logger, ctx.signal);
  const filePath = `${gitops.path}/${clusterName}/${object.metadata.name}.yaml`;
  const content = `# Written by the portal (scaffolder task ${
    ctx.task.id
  })\n${yaml.stringify(object)}`;
  // A full path: gitbeaker encodes it for the URL.
  const projectId = gitops.project;
  const result = await ctx.checkpoint({
    key: `v1.idp.environment.gitops.${gitops.host}.${gitops.project}.${filePath}`,
    fn: async () => {
      const branch =
        gitops.mode === 'push'
          ? gitops.branch
          : `idp/${object.metadata.name}-${ctx.task.id.slice(0, 8)}`;
      if (gitops.mode === 'merge-request') {
        try {
          await gitlab.api.Branches.create(projectId, branch, gitops.branch);
        } catch (e) {
          if (!(e as GitLabApiError).isAlreadyTaken) throw e;
        }
      }
      const existing = await gitlab.find(
        gitlab.api.RepositoryFiles.show(projectId, filePath, branch),
      );
      const current = existing
        ? Buffer.from(existing.content, 'base64').toString('utf8')
        : undefined;
      if (current !== content) {
        if (existing && !current!.includes(`scaffolder task ${ctx.task.id}`)) {
          throw new ConflictError(
            `${filePath} already exists in ${gitops.project} and was not written by this task; decommission that environment first`,
          );
        }
        await gitlab.api.Commits.create(
          projectId,
          branch,
          `Add ApplicationEnvironment ${object.metadata.name}\n\nBackstage-Task: ${ctx.task.id}`,
          [{ action: existing ? 'update' : 'create', filePath, content }],
        );
      }
      let mergeRequestUrl: string | undefined;
      if (gitops.mode === 'merge-request') {
        // One page of one: only whether an open merge request exists matters.
        const open = await gitlab.api.MergeRequests.all({
          projectId,
          state: 'opened',
          sourceBranch: branch,
          perPage: 1,
          maxPages: 1,
        });
        const mr =
          open[0] ??
          (await gitlab.api.MergeRequests.create(
            projectId,
            branch,
            gitops.branch,
            `Add ApplicationEnvironment ${object.metadata.name}`,
            { removeSourceBranch: true },
          ));
        mergeRequestUrl = mr.web_url;
      }
      return { branch, mergeRequestUrl };
    },
  });
  ctx.logger.info(
    result.mergeRequestUrl
      ? `Proposed ${filePath} in ${gitops.project}: ${result.mergeRequestUrl}`
      : `Committed ${filePath} to ${gitops.project} (${result.branch}); Argo CD applies it`,
  );
  return recordCreated(
    ctx.logger,
    {
      type: 'gitops-file',
      host: gitops.host,
      project: gitops.project,
      branch: gitops.branch,
      path: filePath,
    },
    `GitOps manifest ${filePath} in ${gitops.project}`,
  );
}
