import type { DoubleContext } from '../DoubleContext';
import { GitBranch, GitCommit } from '../git/GitRepository';
import { isExpired } from '../GitLabStore';
import {
  GitLabAccessToken,
  GitLabDeployToken,
  GitLabMergeRequest,
  GitLabNamespace,
  GitLabProject,
  GitLabProtectedBranch,
  GitLabUser,
  GitLabVariable,
} from '../types';

const ACCESS_LEVEL_DESCRIPTIONS: Record<number, string> = {
  0: 'No one',
  30: 'Developers + Maintainers',
  40: 'Maintainers',
  60: 'Admins',
};

/** Converts a GitLab wildcard protected-branch name (`release/*`) into a matcher. */
function protectedBranchMatcher(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

/**
 * Renders records as GitLab's API entities (field names, nesting and URL
 * formats follow the examples in GitLab's REST API docs). All URLs are built
 * from the double's base URL so sub-path instances get sub-path links.
 */
export class Entities {
  constructor(private readonly ctx: DoubleContext) {}

  private get store() {
    return this.ctx.store;
  }

  /** Basic user (as nested in other entities). */
  userBasic(user: GitLabUser) {
    return {
      id: user.id,
      username: user.username,
      name: user.name,
      state: 'active',
      locked: false,
      avatar_url: null,
      web_url: `${this.ctx.baseUrl}/${user.username}`,
    };
  }

  /** docs: api/users.md#retrieve-the-current-user */
  currentUser(user: GitLabUser) {
    return {
      ...this.userBasic(user),
      created_at: user.createdAt,
      bio: '',
      location: '',
      public_email: null,
      linkedin: '',
      twitter: '',
      website_url: '',
      organization: '',
      job_title: '',
      pronouns: null,
      bot: user.bot,
      work_information: null,
      local_time: null,
      last_sign_in_at: null,
      confirmed_at: user.createdAt,
      last_activity_on: null,
      email: user.email,
      commit_email: user.email,
      theme_id: 1,
      color_scheme_id: 1,
      projects_limit: 100000,
      current_sign_in_at: null,
      identities: [],
      can_create_group: !user.bot,
      can_create_project: !user.bot,
      two_factor_enabled: false,
      external: false,
      private_profile: false,
      namespace_id: user.namespaceId ?? null,
      is_admin: user.isAdmin,
    };
  }

  private namespaceWebUrl(ns: GitLabNamespace): string {
    const fullPath = this.store.namespaceFullPath(ns);
    return ns.kind === 'group'
      ? `${this.ctx.baseUrl}/groups/${fullPath}`
      : `${this.ctx.baseUrl}/${fullPath}`;
  }

  /** docs: api/namespaces.md#get-details-on-a-namespace */
  namespace(ns: GitLabNamespace) {
    return {
      ...this.projectNamespace(ns),
      members_count_with_descendants: 1,
      billable_members_count: 1,
      root_repository_size: 0,
      projects_count: this.store.projectsInNamespace(ns.id).length,
    };
  }

  /** docs: api/groups.md#list-groups (the list entity) */
  group(ns: GitLabNamespace) {
    return {
      id: ns.id,
      web_url: this.namespaceWebUrl(ns),
      name: ns.name,
      path: ns.path,
      description: ns.description,
      visibility: ns.visibility,
      share_with_group_lock: false,
      require_two_factor_authentication: false,
      two_factor_grace_period: 48,
      project_creation_level: 'developer',
      auto_devops_enabled: null,
      subgroup_creation_level: 'maintainer',
      emails_disabled: false,
      emails_enabled: true,
      mentions_disabled: null,
      lfs_enabled: true,
      default_branch: null,
      default_branch_protection: this.ctx.config.protectDefaultBranch ? 2 : 0,
      avatar_url: null,
      request_access_enabled: true,
      full_name: this.store.namespaceFullName(ns),
      full_path: this.store.namespaceFullPath(ns),
      created_at: ns.createdAt,
      parent_id: ns.parentId,
      organization_id: 1,
      shared_runners_setting: 'enabled',
      ldap_cn: null,
      ldap_access: null,
      wiki_access_level: 'enabled',
      marked_for_deletion_on: null,
    };
  }

  /** The `namespace` object nested in projects. */
  private projectNamespace(ns: GitLabNamespace) {
    return {
      id: ns.id,
      name: ns.name,
      path: ns.path,
      kind: ns.kind,
      full_path: this.store.namespaceFullPath(ns),
      parent_id: ns.parentId,
      avatar_url: null,
      web_url: this.namespaceWebUrl(ns),
    };
  }

  /** docs: api/projects.md#get-a-single-project */
  project(project: GitLabProject) {
    const ns = this.store.namespaces.get(project.namespaceId)!;
    const fullPath = this.store.projectFullPath(project);
    const webUrl = `${this.ctx.baseUrl}/${fullPath}`;
    const api = `${this.ctx.apiUrl}/projects/${project.id}`;
    const owner =
      ns.kind === 'user' && ns.ownerId !== undefined
        ? this.store.users.get(ns.ownerId)
        : undefined;
    return {
      id: project.id,
      description: project.description,
      name: project.name,
      name_with_namespace: `${this.store.namespaceFullName(ns)} / ${
        project.name
      }`,
      path: project.path,
      path_with_namespace: fullPath,
      created_at: project.createdAt,
      updated_at: project.lastActivityAt,
      default_branch: project.defaultBranch,
      tag_list: [...project.topics],
      topics: [...project.topics],
      ssh_url_to_repo: `git@${this.ctx.host.split(':')[0]}:${fullPath}.git`,
      http_url_to_repo: `${webUrl}.git`,
      web_url: webUrl,
      readme_url: null,
      forks_count: 0,
      avatar_url: null,
      star_count: 0,
      last_activity_at: project.lastActivityAt,
      namespace: this.projectNamespace(ns),
      container_registry_image_prefix: `registry.example.com/${fullPath}`,
      _links: {
        self: api,
        issues: `${api}/issues`,
        merge_requests: `${api}/merge_requests`,
        repo_branches: `${api}/repository/branches`,
        labels: `${api}/labels`,
        events: `${api}/events`,
        members: `${api}/members`,
        cluster_agents: `${api}/cluster_agents`,
      },
      ...(owner ? { owner: this.userBasic(owner) } : {}),
      empty_repo: project.emptyRepo,
      archived: project.archived,
      visibility: project.visibility,
      creator_id: project.creatorId,
      import_status: 'none',
      open_issues_count: 0,
      ci_config_path: project.ciConfigPath,
      shared_with_groups: [],
      ...project.settings,
    };
  }

  /** docs: api/commits.md#get-a-single-commit (without stats unless given) */
  commit(
    project: GitLabProject,
    commit: GitCommit,
    stats?: { additions: number; deletions: number; total: number },
  ) {
    const title = commit.message.split('\n')[0];
    return {
      id: commit.id,
      short_id: commit.id.slice(0, 8),
      created_at: commit.committedDate,
      parent_ids: commit.parentIds,
      title,
      message: commit.message,
      author_name: commit.authorName,
      author_email: commit.authorEmail,
      authored_date: commit.authoredDate,
      committer_name: commit.committerName,
      committer_email: commit.committerEmail,
      committed_date: commit.committedDate,
      trailers: {},
      extended_trailers: {},
      web_url: `${this.ctx.baseUrl}/${this.store.projectFullPath(
        project,
      )}/-/commit/${commit.id}`,
      ...(stats ? { stats } : {}),
    };
  }

  /** The protected branch rule matching a branch name, if any. */
  protectionFor(
    project: GitLabProject,
    branch: string,
  ): GitLabProtectedBranch | undefined {
    return project.protectedBranches.find(p =>
      protectedBranchMatcher(p.name).test(branch),
    );
  }

  /** docs: api/branches.md#get-a-single-repository-branch */
  branch(project: GitLabProject, branch: GitBranch, merged: boolean) {
    const protection = this.protectionFor(project, branch.name);
    return {
      name: branch.name,
      merged,
      protected: Boolean(protection),
      default: branch.name === project.defaultBranch,
      developers_can_push: protection
        ? protection.pushAccessLevel === 30
        : false,
      developers_can_merge: protection
        ? protection.mergeAccessLevel === 30
        : false,
      can_push: true,
      web_url: `${this.ctx.baseUrl}/${this.store.projectFullPath(
        project,
      )}/-/tree/${branch.name}`,
      commit: this.commit(project, branch.commit),
    };
  }

  private accessLevels(id: number, level: number) {
    return [
      {
        id,
        access_level: level,
        access_level_description:
          ACCESS_LEVEL_DESCRIPTIONS[level] ?? 'Maintainers',
        deploy_key_id: null,
        user_id: null,
        group_id: null,
      },
    ];
  }

  /** docs: api/protected_branches.md#get-a-single-protected-branch-or-wildcard-protected-branch */
  protectedBranch(p: GitLabProtectedBranch) {
    return {
      id: p.id,
      name: p.name,
      push_access_levels: this.accessLevels(p.id * 3 - 2, p.pushAccessLevel),
      merge_access_levels: this.accessLevels(p.id * 3 - 1, p.mergeAccessLevel),
      unprotect_access_levels: this.accessLevels(
        p.id * 3,
        p.unprotectAccessLevel,
      ),
      allow_force_push: p.allowForcePush,
      code_owner_approval_required: p.codeOwnerApprovalRequired,
    };
  }

  /** docs: api/project_level_variables.md (hidden variables never return their value) */
  variable(v: GitLabVariable) {
    return {
      variable_type: v.variableType,
      key: v.key,
      value: v.hidden ? null : v.value,
      protected: v.protected,
      masked: v.masked,
      hidden: v.hidden,
      raw: v.raw,
      environment_scope: v.environmentScope,
      description: v.description,
    };
  }

  /** docs: api/deploy_tokens.md#list-project-deploy-tokens */
  deployToken(t: GitLabDeployToken) {
    return {
      id: t.id,
      name: t.name,
      username: t.username,
      expires_at: t.expiresAt ? `${t.expiresAt}T00:00:00.000Z` : null,
      revoked: t.revoked,
      expired: isExpired(t.expiresAt),
      scopes: [...t.scopes],
    };
  }

  /** docs: api/project_access_tokens.md#get-details-on-a-project-access-token */
  accessToken(t: GitLabAccessToken) {
    return {
      id: t.id,
      name: t.name,
      description: t.description,
      revoked: t.revoked,
      created_at: t.createdAt,
      scopes: [...t.scopes],
      user_id: t.userId,
      last_used_at: t.lastUsedAt,
      active: !t.revoked && !isExpired(t.expiresAt),
      expires_at: t.expiresAt,
      access_level: t.accessLevel ?? 40,
    };
  }

  /** docs: api/merge_requests.md#get-single-mr */
  mergeRequest(
    project: GitLabProject,
    mr: GitLabMergeRequest,
    sha: string | null,
  ) {
    const author = this.store.users.get(mr.authorId);
    const fullPath = this.store.projectFullPath(project);
    const users = (ids: number[]) =>
      ids
        .map(id => this.store.users.get(id))
        .filter((u): u is GitLabUser => Boolean(u))
        .map(u => this.userBasic(u));
    const assignees = users(mr.assigneeIds);
    const mergedBy =
      mr.mergedById !== undefined
        ? this.store.users.get(mr.mergedById)
        : undefined;
    return {
      id: mr.id,
      iid: mr.iid,
      project_id: mr.projectId,
      title: mr.title,
      description: mr.description,
      state: mr.state,
      created_at: mr.createdAt,
      updated_at: mr.updatedAt,
      merged_by: mergedBy ? this.userBasic(mergedBy) : null,
      merge_user: mergedBy ? this.userBasic(mergedBy) : null,
      merged_at: mr.mergedAt ?? null,
      closed_by: null,
      closed_at: null,
      target_branch: mr.targetBranch,
      source_branch: mr.sourceBranch,
      user_notes_count: 0,
      upvotes: 0,
      downvotes: 0,
      author: author ? this.userBasic(author) : null,
      assignees,
      assignee: assignees[0] ?? null,
      reviewers: users(mr.reviewerIds),
      source_project_id: mr.projectId,
      target_project_id: mr.projectId,
      labels: [...mr.labels],
      draft: mr.draft,
      work_in_progress: mr.draft,
      milestone: null,
      merge_when_pipeline_succeeds: false,
      merge_status: 'can_be_merged',
      detailed_merge_status: 'mergeable',
      sha,
      merge_commit_sha: mr.mergeCommitSha ?? null,
      squash_commit_sha: null,
      discussion_locked: null,
      should_remove_source_branch: null,
      force_remove_source_branch: mr.removeSourceBranch,
      prepared_at: mr.createdAt,
      reference: `!${mr.iid}`,
      references: {
        short: `!${mr.iid}`,
        relative: `!${mr.iid}`,
        full: `${fullPath}!${mr.iid}`,
      },
      web_url: `${this.ctx.baseUrl}/${fullPath}/-/merge_requests/${mr.iid}`,
      time_stats: {
        time_estimate: 0,
        total_time_spent: 0,
        human_time_estimate: null,
        human_total_time_spent: null,
      },
      squash: mr.squash,
      squash_on_merge: mr.squash,
      task_completion_status: { count: 0, completed_count: 0 },
      has_conflicts: false,
      blocking_discussions_resolved: true,
    };
  }
}
