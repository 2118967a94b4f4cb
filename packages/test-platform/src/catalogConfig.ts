import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './paths';

// Type aliases rather than interfaces, so the results fit Backstage's JSON config data.

/** One `catalog.rules` entry: kinds an origin may produce, optionally only some origins. */
export type CatalogRule = {
  allow: Array<string | { kind: string; 'spec.type'?: string }>;
  locations?: Array<{ type: string; exact?: string; pattern?: string }>;
};

/** One `catalog.locations` entry, with the rules for what originates from it. */
export type CatalogLocation = {
  type: string;
  target: string;
  rules?: Array<{ allow: string[] }>;
};

/** What {@link portalCatalogConfig} returns: spread it into a test backend's `catalog` config. */
export type PortalCatalogConfig = {
  rules: CatalogRule[];
  locations: CatalogLocation[];
};

/** Options of {@link portalCatalogConfig}. */
export interface PortalCatalogConfigOptions {
  /**
   * Include the portal's own locations (the sample catalog, its organisation and the
   * templates) as app-config.yaml lists them. Default true; a benchmark with a generated
   * catalog of its own leaves them out.
   */
  portalLocations?: boolean;
  /**
   * Test-only locations. Each is a config location like the portal's own, so what it may
   * produce beyond the global rules (Component, API, Location) must be listed in `allow`,
   * e.g. `['Template']` for a file of probe templates. File targets are made absolute.
   */
  extraLocations?: Array<{ target: string; type?: string; allow?: string[] }>;
}

/**
 * The catalog configuration of the portal's own `app-config.yaml`: the global `catalog.rules`
 * and the `catalog.locations` with their per-location rules, file targets made absolute the way
 * the backend resolves them from its working directory (packages/backend). Backstage enforces a
 * location's rules against each entity's origin location, so a test backend must get the
 * locations together with their rules to accept exactly what the portal accepts, instead of
 * copied lists that drift.
 *
 * @public
 */
export function portalCatalogConfig(
  options: PortalCatalogConfigOptions = {},
): PortalCatalogConfig {
  const root = repoRoot();
  const config = parse(
    fs.readFileSync(path.join(root, 'app-config.yaml'), 'utf8'),
  );
  const rules = config?.catalog?.rules;
  if (!Array.isArray(rules) || rules.length === 0) {
    throw new Error('app-config.yaml has no catalog.rules');
  }
  const portalLocations: CatalogLocation[] = config?.catalog?.locations ?? [];
  if (!Array.isArray(portalLocations) || portalLocations.length === 0) {
    throw new Error('app-config.yaml has no catalog.locations');
  }
  // The backend runs with packages/backend as its working directory (yarn start, and the
  // config's comments say so); Backstage resolves relative file targets against it.
  const backendDir = path.join(root, 'packages', 'backend');
  const absolute = (location: CatalogLocation): CatalogLocation => ({
    ...location,
    target:
      location.type === 'file'
        ? path.resolve(backendDir, location.target)
        : location.target,
  });
  const extra = (options.extraLocations ?? []).map(
    ({ target, type = 'file', allow }): CatalogLocation => ({
      type,
      target: type === 'file' ? path.resolve(target) : target,
      ...(allow?.length ? { rules: [{ allow }] } : {}),
    }),
  );
  return {
    rules,
    locations: [
      ...(options.portalLocations === false
        ? []
        : portalLocations.map(absolute)),
      ...extra,
    ],
  };
}
