import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The test platform only ever runs from source (tests, sandbox, benchmarks), never from a
// production bundle, so __dirname is where this file is.
/* eslint-disable no-restricted-syntax */

/** The repository root: the nearest parent folder holding `tools/kube/go.mod`. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'tools', 'kube', 'go.mod'))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find the repository root above ${__dirname}`);
    }
    dir = parent;
  }
  return dir;
}

/** Where downloads and builds are cached, shared with scripts/lib/common.sh. */
export function cacheDir(): string {
  return (
    process.env.IDP_CACHE_DIR ??
    path.join(
      process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
      'idp-portal',
    )
  );
}

/** The test platform package's own folder (CRDs and other data live beside src/). */
export function packageDir(): string {
  return path.resolve(__dirname, '..');
}
