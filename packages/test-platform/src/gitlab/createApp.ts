import express, { NextFunction, Request, Response } from 'express';
import { ApiError } from './api/ApiError';
import { ApiRouter } from './api/ApiRouter';
import { registerBranchRoutes } from './api/branchRoutes';
import { registerGroupRoutes } from './api/groupRoutes';
import { registerMergeRequestRoutes } from './api/mergeRequestRoutes';
import { registerProjectRoutes } from './api/projectRoutes';
import { registerRepositoryRoutes } from './api/repositoryRoutes';
import { registerTokenRoutes } from './api/tokenRoutes';
import { registerUserRoutes } from './api/userRoutes';
import { registerVariableRoutes } from './api/variableRoutes';
import type { DoubleContext } from './DoubleContext';
import type { FaultInjector } from './FaultInjector';
import { createGitSmartHttpHandler } from './git/gitSmartHttp';
import { createOAuthRouter } from './oauth/oauthRoutes';
import { RequestLogEntry } from './types';

const BODY_LIMIT = '50mb';

/** Path of a request relative to the base path, without query string, as logged and fault-matched. */
function relativePath(basePath: string, originalUrl: string): string {
  const path = originalUrl.split('?')[0];
  if (basePath && (path === basePath || path.startsWith(`${basePath}/`))) {
    return path.slice(basePath.length) || '/';
  }
  return path;
}

function kindOf(path: string): RequestLogEntry['kind'] {
  if (path.startsWith('/api/v4/')) return 'api';
  if (/\/(info\/refs|git-upload-pack|git-receive-pack)$/.test(path)) {
    return 'git';
  }
  return 'other';
}

function faultBody(status: number, body: unknown) {
  if (body !== undefined) return body;
  return {
    message: status === 429 ? 'Retry later' : `${status} Internal Server Error`,
  };
}

/** The REST API router: body parsing, all endpoint families, GitLab's 404 and error rendering. */
function createApiRouter(double: DoubleContext) {
  const api = new ApiRouter(double);
  registerUserRoutes(api);
  registerGroupRoutes(api);
  registerProjectRoutes(api);
  registerRepositoryRoutes(api);
  registerBranchRoutes(api);
  registerVariableRoutes(api);
  registerTokenRoutes(api);
  registerMergeRequestRoutes(api);

  const router = express.Router();
  router.use(express.json({ limit: BODY_LIMIT }));
  router.use(express.urlencoded({ extended: true, limit: BODY_LIMIT }));
  router.use(api.router);
  router.use((_req: Request, res: Response) => {
    res.status(404).json({ error: '404 Not Found' });
  });
  router.use(
    (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      if (error instanceof ApiError) {
        res.status(error.status).set(error.headers).json(error.body);
        return;
      }
      const type = (error as { type?: string })?.type;
      if (type === 'entity.parse.failed') {
        res
          .status(400)
          .json({ error: 'The provided content is not valid JSON' });
        return;
      }
      if (type === 'entity.too.large') {
        res.status(413).json({ message: '413 Request Entity Too Large' });
        return;
      }
      double.errors.push(error);
      res.status(500).json({ message: '500 Internal Server Error' });
    },
  );
  return router;
}

/**
 * Builds the express application of the double: request log and fault
 * injection in front of everything, the REST API under
 * `<basePath>/api/v4`, GitLab as an OAuth 2 provider under `<basePath>/oauth`,
 * git smart HTTP under `<basePath>/`, and plain 404s
 * elsewhere (including requests that miss the base path).
 */
export function createApp(double: DoubleContext, faults: FaultInjector) {
  const basePath = double.config.basePath;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const started = Date.now();
    const path = relativePath(basePath, req.originalUrl);
    const entry: RequestLogEntry = {
      method: req.method,
      path,
      status: 0,
      kind: kindOf(path),
      durationMs: 0,
    };
    let logged = false;
    const log = () => {
      if (logged) return;
      logged = true;
      entry.status = res.headersSent ? res.statusCode : entry.status;
      entry.durationMs = Date.now() - started;
      double.store.requests.push(entry);
    };
    res.on('finish', log);
    res.on('close', log);

    // Rules that match on the request body need it parsed here; the API router's parsers
    // then leave the request alone (body-parser skips a request whose body was read).
    if (faults.needsBody(req.method, path)) {
      await new Promise<void>(resolve =>
        express.json({ limit: BODY_LIMIT })(req, res, () =>
          express.urlencoded({ extended: true, limit: BODY_LIMIT })(
            req,
            res,
            () => resolve(),
          ),
        ),
      );
    }
    const fault = faults.take(req.method, path, req.body);
    if (!fault) {
      next();
      return;
    }
    entry.fault = 'latency';
    if (fault.latencyMs) {
      await new Promise(resolve => setTimeout(resolve, fault.latencyMs));
    }
    if (fault.reset) {
      entry.fault = 'reset';
      req.socket.destroy();
      log();
      return;
    }
    if (fault.status) {
      entry.fault = 'status';
      if (fault.retryAfter !== undefined) {
        res.set('Retry-After', String(fault.retryAfter));
      }
      const body = faultBody(fault.status, fault.body);
      if (typeof body === 'string') {
        res.status(fault.status).type('text/plain').send(body);
      } else {
        res.status(fault.status).json(body);
      }
      return;
    }
    next();
  });

  app.use(`${basePath}/api/v4`, createApiRouter(double));
  app.use(`${basePath}/oauth`, createOAuthRouter(double));
  app.use(basePath || '/', createGitSmartHttpHandler(double));
  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('404 Not Found');
  });
  app.use(
    (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      double.errors.push(error);
      if (!res.headersSent) {
        res.status(500).type('text/plain').send('500 Internal Server Error');
      } else {
        res.end();
      }
    },
  );
  return app;
}
