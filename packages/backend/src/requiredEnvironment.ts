import fs from 'node:fs';
import path from 'node:path';
import { parseDocument, isMap, isSeq, isScalar, Node } from 'yaml';

/**
 * One environment variable that a loaded config file substitutes and the process lacks.
 *
 * @public
 */
export interface MissingVariable {
  /** The variable's name, e.g. `POSTGRES_PASSWORD`. */
  name: string;
  /** The config file that references it. */
  file: string;
  /** The dotted config key whose value needs it, e.g. `backend.database.connection.password`. */
  key: string;
}

const SUBSTITUTION = /\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g;

/**
 * The config files the backend will load, from `--config` arguments the way the Backstage
 * CLI and `node packages/backend` read them; `app-config.yaml` in `cwd` when none are given.
 */
export function configFilesFromArgv(argv: string[], cwd: string): string[] {
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config' && i + 1 < argv.length) {
      files.push(argv[++i]);
    } else if (arg.startsWith('--config=')) {
      files.push(arg.slice('--config='.length));
    }
  }
  if (files.length === 0) {
    files.push('app-config.yaml');
  }
  return files
    .filter(f => !/^https?:\/\//.test(f))
    .map(f => path.resolve(cwd, f));
}

function collect(
  node: Node | null | undefined,
  key: string[],
  file: string,
  env: NodeJS.ProcessEnv,
  out: MissingVariable[],
) {
  if (!node) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (k === '$env' && isScalar(pair.value)) {
        const name = String(pair.value.value);
        if (!env[name]) out.push({ name, file, key: key.join('.') });
        continue;
      }
      collect(pair.value as Node, [...key, k], file, env, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) =>
      collect(item as Node, [...key, String(i)], file, env, out),
    );
  } else if (isScalar(node) && typeof node.value === 'string') {
    // `$${X}` is Backstage's escape for a literal `${X}`.
    const text = node.value.replace(/\$\$\{[^}]*\}/g, '');
    for (const match of text.matchAll(SUBSTITUTION)) {
      if (!env[match[1]])
        out.push({ name: match[1], file, key: key.join('.') });
    }
  }
}

/**
 * Lists every `${VAR}` (and `$env: VAR`) in the given config files whose variable is unset or
 * empty. Backstage's own loader silently drops such values, which turns a forgotten
 * `POSTGRES_HOST` into a connection to localhost; we would rather refuse to start.
 */
export function findMissingVariables(
  files: string[],
  env: NodeJS.ProcessEnv,
): MissingVariable[] {
  const out: MissingVariable[] = [];
  for (const file of files) {
    if (!fs.existsSync(file)) continue; // the config loader reports missing files itself
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    collect(doc.contents as Node, [], path.basename(file), env, out);
  }
  return out;
}

/**
 * Throws an error naming every missing variable, for the config files this process loads.
 */
export function assertRequiredEnvironment(
  argv: string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): void {
  const missing = findMissingVariables(configFilesFromArgv(argv, cwd), env);
  if (missing.length === 0) return;
  const lines = missing.map(m => `  ${m.name} (used by ${m.key} in ${m.file})`);
  const names = [...new Set(missing.map(m => m.name))].join(', ');
  throw new Error(
    `Missing required environment variable${
      missing.length > 1 ? 's' : ''
    }: ${names}\n${lines.join('\n')}\n` +
      'Set them (see README.md, "Production configuration") and start again.',
  );
}
