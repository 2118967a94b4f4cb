import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ChildProcess,
  execFile,
  execFileSync,
  spawn,
} from 'node:child_process';
import { stringify } from 'yaml';
import {
  KubeObject,
  freePort,
  parseManifests,
  repoRoot,
  tcpOpen,
} from '@internal/test-platform';

// Tests only ever run from source, so __dirname is this file's folder.
/* eslint-disable no-restricted-syntax */

/** A file under platform/. */
export function platformFile(...parts: string[]): string {
  return path.join(repoRoot(), 'platform', ...parts);
}

export type { KubeObject };

/** Paths of crank and the two functions, built by scripts/build-crossplane.sh. */
export interface CrossplaneBinaries {
  crank: string;
  functionApplicationEnvironment: string;
  functionAutoReady: string;
}

/** The directory of the platform's own composition function (its Go module). */
export function functionDir(): string {
  return platformFile('crossplane', 'function-applicationenvironment');
}

/** The function binaries by the name of their Function in platform/crossplane/functions.yaml. */
function functionBinaries(bins: CrossplaneBinaries): Array<[string, string]> {
  return [
    ['function-applicationenvironment', bins.functionApplicationEnvironment],
    ['function-auto-ready', bins.functionAutoReady],
  ];
}

/**
 * Runs scripts/build-crossplane.sh and returns the binaries it built. The first run of a machine
 * builds crank and function-auto-ready (minutes); later runs only rebuild the project's function,
 * about a second when its source is unchanged, so tests never run a stale build of it.
 * `IDP_CROSSPLANE_BIN_DIR` points at another folder holding the three binaries (no build).
 */
export function crossplaneBinaries(): CrossplaneBinaries {
  let dir = process.env.IDP_CROSSPLANE_BIN_DIR;
  if (!dir) {
    try {
      dir = execFileSync(
        'bash',
        [path.join(repoRoot(), 'scripts', 'build-crossplane.sh')],
        { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
      ).trim();
    } catch (error) {
      throw new Error(
        `cannot build the Crossplane tooling (scripts/build-crossplane.sh): ${error}`,
      );
    }
  }
  const bins = {
    crank: path.join(dir, 'crank'),
    functionApplicationEnvironment: path.join(
      dir,
      'function-applicationenvironment',
    ),
    functionAutoReady: path.join(dir, 'function-auto-ready'),
  };
  const missing = Object.values(bins).filter(f => !fs.existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `Crossplane tooling missing: ${missing.join(
        ', ',
      )}; run scripts/build-crossplane.sh`,
    );
  }
  return bins;
}

/** Options of one {@link Renderer.render}. */
export interface RenderOptions {
  /**
   * What the cluster holds for the functions' required resources (`crank render
   * --required-resources`, formerly `--extra-resources`): function-applicationenvironment asks
   * for the target Namespace by name. Omitted: the cluster has none of what they ask for.
   */
  requiredResources?: KubeObject[];
}

/** The two functions running locally, and a crank render against them. */
export interface Renderer {
  /**
   * Renders one XR (object or file) with platform/crossplane/composition.yaml. Rejects with
   * crank's message when a function refuses it (a fatal result).
   */
  render(
    xr: KubeObject | string,
    options?: RenderOptions,
  ): Promise<KubeObject[]>;
  stop(): Promise<void>;
}

/**
 * Starts function-applicationenvironment and function-auto-ready on free 127.0.0.1 ports
 * (`--insecure --address=...`) and writes a copy of platform/crossplane/functions.yaml whose
 * Functions carry crank's Development runtime annotations pointing at them.
 */
export async function startRenderer(
  bins: CrossplaneBinaries = crossplaneBinaries(),
): Promise<Renderer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-crank-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise(r => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const targets: Record<string, string> = {};
    for (const [name, bin] of functionBinaries(bins)) {
      const port = await freePort();
      const log = fs.openSync(path.join(dir, `${name}.log`), 'a');
      const child = spawn(bin, ['--insecure', `--address=127.0.0.1:${port}`], {
        stdio: ['ignore', log, log],
      });
      fs.closeSync(log);
      children.push(child);
      const deadline = Date.now() + 30_000;
      while (!(await tcpOpen(port))) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(
            `${name} did not listen on 127.0.0.1:${port}: ${fs.readFileSync(
              path.join(dir, `${name}.log`),
              'utf8',
            )}`,
          );
        }
        await new Promise(r => setTimeout(r, 100));
      }
      targets[name] = `127.0.0.1:${port}`;
    }
    const functions = parseManifests(
      fs.readFileSync(platformFile('crossplane', 'functions.yaml'), 'utf8'),
    ).map(fn => {
      const target = targets[fn.metadata.name];
      if (!target) throw new Error(`no local binary for ${fn.metadata.name}`);
      return {
        ...fn,
        metadata: {
          ...fn.metadata,
          annotations: {
            ...fn.metadata.annotations,
            'render.crossplane.io/runtime': 'Development',
            'render.crossplane.io/runtime-development-target': target,
          },
        },
      };
    });
    const functionsFile = path.join(dir, 'functions.yaml');
    fs.writeFileSync(
      functionsFile,
      functions.map(f => stringify(f)).join('---\n'),
    );

    let counter = 0;
    return {
      async render(xr, options = {}) {
        const n = counter++;
        let xrFile: string;
        if (typeof xr === 'string') {
          xrFile = xr;
        } else {
          xrFile = path.join(dir, `xr-${n}.yaml`);
          fs.writeFileSync(xrFile, stringify(xr));
        }
        const args = [
          'render',
          xrFile,
          platformFile('crossplane', 'composition.yaml'),
          functionsFile,
          `--xrd=${platformFile('crossplane', 'definition.yaml')}`,
        ];
        if (options.requiredResources?.length) {
          const requiredFile = path.join(dir, `required-${n}.yaml`);
          fs.writeFileSync(
            requiredFile,
            options.requiredResources.map(o => stringify(o)).join('---\n'),
          );
          args.push(`--required-resources=${requiredFile}`);
        }
        const stdout = await new Promise<string>((resolve, reject) =>
          execFile(
            bins.crank,
            args,
            { maxBuffer: 16 * 1024 * 1024 },
            (error, out, err) =>
              error
                ? reject(
                    new Error(`crank render ${xrFile} failed: ${err || error}`),
                  )
                : resolve(out),
          ),
        );
        return parseManifests(stdout);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Removes what changes from run to run (condition timestamps) so renders compare with the
 * reviewed files under platform/crossplane/tests/expected/.
 */
export function normalise(objects: KubeObject[]): KubeObject[] {
  return JSON.parse(JSON.stringify(objects), (key, value) =>
    key === 'lastTransitionTime' ? '<volatile>' : value,
  );
}

/**
 * The composed resources of a render, ready to server-side apply without the XR: no
 * ownerReferences to an XR that does not exist, Namespaces first.
 */
export function composedResources(rendered: KubeObject[]): KubeObject[] {
  const [, ...composed] = rendered;
  return composed
    .map(o => {
      const { ownerReferences: _owners, ...metadata } = o.metadata;
      return { ...o, metadata };
    })
    .sort(
      (a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'),
    );
}
