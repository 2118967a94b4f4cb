import { createHash, randomBytes } from 'node:crypto';
import {
  GitLabAccessToken,
  GitLabDeployToken,
  GitLabNamespace,
  GitLabOAuthApplication,
  GitLabOAuthGrant,
  GitLabOAuthToken,
  GitLabProject,
  GitLabUser,
  RequestLogEntry,
  Visibility,
} from './types';

const BASE62 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Random token material in GitLab's style (`glpat-…`, `gldt-…`). */
export function generateToken(prefix: string): string {
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += BASE62[b % BASE62.length];
  return `${prefix}${out}`;
}

/** Tokens are stored as digests only so state snapshots and logs never contain secrets. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Lifetime of OAuth access tokens (GitLab: two hours, `expires_in: 7200`). */
export const OAUTH_TOKEN_LIFETIME_SECONDS = 7200;

/** Today's date in UTC as `YYYY-MM-DD`. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** GitLab treats a token as expired from its `expires_at` day on. */
export function isExpired(expiresAt: string | null): boolean {
  return expiresAt !== null && expiresAt <= todayUtc();
}

/**
 * The in-memory records of the double (everything except git data) with the
 * lookups the routes need. Ids come from per-table sequences as in GitLab:
 * users, namespaces (groups and personal namespaces share one), projects,
 * tokens, deploy tokens, protected branches, merge requests.
 */
export class GitLabStore {
  readonly users = new Map<number, GitLabUser>();
  readonly namespaces = new Map<number, GitLabNamespace>();
  readonly projects = new Map<number, GitLabProject>();
  readonly tokens = new Map<number, GitLabAccessToken>();
  readonly deployTokens = new Map<number, GitLabDeployToken>();
  readonly requests: RequestLogEntry[] = [];
  readonly oauthApplications = new Map<number, GitLabOAuthApplication>();
  /** Authorization codes by the digest of their value. */
  readonly oauthGrants = new Map<string, GitLabOAuthGrant>();
  readonly oauthTokens = new Map<number, GitLabOAuthToken>();
  /** Browser sessions (`_gitlab_session` cookie digest -> user id). */
  readonly sessions = new Map<string, number>();

  private readonly sequences = new Map<string, number>();

  /** Next id of a table. */
  nextId(table: string): number {
    const next = (this.sequences.get(table) ?? 0) + 1;
    this.sequences.set(table, next);
    return next;
  }

  /** Adds a user and, for humans, their personal namespace. */
  addUser(options: {
    username: string;
    name?: string;
    email?: string;
    isAdmin?: boolean;
    bot?: boolean;
  }): GitLabUser {
    if (this.findUser(options.username)) {
      throw new Error(`User ${options.username} already exists`);
    }
    const now = new Date().toISOString();
    const user: GitLabUser = {
      id: this.nextId('users'),
      username: options.username,
      name: options.name ?? options.username,
      email: options.email ?? `${options.username}@example.com`,
      isAdmin: options.isAdmin ?? false,
      bot: options.bot ?? false,
      createdAt: now,
    };
    if (!user.bot) {
      const ns: GitLabNamespace = {
        id: this.nextId('namespaces'),
        kind: 'user',
        name: user.name,
        path: user.username,
        parentId: null,
        description: '',
        visibility: 'public',
        createdAt: now,
        ownerId: user.id,
      };
      this.namespaces.set(ns.id, ns);
      user.namespaceId = ns.id;
    }
    this.users.set(user.id, user);
    return user;
  }

  /** Finds a user by numeric id or username. */
  findUser(idOrUsername: string | number): GitLabUser | undefined {
    const asNumber = Number(idOrUsername);
    if (Number.isInteger(asNumber) && String(idOrUsername).trim() !== '') {
      return this.users.get(asNumber);
    }
    for (const user of this.users.values()) {
      if (user.username.toLowerCase() === String(idOrUsername).toLowerCase()) {
        return user;
      }
    }
    return undefined;
  }

  /** Creates a personal access token and returns its one-time value. */
  createPersonalToken(options: {
    userId: number;
    scopes: string[];
    name?: string;
    expiresAt?: string | null;
    token?: string;
  }): { record: GitLabAccessToken; token: string } {
    const token = options.token ?? generateToken('glpat-');
    return {
      record: this.insertToken({
        kind: 'personal',
        name: options.name ?? 'test-token',
        description: null,
        userId: options.userId,
        scopes: [...options.scopes],
        expiresAt: options.expiresAt ?? null,
        token,
      }),
      token,
    };
  }

  /** Stores a token record for a freshly generated value. */
  insertToken(
    fields: Omit<
      GitLabAccessToken,
      'id' | 'revoked' | 'createdAt' | 'lastUsedAt' | 'tokenDigest'
    > & { token: string },
  ): GitLabAccessToken {
    const { token, ...rest } = fields;
    const digest = tokenDigest(token);
    for (const existing of this.tokens.values()) {
      if (existing.tokenDigest === digest) {
        throw new Error('Token value already in use');
      }
    }
    const record: GitLabAccessToken = {
      ...rest,
      id: this.nextId('tokens'),
      revoked: false,
      createdAt: new Date().toISOString(),
      lastUsedAt: null,
      tokenDigest: digest,
    };
    this.tokens.set(record.id, record);
    return record;
  }

  /** Looks a token up by its secret value. */
  findTokenByValue(token: string): GitLabAccessToken | undefined {
    const digest = tokenDigest(token);
    for (const record of this.tokens.values()) {
      if (record.tokenDigest === digest) return record;
    }
    return undefined;
  }

  /** Looks a deploy token up by its secret value. */
  findDeployTokenByValue(token: string): GitLabDeployToken | undefined {
    const digest = tokenDigest(token);
    for (const record of this.deployTokens.values()) {
      if (record.tokenDigest === digest) return record;
    }
    return undefined;
  }

  /** Registers an OAuth application and returns it with its one-time secret. */
  addOAuthApplication(options: {
    name: string;
    redirectUris: string[];
    scopes: string[];
    confidential: boolean;
  }): { application: GitLabOAuthApplication; secret: string } {
    // GitLab's application ids and secrets are 64 hex characters; secrets carry `gloas-` since 17.x.
    const secret = `gloas-${randomBytes(32).toString('hex')}`;
    const application: GitLabOAuthApplication = {
      id: this.nextId('oauth_applications'),
      name: options.name,
      uid: randomBytes(32).toString('hex'),
      secretDigest: tokenDigest(secret),
      redirectUris: [...options.redirectUris],
      scopes: [...options.scopes],
      confidential: options.confidential,
      createdAt: new Date().toISOString(),
    };
    this.oauthApplications.set(application.id, application);
    return { application, secret };
  }

  /** Finds an OAuth application by its client id. */
  findOAuthApplication(uid: string): GitLabOAuthApplication | undefined {
    for (const app of this.oauthApplications.values()) {
      if (app.uid === uid) return app;
    }
    return undefined;
  }

  /** Issues an OAuth access token and refresh token pair (values returned once). */
  issueOAuthToken(options: {
    applicationId: number;
    userId: number;
    scopes: string[];
  }): { record: GitLabOAuthToken; token: string; refreshToken: string } {
    const token = randomBytes(32).toString('hex');
    const refreshToken = randomBytes(32).toString('hex');
    const record: GitLabOAuthToken = {
      id: this.nextId('oauth_access_tokens'),
      applicationId: options.applicationId,
      userId: options.userId,
      scopes: [...options.scopes],
      tokenDigest: tokenDigest(token),
      refreshTokenDigest: tokenDigest(refreshToken),
      expiresAt: Date.now() + OAUTH_TOKEN_LIFETIME_SECONDS * 1000,
      revoked: false,
      createdAt: new Date().toISOString(),
    };
    this.oauthTokens.set(record.id, record);
    return { record, token, refreshToken };
  }

  /** Looks an OAuth access token up by its value (or, with `refresh`, by its refresh token). */
  findOAuthToken(
    value: string,
    kind: 'access' | 'refresh' = 'access',
  ): GitLabOAuthToken | undefined {
    const digest = tokenDigest(value);
    for (const record of this.oauthTokens.values()) {
      const candidate =
        kind === 'access' ? record.tokenDigest : record.refreshTokenDigest;
      if (candidate === digest) return record;
    }
    return undefined;
  }

  /** Starts a browser session for a user and returns the `_gitlab_session` cookie value. */
  createSession(userId: number): string {
    const value = randomBytes(16).toString('hex');
    this.sessions.set(tokenDigest(value), userId);
    return value;
  }

  /** The user of a browser session cookie value. */
  sessionUser(value: string | undefined): GitLabUser | undefined {
    if (!value) return undefined;
    const userId = this.sessions.get(tokenDigest(value));
    return userId === undefined ? undefined : this.users.get(userId);
  }

  /** `group/subgroup` style full path of a namespace. */
  namespaceFullPath(ns: GitLabNamespace): string {
    const parts = [ns.path];
    let parent = ns.parentId ? this.namespaces.get(ns.parentId) : undefined;
    while (parent) {
      parts.unshift(parent.path);
      parent = parent.parentId
        ? this.namespaces.get(parent.parentId)
        : undefined;
    }
    return parts.join('/');
  }

  /** `Group / Subgroup` style full name of a namespace. */
  namespaceFullName(ns: GitLabNamespace): string {
    const parts = [ns.name];
    let parent = ns.parentId ? this.namespaces.get(ns.parentId) : undefined;
    while (parent) {
      parts.unshift(parent.name);
      parent = parent.parentId
        ? this.namespaces.get(parent.parentId)
        : undefined;
    }
    return parts.join(' / ');
  }

  /** Ids of a namespace and all namespaces nested in it. */
  namespaceAndDescendants(id: number): Set<number> {
    const ids = new Set([id]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const ns of this.namespaces.values()) {
        if (ns.parentId !== null && ids.has(ns.parentId) && !ids.has(ns.id)) {
          ids.add(ns.id);
          grew = true;
        }
      }
    }
    return ids;
  }

  /** Finds a namespace (group or personal) by id or full path, case-insensitively as GitLab routes do. */
  findNamespace(idOrPath: string | number): GitLabNamespace | undefined {
    const raw = String(idOrPath);
    if (/^\d+$/.test(raw)) return this.namespaces.get(Number(raw));
    const wanted = raw.toLowerCase();
    for (const ns of this.namespaces.values()) {
      if (this.namespaceFullPath(ns).toLowerCase() === wanted) return ns;
    }
    return undefined;
  }

  /** Finds a group by id or full path (personal namespaces are not groups). */
  findGroup(idOrPath: string | number): GitLabNamespace | undefined {
    const ns = this.findNamespace(idOrPath);
    return ns?.kind === 'group' ? ns : undefined;
  }

  /** Adds a group below an optional parent. Validation is the caller's job. */
  addGroup(options: {
    name: string;
    path: string;
    parentId?: number | null;
    description?: string;
    visibility?: Visibility;
  }): GitLabNamespace {
    const group: GitLabNamespace = {
      id: this.nextId('namespaces'),
      kind: 'group',
      name: options.name,
      path: options.path,
      parentId: options.parentId ?? null,
      description: options.description ?? '',
      visibility: options.visibility ?? 'private',
      createdAt: new Date().toISOString(),
    };
    this.namespaces.set(group.id, group);
    return group;
  }

  /** `namespace/project` full path of a project. */
  projectFullPath(project: GitLabProject): string {
    const ns = this.namespaces.get(project.namespaceId)!;
    return `${this.namespaceFullPath(ns)}/${project.path}`;
  }

  /** Finds a project by id or full path (case-insensitive like GitLab routing). */
  findProject(idOrPath: string | number): GitLabProject | undefined {
    const raw = String(idOrPath);
    if (/^\d+$/.test(raw)) return this.projects.get(Number(raw));
    const wanted = raw.replace(/\.git$/, '').toLowerCase();
    for (const project of this.projects.values()) {
      if (this.projectFullPath(project).toLowerCase() === wanted)
        return project;
    }
    return undefined;
  }

  /** The namespace's projects, optionally including those of nested groups. */
  projectsInNamespace(
    namespaceId: number,
    includeSubgroups = false,
  ): GitLabProject[] {
    const ids = includeSubgroups
      ? this.namespaceAndDescendants(namespaceId)
      : new Set([namespaceId]);
    return [...this.projects.values()].filter(p => ids.has(p.namespaceId));
  }
}
