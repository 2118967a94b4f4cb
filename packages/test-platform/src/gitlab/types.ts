/**
 * Data model of the GitLab test double. Records are kept in memory; git data
 * (branches, commits, files) is never duplicated here, it lives in the bare
 * repositories and is read with git on every request.
 */

/** GitLab project/group visibility levels. */
export type Visibility = 'private' | 'internal' | 'public';

/**
 * Token scopes the double understands. Only `api`, `read_api`, `read_user`,
 * `read_repository` and `write_repository` change behaviour; the others are
 * accepted so clients can request them.
 */
export const TOKEN_SCOPES = [
  'api',
  'read_api',
  'read_user',
  'read_repository',
  'write_repository',
  'read_registry',
  'write_registry',
  'create_runner',
  'manage_runner',
  'k8s_proxy',
  'self_rotate',
  'ai_features',
] as const;

/** A personal or project access token scope. */
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Scopes a deploy token may carry. */
export const DEPLOY_TOKEN_SCOPES = [
  'read_repository',
  'read_registry',
  'write_registry',
  'read_package_registry',
  'write_package_registry',
  'read_virtual_registry',
  'write_virtual_registry',
] as const;

/** GitLab's role access levels (Guest .. Owner). */
export const ACCESS_LEVELS = [10, 15, 20, 30, 40, 50] as const;

/** A user account, including project bot users created for project access tokens. */
export interface GitLabUser {
  id: number;
  username: string;
  name: string;
  email: string;
  isAdmin: boolean;
  /** True for the bot users behind project access tokens. */
  bot: boolean;
  createdAt: string;
  /** Id of the user's personal namespace (kind `user`); bots have none. */
  namespaceId?: number;
}

/** A group or a user's personal namespace (GitLab stores both as namespaces). */
export interface GitLabNamespace {
  id: number;
  kind: 'group' | 'user';
  name: string;
  path: string;
  parentId: number | null;
  description: string;
  visibility: Visibility;
  createdAt: string;
  /** For `user` namespaces, the owning user. */
  ownerId?: number;
}

/** An access token (personal or project). The token value itself is never stored, only its sha256. */
export interface GitLabAccessToken {
  id: number;
  kind: 'personal' | 'project';
  name: string;
  description: string | null;
  userId: number;
  scopes: string[];
  /** `YYYY-MM-DD`; the token stops working on that day, as in GitLab. */
  expiresAt: string | null;
  revoked: boolean;
  createdAt: string;
  lastUsedAt: string | null;
  /** For project access tokens: the project the token (its bot user) belongs to. */
  projectId?: number;
  /** For project access tokens: the bot's role in the project. */
  accessLevel?: number;
  tokenDigest: string;
}

/** A project deploy token (git read/registry access only, no API access). */
export interface GitLabDeployToken {
  id: number;
  projectId: number;
  name: string;
  username: string;
  scopes: string[];
  expiresAt: string | null;
  revoked: boolean;
  createdAt: string;
  tokenDigest: string;
}

/** A protected branch (name may be a wildcard such as `release/*`). */
export interface GitLabProtectedBranch {
  id: number;
  name: string;
  pushAccessLevel: number;
  mergeAccessLevel: number;
  unprotectAccessLevel: number;
  allowForcePush: boolean;
  codeOwnerApprovalRequired: boolean;
}

/** A project CI/CD variable. */
export interface GitLabVariable {
  key: string;
  value: string;
  variableType: 'env_var' | 'file';
  protected: boolean;
  masked: boolean;
  hidden: boolean;
  raw: boolean;
  environmentScope: string;
  description: string | null;
}

/** A merge request (no diffs or pipelines; merging makes a real merge commit). */
export interface GitLabMergeRequest {
  id: number;
  iid: number;
  projectId: number;
  title: string;
  description: string | null;
  state: 'opened' | 'closed' | 'merged';
  sourceBranch: string;
  targetBranch: string;
  authorId: number;
  assigneeIds: number[];
  reviewerIds: number[];
  labels: string[];
  removeSourceBranch: boolean | null;
  squash: boolean;
  draft: boolean;
  createdAt: string;
  updatedAt: string;
  /** Set when merged (PUT .../merge). */
  mergedAt?: string;
  mergedById?: number;
  mergeCommitSha?: string;
}

/** A project member added through the members API. */
export interface GitLabMember {
  userId: number;
  accessLevel: number;
  createdAt: string;
  expiresAt: string | null;
}

/** A project; its repository is `<dataDir>/repositories/<id>.git`. */
export interface GitLabProject {
  id: number;
  name: string;
  path: string;
  namespaceId: number;
  description: string | null;
  visibility: Visibility;
  /** Cached from the repository's HEAD after every write (push, commit, branch API). */
  defaultBranch: string;
  /** Cached "no branches yet" flag, refreshed with `defaultBranch`. */
  emptyRepo: boolean;
  topics: string[];
  archived: boolean;
  ciConfigPath: string | null;
  creatorId: number;
  createdAt: string;
  lastActivityAt: string;
  /** Other project settings accepted on create/edit and echoed back (merge_method, ...). */
  settings: Record<string, unknown>;
  /** Whether the default branch has already been auto-protected. */
  defaultBranchProtected: boolean;
  protectedBranches: GitLabProtectedBranch[];
  variables: GitLabVariable[];
  mergeRequests: GitLabMergeRequest[];
  members: GitLabMember[];
  gitDir: string;
}

/**
 * An OAuth application (docs: integration/oauth_provider.md), the "Applications" a GitLab admin
 * or user registers for sign-in with GitLab. Its secret is kept as a digest only.
 */
export interface GitLabOAuthApplication {
  id: number;
  name: string;
  /** The client id (`application_id` in GitLab's API, `uid` in its database). */
  uid: string;
  secretDigest: string;
  /** Exact redirect URIs the authorization endpoint accepts. */
  redirectUris: string[];
  /** Scopes the application may request. */
  scopes: string[];
  /** Confidential applications must authenticate with their secret at the token endpoint. */
  confidential: boolean;
  createdAt: string;
}

/** An authorization code issued by `/oauth/authorize` (single use, 10 minutes). */
export interface GitLabOAuthGrant {
  codeDigest: string;
  applicationId: number;
  userId: number;
  redirectUri: string;
  scopes: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
  /** PKCE (RFC 7636), when the authorization request carried a challenge. */
  codeChallenge?: string;
  codeChallengeMethod?: 'plain' | 'S256';
  used: boolean;
}

/** An OAuth access token with its refresh token; values are kept as digests only. */
export interface GitLabOAuthToken {
  id: number;
  applicationId: number;
  userId: number;
  scopes: string[];
  tokenDigest: string;
  refreshTokenDigest: string;
  /** Epoch milliseconds; GitLab's access tokens live two hours. */
  expiresAt: number;
  revoked: boolean;
  createdAt: string;
}

/** One entry of the double's request log. Token values and query strings are never recorded. */
export interface RequestLogEntry {
  method: string;
  /** Path relative to `basePath`, without query string (e.g. `/api/v4/projects/1`). */
  path: string;
  status: number;
  kind: 'api' | 'git' | 'other';
  durationMs: number;
  /** Set when a fault rule answered or delayed the request. */
  fault?: 'latency' | 'status' | 'reset';
}
