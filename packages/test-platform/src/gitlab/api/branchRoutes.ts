import { Role } from '../auth/access';
import { GitBranch, GitRepository } from '../git/GitRepository';
import { GitLabProject, GitLabProtectedBranch } from '../types';
import { ApiError } from './ApiError';
import type { ApiRouter, RouteContext } from './ApiRouter';

/** Access levels protected branches accept (No one, Developers, Maintainers, Admins). */
const PROTECTION_LEVELS = [0, 30, 40, 60];

function level(c: RouteContext, name: string): number | undefined {
  const value = c.params.integer(name);
  if (value !== undefined && !PROTECTION_LEVELS.includes(value)) {
    throw ApiError.notAllowedValue(name);
  }
  return value;
}

/** GitLab's branch `search`: substring, or `^prefix` / `suffix$` anchors. */
function matchesSearch(name: string, search: string | undefined): boolean {
  if (!search) return true;
  const n = name.toLowerCase();
  let s = search.toLowerCase();
  const anchoredStart = s.startsWith('^');
  const anchoredEnd = s.endsWith('$');
  if (anchoredStart) s = s.slice(1);
  if (anchoredEnd) s = s.slice(0, -1);
  if (anchoredStart && anchoredEnd) return n === s;
  if (anchoredStart) return n.startsWith(s);
  if (anchoredEnd) return n.endsWith(s);
  return n.includes(s);
}

async function renderBranches(
  c: RouteContext,
  project: GitLabProject,
  branches: GitBranch[],
) {
  const merged = await c.double
    .repository(project)
    .branchesMergedInto(`refs/heads/${project.defaultBranch}`);
  return branches.map(b =>
    c.entities.branch(
      project,
      b,
      b.name !== project.defaultBranch && merged.has(b.name),
    ),
  );
}

/**
 * Branches (docs: api/branches.md) read live from the bare repository, so
 * branches pushed with git show up immediately, and protected branches
 * (docs: api/protected_branches.md), which are also enforced on pushes by
 * the repository's pre-receive hook.
 */
export function registerBranchRoutes(api: ApiRouter) {
  // docs: api/branches.md#list-repository-branches
  api.get('/projects/:id/repository/branches', async c => {
    const project = c.project();
    const search = c.params.string('search');
    const branches = (await c.double.repository(project).listBranches()).filter(
      b => matchesSearch(b.name, search),
    );
    c.reply(200, await renderBranches(c, project, c.paginate(branches)));
  });

  // docs: api/branches.md#get-a-single-repository-branch
  api.get('/projects/:id/repository/branches/:branch', async c => {
    const project = c.project();
    const branch = (await c.double.repository(project).listBranches()).find(
      b => b.name === c.req.params.branch,
    );
    if (!branch) throw ApiError.notFound('Branch');
    c.reply(200, (await renderBranches(c, project, [branch]))[0]);
  });

  // docs: api/branches.md#create-repository-branch
  api.post('/projects/:id/repository/branches', async c => {
    const project = c.project(Role.Developer, { write: true });
    const [name, ref] = c.params.requireStrings('branch', 'ref');
    await c.double.withProjectLock(project.id, async () => {
      const repo = c.double.repository(project);
      if (!(await GitRepository.isValidBranchName(name))) {
        throw ApiError.badRequest('Branch name is invalid');
      }
      if (await repo.branchSha(name)) {
        throw ApiError.badRequest('Branch already exists');
      }
      const sha = await repo.resolveCommit(ref);
      if (!sha) throw ApiError.badRequest(`Invalid reference name: ${ref}`);
      await repo.createBranch(name, sha);
      await c.double.syncRepository(project, [name]);
    });
    const branch = (await c.double.repository(project).listBranches()).find(
      b => b.name === name,
    )!;
    c.reply(201, (await renderBranches(c, project, [branch]))[0]);
  });

  // docs: api/branches.md#delete-repository-branch
  api.delete('/projects/:id/repository/branches/:branch', async c => {
    const project = c.project(Role.Developer, { write: true });
    const name = c.req.params.branch;
    await c.double.withProjectLock(project.id, async () => {
      const repo = c.double.repository(project);
      if (!(await repo.branchSha(name))) throw ApiError.notFound('Branch');
      await repo.deleteBranch(name);
      await c.double.syncRepository(project);
    });
    c.noContent();
  });

  const findProtected = (c: RouteContext, project: GitLabProject) => {
    const found = project.protectedBranches.find(
      p => p.name === c.req.params.name,
    );
    if (!found) throw ApiError.recordNotFound();
    return found;
  };

  // docs: api/protected_branches.md#list-protected-branches
  api.get('/projects/:id/protected_branches', c => {
    const project = c.project(Role.Maintainer);
    const search = c.params.string('search');
    const list = project.protectedBranches.filter(p =>
      matchesSearch(p.name, search),
    );
    c.reply(
      200,
      c.paginate(list).map(p => c.entities.protectedBranch(p)),
    );
  });

  // docs: api/protected_branches.md#get-a-single-protected-branch-or-wildcard-protected-branch
  api.get('/projects/:id/protected_branches/:name', c => {
    const project = c.project(Role.Maintainer);
    c.reply(200, c.entities.protectedBranch(findProtected(c, project)));
  });

  // docs: api/protected_branches.md#protect-repository-branches
  api.post('/projects/:id/protected_branches', async c => {
    const project = c.project(Role.Maintainer, { write: true });
    const [name] = c.params.requireStrings('name');
    const push = level(c, 'push_access_level') ?? 40;
    const merge = level(c, 'merge_access_level') ?? 40;
    const unprotect = level(c, 'unprotect_access_level') ?? 40;
    if (project.protectedBranches.some(p => p.name === name)) {
      throw ApiError.conflict(`Protected branch '${name}' already exists`);
    }
    const protectedBranch: GitLabProtectedBranch = {
      id: c.double.store.nextId('protected_branches'),
      name,
      pushAccessLevel: push,
      mergeAccessLevel: merge,
      unprotectAccessLevel: unprotect,
      allowForcePush: c.params.boolean('allow_force_push') ?? false,
      codeOwnerApprovalRequired:
        c.params.boolean('code_owner_approval_required') ?? false,
    };
    project.protectedBranches.push(protectedBranch);
    await c.double.writeProtectedBranchRules(project);
    c.reply(201, c.entities.protectedBranch(protectedBranch));
  });

  // docs: api/protected_branches.md#update-a-protected-branch
  api.patch('/projects/:id/protected_branches/:name', async c => {
    const project = c.project(Role.Maintainer, { write: true });
    const found = findProtected(c, project);
    const allowForcePush = c.params.boolean('allow_force_push');
    if (allowForcePush !== undefined) found.allowForcePush = allowForcePush;
    const codeOwners = c.params.boolean('code_owner_approval_required');
    if (codeOwners !== undefined) found.codeOwnerApprovalRequired = codeOwners;
    await c.double.writeProtectedBranchRules(project);
    c.reply(200, c.entities.protectedBranch(found));
  });

  // docs: api/protected_branches.md#unprotect-repository-branches
  api.delete('/projects/:id/protected_branches/:name', async c => {
    const project = c.project(Role.Maintainer, { write: true });
    const found = findProtected(c, project);
    project.protectedBranches = project.protectedBranches.filter(
      p => p !== found,
    );
    await c.double.writeProtectedBranchRules(project);
    c.noContent();
  });
}
