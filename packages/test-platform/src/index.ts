/**
 * The portal's test platform: a real Kubernetes control plane, a GitLab REST API test double with
 * real git repositories behind it, real Crossplane, Argo CD and kwok controllers on request (or a
 * simulator for what they write), and the local sandbox that wires them to the portal.
 *
 * @packageDocumentation
 */
export * from './kube/startControlPlane';
export * from './kube/kubeBinaries';
export * from './kube/compositeResourceCrd';
export * from './kube/KubeRest';
export * from './kube/StatusSimulator';
export * from './kube/processes';
export * from './controllers/startControllers';
export * from './controllers/controllerBinaries';
export * from './controllers/kwok';
export * from './controllers/argocd';
export * from './controllers/crossplane';
export * from './controllers/sampleChart';
export * from './sandbox/startSandbox';
export * from './gitlab';
export * from './net';
export { repoRoot } from './paths';
export { portalCatalogConfig } from './catalogConfig';
export type {
  CatalogLocation,
  CatalogRule,
  PortalCatalogConfig,
  PortalCatalogConfigOptions,
} from './catalogConfig';
export { sampleOrgEntities } from './sampleOrg';
export type { OrgEntity } from './sampleOrg';
