import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import { serializeDirectoryContents } from '@backstage/plugin-scaffolder-node';
import {
  GitLabApiError,
  GitLabClient,
  GitLabProject,
} from '@internal/plugin-idp-node';
import { taskTrailer } from './helpers';

/** Settings a golden path gives a project. */
export interface ProjectSettings {
  name: string;
  description?: string;
  visibility: 'private' | 'internal' | 'public';
  topics?: string[];
  defaultBranch: string;
  ciConfigPath?: string;
}

/**
 * Returns the group's id, creating missing subgroups (one level at a time, as GitLab requires)
 * when allowed. A missing top-level group is never created: that is an organisation decision.
 */
export async function ensureGroup(
  gitlab: GitLabClient,
  groupPath: string,
  createMissing: boolean,
  logger: LoggerService,
): Promise<{ id: number; created: string[] }> {
  const existing = await gitlab.findGroup(groupPath);
  if (existing) return { id: existing.id, created: [] };
  const segments = groupPath.split('/');
  if (!createMissing) {
    throw new NotFoundError(
      `GitLab group '${groupPath}' does not exist on ${gitlab.host} (or the portal's token cannot see it); ` +
        `ask a platform engineer to create it, or set createMissingGroups to create missing subgroups`,
    );
  }
  const root = await gitlab.findGroup(segments[0]);
  if (!root) {
    throw new NotFoundError(
      `GitLab top-level group '${segments[0]}' does not exist on ${gitlab.host}; the portal only creates subgroups`,
    );
  }
  let parentId = root.id;
  const created: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const path = segments.slice(0, i + 1).join('/');
    let group = await gitlab.findGroup(path);
    if (!group) {
      try {
        group = await gitlab.api.Groups.create(segments[i], segments[i], {
          parentId,
        });
        created.push(path);
        logger.info(`Created GitLab subgroup ${path}`);
      } catch (e) {
        // Another task may have created it between our read and our create.
        if (!(e as GitLabApiError).isAlreadyTaken) throw e;
        group = await gitlab.findGroup(path);
        if (!group) throw e;
      }
    }
    parentId = group!.id;
  }
  return { id: parentId, created };
}

/** The description a project carries until its settings are applied: it names the task. */
export function creationMarker(taskId: string): string {
  return `Being created by Backstage scaffolder task ${taskId}`;
}

/**
 * True when this task created the project: it still carries the task's creation marker as its
 * description, or its default branch holds the task's commit (the marker is replaced once the
 * settings are applied, after the push). Both name the task, so no clock comparison is needed.
 */
async function createdByTask(
  gitlab: GitLabClient,
  project: GitLabProject,
  taskId: string,
): Promise<boolean> {
  if ((project.description ?? '').includes(creationMarker(taskId))) return true;
  if (!project.default_branch) return false;
  const branch = await gitlab.find(
    gitlab.api.Branches.show(project.id, project.default_branch),
  );
  return String(branch?.commit?.message ?? '').includes(taskTrailer(taskId));
}

/**
 * Creates the project, or adopts an existing one only when this same task created it (a retry
 * after the first attempt was interrupted). Anything else is someone else's project, and the
 * task fails naming it rather than pushing into it.
 */
export async function createOrAdoptProject(
  gitlab: GitLabClient,
  options: {
    namespaceId: number;
    path: string;
    fullPath: string;
    settings: ProjectSettings;
    taskId: string;
    logger: LoggerService;
  },
): Promise<{ project: GitLabProject; adopted: boolean }> {
  const adoptOrFail = async (existing: GitLabProject) => {
    if (await createdByTask(gitlab, existing, options.taskId)) {
      options.logger.info(
        `GitLab project ${options.fullPath} already exists from an earlier attempt of this task; continuing with it`,
      );
      return { project: existing, adopted: true };
    }
    throw new ConflictError(
      `GitLab project ${options.fullPath} already exists (${existing.web_url}) and was not created by this task. ` +
        `Choose another name, or delete or rename that project first`,
    );
  };
  const existing = await gitlab.findProject(options.fullPath);
  if (existing) return adoptOrFail(existing);
  try {
    const project = await gitlab.api.Projects.create({
      name: options.settings.name,
      path: options.path,
      namespaceId: options.namespaceId,
      // The real description is applied with the other settings after the first push.
      description: creationMarker(options.taskId),
      visibility: options.settings.visibility,
      topics: options.settings.topics,
      defaultBranch: options.settings.defaultBranch,
      ciConfigPath: options.settings.ciConfigPath,
      initializeWithReadme: false,
    });
    return { project, adopted: false };
  } catch (e) {
    // A retried POST whose first attempt went through answers "has already been taken".
    if (!(e as GitLabApiError).isAlreadyTaken) throw e;
    const now = await gitlab.findProject(options.fullPath);
    if (!now) throw e;
    return adoptOrFail(now);
  }
}

/**
 * Pushes the directory as the first commit of `branch` with one Commits API call. When the branch
 * already carries this task's commit (a retry), nothing is pushed; when it carries anything else
 * the project is not ours to overwrite.
 */
export async function pushInitialCommit(
  gitlab: GitLabClient,
  options: {
    projectId: number;
    projectPath: string;
    branch: string;
    sourceDir: string;
    message: string;
    taskId: string;
    logger: LoggerService;
  },
): Promise<{ sha: string; files: number }> {
  const trailer = taskTrailer(options.taskId);
  const existing = await gitlab.find(
    gitlab.api.Branches.show(options.projectId, options.branch),
  );
  if (existing) {
    if (String(existing.commit?.message ?? '').includes(trailer)) {
      options.logger.info(
        `Branch ${options.branch} of ${options.projectPath} already has this task's commit ${existing.commit.short_id}`,
      );
      return { sha: existing.commit.id, files: 0 };
    }
    throw new ConflictError(
      `Branch ${options.branch} of GitLab project ${options.projectPath} already has commits this task did not make`,
    );
  }
  const files = await serializeDirectoryContents(options.sourceDir, {
    gitignore: false,
  });
  const actions = files
    .filter(f => !f.symlink)
    .map(f => ({
      action: 'create' as const,
      filePath: f.path,
      content: f.content.toString('base64'),
      encoding: 'base64',
      ...(f.executable && { execute_filemode: true }),
    }));
  if (actions.length === 0) {
    throw new InputError(
      `Nothing to push: ${options.sourceDir} is empty (check the template's fetch step and sourcePath)`,
    );
  }
  const commit = await gitlab.api.Commits.create(
    options.projectId,
    options.branch,
    `${options.message}\n\n${trailer}`,
    actions,
  ).catch(async e => {
    // The first attempt may have landed before the connection dropped.
    const after = await gitlab.find(
      gitlab.api.Branches.show(options.projectId, options.branch),
    );
    if (after && String(after.commit?.message ?? '').includes(trailer)) {
      return after.commit;
    }
    throw e;
  });
  options.logger.info(
    `Pushed ${actions.length} files to ${options.projectPath} (${options.branch}, ${commit.short_id})`,
  );
  return { sha: commit.id, files: actions.length };
}

/**
 * Protects a branch: pushes by Maintainers, merges by Developers and Maintainers, no force push.
 * GitLab may already protect the default branch by instance default; then force push is
 * switched off and its (stricter or equal) levels are kept.
 */
export async function protectBranch(
  gitlab: GitLabClient,
  projectId: number,
  branch: string,
): Promise<void> {
  const existing = await gitlab.find(
    gitlab.api.ProtectedBranches.show(projectId, branch),
  );
  if (existing) {
    if (existing.allow_force_push) {
      await gitlab.api.ProtectedBranches.edit(projectId, branch, {
        allowForcePush: false,
      });
    }
    return;
  }
  try {
    // gitbeaker sends these as query parameters, which GitLab's API reads like a JSON body.
    await gitlab.api.ProtectedBranches.protect(projectId, branch, {
      pushAccessLevel: 40,
      mergeAccessLevel: 30,
      allowForcePush: false,
    });
  } catch (e) {
    if ((e as GitLabApiError).status !== 409) throw e;
  }
}
