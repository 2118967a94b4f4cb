import { createHash, randomBytes } from 'node:crypto';
import express, { NextFunction, Request, Response, Router } from 'express';
import type { DoubleContext } from '../DoubleContext';
import { OAUTH_TOKEN_LIFETIME_SECONDS, tokenDigest } from '../GitLabStore';
import { GitLabOAuthApplication } from '../types';

/** GitLab's browser session cookie. */
export const SESSION_COOKIE = '_gitlab_session';

/** Authorization codes are valid for ten minutes (Doorkeeper's default, which GitLab keeps). */
const CODE_LIFETIME_MS = 10 * 60 * 1000;

/**
 * Scopes granted when a request names none: GitLab's Doorkeeper `default_scopes` (`api`), which
 * the application must then allow.
 */
const DEFAULT_SCOPES = ['api'];

/** Doorkeeper's error descriptions, which GitLab sends as they are. */
const ERRORS = {
  invalid_client:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_redirect_uri: 'The redirect URI included is not valid.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  unsupported_response_type:
    'The authorization server does not support this response type.',
  unsupported_grant_type:
    'The authorization grant type is not supported by the authorization server.',
  invalid_code_challenge_method:
    'The code challenge method must be plain or S256.',
} as const;

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return undefined;
}

function param(req: Request, name: string): string | undefined {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const value = body[name] ?? req.query[name];
  return typeof value === 'string' ? value : undefined;
}

/** Doorkeeper splits scopes on whitespace (a comma is part of an unknown scope name). */
function scopesOf(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

/** The page GitLab renders when it cannot redirect back (unknown client, bad redirect URI). */
function errorPage(res: Response, status: number, description: string) {
  res
    .status(status)
    .type('text/html')
    .send(
      `<!DOCTYPE html><html><body><h1>An error has occurred</h1><p>${description}</p></body></html>`,
    );
}

function tokenError(
  res: Response,
  status: number,
  error: keyof typeof ERRORS | 'invalid_request',
  description?: string,
) {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .json({
      error,
      error_description:
        description ?? ERRORS[error as keyof typeof ERRORS] ?? '',
    });
}

/**
 * Client authentication at the token and revoke endpoints: `client_id`/`client_secret` in the
 * body or HTTP basic auth (RFC 6749 section 2.3.1). Public (non-confidential) applications only
 * send their id.
 */
function authenticateClient(
  double: DoubleContext,
  req: Request,
): GitLabOAuthApplication | undefined {
  let id = param(req, 'client_id');
  let secret = param(req, 'client_secret');
  const authorization = req.headers.authorization ?? '';
  const basic = /^basic\s+(.+)$/i.exec(authorization);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      id = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  const application = id ? double.store.findOAuthApplication(id) : undefined;
  if (!application) return undefined;
  if (secret === undefined) {
    return application.confidential ? undefined : application;
  }
  return tokenDigest(secret) === application.secretDigest
    ? application
    : undefined;
}

function verifierMatches(
  verifier: string | undefined,
  challenge: string,
  method: 'plain' | 'S256',
): boolean {
  if (!verifier) return false;
  if (method === 'plain') return verifier === challenge;
  return (
    createHash('sha256').update(verifier).digest('base64url') === challenge
  );
}

/**
 * GitLab as an OAuth 2 provider (docs: api/oauth2.md, integration/oauth_provider.md): the
 * authorization code flow with optional PKCE, refresh tokens and revocation, which is what
 * "Sign in with GitLab" clients such as Backstage's GitLab auth provider (passport-gitlab2) use.
 *
 * - `GET /oauth/authorize`: needs a browser session (the `_gitlab_session` cookie from
 *   `GitLabDouble.signInCookie`), else redirects to `/users/sign_in` like GitLab. The consent
 *   page is skipped, as for a trusted application or one the user authorized before: it
 *   redirects straight back with `code` and `state`. An unknown client or a redirect URI that is
 *   not registered gets an error page; other errors go back to the client as `error` and
 *   `error_description` query parameters.
 * - `POST /oauth/token`: `authorization_code` (single-use code, same `redirect_uri`, PKCE
 *   verifier when a challenge was sent) and `refresh_token` grants. Answers GitLab's token
 *   response; access tokens last two hours and then get 401 from the API.
 * - `POST /oauth/revoke`: revokes an access or refresh token (RFC 7009).
 *
 * Access tokens authenticate on the REST API with `Authorization: Bearer` or `access_token`,
 * and for git over HTTP as the basic auth password, with the scopes granted.
 */
export function createOAuthRouter(double: DoubleContext): Router {
  const store = double.store;
  const router = express.Router();
  router.use(express.urlencoded({ extended: false }));
  router.use(express.json());

  router.get('/authorize', (req, res) => {
    const user = store.sessionUser(cookie(req, SESSION_COOKIE));
    if (!user) {
      res.redirect(302, `${double.baseUrl}/users/sign_in`);
      return;
    }
    const clientId = param(req, 'client_id');
    const application = clientId
      ? store.findOAuthApplication(clientId)
      : undefined;
    if (!application) {
      errorPage(res, 401, ERRORS.invalid_client);
      return;
    }
    const redirectUri = param(req, 'redirect_uri') ?? '';
    if (!application.redirectUris.includes(redirectUri)) {
      errorPage(res, 400, ERRORS.invalid_redirect_uri);
      return;
    }
    const state = param(req, 'state');
    const back = (query: Record<string, string>) => {
      const url = new URL(redirectUri);
      for (const [key, value] of Object.entries(query)) {
        url.searchParams.set(key, value);
      }
      if (state !== undefined) url.searchParams.set('state', state);
      res.redirect(302, url.toString());
    };
    const fail = (error: keyof typeof ERRORS) =>
      back({ error, error_description: ERRORS[error] });

    if (param(req, 'response_type') !== 'code') {
      fail('unsupported_response_type');
      return;
    }
    const requested = scopesOf(param(req, 'scope'));
    const scopes = requested.length ? requested : DEFAULT_SCOPES;
    if (!scopes.every(s => application.scopes.includes(s))) {
      fail('invalid_scope');
      return;
    }
    const codeChallenge = param(req, 'code_challenge');
    const method = param(req, 'code_challenge_method') ?? 'plain';
    if (codeChallenge && method !== 'plain' && method !== 'S256') {
      fail('invalid_code_challenge_method');
      return;
    }

    const code = randomBytes(32).toString('hex');
    store.oauthGrants.set(tokenDigest(code), {
      codeDigest: tokenDigest(code),
      applicationId: application.id,
      userId: user.id,
      redirectUri,
      scopes: [...new Set(scopes)],
      expiresAt: Date.now() + CODE_LIFETIME_MS,
      codeChallenge,
      codeChallengeMethod: codeChallenge
        ? (method as 'plain' | 'S256')
        : undefined,
      used: false,
    });
    back({ code });
  });

  router.post('/token', (req, res) => {
    const grantType = param(req, 'grant_type');
    if (!grantType) {
      tokenError(
        res,
        400,
        'invalid_request',
        'Missing required parameter: grant_type.',
      );
      return;
    }
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      tokenError(res, 400, 'unsupported_grant_type');
      return;
    }
    const application = authenticateClient(double, req);
    if (!application) {
      tokenError(res, 401, 'invalid_client');
      return;
    }

    let userId: number;
    let scopes: string[];
    if (grantType === 'authorization_code') {
      const code = param(req, 'code');
      if (!code) {
        tokenError(
          res,
          400,
          'invalid_request',
          'Missing required parameter: code.',
        );
        return;
      }
      const grant = store.oauthGrants.get(tokenDigest(code));
      if (
        !grant ||
        grant.used ||
        grant.expiresAt <= Date.now() ||
        grant.applicationId !== application.id ||
        grant.redirectUri !== param(req, 'redirect_uri') ||
        (grant.codeChallenge &&
          !verifierMatches(
            param(req, 'code_verifier'),
            grant.codeChallenge,
            grant.codeChallengeMethod ?? 'plain',
          ))
      ) {
        tokenError(res, 400, 'invalid_grant');
        return;
      }
      grant.used = true;
      userId = grant.userId;
      scopes = grant.scopes;
    } else {
      const refreshToken = param(req, 'refresh_token');
      const previous = refreshToken
        ? store.findOAuthToken(refreshToken, 'refresh')
        : undefined;
      if (
        !previous ||
        previous.revoked ||
        previous.applicationId !== application.id
      ) {
        tokenError(res, 400, 'invalid_grant');
        return;
      }
      // A refresh token is used once: the pair it belongs to is revoked.
      previous.revoked = true;
      userId = previous.userId;
      scopes = previous.scopes;
    }

    const issued = store.issueOAuthToken({
      applicationId: application.id,
      userId,
      scopes,
    });
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .set('Pragma', 'no-cache')
      .json({
        access_token: issued.token,
        token_type: 'Bearer',
        expires_in: OAUTH_TOKEN_LIFETIME_SECONDS,
        refresh_token: issued.refreshToken,
        scope: scopes.join(' '),
        created_at: Math.floor(Date.parse(issued.record.createdAt) / 1000),
      });
  });

  router.post('/revoke', (req, res) => {
    const application = authenticateClient(double, req);
    if (!application) {
      tokenError(res, 401, 'invalid_client');
      return;
    }
    const token = param(req, 'token') ?? '';
    const record =
      store.findOAuthToken(token, 'access') ??
      store.findOAuthToken(token, 'refresh');
    // RFC 7009: unknown tokens are not an error.
    if (record && record.applicationId === application.id) {
      record.revoked = true;
    }
    res.status(200).json({});
  });

  // A body that does not parse is a malformed request, not a server error.
  router.use(
    (error: unknown, _req: Request, res: Response, next: NextFunction) => {
      const type = (error as { type?: string })?.type;
      if (type === 'entity.parse.failed') {
        tokenError(res, 400, 'invalid_request', 'The request is malformed.');
        return;
      }
      next(error);
    },
  );

  return router;
}
