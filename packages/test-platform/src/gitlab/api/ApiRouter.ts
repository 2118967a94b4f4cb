import express, { NextFunction, Request, Response, Router } from 'express';
import {
  canSeeNamespace,
  hasAnyScope,
  projectAccessLevel,
  Role,
} from '../auth/access';
import { authenticate, Principal } from '../auth/authenticate';
import type { DoubleContext } from '../DoubleContext';
import { GitLabNamespace, GitLabProject, GitLabUser } from '../types';
import { ApiError } from './ApiError';
import { Entities } from './Entities';
import { paginate } from './paginate';
import { Params } from './Params';

/** What a route handler gets: the authenticated caller plus lookup helpers that answer GitLab's 404/403s. */
export class RouteContext {
  readonly params: Params;

  constructor(
    readonly double: DoubleContext,
    readonly entities: Entities,
    readonly req: Request,
    readonly res: Response,
    readonly principal: Principal,
    readonly user: GitLabUser,
  ) {
    this.params = Params.from(req);
  }

  /** Sends a JSON response. */
  reply(status: number, body: unknown): void {
    this.res.status(status).json(body);
  }

  /** Sends 204 No Content. */
  noContent(): void {
    this.res.status(204).end();
  }

  /** Applies GitLab offset pagination (headers) and returns the page. */
  paginate<T>(items: T[]): T[] {
    return paginate(this.req, this.res, items, this.double.origin);
  }

  /**
   * The project named by `:id` (numeric or URL-encoded full path). Invisible
   * projects are "404 Project Not Found" exactly like missing ones; a caller
   * below `minLevel` gets 403, and writes to archived projects are refused.
   */
  project(
    minLevel: number = Role.Guest,
    options: { write?: boolean } = {},
  ): GitLabProject {
    const project = this.double.store.findProject(this.req.params.id);
    if (!project) throw ApiError.notFound('Project');
    const level = projectAccessLevel(this.principal, project);
    if (level === Role.None) throw ApiError.notFound('Project');
    if (level < minLevel) throw ApiError.forbidden();
    if (options.write && project.archived) throw ApiError.forbidden();
    return project;
  }

  /** The group named by `:id`; invisible groups are "404 Group Not Found". */
  group(idOrPath: string = this.req.params.id): GitLabNamespace {
    const group = this.double.store.findGroup(idOrPath);
    if (!group || !canSeeNamespace(this.double.store, this.principal, group)) {
      throw ApiError.notFound('Group');
    }
    return group;
  }

  /** True when the caller may see the namespace. */
  canSee(ns: GitLabNamespace): boolean {
    return canSeeNamespace(this.double.store, this.principal, ns);
  }

  /** True when the caller may see the project. */
  canSeeProject(project: GitLabProject): boolean {
    return projectAccessLevel(this.principal, project) > Role.None;
  }
}

/** A route handler. */
export type RouteHandler = (c: RouteContext) => Promise<void> | void;

/** Options of a route. */
export interface RouteOptions {
  /**
   * Token scopes of which one is required. Defaults follow GitLab: reads
   * accept `api` or `read_api`, writes need `api`.
   */
  scopes?: string[];
}

/**
 * Registers GitLab API routes with authentication and scope checks in front
 * of every handler, and turns thrown {@link ApiError}s into responses. Route
 * matching happens before authentication, like in GitLab (an unknown route
 * is 404 even without a token).
 */
export class ApiRouter {
  readonly router: Router = express.Router();
  readonly entities: Entities;

  constructor(readonly double: DoubleContext) {
    this.entities = new Entities(double);
  }

  /** Adds a GET route. */
  get(path: string, handler: RouteHandler, options?: RouteOptions) {
    this.add('get', path, handler, options);
  }

  /** Adds a POST route. */
  post(path: string, handler: RouteHandler, options?: RouteOptions) {
    this.add('post', path, handler, options);
  }

  /** Adds a PUT route. */
  put(path: string, handler: RouteHandler, options?: RouteOptions) {
    this.add('put', path, handler, options);
  }

  /** Adds a PATCH route. */
  patch(path: string, handler: RouteHandler, options?: RouteOptions) {
    this.add('patch', path, handler, options);
  }

  /** Adds a DELETE route. */
  delete(path: string, handler: RouteHandler, options?: RouteOptions) {
    this.add('delete', path, handler, options);
  }

  private add(
    method: 'get' | 'post' | 'put' | 'patch' | 'delete',
    path: string,
    handler: RouteHandler,
    options: RouteOptions = {},
  ) {
    const required =
      options.scopes ?? (method === 'get' ? ['api', 'read_api'] : ['api']);
    this.router[method](
      path,
      async (req: Request, res: Response, next: NextFunction) => {
        try {
          const auth = authenticate(this.double.store, req);
          if (auth.kind !== 'ok' || !auth.principal.user) {
            throw ApiError.unauthorized();
          }
          if (!hasAnyScope(auth.principal, required)) {
            throw ApiError.insufficientScope(required);
          }
          await handler(
            new RouteContext(
              this.double,
              this.entities,
              req,
              res,
              auth.principal,
              auth.principal.user,
            ),
          );
        } catch (error) {
          next(error);
        }
      },
    );
  }
}
