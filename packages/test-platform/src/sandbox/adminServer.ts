import { createServer, Server } from 'node:http';
import express, { NextFunction, Request, Response } from 'express';
import type { FaultRule } from '../gitlab/FaultInjector';
import type { GitLabDouble } from '../gitlab/startGitLabDouble';
import { KubeRest } from '../kube/KubeRest';
import type { ControlPlane } from '../kube/startControlPlane';

/**
 * A fault rule as JSON: RegExps are given as their source (`pathPattern`, and
 * `{ "pattern": "..." }` for a body field), everything else as in {@link FaultRule}.
 */
export interface FaultRuleJson extends Omit<FaultRule, 'path' | 'requestBody'> {
  /** Exact path (with `*` globs), e.g. `/api/v4/projects`. */
  path?: string;
  /** RegExp source tested against the path, e.g. `/projects$`. */
  pathPattern?: string;
  /** Body fields: a string must be equal, `{ pattern }` is a RegExp source. */
  requestBody?: Record<string, string | { pattern: string }>;
}

function toRule(json: FaultRuleJson): FaultRule {
  const { path, pathPattern, requestBody, ...rest } = json;
  if (!path === !pathPattern) {
    throw new Error('give exactly one of path and pathPattern');
  }
  return {
    ...rest,
    path: pathPattern ? new RegExp(pathPattern) : path!,
    requestBody: requestBody
      ? Object.fromEntries(
          Object.entries(requestBody).map(([field, value]) => [
            field,
            typeof value === 'string' ? value : new RegExp(value.pattern),
          ]),
        )
      : undefined,
  };
}

/**
 * The sandbox's test-only admin endpoint (`--admin-port`): what an end-to-end test running in
 * another process needs to reach inside the test platform. Listens on 127.0.0.1 only, and is
 * started only when asked for; never part of a portal.
 *
 * - `POST /gitlab/faults` adds a fault rule to the GitLab double ({@link FaultRuleJson}); the
 *   answer is the rule with its `id`. `GET` lists the rules with their hits, `DELETE` removes all.
 * - `GET /gitlab` answers `{ apiBaseUrl, baseUrl, token }`: the double's REST API and its root token, for
 *   checking what exists in it through its own API.
 * - `GET /kube?apiVersion=&kind=[&namespace=][&name=|&labelSelector=]` reads the cluster as its
 *   admin: one object (404 when absent) or `{ items }`.
 */
export async function startAdminServer(options: {
  port: number;
  gitlab: GitLabDouble;
  controlPlane: ControlPlane;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const { gitlab, controlPlane } = options;
  const kube = new KubeRest(controlPlane.kubeConfig('admin'));
  const app = express();
  app.use(express.json());

  const view = (fault: ReturnType<typeof gitlab.faults.list>[number]) => ({
    id: fault.id,
    method: fault.method,
    path: String(fault.path),
    status: fault.status,
    hits: fault.hits,
    remaining: fault.remaining,
  });
  app.post('/gitlab/faults', (req: Request, res: Response) => {
    try {
      res.status(201).json(view(gitlab.faults.add(toRule(req.body))));
    } catch (e) {
      res.status(400).json({ error: (e as Error).message });
    }
  });
  app.get('/gitlab/faults', (_req: Request, res: Response) => {
    res.json(gitlab.faults.list().map(view));
  });
  app.delete('/gitlab/faults', (_req: Request, res: Response) => {
    gitlab.faults.clear();
    res.status(204).end();
  });
  app.get('/gitlab', (_req: Request, res: Response) => {
    res.json({
      apiBaseUrl: gitlab.apiBaseUrl,
      baseUrl: gitlab.baseUrl,
      token: gitlab.rootToken,
    });
  });
  app.get('/kube', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const q = req.query as Record<string, string | undefined>;
      if (!q.apiVersion || !q.kind) {
        res.status(400).json({ error: 'apiVersion and kind are required' });
        return;
      }
      if (q.name) {
        const object = await kube.get(
          q.apiVersion,
          q.kind,
          q.name,
          q.namespace,
        );
        if (object) res.json(object);
        else res.status(404).json({ error: `no ${q.kind} ${q.name}` });
        return;
      }
      const items = await kube.list(q.apiVersion, q.kind, {
        namespace: q.namespace,
        labelSelector: q.labelSelector,
      });
      res.json({ items });
    } catch (e) {
      next(e);
    }
  });

  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
