import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { createMetrics } from './metrics.ts';
import { healthRoutes } from './routes/health.ts';
import { helloRoutes } from './routes/hello.ts';
import type { Settings } from './settings.ts';

export interface AppOptions {
  /** Where the JSON logs go; standard output when unset. Tests pass a stream to read them. */
  logStream?: { write(line: string): void };
}

/** Paths the platform polls all the time: logged at debug so they do not drown real traffic. */
const QUIET_PATHS = new Set(['/healthz/live', '/healthz/ready', '/metrics']);

/** Route template of a request (`/api/v1/hello`), so metrics never get a label per URL. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/**
 * Logs each request once, when it completes, with its id, method, path, status and duration,
 * instead of Fastify's two lines ("incoming request", "request completed").
 */
class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const path = request.url.split('?', 1)[0] ?? request.url;
    const fields = {
      method: request.method,
      path,
      route: routeOf(request),
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) {
      reply.log.error({ ...fields, err: error }, 'request errored');
    } else if (QUIET_PATHS.has(path)) {
      reply.log.debug(fields, 'request completed');
    } else {
      reply.log.info(fields, 'request completed');
    }
  }

  /** Unknown paths: the request's line says 404 and route `unmatched`. */
  override routeNotFound(): void {}

  /** Server errors with their stack; client errors (4xx) are in the request's line already. */
  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode >= 500) {
      reply.log.error({ err: error, statusCode: reply.statusCode }, error.message);
    } else {
      reply.log.debug({ statusCode: reply.statusCode, reason: error.message }, 'request refused');
    }
  }
}

/** Builds the HTTP application; `server.ts` makes it listen. Tests use `app.inject`. */
export function buildApp(settings: Settings, options: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: {
      level: settings.logLevel,
      base: { service: settings.serviceName, pid: process.pid, hostname: hostname() },
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    logController: new RequestLogController({ requestIdLogLabel: 'requestId' }),
    // Reuse the caller's request id (set by the gateway or another service) when there is one.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // During shutdown, answer new requests with 503 and close idle keep-alive connections.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  let shuttingDown = false;
  app.addHook('preClose', async () => {
    shuttingDown = true;
  });

  const metrics = createMetrics();
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: routeOf(request),
      status_code: String(reply.statusCode),
    };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get('/metrics', async (_request, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  healthRoutes(app, { isReady: () => !shuttingDown });
  helloRoutes(app);

  return app;
}
