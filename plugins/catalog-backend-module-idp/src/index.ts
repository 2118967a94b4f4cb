/**
 * The catalog's tenancy rules for the IDP portal: entities from outside the platform's own
 * catalog locations must come from a project in a team's GitLab group, be owned by that team,
 * and point nowhere else.
 *
 * @packageDocumentation
 */
export { catalogModuleIdpTenancy as default } from './module';
export { catalogModuleIdpTenancy } from './module';
export { TeamTenancyProcessor } from './TeamTenancyProcessor';
export type {
  TeamTenancyProcessorOptions,
  TenancyRule,
} from './TeamTenancyProcessor';
export { TeamProjects } from './TeamProjects';
export type { TeamProjectFile, TeamProjectParse } from './TeamProjects';
export { GitLabOrgSync } from './GitLabOrgSync';
export { platformLocations } from './platformLocations';
