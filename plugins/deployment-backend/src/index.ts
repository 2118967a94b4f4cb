/**
 * Backend of the deployment view.
 *
 * @packageDocumentation
 */
export { deploymentPlugin as default } from './plugin';
export { DeploymentReader } from './service/DeploymentReader';
