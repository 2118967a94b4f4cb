import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { healthRoutes } from '../src/routes/health.ts';
import { testApp } from './helpers.ts';

describe('health endpoints', () => {
  let app: FastifyInstance;
  afterEach(async () => {
    await app.close();
  });

  it('reports liveness', async () => {
    app = testApp();
    const response = await app.inject({ method: 'GET', url: '/healthz/live' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('reports readiness', async () => {
    app = testApp();
    const response = await app.inject({ method: 'GET', url: '/healthz/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });

  it('fails readiness once shutdown has begun', async () => {
    app = Fastify();
    healthRoutes(app, { isReady: () => false });
    const response = await app.inject({ method: 'GET', url: '/healthz/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'shutting down' });
  });

  it('echoes the caller request id, or makes one', async () => {
    app = testApp();
    const given = await app.inject({
      method: 'GET',
      url: '/healthz/live',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await app.inject({ method: 'GET', url: '/healthz/live' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
