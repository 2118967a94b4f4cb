import { randomBytes } from 'node:crypto';
import { Role } from '../auth/access';
import { generateToken, tokenDigest } from '../GitLabStore';
import {
  ACCESS_LEVELS,
  DEPLOY_TOKEN_SCOPES,
  GitLabDeployToken,
  GitLabProject,
  TOKEN_SCOPES,
} from '../types';
import { ApiError } from './ApiError';
import type { ApiRouter, RouteContext } from './ApiRouter';

/** Project access tokens may not carry user-only scopes such as read_user. */
const PROJECT_TOKEN_SCOPES = TOKEN_SCOPES.filter(s => s !== 'read_user');

function scopes(c: RouteContext, allowed: readonly string[]): string[] {
  const value = c.params.stringArray('scopes');
  if (!value || value.length === 0) throw ApiError.missing('scopes');
  if (!value.every(s => allowed.includes(s))) {
    throw ApiError.notAllowedValue('scopes');
  }
  return value;
}

/** `YYYY-MM-DD` from a date or datetime parameter. */
function dateParam(c: RouteContext, name: string): string | undefined {
  const value = c.params.string(name);
  if (!value) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw ApiError.invalid(name);
  return date.toISOString().slice(0, 10);
}

function projectTokens(c: RouteContext, project: GitLabProject) {
  return [...c.double.store.tokens.values()].filter(
    t => t.kind === 'project' && t.projectId === project.id,
  );
}

/**
 * Deploy tokens (docs: api/deploy_tokens.md, project endpoints) and project
 * access tokens (docs: api/project_access_tokens.md). Secret values are
 * returned once, in the create response, and only their digests are kept.
 * A project access token gets its own bot user and is enforced: its scopes
 * and role apply and it cannot see other private projects.
 */
export function registerTokenRoutes(api: ApiRouter) {
  // docs: api/deploy_tokens.md#list-project-deploy-tokens
  api.get('/projects/:id/deploy_tokens', c => {
    const project = c.project(Role.Maintainer);
    const active = c.params.boolean('active');
    const list = [...c.double.store.deployTokens.values()].filter(
      t =>
        t.projectId === project.id &&
        (active === undefined || active === !t.revoked),
    );
    c.reply(
      200,
      c.paginate(list).map(t => c.entities.deployToken(t)),
    );
  });

  // docs: api/deploy_tokens.md#get-a-project-deploy-token
  api.get('/projects/:id/deploy_tokens/:token_id', c => {
    const project = c.project(Role.Maintainer);
    const token = c.double.store.deployTokens.get(
      Number(c.req.params.token_id),
    );
    if (!token || token.projectId !== project.id) {
      throw ApiError.recordNotFound();
    }
    c.reply(200, c.entities.deployToken(token));
  });

  // docs: api/deploy_tokens.md#create-a-project-deploy-token
  api.post('/projects/:id/deploy_tokens', c => {
    const project = c.project(Role.Maintainer, { write: true });
    const missing = ['name', 'scopes'].filter(n => !c.params.has(n));
    if (missing.length) throw ApiError.missing(...missing);
    const name = c.params.string('name')!;
    const tokenScopes = scopes(c, DEPLOY_TOKEN_SCOPES);
    const id = c.double.store.nextId('deploy_tokens');
    const value = generateToken('gldt-');
    const record: GitLabDeployToken = {
      id,
      projectId: project.id,
      name,
      username: c.params.string('username') || `gitlab+deploy-token-${id}`,
      scopes: tokenScopes,
      expiresAt: dateParam(c, 'expires_at') ?? null,
      revoked: false,
      createdAt: new Date().toISOString(),
      tokenDigest: tokenDigest(value),
    };
    c.double.store.deployTokens.set(id, record);
    c.reply(201, { ...c.entities.deployToken(record), token: value });
  });

  // docs: api/deploy_tokens.md#delete-a-project-deploy-token
  api.delete('/projects/:id/deploy_tokens/:token_id', c => {
    const project = c.project(Role.Maintainer, { write: true });
    const id = Number(c.req.params.token_id);
    const token = c.double.store.deployTokens.get(id);
    if (!token || token.projectId !== project.id) {
      throw ApiError.recordNotFound();
    }
    c.double.store.deployTokens.delete(id);
    c.noContent();
  });

  // docs: api/project_access_tokens.md#list-all-project-access-tokens
  api.get('/projects/:id/access_tokens', c => {
    const project = c.project(Role.Maintainer);
    const state = c.params.oneOf('state', ['active', 'inactive']);
    const list = projectTokens(c, project).filter(t => {
      if (!state) return true;
      const active = c.entities.accessToken(t).active;
      return state === 'active' ? active : !active;
    });
    c.reply(
      200,
      c.paginate(list).map(t => c.entities.accessToken(t)),
    );
  });

  // docs: api/project_access_tokens.md#get-details-on-a-project-access-token
  api.get('/projects/:id/access_tokens/:token_id', c => {
    const project = c.project(Role.Maintainer);
    const token = projectTokens(c, project).find(
      t => t.id === Number(c.req.params.token_id),
    );
    if (!token) throw ApiError.notFound();
    c.reply(200, c.entities.accessToken(token));
  });

  // docs: api/project_access_tokens.md#create-a-project-access-token
  api.post('/projects/:id/access_tokens', c => {
    const project = c.project(Role.Maintainer, { write: true });
    const missing = ['name', 'scopes'].filter(n => !c.params.has(n));
    if (missing.length) throw ApiError.missing(...missing);
    const name = c.params.string('name')!;
    const tokenScopes = scopes(c, PROJECT_TOKEN_SCOPES);
    const accessLevel = c.params.integer('access_level') ?? 40;
    if (!(ACCESS_LEVELS as readonly number[]).includes(accessLevel)) {
      throw ApiError.notAllowedValue('access_level');
    }
    // The docs: "You cannot authenticate with a project access token" here.
    if (c.principal.tokenKind === 'project') {
      throw ApiError.badRequest(
        'User does not have permission to create project access token',
      );
    }
    // Without expires_at GitLab applies the maximum lifetime (365 days).
    const expiresAt =
      dateParam(c, 'expires_at') ??
      new Date(Date.now() + 365 * 86400_000).toISOString().slice(0, 10);

    const store = c.double.store;
    const botName = `project_${project.id}_bot_${randomBytes(16).toString(
      'hex',
    )}`;
    const bot = store.addUser({
      username: botName,
      name,
      email: `${botName}@noreply.${c.double.host.split(':')[0]}`,
      bot: true,
    });
    const value = generateToken('glpat-');
    const record = store.insertToken({
      kind: 'project',
      name,
      description: c.params.string('description') ?? null,
      userId: bot.id,
      scopes: tokenScopes,
      expiresAt,
      projectId: project.id,
      accessLevel,
      token: value,
    });
    c.reply(201, { ...c.entities.accessToken(record), token: value });
  });

  // docs: api/project_access_tokens.md#revoke-a-project-access-token
  api.delete('/projects/:id/access_tokens/:token_id', c => {
    const project = c.project(Role.Maintainer, { write: true });
    const token = projectTokens(c, project).find(
      t => t.id === Number(c.req.params.token_id),
    );
    if (!token) throw ApiError.notFound();
    if (token.revoked) throw ApiError.badRequest('400 Bad request');
    token.revoked = true;
    c.noContent();
  });
}
