import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  createScaffolderActionConditionalDecision,
  createScaffolderTaskConditionalDecision,
  scaffolderActionConditions,
  scaffolderTaskConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import {
  Access,
  COLUMN_TITLES,
  DEFAULT_DEVELOPER_ACTIONS,
  MatrixColumn,
  matrixRowFor,
  OTHER_READ,
  OTHER_WRITE,
} from './matrix';
import { IDP_ROLES, RoleMapping, UserRoles } from './roles';

/** The order in which a user's roles are tried: the most permissive answer wins. */
const STRENGTH: Record<Access, number> = {
  no: 0,
  'no-templates': 1,
  'developer-templates': 2,
  owned: 2,
  'own-tasks': 2,
  'developer-actions': 2,
  yes: 3,
};

/**
 * The portal's permission policy: roles from catalog group membership (`idp.access.roles`),
 * decisions from {@link PERMISSION_MATRIX}. Service-to-service calls are allowed (each backend
 * plugin authorizes its own callers). Every decision for a user is logged with its reason:
 * refusals and users in no mapped group at info level, the rest at debug.
 *
 * A user with several roles gets the most permissive access any of them grants.
 *
 * @public
 */
export class IdpRolePolicy implements PermissionPolicy {
  constructor(
    private readonly mapping: RoleMapping,
    private readonly logger: LoggerService,
    private readonly developerActions: readonly string[] = DEFAULT_DEVELOPER_ACTIONS,
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const permission = request.permission;
    if (!user) {
      return { result: AuthorizeResult.ALLOW };
    }
    const userRef = user.info.userEntityRef;
    const ownership = user.info.ownershipEntityRefs ?? [];
    const userRoles = this.mapping.rolesOf(ownership);
    const columns: MatrixColumn[] = userRoles.roles.length
      ? userRoles.roles
      : ['none'];

    const row = matrixRowFor(permission.name);
    const reads = (permission.attributes.action ?? 'read') === 'read';
    const otherwise = reads ? OTHER_READ : OTHER_WRITE;
    const grants = columns.map(column => ({
      column,
      access: (row?.access ?? otherwise)[column],
    }));
    const best = grants.reduce((a, b) =>
      STRENGTH[b.access] > STRENGTH[a.access] ? b : a,
    );

    const decision = this.decide(best.access, request, userRef, userRoles);
    const reason = this.reason(best, userRoles, row?.id);
    const entry = {
      user: userRef,
      permission: permission.name,
      result: decision.result,
      roles: userRoles.roles.join(',') || 'none',
      reason,
    };
    const message = `permission ${decision.result} ${permission.name} for ${userRef}: ${reason}`;
    if (decision.result === AuthorizeResult.DENY || columns[0] === 'none') {
      this.logger.info(message, entry);
    } else {
      this.logger.debug(message, entry);
    }
    return decision;
  }

  private decide(
    access: Access,
    request: PolicyQuery,
    userRef: string,
    userRoles: UserRoles,
  ): PolicyDecision {
    const permission = request.permission;
    switch (access) {
      case 'yes':
        return { result: AuthorizeResult.ALLOW };
      case 'no':
        return { result: AuthorizeResult.DENY };
      default:
        break;
    }
    if (!isResourcePermission(permission)) {
      // A conditional grant on a permission without a resource cannot be evaluated.
      return { result: AuthorizeResult.DENY };
    }
    switch (access) {
      case 'owned':
        return createCatalogConditionalDecision(
          permission as any,
          catalogConditions.isEntityOwner({
            claims: [userRef, ...(userRoles.grantedBy.developer ?? [])],
          }),
        );
      case 'developer-templates':
        return createCatalogConditionalDecision(permission as any, {
          anyOf: [
            { not: catalogConditions.isEntityKind({ kinds: ['Template'] }) },
            catalogConditions.hasMetadata({ key: 'tags', value: 'developer' }),
          ],
        });
      case 'no-templates':
        return createCatalogConditionalDecision(permission as any, {
          not: catalogConditions.isEntityKind({ kinds: ['Template'] }),
        });
      case 'own-tasks':
        return createScaffolderTaskConditionalDecision(
          permission as any,
          scaffolderTaskConditions.isTaskOwner({ createdBy: [userRef] }),
        );
      case 'developer-actions': {
        // Only the listed actions, never idp:undo. The team an action acts for is the
        // action's own check (TeamAuthority, against the catalog), for every environment.
        const [first, ...rest] = this.developerActions
          .filter(actionId => actionId !== 'idp:undo')
          .map(actionId =>
            scaffolderActionConditions.hasActionId({ actionId }),
          );
        if (!first) return { result: AuthorizeResult.DENY };
        return createScaffolderActionConditionalDecision(permission as any, {
          anyOf: [first, ...rest],
        });
      }
      default:
        return { result: AuthorizeResult.DENY };
    }
  }

  private reason(
    best: { column: MatrixColumn; access: Access },
    userRoles: UserRoles,
    rowId: string | undefined,
  ): string {
    const rule = rowId ? `matrix row ${rowId}` : 'not in the matrix';
    if (best.column === 'none') {
      return `no role: none of the user's groups is mapped in idp.access.roles (roles: ${IDP_ROLES.join(
        ', ',
      )}), so the user may only read the catalog; ${rule} → ${best.access}`;
    }
    const groups = userRoles.grantedBy[best.column] ?? [];
    return `${COLUMN_TITLES[best.column].toLocaleLowerCase(
      'en-US',
    )} through ${groups.join(', ')}; ${rule} → ${best.access}`;
  }
}
