import { createApiRef } from '@backstage/frontend-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  DeploymentActionRequest,
  DeploymentStatus,
  PendingPromotion,
  PreviewRequest,
  PreviewResult,
  PromotionRequest,
  PromotionResult,
} from '@internal/plugin-deployment-common';

/**
 * What the deployment backend answers to an accepted action (HTTP 202).
 *
 * @public
 */
export interface DeploymentActionResponse {
  message: string;
}

/**
 * Reads a service's deployment status from the deployment backend, asks it to refresh or
 * sync an Argo CD Application, and to promote an image between environments.
 *
 * @public
 */
export interface DeploymentApi {
  /**
   * The entity's deployment on every configured cluster. Rejects with the backend's message
   * when the entity is unknown (404) or the request fails.
   */
  getDeploymentStatus(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<DeploymentStatus>;

  /**
   * Asks Argo CD, through the backend, to refresh or sync one of the entity's Applications.
   * Rejects with the backend's message, e.g. when the permission policy denies it (403).
   */
  requestAction(
    entityRef: CompoundEntityRef,
    request: DeploymentActionRequest,
  ): Promise<DeploymentActionResponse>;

  /**
   * Promotes what runs in one environment to a later one (a commit, or a merge request into
   * production). Rejects with the backend's reason, e.g. when the source is not healthy (409).
   */
  promote(
    entityRef: CompoundEntityRef,
    request: PromotionRequest,
  ): Promise<PromotionResult>;

  /** The entity's open promotion merge requests. */
  getPendingPromotions(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<PendingPromotion[]>;

  /**
   * Creates (or renews) a preview environment of a branch. Rejects with the backend's reason,
   * e.g. an invalid branch or a TTL over the maximum (400).
   */
  createPreview(
    entityRef: CompoundEntityRef,
    request: PreviewRequest,
  ): Promise<PreviewResult>;

  /** Removes a preview environment. */
  removePreview(
    entityRef: CompoundEntityRef,
    name: string,
  ): Promise<DeploymentActionResponse>;
}

/**
 * The {@link DeploymentApi}, provided by the deployment plugin.
 *
 * @public
 */
export const deploymentApiRef = createApiRef<DeploymentApi>().with({
  id: 'plugin.deployment.api',
  pluginId: 'deployment',
});
