import {
  GitCommitAction,
  GitCommitError,
  GitRepository,
} from '../git/GitRepository';
import { GitLabProject } from '../types';
import { ApiError } from './ApiError';
import type { RouteContext } from './ApiRouter';

/** What the commits and files APIs ask for, after parameter parsing. */
export interface CommitRequest {
  branch: string;
  startBranch?: string;
  startSha?: string;
  force?: boolean;
  message: string;
  authorName?: string;
  authorEmail?: string;
  actions: GitCommitAction[];
  /** file path -> expected last commit (the actions' `last_commit_id`). */
  lastCommitIds?: Map<string, string>;
}

/**
 * Writes a commit for the commits/files APIs with the checks of GitLab's
 * Commits::CreateService (the error messages are GitLab's): start branch
 * must exist unless the repository is empty, a new branch must not exist
 * yet (unless `force`), pushing must be allowed on protected branches, and
 * the file actions must be consistent with the tree. Runs under the
 * project's lock and refreshes the cached repository state.
 */
export async function commitChanges(
  c: RouteContext,
  project: GitLabProject,
  request: CommitRequest,
): Promise<string> {
  return c.double.withProjectLock(project.id, async () => {
    const repo = c.double.repository(project);
    const { branch, startSha } = request;
    if (request.startBranch && startSha) {
      throw ApiError.badRequest(
        "You can't pass both start_branch and start_sha",
      );
    }
    const startBranch = startSha ? undefined : request.startBranch ?? branch;
    const empty = await repo.isEmpty();
    const differentBranch = Boolean(startSha) || startBranch !== branch;

    let parentSha: string | undefined;
    if (startSha) {
      if (!/^[0-9a-f]{40}$/i.test(startSha)) {
        throw ApiError.badRequest(`Invalid start_sha '${startSha}'`);
      }
      parentSha = await repo.resolveCommit(startSha);
      if (!parentSha) {
        throw ApiError.badRequest(`Cannot find start_sha '${startSha}'`);
      }
    } else if (!empty) {
      parentSha = await repo.branchSha(startBranch!);
      if (!parentSha) {
        throw ApiError.badRequest(
          'You can only create or edit files when you are on a branch',
        );
      }
    }

    const currentSha = await repo.branchSha(branch);
    if (!empty && differentBranch && currentSha && !request.force) {
      throw ApiError.badRequest(
        `A branch called '${branch}' already exists. Switch to that branch in order to make changes`,
      );
    }
    if (differentBranch && !(await GitRepository.isValidBranchName(branch))) {
      throw ApiError.badRequest(
        `Something went wrong when we tried to create '${branch}' for you: Branch name is invalid`,
      );
    }
    const protection = c.entities.protectionFor(project, branch);
    if (protection && protection.pushAccessLevel === 0) {
      throw ApiError.badRequest('You are not allowed to push into this branch');
    }

    for (const [path, expected] of request.lastCommitIds ?? []) {
      const last = parentSha
        ? (await repo.log({ ref: parentSha, path }))[0]?.id
        : undefined;
      if (last && last !== expected) {
        throw ApiError.badRequest(
          `The file has changed since you started editing it: ${path}`,
        );
      }
    }

    const committer = { name: c.user.name, email: c.user.email };
    try {
      const sha = await repo.createCommit({
        branch,
        parentSha,
        expectedBranchSha: currentSha,
        message: request.message,
        author: {
          name: request.authorName ?? committer.name,
          email: request.authorEmail ?? committer.email,
        },
        committer,
        actions: request.actions,
      });
      await c.double.syncRepository(project, [branch]);
      return sha;
    } catch (error) {
      if (error instanceof GitCommitError)
        throw ApiError.badRequest(error.message);
      throw error;
    }
  });
}
