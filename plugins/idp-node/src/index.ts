/**
 * What the IDP portal's backend plugins share: the naming rules of `@internal/plugin-idp-common`
 * (re-exported), the `idp.*` configuration read once, roles from catalog groups, the team
 * authority that decides which team an action may act for, the GitLab client over
 * `integrations.gitlab` (gitbeaker's typed API on the portal's own transport), the cluster client
 * over the `kubernetes` configuration and the ApplicationEnvironment model.
 *
 * @packageDocumentation
 */
export * from './naming';
export * from './config/readIdpConfig';
export * from './access/RoleMapping';
export * from './tenancy/TeamAuthority';
export * from './gitlab/GitLabClient';
export * from './gitlab/GitLabApiError';
export * from './gitlab/defaultGitLabHost';
export * from './gitlab/createGitLabRequester';
export * from './kubernetes/ClusterClient';
export * from './environment/ApplicationEnvironment';
