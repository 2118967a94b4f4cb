import type { Entity } from '@backstage/catalog-model';
import {
  ApiBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  annotatedEntity,
  unannotatedEntity,
} from './__fixtures__/deploymentStatus';
import {
  deploymentApi,
  deploymentPlugin,
  entityDeploymentCard,
  entityDeploymentContent,
} from './plugin';
import { DeploymentClient } from './api/DeploymentClient';
import deploymentPluginDefault from './index';

const api: Entity = { ...unannotatedEntity, kind: 'API' };

describe('deploymentPlugin', () => {
  it('is the package default export', () => {
    expect(deploymentPluginDefault).toBe(deploymentPlugin);
    expect(deploymentPlugin.id).toBe('deployment');
  });

  it('puts a Deployment tab on every component, annotated or not', () => {
    const tester = createExtensionTester(entityDeploymentContent);
    expect(tester.get(coreExtensionData.routePath)).toBe('/deployment');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe(
      'Deployment',
    );
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(filter(annotatedEntity)).toBe(true);
    expect(filter(unannotatedEntity)).toBe(true);
    expect(filter(api)).toBe(false);
  });

  it('puts the card on entities with backstage.io/kubernetes-id only', () => {
    const filter = createExtensionTester(entityDeploymentCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(filter(annotatedEntity)).toBe(true);
    expect(filter(unannotatedEntity)).toBe(false);
  });

  it('provides the DeploymentClient', () => {
    const factory = createExtensionTester(deploymentApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(factory.api.id).toBe('plugin.deployment.api');
    expect(
      factory.factory({
        discoveryApi: { getBaseUrl: async () => '' },
        fetchApi: { fetch },
      }),
    ).toBeInstanceOf(DeploymentClient);
  });
});
