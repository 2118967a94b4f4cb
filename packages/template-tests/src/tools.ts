import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { repoRoot } from '@internal/test-platform';

/** helm, yq and uv, and the Gateway API CRDs, built by scripts/build-template-tools.sh. */
export interface TemplateTools {
  helm: string;
  yq: string;
  uv: string;
  /** PATH with the tools first. */
  path: string;
  /** The Gateway API CRD files (HTTPRoute and friends). */
  gatewayApiCrds: string[];
  /** A cache folder for uv and npm that outlives the run (reused by the next one). */
  cacheDir: string;
}

/**
 * Runs scripts/build-template-tools.sh (minutes on a machine's first run, instant after) and
 * returns where the tools are.
 */
export function templateTools(): TemplateTools {
  let dir: string;
  try {
    dir = execFileSync(
      'bash',
      [path.join(repoRoot(), 'scripts', 'build-template-tools.sh')],
      { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
    ).trim();
  } catch (error) {
    throw new Error(
      `cannot build the template tools (scripts/build-template-tools.sh): ${error}`,
    );
  }
  const bin = path.join(dir, 'bin');
  const crds = path.join(dir, 'crds');
  const cacheDir = path.join(path.dirname(dir), 'cache');
  fs.mkdirSync(cacheDir, { recursive: true });
  return {
    helm: path.join(bin, 'helm'),
    yq: path.join(bin, 'yq'),
    uv: path.join(bin, 'uv'),
    path: `${bin}${path.delimiter}${process.env.PATH}`,
    gatewayApiCrds: fs
      .readdirSync(crds)
      .filter(f => f.endsWith('.yaml'))
      .map(f => path.join(crds, f)),
    cacheDir,
  };
}

/** What a command printed and how it ended. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr, for assertion messages. */
  output: string;
}

/** Runs a command to its end (never throws on a non-zero exit). */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  return new Promise(resolve => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) {
          code =
            typeof (error as any).code === 'number' ? (error as any).code : -1;
        }
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr),
          output: `$ ${command} ${args.join(' ')}\n${stdout}\n${stderr}`,
        });
      },
    );
  });
}

/** Writes a rendered workspace (path → text) into a new temporary folder. */
export function writeTree(files: Map<string, string>, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [file, content] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

/** The files of a rendered workspace below one folder, with that folder cut off. */
export function subtree(
  files: Map<string, string>,
  folder: string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, content] of files) {
    if (file.startsWith(`${folder}/`))
      out.set(file.slice(folder.length + 1), content);
  }
  return out;
}

/** The gitlab-ci-local command line (the npm package, run by this Node). */
export function gitlabCiLocal(): string[] {
  return [process.execPath, require.resolve('gitlab-ci-local/dist/index.js')];
}
