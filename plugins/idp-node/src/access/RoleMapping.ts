import { Config } from '@backstage/config';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { minimatch } from 'minimatch';

/**
 * The portal's four roles (docs: ../shared/context/idp-roles.md).
 *
 * @public
 */
export type IdpRole = 'platform-engineer' | 'developer' | 'manager' | 'auditor';

/** @public */
export const IDP_ROLES: readonly IdpRole[] = [
  'platform-engineer',
  'developer',
  'manager',
  'auditor',
];

/** What people see for each role (sign-in page, README table). @public */
export const ROLE_TITLES: Record<IdpRole, string> = {
  'platform-engineer': 'Platform engineer',
  developer: 'Developer',
  manager: 'Manager',
  auditor: 'Auditor',
};

/** Which groups grant which role when `idp.access.roles` is not configured. @public */
export const DEFAULT_ROLE_GROUPS: Record<IdpRole, string[]> = {
  'platform-engineer': ['group:default/platform-team'],
  developer: ['group:default/team-*'],
  manager: ['group:default/engineering-leadership'],
  auditor: ['group:default/security-compliance'],
};

/**
 * A user's roles and, per role, the groups that granted it. A developer's "own team" is the set
 * of groups in `grantedBy.developer`.
 *
 * @public
 */
export type UserRoles = {
  roles: IdpRole[];
  grantedBy: Partial<Record<IdpRole, string[]>>;
};

/**
 * Maps catalog group membership to roles. Patterns are full entity refs, `*` matching within a
 * name (`group:default/team-*`), compared in lower case like entity refs are.
 *
 * @public
 */
export class RoleMapping {
  /** Reads `idp.access.roles`; a role without an entry keeps its default groups. */
  static fromConfig(config: Config): RoleMapping {
    const section = config.getOptionalConfig('idp.access.roles');
    const patterns = { ...DEFAULT_ROLE_GROUPS };
    if (section) {
      for (const key of section.keys()) {
        if (!IDP_ROLES.includes(key as IdpRole)) {
          throw new Error(
            `idp.access.roles.${key}: unknown role; the roles are ${IDP_ROLES.join(
              ', ',
            )}`,
          );
        }
        patterns[key as IdpRole] = section.getStringArray(key).map(p => {
          let ref;
          try {
            ref = parseEntityRef(p, { defaultKind: 'group' });
          } catch (e) {
            throw new Error(
              `idp.access.roles.${key}: '${p}' is not a group reference (${
                (e as Error).message
              })`,
            );
          }
          if (ref.kind.toLocaleLowerCase('en-US') !== 'group') {
            throw new Error(
              `idp.access.roles.${key}: '${p}' is not a group reference; roles come from groups (group:<namespace>/<name>)`,
            );
          }
          return stringifyEntityRef(ref).toLocaleLowerCase('en-US');
        });
      }
    }
    return new RoleMapping(patterns);
  }

  constructor(readonly patterns: Record<IdpRole, string[]>) {}

  /** The roles that the given ownership refs (the user and their groups) grant. */
  rolesOf(ownershipEntityRefs: readonly string[]): UserRoles {
    const refs = ownershipEntityRefs
      .map(r => r.toLocaleLowerCase('en-US'))
      .filter(r => r.startsWith('group:'));
    const grantedBy: UserRoles['grantedBy'] = {};
    for (const role of IDP_ROLES) {
      const groups = refs.filter(ref =>
        this.patterns[role].some(pattern => minimatch(ref, pattern)),
      );
      if (groups.length) grantedBy[role] = groups;
    }
    return {
      roles: IDP_ROLES.filter(role => grantedBy[role]),
      grantedBy,
    };
  }
}
