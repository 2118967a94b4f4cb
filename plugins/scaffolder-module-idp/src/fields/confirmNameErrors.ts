import { parseEntityRef } from '@backstage/catalog-model';

/**
 * The name a person must type to confirm an action on the entity `entityRef`
 * (`component:default/payments-refunds` → `payments-refunds`; with the suffix `staging`,
 * `payments-refunds-staging`, the name of one of its environments), or `undefined` when no
 * entity (or suffix) has been chosen yet or the value is not an entity ref.
 */
export function confirmationNameOf(
  entityRef: unknown,
  suffix?: unknown,
): string | undefined {
  if (typeof entityRef !== 'string' || entityRef === '') {
    return undefined;
  }
  if (suffix !== undefined && (typeof suffix !== 'string' || suffix === '')) {
    return undefined;
  }
  try {
    const name = parseEntityRef(entityRef).name;
    return suffix ? `${name}-${suffix}` : name;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a typed confirmation of a destructive action on `entityRef`: it must
 * be the entity's name, exactly (no trimming or case folding, so that it is a deliberate
 * act). Returns an empty list when it matches.
 */
export function confirmNameErrors(
  value: string,
  entityRef: unknown,
  suffix?: unknown,
): string[] {
  const name = confirmationNameOf(entityRef, suffix);
  if (name === undefined) {
    return suffix === undefined
      ? ['Choose the entity first, then type its name to confirm']
      : [
          'Choose the entity and the environment first, then type the name to confirm',
        ];
  }
  return value === name ? [] : [`Type '${name}' to confirm`];
}
