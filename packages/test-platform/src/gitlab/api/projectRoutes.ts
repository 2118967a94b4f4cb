import { Role } from '../auth/access';
import type { DoubleContext } from '../DoubleContext';
import { GitRepository } from '../git/GitRepository';
import { GitLabProject, GitLabUser, Visibility } from '../types';
import { ApiError } from './ApiError';
import type { ApiRouter, RouteContext } from './ApiRouter';
import { listProjects } from './listProjects';
import { Params } from './Params';
import { pathRules } from './pathRules';
import { projectSettings } from './projectSettings';

const VISIBILITIES = ['private', 'internal', 'public'] as const;

/** Duplicate name/path checks within a namespace (GitLab compares case-insensitively). */
function duplicateErrors(
  double: DoubleContext,
  namespaceId: number,
  name: string,
  path: string,
  except?: number,
): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const siblings = double.store
    .projectsInNamespace(namespaceId)
    .filter(p => p.id !== except);
  if (siblings.some(p => p.name.toLowerCase() === name.toLowerCase())) {
    errors.name = ['has already been taken'];
  }
  if (siblings.some(p => p.path.toLowerCase() === path.toLowerCase())) {
    errors.path = ['has already been taken'];
  }
  return errors;
}

function mergeErrors(...all: Record<string, string[]>[]) {
  const out: Record<string, string[]> = {};
  for (const errors of all) {
    for (const [key, messages] of Object.entries(errors)) {
      out[key] = [...(out[key] ?? []), ...messages];
    }
  }
  return out;
}

/**
 * Creates a project the way `POST /projects` does (docs:
 * api/projects.md#create-a-project): validation, a fresh bare repository
 * whose HEAD is `default_branch` (default `main`), and optionally an initial
 * commit with a README. Also used by the handle's seeding helper.
 */
export async function createProject(
  double: DoubleContext,
  creator: GitLabUser,
  params: Params,
  canUseNamespace: (namespaceId: number) => boolean = () => true,
): Promise<GitLabProject> {
  const store = double.store;
  let name = params.string('name')?.trim();
  let path = params.string('path')?.trim();
  if (!name && !path) {
    throw new ApiError(400, {
      error: 'name, path are missing, at least one parameter must be provided',
    });
  }
  path = path || pathRules.slugify(name!);
  name = name || path;

  const namespaceRef = params.string('namespace_id') ?? creator.namespaceId;
  const namespace =
    namespaceRef === undefined ? undefined : store.findNamespace(namespaceRef);
  if (!namespace || !canUseNamespace(namespace.id)) {
    throw ApiError.notFound('Namespace');
  }

  const visibility: Visibility =
    params.oneOf('visibility', VISIBILITIES) ?? 'private';
  const defaultBranch = params.string('default_branch') || 'main';
  const topics =
    params.stringArray('topics') ?? params.stringArray('tag_list') ?? [];
  const settings = {
    ...projectSettings.defaults(),
    ...projectSettings.fromParams(params),
  };
  const initializeWithReadme =
    params.boolean('initialize_with_readme') ?? false;

  const branchValid = await GitRepository.isValidBranchName(defaultBranch);
  // No await between the duplicate check and inserting the record, so
  // concurrent creates of the same path cannot both succeed.
  const errors = mergeErrors(
    pathRules.projectName(name).length
      ? { name: pathRules.projectName(name) }
      : {},
    pathRules.project(path).length ? { path: pathRules.project(path) } : {},
    duplicateErrors(double, namespace.id, name, path),
    branchValid ? {} : { default_branch: ['is invalid'] },
  );
  if (Object.keys(errors).length) throw ApiError.validation(errors);

  const id = store.nextId('projects');
  const now = new Date().toISOString();
  const project: GitLabProject = {
    id,
    name,
    path,
    namespaceId: namespace.id,
    description: params.string('description') ?? null,
    visibility,
    defaultBranch,
    emptyRepo: true,
    topics,
    archived: false,
    ciConfigPath: params.string('ci_config_path') || null,
    creatorId: creator.id,
    createdAt: now,
    lastActivityAt: now,
    settings,
    defaultBranchProtected: false,
    protectedBranches: [],
    variables: [],
    mergeRequests: [],
    members: [],
    gitDir: double.gitDirFor(id),
  };
  store.projects.set(id, project);
  let repo: GitRepository;
  try {
    repo = await GitRepository.init(project.gitDir, defaultBranch);
  } catch (error) {
    store.projects.delete(id);
    throw error;
  }
  if (initializeWithReadme) {
    const readme = `# ${name}\n\n${project.description ?? ''}\n`;
    const identity = { name: creator.name, email: creator.email };
    await repo.createCommit({
      branch: defaultBranch,
      message: 'Initial commit',
      author: identity,
      committer: identity,
      actions: [
        {
          action: 'create',
          filePath: 'README.md',
          content: Buffer.from(readme),
        },
      ],
    });
  }
  await double.syncRepository(project);
  return project;
}

async function editProject(c: RouteContext, project: GitLabProject) {
  const p = c.params;
  const name = p.string('name')?.trim() || project.name;
  const path = p.string('path')?.trim() || project.path;
  const errors = mergeErrors(
    name !== project.name && pathRules.projectName(name).length
      ? { name: pathRules.projectName(name) }
      : {},
    path !== project.path && pathRules.project(path).length
      ? { path: pathRules.project(path) }
      : {},
    duplicateErrors(c.double, project.namespaceId, name, path, project.id),
  );
  if (Object.keys(errors).length) throw ApiError.validation(errors);

  const visibility = p.oneOf('visibility', VISIBILITIES);
  const settings = projectSettings.fromParams(p);
  const topics = p.stringArray('topics') ?? p.stringArray('tag_list');
  const defaultBranch = p.string('default_branch');
  if (defaultBranch && defaultBranch !== project.defaultBranch) {
    const repo = c.double.repository(project);
    if (!(await repo.branchSha(defaultBranch))) {
      throw ApiError.badRequest('Could not set the default branch');
    }
    await repo.setHeadBranch(defaultBranch);
  }

  project.name = name;
  project.path = path;
  if (p.has('description')) project.description = p.string('description')!;
  if (visibility) project.visibility = visibility;
  if (topics) project.topics = topics;
  if (p.has('ci_config_path')) {
    project.ciConfigPath = p.string('ci_config_path') || null;
  }
  Object.assign(project.settings, settings);
  await c.double.syncRepository(project);
}

/**
 * Projects (docs: api/projects.md): list, get, create, edit, delete,
 * archive/unarchive, plus the members endpoints publish:gitlab may call.
 */
export function registerProjectRoutes(api: ApiRouter) {
  // docs: api/projects.md#list-all-projects
  api.get('/projects', c => {
    let projects = [...c.double.store.projects.values()];
    if (c.params.boolean('owned')) {
      projects = projects.filter(p => p.creatorId === c.user.id);
    }
    c.reply(200, listProjects(c, projects));
  });

  // docs: api/projects.md#create-a-project
  api.post('/projects', async c => {
    // Project bots cannot create projects.
    if (c.principal.projectId !== undefined) throw ApiError.forbidden();
    const project = await createProject(c.double, c.user, c.params, nsId => {
      const ns = c.double.store.namespaces.get(nsId);
      return Boolean(ns && c.canSee(ns));
    });
    c.reply(201, c.entities.project(project));
  });

  // docs: api/projects.md#get-a-single-project
  api.get('/projects/:id', c => {
    c.reply(200, c.entities.project(c.project()));
  });

  // docs: api/projects.md#edit-a-project
  api.put('/projects/:id', async c => {
    const project = c.project(Role.Maintainer);
    await c.double.withProjectLock(project.id, () => editProject(c, project));
    c.reply(200, c.entities.project(project));
  });

  // docs: api/projects.md#delete-a-project — 202 Accepted; the repository is removed.
  api.delete('/projects/:id', async c => {
    const project = c.project(Role.Owner);
    await c.double.withProjectLock(project.id, () =>
      c.double.deleteProject(project),
    );
    c.reply(202, { message: '202 Accepted' });
  });

  // docs: api/projects.md#archive-a-project
  api.post('/projects/:id/archive', c => {
    const project = c.project(Role.Maintainer);
    project.archived = true;
    c.reply(201, c.entities.project(project));
  });

  // docs: api/projects.md#unarchive-a-project
  api.post('/projects/:id/unarchive', c => {
    const project = c.project(Role.Maintainer);
    project.archived = false;
    c.reply(201, c.entities.project(project));
  });

  const member = (c: RouteContext, m: GitLabProject['members'][number]) => {
    const user = c.double.store.users.get(m.userId)!;
    return {
      ...c.entities.userBasic(user),
      access_level: m.accessLevel,
      created_at: m.createdAt,
      expires_at: m.expiresAt,
    };
  };

  // docs: api/members.md#list-all-members-of-a-group-or-project
  api.get('/projects/:id/members', c => {
    const project = c.project();
    c.reply(
      200,
      c.paginate(project.members).map(m => member(c, m)),
    );
  });

  // docs: api/members.md#add-a-member-to-a-group-or-project
  api.post('/projects/:id/members', c => {
    const project = c.project(Role.Maintainer, { write: true });
    const userRef = c.params.string('user_id') ?? c.params.string('username');
    if (!userRef) throw ApiError.missing('user_id');
    const accessLevel = c.params.integer('access_level');
    if (accessLevel === undefined) throw ApiError.missing('access_level');
    const user = c.double.store.findUser(userRef);
    if (!user) throw ApiError.notFound('User');
    if (project.members.some(m => m.userId === user.id)) {
      throw ApiError.conflict('Member already exists');
    }
    const m = {
      userId: user.id,
      accessLevel,
      createdAt: new Date().toISOString(),
      expiresAt: c.params.string('expires_at') ?? null,
    };
    project.members.push(m);
    c.reply(201, member(c, m));
  });
}
