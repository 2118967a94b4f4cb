import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './paths';

/**
 * The catalog rules of the portal's own `app-config.yaml` (which kinds may be registered), so
 * test and benchmark backends accept exactly what the portal does instead of a copied list.
 *
 * @public
 */
export function portalCatalogRules(): Array<{ allow: string[] }> {
  const config = parse(
    fs.readFileSync(path.join(repoRoot(), 'app-config.yaml'), 'utf8'),
  );
  const rules = config?.catalog?.rules;
  if (!Array.isArray(rules) || rules.length === 0) {
    throw new Error('app-config.yaml has no catalog.rules');
  }
  return rules;
}
