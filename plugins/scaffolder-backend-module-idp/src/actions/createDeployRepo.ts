import { Config } from '@backstage/config';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ClusterClient,
  ENVIRONMENTS,
  GitLabApiError,
  GitLabClient,
  IDP_LABELS,
  deployRepoPath,
  readIdpConfig,
} from '@internal/plugin-idp-node';
import {
  assertValid,
  dateInDays,
  defaultGitLabHost,
  gitlabClient,
} from './helpers';
import { protectBranch } from './gitlabProjects';
import { createProjectAndPush } from './createProjectAndPush';
import { componentTopic, projectInputErrors } from './createAppRepo';
import { CreatedResource, recordCreated } from './createdResources';
import { Tenancy, claimComponentName, verifyOwner } from './tenancy';
import { examples } from './createDeployRepo.examples';

/** Name of the project access token the app pipeline uses to bump image tags. */
export const IMAGE_BUMP_TOKEN_NAME = 'idp-image-bump';
/** Name of the deploy token Argo CD reads the deployment repository with. */
export const ARGOCD_DEPLOY_TOKEN_NAME = 'idp-argocd-read';

/** The Argo CD repository Secret's name for a deployment project. */
export function argocdRepoSecretName(deployProjectId: number): string {
  return `repo-gitlab-${deployProjectId}`;
}

/** What `idp.gitlab.deployToken` and `idp.argocd` configure (validated at start-up). */
function credentialSettings(config: Config) {
  const { gitlab, argocd } = readIdpConfig(config);
  return {
    ...gitlab.deployToken,
    argocdMode: argocd.repositoryCredentials,
    argocdNamespace: argocd.namespace,
    argocdClusters: argocd.clusters,
  };
}

/**
 * Revokes active tokens with `name` on the project that an interrupted attempt left behind
 * (their values are lost): project access tokens or deploy tokens.
 */
async function revokeLeftovers(
  gitlab: GitLabClient,
  kind: 'access-token' | 'deploy-token',
  projectId: number,
  name: string,
): Promise<number> {
  const tokens = await gitlab.list<{
    id: number;
    name: string;
    active?: boolean;
    revoked?: boolean;
    expired?: boolean;
  }>(page =>
    kind === 'access-token'
      ? gitlab.api.ProjectAccessTokens.all(projectId, page)
      : gitlab.api.DeployTokens.all({ projectId, ...page }),
  );
  let revoked = 0;
  for (const t of tokens) {
    if (t.name === name && !t.revoked && t.active !== false && !t.expired) {
      await gitlab.deleteIfExists(
        kind === 'access-token'
          ? gitlab.api.ProjectAccessTokens.revoke(projectId, t.id)
          : gitlab.api.DeployTokens.remove(t.id, { projectId }),
      );
      revoked++;
    }
  }
  return revoked;
}

/**
 * `idp:gitlab:create-deploy-repo`: creates the GitOps deployment project beside the application
 * project, pushes the deployment skeleton, creates one branch per environment and wires the
 * golden path's credentials without ever outputting them:
 *
 * - a project access token on the deployment project (`write_repository` only, expiring per
 *   configuration), stored as a masked, protected CI/CD variable of the application project;
 * - optionally a read-only deploy token for Argo CD, delivered as an Argo CD repository Secret.
 *
 * The built-in actions can create a deploy token or a variable, but each outputs the token value
 * to the task (the template must pass it from one step to the next), which is how tokens end up
 * in task logs and checkpoints. Here the value never leaves one function.
 *
 * Like the application repository, the project goes into the verified owner's GitLab group, and
 * the token variable is written only to that component's own application project.
 *
 * @public
 */
export function createDeployRepoAction(options: {
  config: Config;
  tenancy: Tenancy;
}) {
  const { config, tenancy } = options;
  return createTemplateAction({
    id: 'idp:gitlab:create-deploy-repo',
    description:
      "Creates a service's GitOps deployment project with one branch per environment, a masked image-bump token variable on the application project, and optionally an Argo CD repository Secret.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        host: z =>
          z
            .string({
              description:
                'Host of the integrations.gitlab entry (default: idp.gitlab.host)',
            })
            .optional(),
        owner: z =>
          z
            .string({
              description:
                "The owning team, a catalog Group of type team (e.g. 'group:default/team-payments'); the project goes into its GitLab group",
            })
            .min(1)
            .max(255),
        name: z =>
          z
            .string({
              description: 'Component name; the project is <name>-deployment',
            })
            .min(1)
            // The handler checks the rest with dnsLabelErrors, whose messages say what is wrong
            // (a schema regex only says "does not match pattern").
            .max(52),
        appProjectId: z =>
          z.union([z.number(), z.string()], {
            description:
              "Id or full path of the component's application project (<team group>/<name>), which receives the token variable",
          }),
        description: z =>
          z.string({ description: 'Project description' }).max(2000).optional(),
        visibility: z =>
          z
            .enum(['private', 'internal', 'public'], {
              description: 'Project visibility (default private)',
            })
            .optional(),
        environments: z =>
          z
            .array(z.enum(ENVIRONMENTS), {
              description:
                'Environments, in promotion order; one branch each, the first is the default branch',
            })
            .min(1)
            .optional(),
        sourcePath: z =>
          z
            .string({
              description: 'Workspace directory with the deployment skeleton',
            })
            .optional(),
        createMissingGroups: z =>
          z.boolean({ description: 'Create missing subgroups' }).optional(),
        argocdClusters: z =>
          z
            .array(z.string(), {
              description:
                'Clusters that get the Argo CD repository Secret (default: idp.argocd.clusters)',
            })
            .optional(),
      },
      output: {
        projectId: z => z.number({ description: 'GitLab project id' }),
        projectPath: z => z.string({ description: 'Full path of the project' }),
        webUrl: z => z.string({ description: 'Project page' }),
        cloneUrl: z => z.string({ description: 'HTTPS clone URL' }),
        branches: z =>
          z.array(z.string(), { description: 'Environment branches' }),
        tokenVariable: z =>
          z.string({
            description:
              'Name of the CI/CD variable holding the image-bump token (the value is never output)',
          }),
        created: z =>
          z.array(z.any(), {
            description: 'What this step created, for idp:undo',
          }),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const team = await verifyOwner(tenancy, ctx, input.owner);
      const group = team.gitlabGroup;
      const settings = credentialSettings(config);
      const environments = input.environments ?? [
        'development',
        'staging',
        'production',
      ];
      const defaultBranch = environments[0];
      const path = deployRepoPath(input.name);
      assertValid({
        ...projectInputErrors({
          group,
          name: path,
          description: input.description,
          sourcePath: input.sourcePath,
        }),
        environments:
          new Set(environments).size === environments.length
            ? []
            : ['must not repeat an environment'],
      });
      const argocdClusters = input.argocdClusters ?? settings.argocdClusters;
      const clusters =
        settings.argocdMode === 'secret'
          ? argocdClusters.map(name => ClusterClient.fromConfig(config, name))
          : [];
      if (settings.argocdMode === 'secret' && clusters.length === 0) {
        throw new InputError(
          'idp.argocd.repositoryCredentials is secret but no cluster is named (idp.argocd.clusters or argocdClusters)',
        );
      }
      const host = input.host ?? defaultGitLabHost(config);
      const gitlab = gitlabClient(config, host, ctx.logger, ctx.signal);
      const fullPath = `${group}/${path}`;
      const appPath = `${group}/${input.name}`;
      const sourceDir = resolveSafeChildPath(
        ctx.workspacePath,
        input.sourcePath ?? '.',
      );
      const webUrl = `${gitlab.baseUrl}/${fullPath}`;

      if (ctx.isDryRun) {
        if (await gitlab.findProject(fullPath)) {
          throw new Error(
            `GitLab project ${fullPath} already exists; a real run would fail. Choose another name`,
          );
        }
        ctx.logger.info(
          `Dry run: would create ${fullPath} with branches ${environments.join(
            ', ',
          )}, a ${settings.variableName} variable on ${input.appProjectId}${
            clusters.length
              ? ` and an Argo CD repository Secret on ${argocdClusters.join(
                  ', ',
                )}`
              : ''
          }`,
        );
        ctx.output('projectId', 0);
        ctx.output('projectPath', fullPath);
        ctx.output('webUrl', webUrl);
        ctx.output('cloneUrl', `${webUrl}.git`);
        ctx.output('branches', environments);
        ctx.output('tokenVariable', settings.variableName);
        ctx.output('created', []);
        return;
      }

      const appProject = await gitlab.findProject(input.appProjectId);
      if (!appProject) {
        throw new NotFoundError(
          `Application project ${input.appProjectId} not found on ${host}; run idp:gitlab:create-app-repo first`,
        );
      }
      // The image-bump token goes into this project's CI variables: it must be the component's
      // own application project, never some other project an id points at.
      if (appProject.path_with_namespace !== appPath) {
        throw new NotAllowedError(
          `appProjectId: project ${input.appProjectId} is ${appProject.path_with_namespace}, not ${appPath}, the application project of ${input.name} for ${team.ref}; nothing was created`,
        );
      }
      await claimComponentName(tenancy, team, input.name, ctx.task.id);
      const { project, record } = await createProjectAndPush(ctx, gitlab, {
        host,
        group,
        path,
        createMissingGroups: input.createMissingGroups ?? false,
        settings: {
          name: path,
          description:
            input.description ?? `GitOps deployment of ${input.name}`,
          visibility: input.visibility ?? 'private',
          topics: [componentTopic(input.name)],
          defaultBranch,
        },
        role: 'deploy',
        recordDescription: 'is the deployment repository',
        sourceDir,
        commitMessage: `Create the deployment of ${input.name} from a golden path`,
      });
      const created: CreatedResource[] = [record];
      await ctx.checkpoint({
        key: `v1.idp.gitlab.branches.${host}.${project.id}`,
        fn: async () => {
          for (const branch of environments.slice(1)) {
            try {
              await gitlab.api.Branches.create(
                project.id,
                branch,
                defaultBranch,
              );
            } catch (e) {
              if (!(e as GitLabApiError).isAlreadyTaken) throw e;
            }
          }
          await protectBranch(gitlab, project.id, defaultBranch);
          if (
            environments.includes('production') &&
            defaultBranch !== 'production'
          ) {
            await protectBranch(gitlab, project.id, 'production');
          }
          // Replaces the creation marker (see createOrAdoptProject).
          await gitlab.api.Projects.edit(project.id, {
            description:
              input.description ?? `GitOps deployment of ${input.name}`,
            topics: [componentTopic(input.name)],
          });
          ctx.logger.info(
            `Branches ${environments.join(
              ', ',
            )} exist on ${fullPath}; ${defaultBranch}${
              environments.includes('production')
                ? ' and production are'
                : ' is'
            } protected`,
          );
        },
      });

      // The token's value lives only inside this function: the checkpoint stores its id.
      const token = await ctx.checkpoint({
        key: `v1.idp.gitlab.image-bump-token.${host}.${project.id}.${appProject.id}`,
        fn: async () => {
          const revoked = await revokeLeftovers(
            gitlab,
            'access-token',
            project.id,
            IMAGE_BUMP_TOKEN_NAME,
          );
          if (revoked > 0) {
            ctx.logger.info(
              `Revoked ${revoked} ${IMAGE_BUMP_TOKEN_NAME} token(s) an interrupted attempt left on ${fullPath}`,
            );
          }
          const expiresAt = dateInDays(settings.expiryDays);
          // gitbeaker 43 does not type `description` (GitLab 17.7+); it is sent all the same.
          const tokenOptions = {
            description: `Lets ${appProject.path_with_namespace}'s pipeline bump image tags`,
            accessLevel: settings.accessLevel,
          };
          const created_ = await gitlab.api.ProjectAccessTokens.create(
            project.id,
            IMAGE_BUMP_TOKEN_NAME,
            ['write_repository'],
            expiresAt,
            tokenOptions,
          );
          // Sent in the next requests: no GitLab answer to them may put it in a message.
          gitlab.addSecret(created_.token);
          const variable = {
            masked: true,
            protected: true,
            variableType: 'env_var' as const,
            description: `Pushes image tags to ${fullPath} (expires ${expiresAt})`,
          };
          try {
            await gitlab.api.ProjectVariables.create(
              appProject.id,
              settings.variableName,
              created_.token,
              variable,
            );
          } catch (e) {
            if (!(e as GitLabApiError).isAlreadyTaken) throw e;
            // The variable created above has the default scope '*'; naming it picks that one
            // even if the key also exists for another environment scope (GitLab answers 409
            // to an unfiltered update then). gitbeaker 43's types for edit lack `description`,
            // which GitLab accepts (docs: api/project_level_variables.md#update-a-variable).
            const update = { ...variable, filter: { environment_scope: '*' } };
            await gitlab.api.ProjectVariables.edit(
              appProject.id,
              settings.variableName,
              created_.token,
              update,
            );
          }
          return { id: created_.id, expiresAt };
        },
      });
      created.push(
        recordCreated(
          ctx.logger,
          {
            type: 'gitlab-access-token',
            host,
            projectId: project.id,
            tokenId: token.id,
            name: IMAGE_BUMP_TOKEN_NAME,
          },
          `Project access token ${IMAGE_BUMP_TOKEN_NAME} (id ${token.id}, write_repository, expires ${token.expiresAt}) on ${fullPath}`,
        ),
        recordCreated(
          ctx.logger,
          {
            type: 'gitlab-variable',
            host,
            projectId: appProject.id,
            key: settings.variableName,
          },
          `Masked, protected CI/CD variable ${settings.variableName} on ${appProject.path_with_namespace} holds it`,
        ),
      );

      if (clusters.length > 0) {
        const secretName = argocdRepoSecretName(project.id);
        const deployToken = await ctx.checkpoint({
          key: `v1.idp.argocd.repo-credentials.${host}.${project.id}`,
          fn: async () => {
            await revokeLeftovers(
              gitlab,
              'deploy-token',
              project.id,
              ARGOCD_DEPLOY_TOKEN_NAME,
            );
            const expiresAt = dateInDays(settings.expiryDays);
            const dt = await gitlab.api.DeployTokens.create(
              ARGOCD_DEPLOY_TOKEN_NAME,
              ['read_repository'],
              { projectId: project.id, expires_at: expiresAt },
            );
            gitlab.addSecret(dt.token);
            for (const cluster of clusters) {
              try {
                await cluster.apply(
                  {
                    apiVersion: 'v1',
                    kind: 'Secret',
                    metadata: {
                      name: secretName,
                      namespace: settings.argocdNamespace,
                      labels: {
                        'argocd.argoproj.io/secret-type': 'repository',
                        [IDP_LABELS.component]: input.name,
                        [IDP_LABELS.team]: team.name,
                        [IDP_LABELS.task]: ctx.task.id,
                      },
                    },
                    type: 'Opaque',
                    stringData: {
                      type: 'git',
                      url: project.cloneUrl,
                      username: dt.username,
                      password: dt.token,
                    },
                  },
                  { fieldManager: 'backstage-idp' },
                );
              } catch (e) {
                const message = String((e as Error).message)
                  .split(dt.token)
                  .join('[redacted]');
                throw new Error(message);
              }
            }
            return { id: dt.id, expiresAt };
          },
        });
        created.push(
          recordCreated(
            ctx.logger,
            {
              type: 'gitlab-deploy-token',
              host,
              projectId: project.id,
              tokenId: deployToken.id,
              name: ARGOCD_DEPLOY_TOKEN_NAME,
            },
            `Deploy token ${ARGOCD_DEPLOY_TOKEN_NAME} (id ${deployToken.id}, read_repository, expires ${deployToken.expiresAt}) on ${fullPath}`,
          ),
        );
        for (const cluster of clusters) {
          created.push(
            recordCreated(
              ctx.logger,
              {
                type: 'kubernetes-object',
                cluster: cluster.name,
                apiVersion: 'v1',
                kind: 'Secret',
                name: secretName,
                namespace: settings.argocdNamespace,
              },
              `Argo CD repository Secret ${settings.argocdNamespace}/${secretName} on cluster ${cluster.name}`,
            ),
          );
        }
      }

      ctx.output('projectId', project.id);
      ctx.output('projectPath', fullPath);
      ctx.output('webUrl', project.webUrl);
      ctx.output('cloneUrl', project.cloneUrl);
      ctx.output('branches', environments);
      ctx.output('tokenVariable', settings.variableName);
      ctx.output('created', created);
    },
  });
}
