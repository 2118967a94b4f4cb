import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { deploymentApiRef } from './api/DeploymentApi';
import { DeploymentClient } from './api/DeploymentClient';
import { IDP_ANNOTATIONS } from '@internal/plugin-idp-common';

/**
 * The {@link DeploymentApi} talking to the deployment backend.
 *
 * @public
 */
export const deploymentApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: deploymentApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new DeploymentClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The "Deployment" tab. Every component gets it, annotated or not, so that a service without
 * `backstage.io/kubernetes-id` learns what to add instead of missing the tab.
 *
 * @public
 */
export const entityDeploymentContent = EntityContentBlueprint.make({
  params: {
    path: '/deployment',
    title: 'Deployment',
    filter: { kind: 'component' },
    // Loaded on first use, keeping the tables out of the app's first bundle.
    loader: () =>
      import('./components/EntityDeploymentContent').then(m => (
        <m.EntityDeploymentContent />
      )),
  },
});

/**
 * The deployment summary on the overview, for entities with `backstage.io/kubernetes-id`.
 *
 * @public
 */
export const entityDeploymentCard = EntityCardBlueprint.make({
  params: {
    filter: {
      [`metadata.annotations.${IDP_ANNOTATIONS.kubernetesId}` as const]: {
        $exists: true,
      },
    },
    loader: () =>
      import('./components/EntityDeploymentCard').then(m => (
        <m.EntityDeploymentCard />
      )),
  },
});

/**
 * The deployment view: a "Deployment" tab on components and a summary card on their overview,
 * showing environments, the Argo CD Application and the pods on every cluster.
 *
 * @public
 */
export const deploymentPlugin = createFrontendPlugin({
  pluginId: 'deployment',
  title: 'Deployment',
  extensions: [deploymentApi, entityDeploymentContent, entityDeploymentCard],
});
