import { promises as fs } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProject } from './api/projectRoutes';
import { Params } from './api/Params';
import { pathRules } from './api/pathRules';
import { createApp } from './createApp';
import { DoubleContext } from './DoubleContext';
import { FaultInjector } from './FaultInjector';
import { GitLabStore } from './GitLabStore';
import { SESSION_COOKIE } from './oauth/oauthRoutes';
import {
  GitLabAccessToken,
  GitLabDeployToken,
  GitLabNamespace,
  GitLabOAuthToken,
  GitLabProject,
  GitLabUser,
  RequestLogEntry,
  Visibility,
} from './types';

/** Options of {@link startGitLabDouble}. */
export interface GitLabDoubleOptions {
  /**
   * Serve the instance under a sub-path like a self-hosted GitLab at
   * `https://example.com/gitlab`: API at `<url>/gitlab/api/v4`, git at
   * `<url>/gitlab/<group>/<project>.git`. Default '' (root).
   */
  basePath?: string;
  /**
   * Directory for the bare repositories (`<dataDir>/repositories/<id>.git`).
   * Default: a fresh temp directory that `stop()` removes; a given directory
   * is left in place.
   */
  dataDir?: string;
  /** Value of the root user's token (all scopes). Default: a random `glpat-…`. */
  rootToken?: string;
  /**
   * Protect the default branch when it first appears (push or initial
   * commit) with Maintainer push/merge and no force push — GitLab's default
   * ("fully protected"). Default true; note that protecting that branch
   * again through the API then fails with 409, as on GitLab.
   */
  protectDefaultBranch?: boolean;
}

/** A project as seen in {@link GitLabDoubleState} (a copy; mutating it has no effect). */
export type GitLabProjectSnapshot = Omit<GitLabProject, 'gitDir'> & {
  fullPath: string;
  gitDir: string;
};

/** A group or personal namespace as seen in {@link GitLabDoubleState}. */
export type GitLabNamespaceSnapshot = GitLabNamespace & { fullPath: string };

/** An access token record without its digest. */
export type GitLabTokenSnapshot = Omit<GitLabAccessToken, 'tokenDigest'>;

/** An OAuth access token record without its digests. */
export type GitLabOAuthTokenSnapshot = Omit<
  GitLabOAuthToken,
  'tokenDigest' | 'refreshTokenDigest'
>;

/** A deploy token record without its digest. */
export type GitLabDeployTokenSnapshot = Omit<GitLabDeployToken, 'tokenDigest'>;

/**
 * Read-only view of the double's state for assertions. Every method returns
 * copies; git data (branches, files) is read from the bare repositories.
 */
export interface GitLabDoubleState {
  /** Every request so far (method, path relative to basePath, status); never token values or query strings. */
  readonly requests: readonly RequestLogEntry[];
  /** Empties the request log. */
  clearRequests(): void;
  /** Unexpected server errors (answered 500), for debugging. */
  readonly errors: readonly unknown[];
  /** All users, including the bot users of project access tokens. */
  users(): GitLabUser[];
  /** Groups only (not personal namespaces). */
  groups(): GitLabNamespaceSnapshot[];
  /** A group by id or full path. */
  group(idOrPath: string | number): GitLabNamespaceSnapshot | undefined;
  /** All projects with their variables, protected branches, merge requests and members. */
  projects(): GitLabProjectSnapshot[];
  /** A project by id or full path. */
  project(idOrPath: string | number): GitLabProjectSnapshot | undefined;
  /** Personal and project access tokens (including revoked ones). */
  tokens(): GitLabTokenSnapshot[];
  /** Deploy tokens of all projects. */
  deployTokens(): GitLabDeployTokenSnapshot[];
  /** OAuth access tokens issued through `/oauth/token` (including revoked ones). */
  oauthTokens(): GitLabOAuthTokenSnapshot[];
  /** Branch name -> commit sha, read from the project's bare repository. */
  branches(project: string | number): Promise<Record<string, string>>;
  /** A file's content at a ref (default branch by default), or undefined. */
  readFile(
    project: string | number,
    path: string,
    ref?: string,
  ): Promise<string | undefined>;
}

/** Options of {@link GitLabDouble.createToken}. */
export interface CreateTokenOptions {
  /** Owner (username or id). Default: the root user. */
  user?: string | number;
  /** Default: `['api']`. */
  scopes?: string[];
  /** Token name shown in listings. */
  name?: string;
  /** `YYYY-MM-DD`; the token is rejected from that day on. */
  expiresAt?: string | null;
  /** Use this value instead of a random `glpat-…` one. */
  token?: string;
}

/** Options of {@link GitLabDouble.addGroup}. */
export interface AddGroupOptions {
  /** URL path segment of the group. */
  path: string;
  /** Display name; defaults to `path`. */
  name?: string;
  /** Full path of the parent group. */
  parent?: string;
  visibility?: Visibility;
  description?: string;
}

/** Options of {@link GitLabDouble.addProject}, named like `POST /projects` parameters. */
export interface AddProjectOptions {
  /** Full path of the group or personal namespace. Default: the owner's personal namespace. */
  namespace?: string;
  /** Project path; required (the name defaults to it). */
  path: string;
  name?: string;
  description?: string;
  visibility?: Visibility;
  /** Default `main`. */
  default_branch?: string;
  /** Write an initial commit with README.md (default false: empty repository). */
  initialize_with_readme?: boolean;
  topics?: string[];
  /** Creator (username or id). Default: root. */
  owner?: string | number;
}

/** Options of {@link GitLabDouble.addOAuthApplication}. */
export interface AddOAuthApplicationOptions {
  /** Redirect URI(s) the application may use, matched exactly (e.g. Backstage's `.../api/auth/gitlab/handler/frame`). */
  redirectUri: string | string[];
  /** Scopes the application may request. Default `['read_user']`, what Backstage's GitLab sign-in asks for. */
  scopes?: string[];
  /** Default `Backstage`. */
  name?: string;
  /** Confidential applications must send their secret to `/oauth/token`. Default true. */
  confidential?: boolean;
}

/** What GitLab shows once after registering an OAuth application. */
export interface GitLabOAuthApplicationCredentials {
  /** The client id ("Application ID"). */
  applicationId: string;
  /** The client secret. */
  secret: string;
}

/** A running GitLab test double. */
export interface GitLabDouble {
  /** Server origin, e.g. `http://127.0.0.1:41234` (no base path). */
  readonly url: string;
  /** Instance root as clients configure it: `url` + `basePath` (gitbeaker's `host`, Backstage's `baseUrl`). */
  readonly baseUrl: string;
  /** REST API root: `baseUrl` + `/api/v4`. */
  readonly apiBaseUrl: string;
  /** `127.0.0.1:<port>`, the `host` of a Backstage GitLab integration. */
  readonly host: string;
  /** The port the server listens on (chosen by the OS). */
  readonly port: number;
  /** The normalised base path ('' or e.g. '/gitlab'). */
  readonly basePath: string;
  /** Where the bare repositories live. */
  readonly dataDir: string;
  /** The administrator account (`root`). */
  readonly rootUser: GitLabUser;
  /** A token of `root` with every scope. */
  readonly rootToken: string;
  /** Read-only state and request log for assertions. */
  readonly state: GitLabDoubleState;
  /** Fault injection rules (latency, 5xx, 429 + Retry-After, connection reset). */
  readonly faults: FaultInjector;
  /** Adds a user (with a personal namespace). */
  addUser(options: {
    username: string;
    name?: string;
    email?: string;
    isAdmin?: boolean;
  }): GitLabUser;
  /** Creates a personal access token and returns its value. */
  createToken(options?: CreateTokenOptions): string;
  /** Revokes a token by value (personal, project or deploy token). */
  revokeToken(token: string): void;
  /**
   * Registers an OAuth application for "Sign in with GitLab" (the `/oauth/authorize`,
   * `/oauth/token` and `/oauth/revoke` endpoints) and returns its id and secret.
   */
  addOAuthApplication(
    options: AddOAuthApplicationOptions,
  ): GitLabOAuthApplicationCredentials;
  /**
   * A `Cookie` header value for a browser signed in to the double as the user (username or id),
   * which `/oauth/authorize` needs; without it GitLab redirects to its sign-in page.
   */
  signInCookie(user: string | number): string;
  /** Seeds a group (validated like the API). */
  addGroup(options: AddGroupOptions): GitLabNamespaceSnapshot;
  /** Seeds a project through the same code as `POST /projects`. */
  addProject(options: AddProjectOptions): Promise<GitLabProjectSnapshot>;
  /**
   * An entry for Backstage's `integrations.gitlab` config pointing at this double (a token
   * value, or a `${VAR}` placeholder for a config file; the root token by default).
   */
  integrationConfig(token?: string): {
    host: string;
    baseUrl: string;
    apiBaseUrl: string;
    token: string;
  };
  /** Stops the server, kills open connections and removes the temp data dir. */
  stop(): Promise<void>;
}

const ALL_SCOPES = [
  'api',
  'read_api',
  'read_user',
  'read_repository',
  'write_repository',
];

function normalizeBasePath(basePath: string | undefined): string {
  if (!basePath || basePath === '/') return '';
  const trimmed = `/${basePath.replace(/^\/+|\/+$/g, '')}`;
  if (/\/(api|-)(\/|$)/.test(trimmed)) {
    throw new Error(`basePath ${basePath} would shadow GitLab routes`);
  }
  return trimmed;
}

function snapshotNamespace(
  store: GitLabStore,
  ns: GitLabNamespace,
): GitLabNamespaceSnapshot {
  return { ...structuredClone(ns), fullPath: store.namespaceFullPath(ns) };
}

function snapshotProject(
  store: GitLabStore,
  project: GitLabProject,
): GitLabProjectSnapshot {
  return {
    ...structuredClone(project),
    fullPath: store.projectFullPath(project),
  };
}

/**
 * Starts an in-process GitLab REST API v4 test double with real git
 * repositories, listening on 127.0.0.1 on a free port.
 *
 * It serves the endpoints Backstage's GitLab integrations use (users,
 * groups, namespaces, projects, repository tree/files/commits, branches,
 * protected branches, CI/CD variables, deploy tokens, project access tokens,
 * merge requests) with GitLab's field names, status codes, error bodies,
 * pagination and token scope rules, GitLab as an OAuth 2 provider for
 * "Sign in with GitLab" (`/oauth/authorize`, `/oauth/token`, `/oauth/revoke`;
 * see {@link GitLabDouble.addOAuthApplication}), plus git smart HTTP through
 * `git http-backend`, so `git clone`/`git push` and isomorphic-git work
 * against the same repositories the API reads.
 *
 * @example
 * ```ts
 * const gitlab = await startGitLabDouble({ basePath: '/gitlab' });
 * const api = new Gitlab({ host: gitlab.baseUrl, token: gitlab.rootToken });
 * // ...
 * await gitlab.stop();
 * ```
 */
export async function startGitLabDouble(
  options: GitLabDoubleOptions = {},
): Promise<GitLabDouble> {
  const basePath = normalizeBasePath(options.basePath);
  const ownsDataDir = !options.dataDir;
  const dataDir =
    options.dataDir ?? (await fs.mkdtemp(join(tmpdir(), 'gitlab-double-')));
  const reposDir = join(dataDir, 'repositories');
  await fs.mkdir(reposDir, { recursive: true });

  const double = new DoubleContext({
    basePath,
    reposDir,
    protectDefaultBranch: options.protectDefaultBranch ?? true,
  });
  const store = double.store;
  const faults = new FaultInjector();
  const rootUser = store.addUser({
    username: 'root',
    name: 'Administrator',
    email: 'admin@example.com',
    isAdmin: true,
  });
  const { token: rootToken } = store.createPersonalToken({
    userId: rootUser.id,
    scopes: ALL_SCOPES,
    name: 'root-token',
    token: options.rootToken,
  });

  const server: Server = createServer(createApp(double, faults));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    if (ownsDataDir) await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  double.origin = `http://127.0.0.1:${port}`;

  const userOf = (ref: string | number | undefined) => {
    const user = ref === undefined ? rootUser : store.findUser(ref);
    if (!user) throw new Error(`Unknown user ${ref}`);
    return user;
  };
  const projectOf = (ref: string | number) => {
    const project = store.findProject(ref);
    if (!project) throw new Error(`Unknown project ${ref}`);
    return project;
  };

  const state: GitLabDoubleState = {
    requests: store.requests,
    clearRequests: () => {
      store.requests.length = 0;
    },
    errors: double.errors,
    users: () => [...store.users.values()].map(u => structuredClone(u)),
    groups: () =>
      [...store.namespaces.values()]
        .filter(ns => ns.kind === 'group')
        .map(ns => snapshotNamespace(store, ns)),
    group: ref => {
      const ns = store.findGroup(ref);
      return ns ? snapshotNamespace(store, ns) : undefined;
    },
    projects: () =>
      [...store.projects.values()].map(p => snapshotProject(store, p)),
    project: ref => {
      const p = store.findProject(ref);
      return p ? snapshotProject(store, p) : undefined;
    },
    tokens: () =>
      [...store.tokens.values()].map(({ tokenDigest: _d, ...t }) =>
        structuredClone(t),
      ),
    deployTokens: () =>
      [...store.deployTokens.values()].map(({ tokenDigest: _d, ...t }) =>
        structuredClone(t),
      ),
    oauthTokens: () =>
      [...store.oauthTokens.values()].map(
        ({ tokenDigest: _d, refreshTokenDigest: _r, ...t }) =>
          structuredClone(t),
      ),
    branches: async ref => {
      const branches = await double.repository(projectOf(ref)).listBranches();
      return Object.fromEntries(branches.map(b => [b.name, b.commit.id]));
    },
    readFile: async (ref, path, gitRef) => {
      const project = projectOf(ref);
      const file = await double
        .repository(project)
        .readFile(gitRef ?? project.defaultBranch, path);
      return file?.content.toString('utf8');
    },
  };

  let stopped = false;
  return {
    url: double.origin,
    baseUrl: double.baseUrl,
    apiBaseUrl: double.apiUrl,
    host: double.host,
    port,
    basePath,
    dataDir,
    rootUser: structuredClone(rootUser),
    rootToken,
    state,
    faults,
    addUser: userOptions =>
      structuredClone(store.addUser({ ...userOptions, bot: false })),
    createToken: (tokenOptions = {}) =>
      store.createPersonalToken({
        userId: userOf(tokenOptions.user).id,
        scopes: tokenOptions.scopes ?? ['api'],
        name: tokenOptions.name,
        expiresAt: tokenOptions.expiresAt,
        token: tokenOptions.token,
      }).token,
    revokeToken: token => {
      const record =
        store.findTokenByValue(token) ?? store.findDeployTokenByValue(token);
      if (!record) throw new Error('Unknown token');
      record.revoked = true;
    },
    addOAuthApplication: appOptions => {
      const { application, secret } = store.addOAuthApplication({
        name: appOptions.name ?? 'Backstage',
        redirectUris: [appOptions.redirectUri].flat(),
        scopes: appOptions.scopes ?? ['read_user'],
        confidential: appOptions.confidential ?? true,
      });
      return { applicationId: application.uid, secret };
    },
    signInCookie: ref =>
      `${SESSION_COOKIE}=${store.createSession(userOf(ref).id)}`,
    addGroup: groupOptions => {
      const parent = groupOptions.parent
        ? store.findGroup(groupOptions.parent)
        : undefined;
      if (groupOptions.parent && !parent) {
        throw new Error(`Unknown parent group ${groupOptions.parent}`);
      }
      const errors = pathRules.namespace(groupOptions.path);
      if (errors.length) {
        throw new Error(`Invalid group path ${groupOptions.path}: ${errors}`);
      }
      const fullPath = parent
        ? `${store.namespaceFullPath(parent)}/${groupOptions.path}`
        : groupOptions.path;
      if (store.findNamespace(fullPath)) {
        throw new Error(`Namespace ${fullPath} already exists`);
      }
      const group = store.addGroup({
        name: groupOptions.name ?? groupOptions.path,
        path: groupOptions.path,
        parentId: parent?.id ?? null,
        visibility: groupOptions.visibility,
        description: groupOptions.description,
      });
      return snapshotNamespace(store, group);
    },
    addProject: async ({ namespace, owner, ...params }) => {
      const creator = userOf(owner);
      const ns = namespace
        ? store.findNamespace(namespace)
        : store.namespaces.get(creator.namespaceId!);
      if (!ns) throw new Error(`Unknown namespace ${namespace}`);
      const project = await createProject(
        double,
        creator,
        new Params({ ...params, namespace_id: ns.id }),
      );
      return snapshotProject(store, project);
    },
    integrationConfig: token => ({
      host: double.host,
      baseUrl: double.baseUrl,
      apiBaseUrl: double.apiUrl,
      token: token ?? rootToken,
    }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      faults.clear();
      await new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsDataDir) {
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
