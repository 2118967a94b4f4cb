import { spawn, ChildProcess } from 'node:child_process';
import { test, expect } from '@playwright/test';
import { Client } from 'pg';

/**
 * The built backend (image layout, PORTAL_IMAGE_DIR) started with the production
 * configuration: it refuses to start without its variables and, given them and a real
 * PostgreSQL (IDP_PG_URL), serves its health check with guest sign-in switched off.
 */
const imageDir = process.env.PORTAL_IMAGE_DIR;
const pgUrl = process.env.IDP_PG_URL;
const port = 7017;

test.skip(
  !imageDir || !pgUrl,
  'needs PORTAL_IMAGE_DIR and IDP_PG_URL: run scripts/test.sh',
);

/** A connection to the server's maintenance database, for checks and clean-up. */
function adminClient() {
  const url = new URL(pgUrl!);
  url.pathname = '/postgres';
  return new Client({ connectionString: url.toString() });
}

function productionEnv(prefix: string): NodeJS.ProcessEnv {
  const pg = new URL(pgUrl!);
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORTAL_BASE_URL: `http://localhost:${port}`,
    APP_CONFIG_backend_listen: `:${port}`,
    APP_CONFIG_backend_database_prefix: prefix,
    BACKEND_SECRET: 'test-only-backend-secret-0123456789abcdef',
    POSTGRES_HOST: pg.hostname,
    POSTGRES_PORT: pg.port,
    POSTGRES_USER: decodeURIComponent(pg.username),
    POSTGRES_PASSWORD: decodeURIComponent(pg.password),
    GITLAB_HOST: 'gitlab.acme.example',
    GITLAB_BASE_URL: 'https://gitlab.acme.example/gitlab',
    GITLAB_API_BASE_URL: 'https://gitlab.acme.example/gitlab/api/v4',
    GITLAB_TOKEN: 'glpat-test-only',
    AUTH_GITLAB_CLIENT_ID: 'test-client',
    AUTH_GITLAB_CLIENT_SECRET: 'test-secret',
    K8S_CLUSTER_NAME: 'production',
    K8S_CLUSTER_URL: 'https://127.0.0.1:6443',
    K8S_CLUSTER_TOKEN: 'test-only',
    K8S_CLUSTER_CA_DATA: 'dGVzdA==',
  };
}

function startBackend(env: NodeJS.ProcessEnv) {
  const child = spawn(
    process.execPath,
    [
      'packages/backend',
      '--config',
      'app-config.yaml',
      '--config',
      'app-config.production.yaml',
    ],
    { cwd: imageDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const exited = new Promise<number | null>(resolve =>
    child.on('exit', code => resolve(code)),
  );
  return { child, exited, output: () => output };
}

async function stop(child: ChildProcess, exited: Promise<unknown>) {
  if (child.exitCode === null) child.kill('SIGTERM');
  await exited;
}

test('a missing required variable stops start-up and is named', async () => {
  const env = productionEnv('prod_missing_');
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
  const { child, exited, output } = startBackend(productionEnv(prefix));
  const base = `http://localhost:${port}`;
  try {
    await expect
      .poll(
        async () => {
          if (child.exitCode !== null) {
            throw new Error(`backend exited ${child.exitCode}:\n${output()}`);
          }
          return fetch(`${base}/.backstage/health/v1/readiness`)
            .then(r => r.status)
            .catch(() => 0);
        },
        { timeout: 150_000, intervals: [1000] },
      )
      .toBe(200);

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
        'SELECT datname FROM pg_database WHERE datname LIKE $1',
        [`${prefix}%`],
      );
      expect(rows.map(r => r.datname)).toContain(`${prefix}catalog`);
    } finally {
      await db.end();
    }
  } finally {
    await stop(child, exited);
    await dropDatabases(prefix);
  }
});

async function dropDatabases(prefix: string) {
  const db = adminClient();
  await db.connect();
  try {
    const { rows } = await db.query(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await db.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await db.end();
  }
}
