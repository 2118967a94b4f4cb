import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp } from './helpers.ts';

/** Value of one sample line of the Prometheus text format, 0 when the series is absent. */
function sample(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const HELLO_OK = 'http_requests_total{method="GET",route="/api/v1/hello",status_code="200"}';

describe('GET /metrics', () => {
  let app: FastifyInstance;
  afterEach(async () => {
    await app.close();
  });

  it('exposes default and HTTP metrics in the Prometheus text format', async () => {
    app = testApp();
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain('process_cpu_user_seconds_total');
    expect(response.body).toContain('nodejs_eventloop_lag_seconds');
    expect(response.body).toContain('# TYPE http_requests_total counter');
    expect(response.body).toContain('# TYPE http_request_duration_seconds histogram');
  });

  it('counts requests by route template and status', async () => {
    app = testApp();
    const before = sample((await app.inject({ url: '/metrics' })).body, HELLO_OK);
    await app.inject({ url: '/api/v1/hello?name=Ada' });
    await app.inject({ url: '/api/v1/hello?name=Grace' });
    const after = (await app.inject({ url: '/metrics' })).body;
    expect(sample(after, HELLO_OK) - before).toBe(2);
    expect(
      sample(
        after,
        'http_request_duration_seconds_count{method="GET",route="/api/v1/hello",status_code="200"}',
      ),
    ).toBe(2);
  });

  it('labels unknown paths as unmatched, not by URL', async () => {
    app = testApp();
    await app.inject({ url: '/no/such/path' });
    const body = (await app.inject({ url: '/metrics' })).body;
    expect(
      sample(body, 'http_requests_total{method="GET",route="unmatched",status_code="404"}'),
    ).toBe(1);
    expect(body).not.toContain('/no/such/path');
  });
});
