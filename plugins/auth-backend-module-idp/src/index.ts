/**
 * Sign-in for the portal: GitLab users resolved to catalog Users with a clear refusal for unknown
 * users, and local mode's sign-in as any sample user.
 *
 * @packageDocumentation
 */
export { gitlabProviderModule as default } from './gitlabProviderModule';
export { gitlabProviderModule } from './gitlabProviderModule';
export { gitlabUserResolver } from './gitlabUserResolver';
export { localUsersModule } from './localUsersModule';
export { LOCAL_USER_HEADER } from './localUserHeader';
export type { LocalUser, LocalUsersResponse } from './types';
