import type { ReactElement } from 'react';
import type { RenderResult } from '@testing-library/react';
import type { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import type { PermissionApi } from '@backstage/plugin-permission-react';
import type { DeploymentApi } from '../api/DeploymentApi';
import { deploymentApiRef } from '../api/DeploymentApi';
import { annotatedEntity } from '../__fixtures__/deploymentStatus';

type Decision = Exclude<
  NonNullable<
    NonNullable<Parameters<typeof mockApis.permission>[0]>['authorize']
  >,
  Function
>;
// AuthorizeResult's values; @backstage/plugin-permission-common is not a dependency here.
export const ALLOW = 'ALLOW' as Decision;
export const DENY = 'DENY' as Decision;

/** A permission API whose `authorize` is a jest mock answering `decision`. */
export function permissionApi(decision: Decision | 'pending' = ALLOW) {
  return mockApis.permission.mock({
    authorize: jest.fn(
      (): ReturnType<PermissionApi['authorize']> =>
        decision === 'pending'
          ? new Promise(() => {})
          : Promise.resolve({ result: decision }),
    ),
  });
}

/**
 * Renders `element` for `entity` in a test app with `api` as the DeploymentApi. Polling is
 * off unless `refreshIntervalSeconds` says otherwise.
 */
export function renderForEntity(
  element: ReactElement,
  options: {
    api: DeploymentApi;
    entity?: Entity;
    permission?: ReturnType<typeof permissionApi>;
    refreshIntervalSeconds?: number;
    config?: NonNullable<Parameters<typeof renderInTestApp>[1]>['config'];
  },
): RenderResult & { permission: ReturnType<typeof permissionApi> } {
  const permission = options.permission ?? permissionApi(ALLOW);
  const result = renderInTestApp(
    <EntityProvider entity={options.entity ?? annotatedEntity}>
      {element}
    </EntityProvider>,
    {
      apis: [[deploymentApiRef, options.api], permission],
      config: options.config ?? {
        deployment: {
          refreshIntervalSeconds: options.refreshIntervalSeconds ?? 0,
        },
      },
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
  return { ...result, permission };
}
