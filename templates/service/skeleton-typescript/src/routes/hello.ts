import type { FastifyInstance } from 'fastify';

interface HelloQuery {
  name?: string;
}

/** The example endpoint: replace it with the service's own API. */
export function helloRoutes(app: FastifyInstance): void {
  app.get<{ Querystring: HelloQuery }>(
    '/api/v1/hello',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z -]*$' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { message: { type: 'string' } },
            required: ['message'],
          },
        },
      },
    },
    async (request) => ({ message: `Hello, ${request.query.name ?? 'world'}!` }),
  );
}
