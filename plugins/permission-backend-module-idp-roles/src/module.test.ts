import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { permissionModuleIdpRoles } from './module';

describe('permissionModuleIdpRoles', () => {
  const start = (idp: object) =>
    startTestBackend({
      features: [
        permissionPlugin,
        permissionModuleIdpRoles,
        mockServices.rootConfig.factory({
          data: { permission: { enabled: true }, idp },
        }),
      ],
    });

  it('starts with a valid idp configuration', async () => {
    const backend = await start({
      access: { roles: { manager: ['group:default/directors'] } },
    });
    await backend.stop();
  });

  // The module validates all of idp.* at start-up, not only idp.access: one wrong value stops
  // the backend before anyone is given the wrong access or a golden path fails half-way.
  it('stops the backend at start-up, naming the key that is wrong', async () => {
    await expect(
      start({
        access: { roles: { admin: ['group:default/x'] } },
        environment: { publicDomains: ['apps.acme.example', 'xx'] },
      }),
    ).rejects.toThrow(
      /idp\.environment\.publicDomains\[1\]: 'xx' is not a DNS name[^]*idp\.access\.roles\.admin: unknown role/,
    );
  });
});
