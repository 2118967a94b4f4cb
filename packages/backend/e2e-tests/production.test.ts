import { test, expect } from '@playwright/test';
import {
  adminClient,
  dropDatabases,
  freePort,
  imageDir,
  pgUrl,
  productionEnv,
  startBackend,
  stop,
  waitForReady,
} from './productionBackend';

/**
 * The built backend (image layout, PORTAL_IMAGE_DIR) started with the production
 * configuration: it refuses to start without its variables and, given them and a real
 * PostgreSQL (IDP_PG_URL), serves its health check with guest sign-in switched off.
 */
test.skip(
  !imageDir || !pgUrl,
  'needs PORTAL_IMAGE_DIR and IDP_PG_URL: run scripts/test.sh',
);

test('a missing required variable stops start-up and is named', async () => {
  const env = productionEnv('prod_missing_', 7017);
  delete env.POSTGRES_PASSWORD;
  const started = Date.now();
  const { exited, output } = startBackend(env);
  const code = await exited;
  expect(code).toBe(78);
  expect(output()).toContain(
    'Missing required environment variable: POSTGRES_PASSWORD',
  );
  expect(output()).toContain(
    'used by backend.database.connection.password in app-config.production.yaml',
  );
  // Fails fast: before any plugin starts.
  expect(Date.now() - started).toBeLessThan(15_000);
});

test('the production configuration starts on PostgreSQL, with guest sign-in off', async () => {
  test.setTimeout(180_000);
  const prefix = `prod_${Date.now()}_`;
  // A free port: a fixed one may be taken by another backend on the machine.
  const port = await freePort();
  const backend = startBackend(productionEnv(prefix, port));
  const base = `http://localhost:${port}`;
  try {
    await waitForReady(backend, base);

    // The catalog refuses anonymous callers; the guest provider is not even loaded.
    expect((await fetch(`${base}/api/catalog/entities`)).status).toBe(401);
    expect((await fetch(`${base}/api/auth/guest/refresh`)).status).toBe(404);
    // GitLab sign-in is offered (it redirects to the configured GitLab under its sub-path).
    const gitlab = await fetch(`${base}/api/auth/gitlab/start?env=production`, {
      redirect: 'manual',
    });
    expect(gitlab.status).toBe(302);
    expect(gitlab.headers.get('location')).toMatch(
      /^https:\/\/gitlab\.acme\.example\/gitlab\/oauth\/authorize\?/,
    );

    // The plugins really use PostgreSQL.
    const db = adminClient();
    await db.connect();
    try {
      const { rows } = await db.query(
        'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
        [prefix],
      );
      expect(rows.map(r => r.datname)).toContain(`${prefix}catalog`);
    } finally {
      await db.end();
    }
  } finally {
    await stop(backend.child, backend.exited);
    await dropDatabases(prefix);
  }
});
