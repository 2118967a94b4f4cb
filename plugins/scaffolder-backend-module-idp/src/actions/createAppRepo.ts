import { Config } from '@backstage/config';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  componentTopic,
  descriptionErrors,
  dnsLabelErrors,
  groupPathErrors,
} from '@internal/plugin-idp-node';
import { assertValid, defaultGitLabHost, gitlabClient } from './helpers';
import { protectBranch } from './gitlabProjects';
import { createProjectAndPush } from './createProjectAndPush';
import { CreatedResource } from './createdResources';
import { Tenancy, claimComponentName, verifyOwner } from './tenancy';
import { examples } from './createAppRepo.examples';

const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;
const TOPIC = /^[a-z0-9][a-z0-9-]{0,49}$/;

// The golden path's mark on its projects, in idp-common: the deployment backend checks it too.
export { componentTopic };

/** Validation shared by both repository actions. */
export function projectInputErrors(input: {
  group: string;
  name: string;
  description?: string;
  topics?: string[];
  defaultBranch?: string;
  sourcePath?: string;
}) {
  return {
    group: groupPathErrors(input.group),
    name: dnsLabelErrors(input.name),
    description:
      input.description === undefined
        ? []
        : descriptionErrors(input.description),
    topics: (input.topics ?? []).flatMap(t =>
      TOPIC.test(t)
        ? []
        : [`'${t}' must be lowercase letters, digits and '-', up to 50`],
    ),
    defaultBranch:
      input.defaultBranch === undefined ||
      (BRANCH.test(input.defaultBranch) && !input.defaultBranch.includes('..'))
        ? []
        : [`'${input.defaultBranch}' is not a valid branch name`],
    sourcePath:
      input.sourcePath !== undefined &&
      /(^|\/)\.\.(\/|$)/.test(input.sourcePath)
        ? ['must stay inside the workspace (no ..)']
        : [],
  };
}

/**
 * `idp:gitlab:create-app-repo`: creates a service's application project and pushes the
 * workspace as its first commit. Unlike the built-in `publish:gitlab`, a retried task adopts
 * the project its own first attempt created instead of failing on "has already been taken",
 * records what it created for `idp:undo`, and retries GitLab's transient failures. The GitLab
 * group is the verified owner's (`<teamsGroup>/<team>`), never a path from the form: the owner
 * must be a catalog team the user is a member of (platform engineers: any team).
 *
 * @public
 */
export function createAppRepoAction(options: {
  config: Config;
  tenancy: Tenancy;
}) {
  const { config, tenancy } = options;
  return createTemplateAction({
    id: 'idp:gitlab:create-app-repo',
    description:
      "Creates a service's GitLab application project, pushes the workspace as its first commit, protects the default branch and applies project settings. Re-runnable: a retry adopts the project the same task created.",
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
                "The owning team, a catalog Group of type team (e.g. 'group:default/team-payments'); the project goes into its GitLab group <teamsGroup>/<team>",
            })
            .min(1)
            .max(255),
        name: z =>
          z
            .string({
              description:
                'Project path: the component name (a DNS label, lowercase, at most 63 characters)',
            })
            .min(1)
            // The handler checks the rest with dnsLabelErrors, whose messages say what is wrong
            // (a schema regex only says "does not match pattern").
            .max(63),
        description: z =>
          z.string({ description: 'Project description' }).max(2000).optional(),
        topics: z =>
          z
            .array(z.string(), { description: 'Project topics' })
            .max(20)
            .optional(),
        visibility: z =>
          z
            .enum(['private', 'internal', 'public'], {
              description: 'Project visibility (default private)',
            })
            .optional(),
        defaultBranch: z =>
          z.string({ description: 'Default branch (default main)' }).optional(),
        ciConfigPath: z =>
          z
            .string({
              description: 'CI configuration path (default .gitlab-ci.yml)',
            })
            .max(255)
            .optional(),
        sourcePath: z =>
          z
            .string({
              description:
                'Workspace directory to push (default: the workspace)',
            })
            .optional(),
        createMissingGroups: z =>
          z
            .boolean({
              description:
                "Create the team's GitLab subgroup if it is missing (never the top-level group; default false)",
            })
            .optional(),
      },
      output: {
        projectId: z => z.number({ description: 'GitLab project id' }),
        projectPath: z => z.string({ description: 'Full path of the project' }),
        webUrl: z => z.string({ description: 'Project page' }),
        cloneUrl: z => z.string({ description: 'HTTPS clone URL' }),
        repoContentsUrl: z =>
          z.string({
            description:
              'URL of the default branch contents, for catalog:register / idp:catalog:register',
          }),
        created: z =>
          z.array(z.any(), {
            description: 'What this step created, for idp:undo',
          }),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const defaultBranch = input.defaultBranch ?? 'main';
      const team = await verifyOwner(tenancy, ctx, input.owner);
      const group = team.gitlabGroup;
      assertValid(projectInputErrors({ ...input, group, defaultBranch }));
      const topics = [
        ...(input.topics ?? []).filter(t => t !== componentTopic(input.name)),
        componentTopic(input.name),
      ];
      const host = input.host ?? defaultGitLabHost(config);
      const gitlab = gitlabClient(config, host, ctx.logger, ctx.signal);
      const fullPath = `${group}/${input.name}`;
      const sourceDir = resolveSafeChildPath(
        ctx.workspacePath,
        input.sourcePath ?? '.',
      );
      const webUrl = `${gitlab.baseUrl}/${fullPath}`;

      if (ctx.isDryRun) {
        const existingGroup = await gitlab.findGroup(group);
        const project = await gitlab.findProject(fullPath);
        if (project) {
          throw new Error(
            `GitLab project ${fullPath} already exists (${project.web_url}); a real run would fail. Choose another name`,
          );
        }
        ctx.logger.info(
          `Dry run: would create ${fullPath} on ${host} for ${team.ref}${
            existingGroup ? '' : ` and the missing group ${group}`
          }, push ${sourceDir} to ${defaultBranch} and protect it`,
        );
        ctx.output('projectId', 0);
        ctx.output('projectPath', fullPath);
        ctx.output('webUrl', webUrl);
        ctx.output('cloneUrl', `${webUrl}.git`);
        ctx.output('repoContentsUrl', `${webUrl}/-/blob/${defaultBranch}`);
        ctx.output('created', []);
        return;
      }

      await claimComponentName(tenancy, team, input.name, ctx.task.id);
      const { project, record } = await createProjectAndPush(ctx, gitlab, {
        host,
        group,
        path: input.name,
        createMissingGroups: input.createMissingGroups ?? false,
        settings: {
          name: input.name,
          description: input.description,
          visibility: input.visibility ?? 'private',
          topics,
          defaultBranch,
          ciConfigPath: input.ciConfigPath ?? '.gitlab-ci.yml',
        },
        role: 'app',
        recordDescription: 'is the application repository',
        sourceDir,
        commitMessage: `Create ${input.name} from a golden path`,
      });
      const created: CreatedResource[] = [record];
      await ctx.checkpoint({
        key: `v1.idp.gitlab.settings.${host}.${project.id}`,
        fn: async () => {
          await protectBranch(gitlab, project.id, defaultBranch);
          // Applied again on the (possibly adopted) project: PUT is idempotent and makes the
          // project match the template even if an earlier attempt was interrupted.
          await gitlab.api.Projects.edit(project.id, {
            // Replaces the creation marker (see createOrAdoptProject).
            description: input.description ?? '',
            topics,
            visibility: input.visibility ?? 'private',
            ciConfigPath: input.ciConfigPath ?? '.gitlab-ci.yml',
            defaultBranch,
          });
          ctx.logger.info(
            `Protected ${defaultBranch} and applied the project settings of ${fullPath}`,
          );
        },
      });

      ctx.output('projectId', project.id);
      ctx.output('projectPath', fullPath);
      ctx.output('webUrl', project.webUrl);
      ctx.output('cloneUrl', project.cloneUrl);
      ctx.output(
        'repoContentsUrl',
        `${project.webUrl}/-/blob/${defaultBranch}`,
      );
      ctx.output('created', created);
    },
  });
}
