// The role mapping lives in @internal/plugin-idp-node: the scaffolder actions decide with it
// too (a platform engineer may act for any team), so both read idp.access.roles the same way.
export {
  DEFAULT_ROLE_GROUPS,
  IDP_ROLES,
  ROLE_TITLES,
  RoleMapping,
} from '@internal/plugin-idp-node';
export type { IdpRole, UserRoles } from '@internal/plugin-idp-node';
