import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Client } from 'pg';

/**
 * Helpers for end-to-end tests of the built backend (the image layout in PORTAL_IMAGE_DIR)
 * started with the production configuration against a real PostgreSQL (IDP_PG_URL).
 */
export const imageDir = process.env.PORTAL_IMAGE_DIR;
export const pgUrl = process.env.IDP_PG_URL;

/** A connection to the server's maintenance database, for checks and clean-up. */
export function adminClient(database = 'postgres') {
  const url = new URL(pgUrl!);
  url.pathname = `/${database}`;
  return new Client({ connectionString: url.toString() });
}

/** Every variable app-config.production.yaml needs, with test values; `prefix` isolates the databases. */
export function productionEnv(prefix: string, port: number): NodeJS.ProcessEnv {
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

/** One running backend process: its output so far, and a promise of its exit code. */
export interface BackendProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
  /** Complete output lines with when each arrived (production logs carry no timestamp). */
  lines: () => { at: number; text: string }[];
  /** When the process was spawned (Date.now()). */
  spawnedAt: number;
}

/**
 * Starts `node packages/backend` in the image layout with app-config.yaml,
 * app-config.production.yaml and any extra config files (absolute paths).
 */
export function startBackend(
  env: NodeJS.ProcessEnv,
  extraConfigs: string[] = [],
): BackendProcess {
  const spawnedAt = Date.now();
  const child = spawn(
    process.execPath,
    [
      'packages/backend',
      '--config',
      'app-config.yaml',
      '--config',
      'app-config.production.yaml',
      ...extraConfigs.flatMap(c => ['--config', c]),
    ],
    { cwd: imageDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const lines: { at: number; text: string }[] = [];
  const collect = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.on('data', d => {
      output += d;
      const parts = (partial + d).split('\n');
      partial = parts.pop()!;
      const at = Date.now();
      for (const text of parts) lines.push({ at, text });
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  // Never leave a backend behind when the test runner exits without cleaning up.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>(resolve =>
    child.on('exit', code => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    output: () => output,
    lines: () => lines,
    spawnedAt,
  };
}

/** Waits until the backend's readiness check answers 200; fails early if the process exits. */
export async function waitForReady(
  backend: BackendProcess,
  baseUrl: string,
  timeoutMs = 150_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (backend.child.exitCode !== null || backend.child.signalCode) {
      throw new Error(
        `backend exited (${
          backend.child.exitCode ?? backend.child.signalCode
        }):\n${backend.output()}`,
      );
    }
    // Backstage logs a failed start-up and keeps the process running, never ready.
    if (backend.output().includes('Backend startup failed')) {
      throw new Error(`backend start-up failed:\n${backend.output()}`);
    }
    const status = await fetch(`${baseUrl}/.backstage/health/v1/readiness`)
      .then(r => r.status)
      .catch(() => 0);
    if (status === 200) return;
    if (Date.now() > deadline) {
      throw new Error(
        `backend not ready after ${timeoutMs} ms:\n${backend.output()}`,
      );
    }
    await new Promise(r => setTimeout(r, 200));
  }
}

/** The process's resident set size in MiB, from /proc/<pid>/status (Linux). */
export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kb / 1024;
}

/** Stops a backend with SIGTERM (if still running) and waits for it to exit. */
export async function stop(child: ChildProcess, exited: Promise<unknown>) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  await exited;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Drops every database whose name starts with `prefix` (the plugins' databases of one test). */
export async function dropDatabases(prefix: string) {
  const db = adminClient();
  await db.connect();
  try {
    const { rows } = await db.query(
      // (starts_with, not LIKE: the prefix's underscores would be wildcards)
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    for (const { datname } of rows) {
      await db.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await db.end();
  }
}
