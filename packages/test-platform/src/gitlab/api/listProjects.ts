import { GitLabProject } from '../types';
import type { RouteContext } from './ApiRouter';
import { sortBy } from './sortBy';

const ORDER_FIELDS = [
  'id',
  'name',
  'path',
  'created_at',
  'updated_at',
  'last_activity_at',
] as const;

/**
 * The filtering, ordering and pagination shared by the project list
 * endpoints (docs: api/projects.md#list-all-projects): `search` (name or path,
 * or the full path with `search_namespaces`), `archived`, `visibility`,
 * `topic`, `order_by` (default `created_at`) and `sort` (default `desc`).
 * Projects the caller may not see are left out.
 */
export function listProjects(c: RouteContext, candidates: GitLabProject[]) {
  const store = c.double.store;
  const search = c.params.string('search')?.toLowerCase();
  const searchNamespaces = c.params.boolean('search_namespaces') ?? false;
  const archived = c.params.boolean('archived');
  const visibility = c.params.oneOf('visibility', [
    'private',
    'internal',
    'public',
  ]);
  const topic = c.params.stringArray('topic');
  const orderBy = c.params.oneOf('order_by', ORDER_FIELDS) ?? 'created_at';
  const sort = c.params.oneOf('sort', ['asc', 'desc']) ?? 'desc';

  const matches = candidates.filter(p => {
    if (!c.canSeeProject(p)) return false;
    if (archived !== undefined && p.archived !== archived) return false;
    if (visibility && p.visibility !== visibility) return false;
    if (topic && !topic.every(t => p.topics.includes(t))) return false;
    if (search) {
      const haystack = searchNamespaces
        ? [store.projectFullPath(p)]
        : [p.name, p.path];
      if (!haystack.some(h => h.toLowerCase().includes(search))) return false;
    }
    return true;
  });

  const key = (p: GitLabProject): string | number => {
    switch (orderBy) {
      case 'name':
        return p.name.toLowerCase();
      case 'path':
        return p.path.toLowerCase();
      case 'updated_at':
      case 'last_activity_at':
        return p.lastActivityAt;
      default:
        // Ids grow with creation time and break ties between equal timestamps.
        return p.id;
    }
  };
  sortBy(matches, key, sort);
  return c.paginate(matches).map(p => c.entities.project(p));
}
