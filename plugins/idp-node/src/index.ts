/**
 * What the IDP portal's backend plugins share: naming rules, the GitLab client over
 * `integrations.gitlab`, the cluster client over the `kubernetes` configuration and the
 * ApplicationEnvironment model.
 *
 * @packageDocumentation
 */
export * from './naming';
export * from './gitlab/GitLabClient';
export * from './gitlab/GitLabApiError';
export * from './kubernetes/ClusterClient';
export * from './environment/ApplicationEnvironment';
