import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cacheDir, repoRoot } from '../paths';

/** Paths of the control-plane binaries. */
export interface KubeBinaries {
  kine: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  /** Only checked with `{ scheduler: true }` (the controllers option needs it). */
  kubeScheduler: string;
  /** The Kubernetes version they were built at, e.g. `1.34.4`. */
  version: string;
}

/** The versions pinned in tools/kube/go.mod (kine's in a comment there). */
export function pinnedVersions(): { kube: string; kine: string } {
  const gomod = fs.readFileSync(
    path.join(repoRoot(), 'tools', 'kube', 'go.mod'),
    'utf8',
  );
  const kube = /k8s\.io\/kubernetes v(\d+\.\d+\.\d+)/.exec(gomod)?.[1];
  const kine = /^\/\/ kine: (\S+)$/m.exec(gomod)?.[1];
  if (!kube || !kine) {
    throw new Error(
      'cannot read kube and kine versions from tools/kube/go.mod',
    );
  }
  return { kube, kine };
}

/**
 * Finds the binaries built by scripts/build-kube.sh, building them first when they are absent
 * (several minutes, once per machine). `IDP_KUBE_BIN_DIR` points at another folder holding
 * `kine`, `kube-apiserver` and `kube-controller-manager` (and `kube-scheduler` for
 * `{ scheduler: true }`).
 */
export function kubeBinaries(
  options: { build?: boolean; scheduler?: boolean } = {},
): KubeBinaries {
  const { kube, kine } = pinnedVersions();
  const dir =
    process.env.IDP_KUBE_BIN_DIR ??
    path.join(cacheDir(), 'kube', `v${kube}-kine${kine}`, 'bin');
  const bins = {
    kine: path.join(dir, 'kine'),
    kubeApiserver: path.join(dir, 'kube-apiserver'),
    kubeControllerManager: path.join(dir, 'kube-controller-manager'),
    kubeScheduler: path.join(dir, 'kube-scheduler'),
    version: kube,
  };
  const missing = [
    bins.kine,
    bins.kubeApiserver,
    bins.kubeControllerManager,
    ...(options.scheduler ? [bins.kubeScheduler] : []),
  ].filter(f => !fs.existsSync(f));
  if (missing.length > 0) {
    if (options.build === false || process.env.IDP_KUBE_BIN_DIR) {
      throw new Error(
        `control-plane binaries missing: ${missing.join(
          ', ',
        )}; run scripts/build-kube.sh`,
      );
    }
    execFileSync('bash', [path.join(repoRoot(), 'scripts', 'build-kube.sh')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return bins;
}
