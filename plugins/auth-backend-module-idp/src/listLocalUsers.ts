import { AuthService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  IDP_ROLES,
  RoleMapping,
} from '@internal/plugin-permission-backend-module-idp-roles';
import { LocalUser } from './types';
import { userOwnershipRefs } from './userOwnershipRefs';

/** Position of a user in the list: by their first role; users without a role come last. */
function rank(user: LocalUser): number {
  return user.roles.length
    ? IDP_ROLES.indexOf(user.roles[0])
    : IDP_ROLES.length;
}

/**
 * Every catalog User with their groups and roles, for local mode's sign-in page, so each role can
 * be tried by picking a user who has it. Sorted by role (platform engineer, developer, manager,
 * auditor, no role) and then by display name.
 *
 * @internal
 */
export async function listLocalUsers(options: {
  catalog: CatalogService;
  auth: AuthService;
  roleMapping: RoleMapping;
}): Promise<LocalUser[]> {
  const { catalog, auth, roleMapping } = options;
  const { items } = await catalog.getEntities(
    { filter: { kind: 'User' } },
    { credentials: await auth.getOwnServiceCredentials() },
  );
  const users = items.map((entity): LocalUser => {
    const ownershipRefs = userOwnershipRefs(entity);
    const profile = (entity.spec?.profile ?? {}) as {
      displayName?: string;
      email?: string;
      picture?: string;
    };
    return {
      userEntityRef: stringifyEntityRef(entity),
      displayName:
        profile.displayName ?? entity.metadata.title ?? entity.metadata.name,
      ...(profile.email && { email: profile.email }),
      ...(profile.picture && { picture: profile.picture }),
      groups: ownershipRefs.filter(ref => ref.startsWith('group:')).sort(),
      roles: roleMapping.rolesOf(ownershipRefs).roles,
    };
  });
  return users.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.displayName.localeCompare(b.displayName, 'en') ||
      a.userEntityRef.localeCompare(b.userEntityRef, 'en'),
  );
}
