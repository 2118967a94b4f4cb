import { parseEntityRef } from '@backstage/catalog-model';

/**
 * The name a person must type to confirm an action on the entity `entityRef`
 * (`component:default/payments-refunds` → `payments-refunds`), or `undefined` when no
 * entity has been chosen yet or the value is not an entity ref.
 */
export function confirmationNameOf(entityRef: unknown): string | undefined {
  if (typeof entityRef !== 'string' || entityRef === '') {
    return undefined;
  }
  try {
    return parseEntityRef(entityRef).name;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a typed confirmation of a destructive action on `entityRef`: it must
 * be the entity's name, exactly (no trimming or case folding, so that it is a deliberate
 * act). Returns an empty list when it matches.
 */
export function confirmNameErrors(value: string, entityRef: unknown): string[] {
  const name = confirmationNameOf(entityRef);
  if (name === undefined) {
    return ['Choose the entity first, then type its name to confirm'];
  }
  return value === name ? [] : [`Type '${name}' to confirm`];
}
