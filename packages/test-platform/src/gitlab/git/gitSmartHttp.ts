import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { NextFunction, Request, Response } from 'express';
import { hasAnyScope, projectAccessLevel, Role } from '../auth/access';
import { authenticate } from '../auth/authenticate';
import type { DoubleContext } from '../DoubleContext';
import { gitEnvironment } from './runGit';

/** Where Debian/Ubuntu's git package installs the smart HTTP CGI. */
export const GIT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

const GIT_ROUTE =
  /^\/(.+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;
const FETCH_SCOPES = ['api', 'read_api', 'read_repository', 'write_repository'];
const PUSH_SCOPES = ['api', 'write_repository'];

function deny(res: Response, status: number, message: string) {
  if (status === 401) {
    res.set('WWW-Authenticate', 'Basic realm="GitLab"');
  }
  res.status(status).type('text/plain').send(message);
}

/**
 * Git smart HTTP for project repositories at
 * `<basePath>/<namespace>/<project>.git/{info/refs,git-upload-pack,git-receive-pack}`,
 * served by the real `git http-backend` CGI so clones and pushes exercise the
 * genuine protocol (v0/v1/v2, gzip request bodies — the CGI inflates them
 * when given `HTTP_CONTENT_ENCODING`).
 *
 * Authentication mirrors GitLab: HTTP basic auth whose password is a
 * personal/project access token (any username) or a deploy token (its own
 * username); without credentials the answer is 401 with a Basic challenge,
 * which is what makes git and isomorphic-git send their credentials. Fetch
 * needs `read_repository`, `write_repository`, `read_api` or `api`; push
 * needs `write_repository` or `api` and Developer role, else 403 with
 * GitLab's message. After a push the cached default branch is refreshed.
 */
export function createGitSmartHttpHandler(double: DoubleContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const match = GIT_ROUTE.exec(req.path);
    if (!match) {
      next();
      return;
    }
    try {
      const [, repoPath, action] = match;
      const service =
        action === 'info/refs' ? String(req.query.service ?? '') : action;
      const expectedMethod = action === 'info/refs' ? 'GET' : 'POST';
      if (
        (service !== 'git-upload-pack' && service !== 'git-receive-pack') ||
        req.method !== expectedMethod
      ) {
        // Dumb HTTP is not offered, as on GitLab.
        deny(res, 403, 'Forbidden');
        return;
      }
      const push = service === 'git-receive-pack';

      const auth = authenticate(double.store, req, { git: true });
      if (auth.kind !== 'ok' || !hasAnyScope(auth.principal, FETCH_SCOPES)) {
        deny(res, 401, 'HTTP Basic: Access denied');
        return;
      }
      const principal = auth.principal;
      const project = double.store.findProject(decodeURIComponent(repoPath));
      const level = project ? projectAccessLevel(principal, project) : 0;
      if (!project || level === Role.None) {
        deny(
          res,
          404,
          "The project you were looking for could not be found or you don't have permission to view it.",
        );
        return;
      }
      if (push) {
        if (principal.tokenKind === 'deploy') {
          deny(
            res,
            403,
            'This deploy token does not have write access to this project.',
          );
          return;
        }
        if (!hasAnyScope(principal, PUSH_SCOPES) || level < Role.Developer) {
          deny(res, 403, 'You are not allowed to push code to this project.');
          return;
        }
        if (project.archived) {
          deny(res, 403, "You can't push code to an archived project.");
          return;
        }
      } else if (project.visibility === 'private' && level < Role.Reporter) {
        deny(
          res,
          403,
          'You are not allowed to download code from this project.',
        );
        return;
      }

      const query = req.originalUrl.includes('?')
        ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
        : '';
      const env: Record<string, string> = {
        ...gitEnvironment(tmpdir()),
        GIT_PROJECT_ROOT: double.config.reposDir,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: `/${project.id}.git/${action}`,
        REQUEST_METHOD: req.method,
        QUERY_STRING: query,
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: principal.username,
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        GATEWAY_INTERFACE: 'CGI/1.1',
        SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      };
      if (req.headers['content-length']) {
        env.CONTENT_LENGTH = String(req.headers['content-length']);
      }
      if (req.headers['content-encoding']) {
        env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
      }
      if (req.headers['git-protocol']) {
        env.HTTP_GIT_PROTOCOL = String(req.headers['git-protocol']);
      }

      const run = () => runBackend(req, res, env);
      if (push) {
        // Serialised with REST writes; the cache refresh happens before the
        // response ends so a client that pushes and then calls the API sees
        // the pushed branches and default branch.
        const before = new Set(
          (await double.repository(project).listBranches()).map(b => b.name),
        );
        await double.withProjectLock(project.id, async () => {
          await run();
          const after = (await double.repository(project).listBranches()).map(
            b => b.name,
          );
          await double.syncRepository(
            project,
            after.filter(b => !before.has(b)),
          );
        });
        res.end();
      } else {
        await run();
        res.end();
      }
    } catch (error) {
      next(error);
    }
  };
}

/**
 * Runs the CGI: pipes the request body in, parses the CGI header block
 * (`Status:` and headers up to the blank line) and streams the rest. The
 * returned promise settles when the CGI has exited; the caller ends the
 * response so it can do work first.
 */
function runBackend(
  req: Request,
  res: Response,
  env: Record<string, string>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(GIT_HTTP_BACKEND, [], { env });
    let headerBuffer: Buffer | undefined = Buffer.alloc(0);
    const stderr: Buffer[] = [];

    child.stdout.on('data', (chunk: Buffer) => {
      if (!headerBuffer) {
        res.write(chunk);
        return;
      }
      headerBuffer = Buffer.concat([headerBuffer, chunk]);
      const text = headerBuffer.toString('latin1');
      let end = text.indexOf('\r\n\r\n');
      let sepLength = 4;
      if (end < 0) {
        end = text.indexOf('\n\n');
        sepLength = 2;
      }
      if (end < 0) return;
      let status = 200;
      for (const line of text.slice(0, end).split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') {
          status = parseInt(value, 10) || 200;
        } else {
          res.setHeader(name, value);
        }
      }
      res.status(status);
      const body = headerBuffer.subarray(end + sepLength);
      headerBuffer = undefined;
      res.flushHeaders();
      if (body.length) res.write(body);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.stdin.on('error', () => {
      // The CGI may exit early (e.g. on a bad request); its exit is what matters.
    });
    child.on('close', code => {
      if (headerBuffer) {
        // The CGI died before sending headers.
        if (!res.headersSent) {
          res
            .status(500)
            .type('text/plain')
            .write(
              `git http-backend failed (${code}): ${Buffer.concat(stderr)
                .toString('utf8')
                .trim()}`,
            );
        }
      }
      resolve();
    });
    // If the client disconnects mid-request, stop the CGI: otherwise it would
    // wait for more input forever (and a push would keep the project locked).
    const abort = () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    };
    req.on('close', () => {
      if (!req.complete) abort();
    });
    res.on('close', () => {
      if (!res.writableFinished) abort();
    });
    req.pipe(child.stdin);
  });
}
