import type { IdpRole } from '@internal/plugin-permission-backend-module-idp-roles';

/**
 * A catalog User as local mode's sign-in page offers it (`GET /api/auth/local-users`).
 *
 * @public
 */
export type LocalUser = {
  /** What to send in the `x-idp-local-user` header, e.g. `user:default/priya.sharma`. */
  userEntityRef: string;
  /** The profile's display name, else the title, else the entity name. */
  displayName: string;
  email?: string;
  picture?: string;
  /** Refs of the groups the User is a direct member of, sorted. */
  groups: string[];
  /** The roles those groups grant, in the roles' order; empty for a user in no mapped group. */
  roles: IdpRole[];
};

/**
 * The body of `GET /api/auth/local-users`.
 *
 * @public
 */
export type LocalUsersResponse = {
  /** Every catalog User: by role (platform engineer first, no role last), then by name. */
  users: LocalUser[];
};
