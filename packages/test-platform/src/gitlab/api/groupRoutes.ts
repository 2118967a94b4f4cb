import { GitLabNamespace } from '../types';
import { ApiError } from './ApiError';
import type { ApiRouter } from './ApiRouter';
import { listProjects } from './listProjects';
import { pathRules } from './pathRules';
import { sortBy } from './sortBy';

const VISIBILITIES = ['private', 'internal', 'public'] as const;

function matchesSearch(
  ns: GitLabNamespace,
  search: string | undefined,
): boolean {
  if (!search) return true;
  const s = search.toLowerCase();
  // GitLab matches the name or the path, not the parents' paths.
  return ns.name.toLowerCase().includes(s) || ns.path.toLowerCase().includes(s);
}

/**
 * Groups (docs: api/groups.md) and namespaces (docs: api/namespaces.md):
 * `GET /groups`, `GET /groups/:id`, `POST /groups`, `GET /groups/:id/projects`,
 * `GET /groups/:id/subgroups`, `GET /namespaces`, `GET /namespaces/:id`.
 */
export function registerGroupRoutes(api: ApiRouter) {
  // docs: api/groups.md#list-groups — ordered by name ascending by default.
  api.get('/groups', c => {
    const store = c.double.store;
    const search = c.params.string('search');
    const topLevelOnly = c.params.boolean('top_level_only') ?? false;
    const orderBy =
      c.params.oneOf('order_by', ['name', 'path', 'id', 'similarity']) ??
      'name';
    const sort = c.params.oneOf('sort', ['asc', 'desc']) ?? 'asc';
    const skip = new Set(
      (c.params.stringArray('skip_groups') ?? []).map(Number),
    );
    const groups = [...store.namespaces.values()].filter(
      ns =>
        ns.kind === 'group' &&
        c.canSee(ns) &&
        !skip.has(ns.id) &&
        (!topLevelOnly || ns.parentId === null) &&
        matchesSearch(ns, search),
    );
    const key = (ns: GitLabNamespace): string | number => {
      if (orderBy === 'id') return ns.id;
      return orderBy === 'path' ? ns.path.toLowerCase() : ns.name.toLowerCase();
    };
    sortBy(groups, key, sort);
    c.reply(
      200,
      c.paginate(groups).map(g => c.entities.group(g)),
    );
  });

  // docs: api/groups.md#get-a-single-group — includes the group's projects.
  api.get('/groups/:id', c => {
    const group = c.group();
    const withProjects = c.params.boolean('with_projects') ?? true;
    const projects = c.double.store
      .projectsInNamespace(group.id)
      .filter(p => c.canSeeProject(p));
    c.reply(200, {
      ...c.entities.group(group),
      shared_with_groups: [],
      ...(withProjects
        ? {
            projects: projects.map(p => c.entities.project(p)),
            shared_projects: [],
          }
        : {}),
    });
  });

  // docs: api/groups.md#list-projects
  api.get('/groups/:id/projects', c => {
    const group = c.group();
    const includeSubgroups = c.params.boolean('include_subgroups') ?? false;
    c.reply(
      200,
      listProjects(
        c,
        c.double.store.projectsInNamespace(group.id, includeSubgroups),
      ),
    );
  });

  // docs: api/groups.md#list-subgroups
  api.get('/groups/:id/subgroups', c => {
    const group = c.group();
    const search = c.params.string('search');
    const children = [...c.double.store.namespaces.values()]
      .filter(
        ns =>
          ns.parentId === group.id && c.canSee(ns) && matchesSearch(ns, search),
      )
      .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
    c.reply(
      200,
      c.paginate(children).map(g => c.entities.group(g)),
    );
  });

  // docs: api/groups.md#create-a-group
  api.post('/groups', c => {
    const store = c.double.store;
    if (c.principal.projectId !== undefined) throw ApiError.forbidden();
    const [name, path] = c.params.requireStrings('name', 'path');
    const visibility = c.params.oneOf('visibility', VISIBILITIES) ?? 'private';
    const parentId = c.params.integer('parent_id');
    if (parentId !== undefined) c.group(String(parentId));

    const errors: Record<string, string[]> = {};
    const pathErrors = pathRules.namespace(path);
    if (pathErrors.length) errors.path = pathErrors;
    // Top-level group paths share one routing space with usernames.
    const siblings = [...store.namespaces.values()].filter(ns =>
      parentId === undefined ? ns.parentId === null : ns.parentId === parentId,
    );
    if (siblings.some(ns => ns.path.toLowerCase() === path.toLowerCase())) {
      errors.path = [...(errors.path ?? []), 'has already been taken'];
    }
    if (
      siblings.some(
        ns =>
          ns.kind === 'group' && ns.name.toLowerCase() === name.toLowerCase(),
      )
    ) {
      errors.name = ['has already been taken'];
    }
    if (Object.keys(errors).length) {
      // GitLab renders the model errors with Ruby's Hash#inspect here.
      const inspected = Object.entries(errors)
        .map(([k, v]) => `:${k}=>${JSON.stringify(v)}`)
        .join(', ');
      throw ApiError.badRequest(`Failed to save group {${inspected}}`);
    }
    const group = store.addGroup({
      name,
      path,
      parentId: parentId ?? null,
      description: c.params.string('description') ?? '',
      visibility,
    });
    c.reply(201, {
      ...c.entities.group(group),
      shared_with_groups: [],
      projects: [],
      shared_projects: [],
    });
  });

  // docs: api/namespaces.md#list-all-namespaces
  api.get('/namespaces', c => {
    const search = c.params.string('search');
    const topLevelOnly = c.params.boolean('top_level_only') ?? false;
    const namespaces = [...c.double.store.namespaces.values()].filter(
      ns =>
        c.canSee(ns) &&
        (!topLevelOnly || ns.parentId === null) &&
        // Personal namespaces of other users are not listed, as in GitLab.
        (ns.kind === 'group' || ns.ownerId === c.user.id) &&
        matchesSearch(ns, search),
    );
    namespaces.sort((a, b) => a.id - b.id);
    c.reply(
      200,
      c.paginate(namespaces).map(ns => c.entities.namespace(ns)),
    );
  });

  // docs: api/namespaces.md#get-details-on-a-namespace
  api.get('/namespaces/:id', c => {
    const ns = c.double.store.findNamespace(c.req.params.id);
    if (!ns || !c.canSee(ns)) throw ApiError.notFound('Namespace');
    c.reply(200, c.entities.namespace(ns));
  });
}
