import { KUBERNETES_ANNOTATION } from '@backstage/plugin-kubernetes-common';
import { IDP_ANNOTATIONS, IDP_LABELS, kubernetesIdOf } from './annotations';

const entity = (annotations?: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-refunds', annotations },
});

describe('IDP_ANNOTATIONS and IDP_LABELS', () => {
  it("use Backstage's Kubernetes id, as annotation and as label", () => {
    expect(IDP_ANNOTATIONS.kubernetesId).toBe('backstage.io/kubernetes-id');
    expect(IDP_ANNOTATIONS.kubernetesId).toBe(KUBERNETES_ANNOTATION);
    expect(IDP_LABELS.kubernetesId).toBe(KUBERNETES_ANNOTATION);
  });
});

describe('kubernetesIdOf', () => {
  it('reads backstage.io/kubernetes-id', () => {
    expect(
      kubernetesIdOf(entity({ 'backstage.io/kubernetes-id': 'refunds' })),
    ).toBe('refunds');
  });

  it('is undefined without it, or when it is empty', () => {
    expect(kubernetesIdOf(entity())).toBeUndefined();
    expect(
      kubernetesIdOf(entity({ 'backstage.io/kubernetes-id': '' })),
    ).toBeUndefined();
  });

  // The deployment backend selects by the id alone, so a label selector does not count.
  it('ignores backstage.io/kubernetes-label-selector', () => {
    expect(
      kubernetesIdOf(
        entity({ 'backstage.io/kubernetes-label-selector': 'app=refunds' }),
      ),
    ).toBeUndefined();
  });
});
