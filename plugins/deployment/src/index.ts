/**
 * The deployment view of the IDP portal: a "Deployment" tab and an overview card on every
 * service, with its environments, Argo CD Application and pods from every cluster.
 *
 * @packageDocumentation
 */

export { deploymentPlugin as default } from './plugin';
export {
  deploymentApiRef,
  type DeploymentApi,
  type DeploymentActionResponse,
} from './api/DeploymentApi';
export {
  DeploymentClient,
  DeploymentRequestError,
} from './api/DeploymentClient';
export { EntityDeploymentContent } from './components/EntityDeploymentContent';
export { EntityDeploymentCard } from './components/EntityDeploymentCard';
