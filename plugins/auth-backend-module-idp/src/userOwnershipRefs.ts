import {
  Entity,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';

/**
 * A User's ownership refs as the auth backend resolves them by default: the User itself and the
 * groups it is a direct member of (`memberOf` relations). The sample-user list computes roles
 * from these, so the roles it shows are the ones signing in as that user grants.
 *
 * @internal
 */
export function userOwnershipRefs(entity: Entity): string[] {
  const groups =
    entity.relations
      ?.filter(
        r => r.type === RELATION_MEMBER_OF && r.targetRef.startsWith('group:'),
      )
      .map(r => r.targetRef) ?? [];
  return [...new Set([stringifyEntityRef(entity), ...groups])];
}
