import type { FastifyInstance } from 'fastify';

export interface HealthOptions {
  /** False once the service is shutting down: readiness then fails so traffic drains. */
  isReady: () => boolean;
}

const statusSchema = {
  type: 'object',
  properties: { status: { type: 'string' } },
  required: ['status'],
} as const;

/**
 * Kubernetes probes. Liveness says the process can serve at all (restart it otherwise);
 * readiness says it should get traffic now. Add checks of hard dependencies to readiness only.
 */
export function healthRoutes(app: FastifyInstance, options: HealthOptions): void {
  app.get('/healthz/live', { schema: { response: { 200: statusSchema } } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/healthz/ready',
    { schema: { response: { 200: statusSchema, 503: statusSchema } } },
    async (_request, reply) => {
      if (!options.isReady()) {
        return reply.code(503).send({ status: 'shutting down' });
      }
      return { status: 'ready' };
    },
  );
}
