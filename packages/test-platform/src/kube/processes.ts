import fs from 'node:fs';
import path from 'node:path';
import { spawn, ChildProcess } from 'node:child_process';
import { freePort } from '../net';

// The server processes the test platform starts (control plane and controllers): each logs to
// `<dir>/<name>.log`, runs with HOME set to the data folder, and is killed when the test
// process exits without stopping it.

const live = new Set<ChildProcess>();
process.once('exit', () => {
  // Last resort when a test run dies without calling stop(): never leave servers behind.
  for (const child of live) child.kill('SIGKILL');
});

/** Starts a process with its output appended to `<dir>/<name>.log`. */
export function startProcess(
  name: string,
  bin: string,
  args: string[],
  dir: string,
  env: Record<string, string | undefined> = {},
): ChildProcess {
  const log = fs.openSync(path.join(dir, `${name}.log`), 'a');
  const child = spawn(bin, args, {
    cwd: dir,
    stdio: ['ignore', log, log],
    env: { PATH: process.env.PATH, HOME: dir, ...env },
  });
  fs.closeSync(log);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise(resolve => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The last lines of a log file ('' when it does not exist). */
export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** A server process that ended before it was ready. */
export class ExitedEarlyError extends Error {}

/** Polls `check` every 200 ms until it is true; fails with `diagnostics()` on timeout. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  diagnostics: () => string = () => '',
  process?: ChildProcess,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (process && (process.exitCode !== null || process.signalCode !== null)) {
      throw new ExitedEarlyError(
        `${what}: the process exited (${
          process.exitCode ?? process.signalCode
        })\n${diagnostics()}`,
      );
    }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}\n${diagnostics()}`,
  );
}

/**
 * Starts a server on a free port and waits until it is ready. The port is free when chosen but
 * can be taken before the server binds it (parallel test workers start servers too); a server
 * that exits before it is ready is started again on another port, up to three times.
 */
export async function startOnFreePort(
  name: string,
  bin: string,
  args: (port: number) => string[],
  dir: string,
  ready: (port: number) => Promise<boolean>,
  timeoutMs: number,
  env: Record<string, string | undefined> = {},
): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = startProcess(name, bin, args(port), dir, env);
    try {
      await waitFor(
        name,
        () => ready(port),
        timeoutMs,
        () => tail(path.join(dir, `${name}.log`)),
        child,
      );
      return { child, port };
    } catch (error) {
      await stopProcess(child);
      if (!(error instanceof ExitedEarlyError) || attempt >= 3) throw error;
    }
  }
}

/** Resident memory of a running process in KiB (from /proc), or undefined. */
export function residentKiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a one-shot command (output in `<dir>/<name>.log`) and fails with its log tail unless it exits 0. */
export async function runToCompletion(
  name: string,
  bin: string,
  args: string[],
  dir: string,
  env: Record<string, string | undefined> = {},
  timeoutMs = 120_000,
): Promise<void> {
  const child = startProcess(name, bin, args, dir, env);
  const code = await new Promise<number | string | null>(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (c, signal) => {
      clearTimeout(timer);
      resolve(c ?? signal);
    });
  });
  if (code !== 0) {
    throw new Error(
      `${name} failed (${code})\n${tail(path.join(dir, `${name}.log`))}`,
    );
  }
}
