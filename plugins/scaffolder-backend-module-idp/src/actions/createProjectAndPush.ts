import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { GitLabClient } from '@internal/plugin-idp-node';
import {
  ProjectSettings,
  createOrAdoptProject,
  ensureGroup,
  pushInitialCommit,
} from './gitlabProjects';
import { CreatedResource, recordCreated } from './createdResources';

/**
 * The project {@link createProjectAndPush} created or adopted (a type, not an interface, so a
 * checkpoint can store it as JSON).
 */
export type PushedProject = {
  id: number;
  webUrl: string;
  cloneUrl: string;
};

/**
 * The sequence both repository actions (`idp:gitlab:create-app-repo` and
 * `idp:gitlab:create-deploy-repo`) start with: make sure the team's group exists, create the
 * project (or adopt the one an earlier attempt of this task created), record it for `idp:undo`,
 * and push the rendered directory as the first commit of the default branch.
 *
 * Each step is its own checkpoint, so a retried task skips what is done and redoes only what
 * was interrupted; the keys are the ones both actions always used, so a task that started
 * before this function existed resumes where it stopped. The record is written before the push:
 * if the push fails, undo still knows the project exists.
 *
 * @returns the project and the record written for it (the action adds it to its `created`
 *   output).
 */
export async function createProjectAndPush(
  ctx: ActionContext<any, any>,
  gitlab: GitLabClient,
  options: {
    host: string;
    /** The team's GitLab group, `<teamsGroup>/<team>`. */
    group: string;
    /** The project's path within the group. */
    path: string;
    createMissingGroups: boolean;
    settings: ProjectSettings;
    /** Which of the component's projects this is, for undo. */
    role: 'app' | 'deploy';
    /** What the project is, for the record line (`is the application repository`). */
    recordDescription: string;
    /** Directory of the workspace to push. */
    sourceDir: string;
    commitMessage: string;
  },
): Promise<{ project: PushedProject; record: CreatedResource }> {
  const { host, group, path } = options;
  const fullPath = `${group}/${path}`;
  const defaultBranch = options.settings.defaultBranch;
  const namespace = await ctx.checkpoint({
    key: `v1.idp.gitlab.group.${host}.${group}`,
    fn: async () =>
      ensureGroup(gitlab, group, options.createMissingGroups, ctx.logger),
  });
  const project = await ctx.checkpoint({
    key: `v1.idp.gitlab.project.${host}.${fullPath}`,
    fn: async (): Promise<PushedProject> => {
      const { project: p } = await createOrAdoptProject(gitlab, {
        namespaceId: namespace.id,
        path,
        fullPath,
        taskId: ctx.task.id,
        logger: ctx.logger,
        settings: options.settings,
      });
      return { id: p.id, webUrl: p.web_url, cloneUrl: p.http_url_to_repo };
    },
  });
  const record = recordCreated(
    ctx.logger,
    {
      type: 'gitlab-project',
      host,
      id: project.id,
      path: fullPath,
      role: options.role,
    },
    `GitLab project ${fullPath} (id ${project.id}) ${options.recordDescription}`,
  );
  await ctx.checkpoint({
    key: `v1.idp.gitlab.push.${host}.${project.id}.${defaultBranch}`,
    fn: async () => {
      const { sha } = await pushInitialCommit(gitlab, {
        projectId: project.id,
        projectPath: fullPath,
        branch: defaultBranch,
        sourceDir: options.sourceDir,
        message: options.commitMessage,
        taskId: ctx.task.id,
        logger: ctx.logger,
      });
      return { sha };
    },
  });
  return { project, record };
}
