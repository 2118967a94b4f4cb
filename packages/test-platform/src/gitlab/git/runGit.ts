import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

/** Absolute path of the git binary; the double never relies on whatever `git` is on PATH. */
export const GIT_BINARY = '/usr/bin/git';

/** Result of one git invocation. */
export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Options for {@link runGit}. */
export interface RunGitOptions {
  /** Repository (bare) directory, passed as `--git-dir`. */
  gitDir?: string;
  /** Data written to stdin. */
  input?: string | Buffer;
  /** Extra environment variables (merged over {@link gitEnvironment}). */
  env?: Record<string, string>;
  /** When false, a non-zero exit code is returned instead of thrown. Default true. */
  check?: boolean;
}

/** Error thrown by {@link runGit} for a failing command. */
export class GitCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} exited with ${code}: ${stderr.trim()}`);
    this.name = 'GitCommandError';
  }
}

/**
 * The environment every git process of the double runs with. It isolates the
 * repositories from the developer's or CI machine's global git configuration
 * (hooks, signing, templates) so behaviour is the same everywhere.
 */
export function gitEnvironment(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LANG: 'C',
    LC_ALL: 'C',
  };
}

/**
 * Runs git and collects its output. Arguments are passed as an argv array,
 * never through a shell, so user-supplied refs and paths cannot inject
 * commands; callers still reject values starting with `-` where git would
 * read them as options.
 */
export function runGit(
  args: string[],
  options: RunGitOptions = {},
): Promise<GitResult> {
  const fullArgs = options.gitDir
    ? [`--git-dir=${options.gitDir}`, ...args]
    : args;
  return new Promise((resolve, reject) => {
    const child = spawn(GIT_BINARY, fullArgs, {
      env: { ...gitEnvironment(tmpdir()), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', chunk => out.push(chunk));
    child.stderr.on('data', chunk => err.push(chunk));
    child.on('error', reject);
    // EPIPE happens when git exits before consuming all input (e.g. a bad ref);
    // the exit code carries the real error.
    child.stdin.on('error', () => {});
    child.on('close', code => {
      const result: GitResult = {
        code: code ?? 1,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (result.code !== 0 && options.check !== false) {
        reject(new GitCommandError(args, result.code, result.stderr));
      } else {
        resolve(result);
      }
    });
    child.stdin.end(options.input ?? '');
  });
}
