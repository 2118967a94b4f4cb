import type { IncomingMessage } from 'node:http';
import { GitLabStore, isExpired } from '../GitLabStore';
import { GitLabUser } from '../types';

/** Who is calling, resolved from the request's token. */
export interface Principal {
  /** The user (a bot user for project access tokens); undefined for deploy tokens. */
  user?: GitLabUser;
  /** Name git sees as REMOTE_USER. */
  username: string;
  scopes: string[];
  tokenKind: 'personal' | 'project' | 'deploy' | 'oauth';
  tokenId: number;
  /** Project access tokens and deploy tokens only work on this project. */
  projectId?: number;
  /** Role of a project access token's bot in its project. */
  accessLevel?: number;
}

/** Outcome of {@link authenticate}: no credentials, bad credentials, or a principal. */
export type AuthResult =
  | { kind: 'anonymous' }
  | { kind: 'invalid' }
  | { kind: 'ok'; principal: Principal };

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The credentials GitLab accepts: `PRIVATE-TOKEN` header, `Authorization:
 * Bearer`, the `private_token`/`access_token` query parameters, and — for
 * git over HTTP only — basic auth where the password is the token (the
 * username is only checked for deploy tokens; git clients typically send
 * `oauth2`). The REST API does not take basic auth, so there it counts as
 * invalid credentials. `oauth` tells whether the transport is one GitLab
 * reads OAuth access tokens from (Bearer, `access_token`, git's basic auth);
 * `PRIVATE-TOKEN` and `private_token` only carry access tokens.
 */
function credentials(
  req: IncomingMessage,
  allowBasic: boolean,
): { token: string; username?: string; oauth: boolean } | undefined {
  const privateToken = header(req, 'private-token');
  if (privateToken) return { token: privateToken.trim(), oauth: false };
  const authorization = header(req, 'authorization');
  if (authorization) {
    const [scheme, value = ''] = authorization.split(/\s+/, 2);
    if (/^bearer$/i.test(scheme)) return { token: value, oauth: true };
    if (/^basic$/i.test(scheme) && allowBasic) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return { token: '', oauth: false };
      return {
        username: decoded.slice(0, colon),
        token: decoded.slice(colon + 1),
        oauth: true,
      };
    }
    return { token: '', oauth: false };
  }
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const privateQuery = query.get('private_token');
  if (privateQuery) return { token: privateQuery, oauth: false };
  const accessQuery = query.get('access_token');
  if (accessQuery) return { token: accessQuery, oauth: true };
  return undefined;
}

/**
 * Resolves the request's token. Revoked and expired tokens, tokens of
 * deleted projects and unknown values are all "invalid" (GitLab answers 401
 * for each). With `git` set, basic auth and deploy tokens are accepted too,
 * as GitLab does for git over HTTP (but not for the REST API).
 */
export function authenticate(
  store: GitLabStore,
  req: IncomingMessage,
  options: { git?: boolean } = {},
): AuthResult {
  const creds = credentials(req, options.git ?? false);
  if (!creds) return { kind: 'anonymous' };
  if (!creds.token) return { kind: 'invalid' };

  const token = store.findTokenByValue(creds.token);
  if (token) {
    const user = store.users.get(token.userId);
    if (!user || token.revoked || isExpired(token.expiresAt)) {
      return { kind: 'invalid' };
    }
    if (token.projectId !== undefined && !store.projects.has(token.projectId)) {
      return { kind: 'invalid' };
    }
    token.lastUsedAt = new Date().toISOString();
    return {
      kind: 'ok',
      principal: {
        user,
        username: user.username,
        scopes: token.scopes,
        tokenKind: token.kind,
        tokenId: token.id,
        projectId: token.projectId,
        accessLevel: token.accessLevel,
      },
    };
  }

  // OAuth access tokens of "Sign in with GitLab" applications (docs: api/oauth2.md#access-gitlab-api-with-access-token).
  const oauth = creds.oauth
    ? store.findOAuthToken(creds.token, 'access')
    : undefined;
  if (oauth) {
    const user = store.users.get(oauth.userId);
    if (!user || oauth.revoked || oauth.expiresAt <= Date.now()) {
      return { kind: 'invalid' };
    }
    return {
      kind: 'ok',
      principal: {
        user,
        username: user.username,
        scopes: oauth.scopes,
        tokenKind: 'oauth',
        tokenId: oauth.id,
      },
    };
  }

  if (options.git) {
    const deploy = store.findDeployTokenByValue(creds.token);
    if (
      deploy &&
      !deploy.revoked &&
      !isExpired(deploy.expiresAt) &&
      store.projects.has(deploy.projectId) &&
      creds.username === deploy.username
    ) {
      return {
        kind: 'ok',
        principal: {
          username: deploy.username,
          scopes: deploy.scopes,
          tokenKind: 'deploy',
          tokenId: deploy.id,
          projectId: deploy.projectId,
        },
      };
    }
  }
  return { kind: 'invalid' };
}
