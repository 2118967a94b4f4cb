import type { Entity } from '@backstage/catalog-model';

/** The annotation every deployed object of a service is labelled with. */
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';

/** Kubernetes' alternative to the ID: a label selector. */
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION =
  'backstage.io/kubernetes-label-selector';

/**
 * Whether the deployment view has something to look for. Without either annotation the
 * backend has nothing to select objects by, so the view explains what to add instead of
 * asking it.
 */
export function hasKubernetesAnnotation(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[KUBERNETES_ID_ANNOTATION] ||
      annotations[KUBERNETES_LABEL_SELECTOR_ANNOTATION],
  );
}
