import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp } from './helpers.ts';

describe('GET /api/v1/hello', () => {
  let app: FastifyInstance;
  afterEach(async () => {
    await app.close();
  });

  it('greets the world by default', async () => {
    app = testApp();
    const response = await app.inject({ url: '/api/v1/hello' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Hello, world!' });
  });

  it('greets by name', async () => {
    app = testApp();
    const response = await app.inject({ url: '/api/v1/hello', query: { name: 'Ada Lovelace' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Hello, Ada Lovelace!' });
  });

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(65)],
    ['not a name', '<script>'],
  ])('refuses a name that is %s with 400', async (_case, name) => {
    app = testApp();
    const response = await app.inject({ url: '/api/v1/hello', query: { name } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });
});

describe('request logging', () => {
  let app: FastifyInstance;
  afterEach(async () => {
    await app.close();
  });

  it('logs one JSON line per request with id, method, path, status and duration', async () => {
    const lines: string[] = [];
    app = testApp({ logLevel: 'info' }, { logStream: { write: (line) => lines.push(line) } });
    await app.inject({
      url: '/api/v1/hello?name=Ada',
      headers: { 'x-request-id': 'req-42' },
    });
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const completed = entries.filter((entry) => entry.msg === 'request completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      level: 'info',
      service: 'test-service',
      requestId: 'req-42',
      method: 'GET',
      path: '/api/v1/hello',
      statusCode: 200,
    });
    expect(typeof completed[0]?.durationMs).toBe('number');
  });

  it('logs a refused or unknown request in that one line too', async () => {
    const lines: string[] = [];
    app = testApp({ logLevel: 'info' }, { logStream: { write: (line) => lines.push(line) } });
    await app.inject({ url: '/api/v1/hello?name=' });
    await app.inject({ url: '/no/such/path' });
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((entry) => [entry.msg, entry.statusCode, entry.route])).toEqual([
      ['request completed', 400, '/api/v1/hello'],
      ['request completed', 404, 'unmatched'],
    ]);
  });

  it('logs probes and scrapes at debug only', async () => {
    const lines: string[] = [];
    app = testApp({ logLevel: 'info' }, { logStream: { write: (line) => lines.push(line) } });
    await app.inject({ url: '/healthz/live' });
    await app.inject({ url: '/metrics' });
    expect(lines).toEqual([]);
  });
});
