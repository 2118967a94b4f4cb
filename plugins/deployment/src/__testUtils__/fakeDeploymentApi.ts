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
import type { DeploymentApi } from '../api/DeploymentApi';

/**
 * A {@link DeploymentApi} of jest mocks: answers `status` (or what the function returns) to
 * every read, and accepts every action. Override with `mockImplementation` per test.
 */
export function fakeDeploymentApi(
  status?: DeploymentStatus | (() => DeploymentStatus),
): jest.Mocked<DeploymentApi> {
  return {
    getDeploymentStatus: jest.fn(async (_entityRef: CompoundEntityRef) => {
      if (!status) throw new Error('no status configured');
      return typeof status === 'function' ? status() : status;
    }),
    requestAction: jest.fn(
      async (
        _entityRef: CompoundEntityRef,
        request: DeploymentActionRequest,
      ) => ({
        message: `${request.action} of ${request.application} requested`,
      }),
    ),
    promote: jest.fn(
      async (
        _entityRef: CompoundEntityRef,
        request: PromotionRequest,
      ): Promise<PromotionResult> => ({
        kind: request.to === 'production' ? 'merge-request' : 'commit',
        image: 'registry.example/app:1.0.0',
        message: `Promoted to ${request.to}`,
        url: 'https://gitlab.example/commit',
      }),
    ),
    getPendingPromotions: jest.fn(
      async (
        _entityRef: CompoundEntityRef,
        _options?: { signal?: AbortSignal },
      ): Promise<PendingPromotion[]> => [],
    ),
    createPreview: jest.fn(
      async (
        _entityRef: CompoundEntityRef,
        request: PreviewRequest,
      ): Promise<PreviewResult> => ({
        outcome: 'created',
        resource: `app-preview-${request.name ?? 'x'}`,
        cluster: 'dev-cluster',
        namespace: `team-app-preview-${request.name ?? 'x'}`,
        preview: {
          name: request.name ?? 'x',
          branch: request.branch,
          expiresAt: '2026-12-05T10:00:00Z',
        },
        message: `Preview of ${request.branch} created`,
      }),
    ),
    removePreview: jest.fn(
      async (_entityRef: CompoundEntityRef, name: string) => ({
        message: `Preview ${name} is being removed`,
      }),
    ),
  };
}
