/**
 * The portal's role-based permission policy: platform engineer, developer, manager and auditor
 * from catalog group membership, decided from one matrix that the README table and the
 * permission matrix test share.
 *
 * @packageDocumentation
 */
export { permissionModuleIdpRoles as default } from './module';
export * from './roles';
export * from './matrix';
export { IdpRolePolicy } from './IdpRolePolicy';
export * from './readmeMatrix';
