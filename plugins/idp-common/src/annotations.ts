import type { Entity } from '@backstage/catalog-model';
import { KUBERNETES_ANNOTATION } from '@backstage/plugin-kubernetes-common';

/**
 * Labels the composition puts on what it composes, the golden paths' actions put on what they
 * create, and the deployment view selects on.
 */
export const IDP_LABELS = {
  /** Backstage's Kubernetes id, as a label: what every object of a component carries. */
  kubernetesId: KUBERNETES_ANNOTATION,
  team: 'idp.acme.example/team',
  system: 'idp.acme.example/system',
  component: 'idp.acme.example/component',
  environment: 'idp.acme.example/environment',
  /** On a preview environment and everything composed for it: the preview's name. */
  preview: 'idp.acme.example/preview',
  /** Set on everything the portal's actions create, with the scaffolder task id. */
  task: 'idp.acme.example/scaffolder-task',
} as const;

/**
 * Catalog annotations the golden paths write and the undo action and the deployment view read.
 * Backstage's own location annotations are `@backstage/catalog-model`'s `ANNOTATION_*`.
 */
export const IDP_ANNOTATIONS = {
  gitlabProjectSlug: 'gitlab.com/project-slug',
  /**
   * What the deployment view selects a component's objects by. Backstage's
   * `backstage.io/kubernetes-label-selector` is not read: the portal's objects are always
   * labelled with the id, and the deployment backend selects by it alone.
   */
  kubernetesId: KUBERNETES_ANNOTATION,
  kubernetesNamespace: 'backstage.io/kubernetes-namespace',
  argocdApp: 'argocd/app-name',
  /** The GitOps deployment project's full path. */
  deployRepoSlug: 'idp.acme.example/deploy-repo-slug',
  /** Comma-separated environments the golden path created. */
  environments: 'idp.acme.example/environments',
} as const;

/**
 * The entity's `backstage.io/kubernetes-id`, or `undefined` when it has none (an empty value
 * counts as none). The deployment backend selects objects by it; the deployment view asks the
 * backend only when it is set.
 */
export function kubernetesIdOf(entity: Entity): string | undefined {
  return (
    entity.metadata.annotations?.[IDP_ANNOTATIONS.kubernetesId] || undefined
  );
}
