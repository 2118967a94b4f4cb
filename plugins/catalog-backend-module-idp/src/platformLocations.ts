import path from 'node:path';
import { Config } from '@backstage/config';
import { stringifyLocationRef } from '@backstage/catalog-model';

/**
 * The platform's own catalog locations, `catalog.locations`, as the location refs Backstage gives
 * their entities as origin: `file:` targets resolved against the process's working directory
 * (what Backstage's ConfigLocationEntityProvider does, with `path.resolve`), other types as
 * written. Only the platform's configuration decides these. A registered location's origin is its
 * own `url:` target (registered locations can only be of type url), and entities read through it
 * inherit that origin, so no registered location has a `file:` platform location as its origin.
 * Registering the very URL of a `url:` platform location reads the same file, which the platform
 * controls, so trusting it is still trusting the platform's content.
 */
export function platformLocations(config: Config): Set<string> {
  return new Set(
    (config.getOptionalConfigArray('catalog.locations') ?? []).map(location => {
      const type = location.getString('type');
      const target = location.getString('target');
      return stringifyLocationRef({
        type,
        target: type === 'file' ? path.resolve(target) : target,
      });
    }),
  );
}
