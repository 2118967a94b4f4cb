import { GitLabStore } from '../GitLabStore';
import { GitLabNamespace, GitLabProject } from '../types';
import type { Principal } from './authenticate';

/** GitLab role access levels used by the checks below. */
export const Role = {
  None: 0,
  Guest: 10,
  Reporter: 20,
  Developer: 30,
  Maintainer: 40,
  Owner: 50,
} as const;

/**
 * The double's deliberately small permission model. Human users act as
 * owners of every group and project (like an administrator), so tests need
 * no membership setup. Project access tokens and deploy tokens are confined
 * to their project, where the token's bot has the token's `access_level`;
 * other projects are only readable when not private. This is what makes a
 * project access token unable to reach another project (GitLab answers 404).
 */
export function projectAccessLevel(
  principal: Principal,
  project: GitLabProject,
): number {
  if (principal.projectId === undefined) return Role.Owner;
  if (principal.projectId === project.id) {
    return principal.accessLevel ?? Role.Reporter;
  }
  return project.visibility === 'private' ? Role.None : Role.Guest;
}

/**
 * Whether a namespace is visible: always for human users; for project-bound
 * tokens, public/internal namespaces and the ancestors of their project.
 */
export function canSeeNamespace(
  store: GitLabStore,
  principal: Principal,
  ns: GitLabNamespace,
): boolean {
  if (principal.projectId === undefined) return true;
  if (ns.visibility !== 'private') return true;
  const project = store.projects.get(principal.projectId);
  let current = project ? store.namespaces.get(project.namespaceId) : undefined;
  while (current) {
    if (current.id === ns.id) return true;
    current = current.parentId
      ? store.namespaces.get(current.parentId)
      : undefined;
  }
  return false;
}

/** True when the principal holds any of the scopes. */
export function hasAnyScope(principal: Principal, scopes: string[]): boolean {
  return scopes.some(s => principal.scopes.includes(s));
}
