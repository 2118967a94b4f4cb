import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import type { KubeObject } from '../kube/compositeResourceCrd';
import { parseManifests } from '../kube/compositeResourceCrd';
import { repoRoot } from '../paths';

// How Crossplane core reaches composition functions that are not OCI packages, without a
// registry or a Deployment (researched in the crossplane v2.2.1 module; README "Real
// controllers"):
//
// - `crossplane core start --package-runtime=External`: the package manager installs Functions
//   (Function -> FunctionRevision, the package's CRDs) but starts no Deployment or Service for
//   them; the runtime is "deferred to an external controller"
//   (internal/controller/pkg/controller/runtime.go). The test platform is that controller: it
//   runs each function as a local process and writes the active FunctionRevision's
//   `status.endpoint`, the only thing Crossplane's function runner reads to dial a function
//   (internal/xfn/function_runner.go).
// - The package itself comes from Crossplane's package cache with `packagePullPolicy: Never`:
//   for a digest reference (`<source>@sha256:<hex>`) Crossplane asks no registry for the digest,
//   and with Never it only reads `<cache dir>/<FriendlyID(source, digest)>.gz`, the gzipped
//   package.yaml stream (meta + CRDs) it would have cached after a pull
//   (internal/xpkg/client.go, cache.go, name.go). We write that file from the function's
//   package/ folder.
// - mTLS is Crossplane's own: `crossplane core init` creates the root CA Secret
//   (crossplane-root-ca) and Crossplane's client certificate (crossplane-tls-client); core start
//   loads the client certificate from `--tls-client-certs-dir` (required: it exits without
//   it). The Deployment runtime would also issue each function a server certificate from that
//   CA; the External runtime does not, so the test platform signs one for 127.0.0.1 with the
//   root CA (openssl) and starts the function with TLS_SERVER_CERTS_DIR. No `--insecure`:
//   Crossplane core always dials functions with its client TLS configuration.
//
// What did not work or does not exist: crank's Development runtime annotations
// (render.crossplane.io/runtime) are a crank-only feature that Crossplane core ignores; a
// tag reference with pullPolicy Never still asks the registry for the tag's digest (HEAD) before
// looking at the cache, which fails here, so the references are rewritten to digests.

/** The namespace Crossplane runs in and reads its TLS Secrets from. */
export const CROSSPLANE_NAMESPACE = 'crossplane-system';
export const CROSSPLANE_CA_SECRET = 'crossplane-root-ca';
export const CROSSPLANE_CLIENT_SECRET = 'crossplane-tls-client';

/** A function package the test platform installs and runs itself. */
export interface LocalFunction {
  /** The Function's name (platform/crossplane/functions.yaml), e.g. `function-auto-ready`. */
  name: string;
  /** The binary. */
  bin: string;
  /** The package's folder: crossplane.yaml and any CRDs beside or below it. */
  packageDir: string;
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

/** Crossplane's xpkg.ToDNSLabel (internal/xpkg/name.go). */
export function toDnsLabel(s: string): string {
  let cut = '';
  for (let i = 0; i < s.length; i++) {
    const b = s[i];
    if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')) cut += b;
    if (
      (b === '.' || b === '/' || b === ':' || b === '-') &&
      i !== 0 &&
      i !== 62 &&
      i !== s.length - 1
    ) {
      cut += '-';
    }
    if (i === 62) break;
  }
  return cut.replace(/^-+|-+$/g, '');
}

/** Crossplane's xpkg.FriendlyID: cache keys and revision names. */
export function friendlyId(name: string, hash: string): string {
  return toDnsLabel(`${truncate(name, 50)}-${truncate(hash, 12)}`);
}

function yamlFilesBelow(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap(entry => {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) return yamlFilesBelow(file);
      return /\.ya?ml$/.test(entry.name) ? [file] : [];
    })
    .sort();
}

/** The package.yaml stream `crossplane xpkg build` would put in the image: meta first, then CRDs. */
export function packageStream(packageDir: string): string {
  const files = yamlFilesBelow(packageDir);
  const meta = files.filter(f => path.basename(f) === 'crossplane.yaml');
  const rest = files.filter(f => path.basename(f) !== 'crossplane.yaml');
  return [...meta, ...rest]
    .map(f => fs.readFileSync(f, 'utf8').replace(/^---\s*\n/, ''))
    .join('\n---\n');
}

/**
 * Writes a function's package into Crossplane's package cache and returns the Function object
 * that installs it from there: its `spec.package` from platform/crossplane/functions.yaml with
 * the tag replaced by the digest of the package content, `packagePullPolicy: Never`.
 */
export function cachedFunctionPackage(
  fn: LocalFunction,
  functionsYaml: KubeObject[],
  cacheDir: string,
): KubeObject {
  const declared = functionsYaml.find(
    f => f.kind === 'Function' && f.metadata.name === fn.name,
  );
  if (!declared) {
    throw new Error(`${fn.name} is not in platform/crossplane/functions.yaml`);
  }
  const ref: string = declared.spec.package;
  // The source is the reference without its tag or digest.
  const source = ref.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^:/]+$/, '');
  const stream = packageStream(fn.packageDir);
  const hex = crypto.createHash('sha256').update(stream).digest('hex');
  const digest = `sha256:${hex}`;
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(
    path.join(cacheDir, `${friendlyId(source, digest)}.gz`),
    zlib.gzipSync(stream),
  );
  return {
    apiVersion: 'pkg.crossplane.io/v1',
    kind: 'Function',
    metadata: { name: fn.name, labels: declared.metadata.labels },
    spec: {
      ...declared.spec,
      package: `${source}@${digest}`,
      packagePullPolicy: 'Never',
    },
  };
}

/** The Functions of platform/crossplane/functions.yaml (read fresh: it may change). */
export function platformFunctions(): KubeObject[] {
  return parseManifests(
    fs.readFileSync(
      path.join(repoRoot(), 'platform', 'crossplane', 'functions.yaml'),
      'utf8',
    ),
  );
}

/** The XRD and Composition as the platform ships them (read fresh: they may change). */
export function platformComposition(xrdFile?: string): {
  xrd: KubeObject;
  composition: KubeObject[];
} {
  const dir = path.join(repoRoot(), 'platform', 'crossplane');
  return {
    xrd: parseManifests(
      fs.readFileSync(xrdFile ?? path.join(dir, 'definition.yaml'), 'utf8'),
    )[0],
    composition: parseManifests(
      fs.readFileSync(path.join(dir, 'composition.yaml'), 'utf8'),
    ),
  };
}

/**
 * Writes `tls.crt`, `tls.key` and `ca.crt` of a function's server certificate for 127.0.0.1
 * and localhost into `dir`, signed by Crossplane's root CA (PEM of its Secret), what
 * function-sdk-go's `MTLSCertificates(TLS_SERVER_CERTS_DIR)` loads.
 */
export function functionServerCertificate(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
) {
  fs.mkdirSync(dir, { recursive: true });
  const f = (file: string) => path.join(dir, file);
  fs.writeFileSync(f('ca.crt'), ca.cert);
  fs.writeFileSync(f('ca.key'), ca.key, { mode: 0o600 });
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    'tls.key',
    '-out',
    'tls.csr',
  );
  fs.writeFileSync(
    f('tls.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${name}`,
    ].join('\n'),
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'tls.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'tls.ext',
    '-out',
    'tls.crt',
  );
  fs.rmSync(f('ca.key'));
}
