import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Refresh or sync a service's Argo CD Application from the portal. A resource permission on the
 * catalog entity, so a policy can allow it for the entity's owners (and platform engineers) only.
 *
 * @public
 */
export const deploymentActionPermission = createPermission({
  name: 'deployment.application.act',
  attributes: { action: 'update' },
  resourceType: 'catalog-entity',
});

/**
 * See a service's deployment status (environments, Argo CD Applications, pods). A resource
 * permission on the catalog entity; the entity itself must also be readable.
 *
 * @public
 */
export const deploymentReadPermission = createPermission({
  name: 'deployment.status.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});

/** Every permission of the deployment view. @public */
export const deploymentPermissions = [
  deploymentReadPermission,
  deploymentActionPermission,
];
