import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../paths';

/** What the `controllers` option of startControlPlane runs, and the data that matches it. */
export interface ControllerBinaries {
  /** Crossplane core (`crossplane core init` / `crossplane core start`). */
  crossplane: string;
  /** Argo CD's binary under the names it runs as (symlinks to `argocd`). */
  argocdApplicationController: string;
  argocdRepoServer: string;
  /** The folder of `argocd`: on the repo server's PATH, since git's askpass helper is `argocd`. */
  argocdBinDir: string;
  kwok: string;
  /** Debian's redis-server (Argo CD's cache). */
  redisServer: string;
  /** The platform's composition function and function-auto-ready (scripts/build-crossplane.sh). */
  functionApplicationEnvironment: string;
  functionAutoReady: string;
  /** helm, for the repo server (scripts/build-template-tools.sh). */
  helmBinDir: string;
  /** Crossplane's CRDs of the same module version as the binary. */
  crossplaneCrdDir: string;
  /** Argo CD's CRDs of the same module version as the binary. */
  argocdCrdDir: string;
  /** kwok's own default Stages of the same module version. */
  kwokStageDir: string;
  /** function-auto-ready's package metadata (package/crossplane.yaml of its module). */
  functionAutoReadyPackageDir: string;
}

function runScript(script: string): string {
  try {
    return execFileSync('bash', [path.join(repoRoot(), 'scripts', script)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    }).trim();
  } catch (error) {
    throw new Error(
      `cannot build the controllers (scripts/${script}): ${error}`,
    );
  }
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, command);
    if (dir && fs.existsSync(file)) return file;
  }
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    const file = path.join(dir, command);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Finds (and on a machine's first run builds) everything the real controllers need:
 * scripts/build-controllers.sh (Crossplane core, Argo CD, kwok, their CRDs and kwok's Stages,
 * redis-server), scripts/build-crossplane.sh (the two composition functions; ours is rebuilt
 * on every run, about a second when unchanged) and scripts/build-template-tools.sh (helm).
 * `IDP_CONTROLLERS_BIN_DIR`, `IDP_CROSSPLANE_BIN_DIR` and `IDP_TEMPLATE_TOOLS_DIR` point at
 * folders built before instead (nothing is built then).
 */
export function controllerBinaries(): ControllerBinaries {
  const bin =
    process.env.IDP_CONTROLLERS_BIN_DIR ?? runScript('build-controllers.sh');
  const functions =
    process.env.IDP_CROSSPLANE_BIN_DIR ?? runScript('build-crossplane.sh');
  const templateTools =
    process.env.IDP_TEMPLATE_TOOLS_DIR ?? runScript('build-template-tools.sh');
  const root = path.dirname(bin);
  const autoReady = fs
    .readdirSync(path.join(root, 'packages'))
    .find(f => f.startsWith('function-auto-ready-'));
  const bins: ControllerBinaries = {
    crossplane: path.join(bin, 'crossplane'),
    argocdApplicationController: path.join(
      bin,
      'argocd-application-controller',
    ),
    argocdRepoServer: path.join(bin, 'argocd-repo-server'),
    argocdBinDir: bin,
    kwok: path.join(bin, 'kwok'),
    redisServer: which('redis-server') ?? 'redis-server',
    functionApplicationEnvironment: path.join(
      functions,
      'function-applicationenvironment',
    ),
    functionAutoReady: path.join(functions, 'function-auto-ready'),
    helmBinDir: path.join(templateTools, 'bin'),
    crossplaneCrdDir: path.join(root, 'crds', 'crossplane'),
    argocdCrdDir: path.join(root, 'crds', 'argo-cd'),
    kwokStageDir: path.join(root, 'kwok', 'stages'),
    functionAutoReadyPackageDir: path.join(root, 'packages', autoReady ?? ''),
  };
  const missing = [
    bins.crossplane,
    bins.argocdApplicationController,
    bins.argocdRepoServer,
    bins.kwok,
    bins.redisServer,
    bins.functionApplicationEnvironment,
    bins.functionAutoReady,
    path.join(bins.helmBinDir, 'helm'),
    bins.crossplaneCrdDir,
    bins.argocdCrdDir,
    bins.kwokStageDir,
    path.join(bins.functionAutoReadyPackageDir, 'crossplane.yaml'),
  ].filter(f => !fs.existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `controller binaries or data missing: ${missing.join(
        ', ',
      )}; run scripts/build-controllers.sh, scripts/build-crossplane.sh and scripts/build-template-tools.sh`,
    );
  }
  return bins;
}
