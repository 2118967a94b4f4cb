import { Role } from '../auth/access';
import { GitLabMergeRequest, GitLabProject } from '../types';
import { ApiError } from './ApiError';
import type { ApiRouter, RouteContext } from './ApiRouter';

const DRAFT_PREFIX =
  /^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s|draft\s|\[wip\]|wip:)/i;

async function render(
  c: RouteContext,
  project: GitLabProject,
  mr: GitLabMergeRequest,
) {
  const sha = await c.double.repository(project).branchSha(mr.sourceBranch);
  return c.entities.mergeRequest(project, mr, sha ?? null);
}

function findMergeRequest(c: RouteContext, project: GitLabProject) {
  const mr = project.mergeRequests.find(
    m => m.iid === Number(c.req.params.iid),
  );
  if (!mr) throw ApiError.recordNotFound();
  return mr;
}

function userIds(c: RouteContext, name: string): number[] | undefined {
  const raw = c.params.raw(name);
  if (raw === undefined) return undefined;
  return (Array.isArray(raw) ? raw : String(raw).split(','))
    .map(v => Number(v))
    .filter(id => c.double.store.users.has(id));
}

/**
 * Merge requests (docs: api/merge_requests.md): create, list, get, update
 * (title/description/state_event) and merge (a real merge commit on the
 * target branch). There are no diffs, pipelines or approvals.
 */
export function registerMergeRequestRoutes(api: ApiRouter) {
  // docs: api/merge_requests.md#list-project-merge-requests
  api.get('/projects/:id/merge_requests', async c => {
    const project = c.project();
    const state = c.params.oneOf('state', [
      'opened',
      'closed',
      'locked',
      'merged',
      'all',
    ]);
    const source = c.params.string('source_branch');
    const target = c.params.string('target_branch');
    const search = c.params.string('search')?.toLowerCase();
    const list = project.mergeRequests
      .filter(
        m =>
          (!state || state === 'all' || m.state === state) &&
          (!source || m.sourceBranch === source) &&
          (!target || m.targetBranch === target) &&
          (!search ||
            m.title.toLowerCase().includes(search) ||
            (m.description ?? '').toLowerCase().includes(search)),
      )
      .sort((a, b) =>
        c.params.string('sort') === 'asc' ? a.id - b.id : b.id - a.id,
      );
    const page = c.paginate(list);
    const out = [];
    for (const mr of page) out.push(await render(c, project, mr));
    c.reply(200, out);
  });

  // docs: api/merge_requests.md#get-single-mr
  api.get('/projects/:id/merge_requests/:iid', async c => {
    const project = c.project();
    c.reply(200, await render(c, project, findMergeRequest(c, project)));
  });

  // docs: api/merge_requests.md#create-mr
  api.post('/projects/:id/merge_requests', async c => {
    const project = c.project(Role.Developer, { write: true });
    const [source, target, title] = c.params.requireStrings(
      'source_branch',
      'target_branch',
      'title',
    );
    if (source === target) {
      throw ApiError.unprocessable([
        "You can't use same project/branch for source and target",
      ]);
    }
    const repo = c.double.repository(project);
    for (const [label, branch] of [
      ['Source', source],
      ['Target', target],
    ]) {
      if (!(await repo.branchSha(branch))) {
        throw ApiError.badRequest([
          `${label} branch "${branch}" does not exist`,
        ]);
      }
    }
    const existing = project.mergeRequests.find(
      m =>
        m.state === 'opened' &&
        m.sourceBranch === source &&
        m.targetBranch === target,
    );
    if (existing) {
      throw ApiError.conflict([
        `Another open merge request already exists for this source branch: !${existing.iid}`,
      ]);
    }
    const now = new Date().toISOString();
    const assigneeIds =
      userIds(c, 'assignee_ids') ?? userIds(c, 'assignee_id') ?? [];
    const mr: GitLabMergeRequest = {
      id: c.double.store.nextId('merge_requests'),
      iid:
        project.mergeRequests.reduce((max, m) => Math.max(max, m.iid), 0) + 1,
      projectId: project.id,
      title,
      description: c.params.string('description') ?? null,
      state: 'opened',
      sourceBranch: source,
      targetBranch: target,
      authorId: c.user.id,
      assigneeIds,
      reviewerIds: userIds(c, 'reviewer_ids') ?? [],
      labels: c.params.stringArray('labels') ?? [],
      removeSourceBranch: c.params.boolean('remove_source_branch') ?? null,
      squash: c.params.boolean('squash') ?? false,
      draft: DRAFT_PREFIX.test(title),
      createdAt: now,
      updatedAt: now,
    };
    project.mergeRequests.push(mr);
    c.reply(201, await render(c, project, mr));
  });

  // docs: api/merge_requests.md#update-mr
  api.put('/projects/:id/merge_requests/:iid', async c => {
    const project = c.project(Role.Developer, { write: true });
    const mr = findMergeRequest(c, project);
    const title = c.params.string('title');
    if (title) {
      mr.title = title;
      mr.draft = DRAFT_PREFIX.test(title);
    }
    if (c.params.has('description')) {
      mr.description = c.params.string('description')!;
    }
    const stateEvent = c.params.oneOf('state_event', ['close', 'reopen']);
    if (stateEvent === 'close' && mr.state === 'opened') mr.state = 'closed';
    if (stateEvent === 'reopen' && mr.state === 'closed') mr.state = 'opened';
    const targetBranch = c.params.string('target_branch');
    if (targetBranch) mr.targetBranch = targetBranch;
    const remove = c.params.boolean('remove_source_branch');
    if (remove !== undefined) mr.removeSourceBranch = remove;
    mr.updatedAt = new Date().toISOString();
    c.reply(200, await render(c, project, mr));
  });

  // docs: api/merge_requests.md#merge-a-merge-request
  api.put('/projects/:id/merge_requests/:iid/merge', async c => {
    const project = c.project(Role.Developer, { write: true });
    const mr = findMergeRequest(c, project);
    if (mr.state !== 'opened' || mr.draft) {
      // GitLab answers 405 for a merge request that is closed, merged or a draft.
      throw new ApiError(405, { message: '405 Method Not Allowed' });
    }
    const repo = c.double.repository(project);
    const expected = c.params.string('sha');
    if (expected && expected !== (await repo.branchSha(mr.sourceBranch))) {
      throw new ApiError(409, {
        message: 'SHA does not match HEAD of source branch',
      });
    }
    let sha: string;
    try {
      sha = await repo.mergeBranches({
        source: mr.sourceBranch,
        target: mr.targetBranch,
        message:
          c.params.string('merge_commit_message') ??
          `Merge branch '${mr.sourceBranch}' into '${mr.targetBranch}'\n\n${
            mr.title
          }\n\nSee merge request ${c.double.store.projectFullPath(project)}!${
            mr.iid
          }`,
        committer: { name: c.user.name, email: c.user.email },
      });
    } catch {
      throw new ApiError(406, { message: 'Branch cannot be merged' });
    }
    const now = new Date().toISOString();
    mr.state = 'merged';
    mr.mergedAt = now;
    mr.mergedById = c.user.id;
    mr.mergeCommitSha = sha;
    mr.updatedAt = now;
    const remove =
      c.params.boolean('should_remove_source_branch') ??
      mr.removeSourceBranch ??
      false;
    if (remove) await repo.deleteBranch(mr.sourceBranch);
    c.reply(200, await render(c, project, mr));
  });
}
