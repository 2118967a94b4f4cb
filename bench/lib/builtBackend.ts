/*
 * A built Backstage backend in an image layout (ours from scripts/test.sh's image stage, the
 * stock app's from bench/stock-app.sh), started in local mode the way `yarn start` runs it:
 * `node .` in packages/backend with `--config ../../app-config.yaml` and NODE_ENV=development, on
 * a free port, serving
 * the frontend in packages/app/dist from the same origin.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const CACHE_DIR =
  process.env.CACHE_DIR ?? path.join(os.homedir(), '.cache/idp-portal');

/** Where our image layout and the stock app's are. */
export const LAYOUTS = {
  ours: process.env.PORTAL_IMAGE_DIR ?? path.join(CACHE_DIR, 'image'),
  stock:
    process.env.STOCK_IMAGE_DIR ?? path.join(CACHE_DIR, 'bench/stock-image'),
};

export function assertLayout(dir: string, hint: string) {
  const entry = path.join(dir, 'packages/backend/dist/index.cjs.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: ${hint}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface RunningBackend {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** performance.now() at spawn, and at the first 200 from the readiness check. */
  spawnedAt: number;
  readyAt: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the backend of an image layout and waits until it is ready. */
export async function startBuiltBackend(dir: string): Promise<RunningBackend> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    ['.', '--config', '../../app-config.yaml'],
    {
      cwd: path.join(dir, 'packages/backend'),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        // As `yarn start` runs it; the stock app's guest sign-in refuses to work otherwise.
        NODE_ENV: 'development',
        APP_CONFIG_backend_listen_port: String(port),
        APP_CONFIG_backend_baseUrl: baseUrl,
        // The frontend is served by the backend (app-backend), so it lives on the same origin.
        APP_CONFIG_app_baseUrl: baseUrl,
        APP_CONFIG_backend_cors_origin: baseUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const exited = new Promise<void>(resolve =>
    child.on('exit', () => resolve()),
  );
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const stop = async () => {
    if (child.exitCode === null && !child.signalCode) {
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 20_000);
      await exited;
      clearTimeout(timer);
    }
    process.off('exit', kill);
  };
  try {
    for (const deadline = Date.now() + 300_000; ; ) {
      if (child.exitCode !== null || child.signalCode)
        throw new Error(`backend in ${dir} exited:\n${output.slice(-3000)}`);
      if (output.includes('Backend startup failed'))
        throw new Error(
          `backend in ${dir} failed to start:\n${output.slice(-3000)}`,
        );
      const status = await fetch(`${baseUrl}/.backstage/health/v1/readiness`)
        .then(r => r.status)
        .catch(() => 0);
      if (status === 200) break;
      if (Date.now() > deadline)
        throw new Error(
          `backend in ${dir} not ready after 300 s:\n${output.slice(-3000)}`,
        );
      await new Promise(r => setTimeout(r, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    child,
    port,
    baseUrl,
    spawnedAt,
    readyAt: performance.now(),
    output: () => output,
    stop,
  };
}

/** The process and all its descendants (from /proc/<pid>/stat's ppid). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++)
    out.push(...(children.get(out[i]) ?? []));
  return out;
}

function rssKiB(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** VmRSS summed over the process tree, in MiB. */
export function treeRssMiB(pid: number): { mib: number; processes: number } {
  const pids = processTree(pid);
  return {
    mib: pids.reduce((sum, p) => sum + rssKiB(p), 0) / 1024,
    processes: pids.length,
  };
}

/** utime + stime of the process tree so far, in ms (USER_HZ = 100 on Linux). */
export function treeCpuMs(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return sum;
    }
  }, 0);
}
