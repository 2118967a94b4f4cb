/**
 * GitLab REST API v4 test double with real git repositories.
 *
 * @packageDocumentation
 */
export { startGitLabDouble } from './startGitLabDouble';
export type {
  AddGroupOptions,
  AddOAuthApplicationOptions,
  AddProjectOptions,
  CreateTokenOptions,
  GitLabDouble,
  GitLabDoubleOptions,
  GitLabDoubleState,
  GitLabDeployTokenSnapshot,
  GitLabNamespaceSnapshot,
  GitLabOAuthApplicationCredentials,
  GitLabOAuthTokenSnapshot,
  GitLabProjectSnapshot,
  GitLabTokenSnapshot,
} from './startGitLabDouble';
export { FaultInjector } from './FaultInjector';
export type { ActiveFault, FaultRule } from './FaultInjector';
export type * from './types';
