import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import request from 'supertest';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { localModeSignIn } from './localModeSignIn';

// Local mode's password-less sign-in (guest, and `local`: any sample user) must exist in local
// mode and must not exist in production, whose config is app-config.yaml with
// app-config.production.yaml on top: the guest and local sections are still there after the
// merge, so only the loader keeps them out.

jest.setTimeout(30_000);

const repoRoot = path.resolve(__dirname, '../../..');

function authSection(file: string) {
  return parse(fs.readFileSync(path.join(repoRoot, file), 'utf8')).auth;
}

const localAuth = authSection('app-config.yaml');
const productionAuth = authSection('app-config.production.yaml');
// What the two files merge to (the GitLab section's ${VAR}s stay unresolved: it is not loaded).
const mergedProductionAuth = {
  ...localAuth,
  ...productionAuth,
  providers: { ...localAuth.providers, ...productionAuth.providers },
};

const priya = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'priya.sharma', namespace: 'default' },
  spec: {
    profile: { displayName: 'Priya Sharma' },
    memberOf: ['platform-team'],
  },
  relations: [{ type: 'memberOf', targetRef: 'group:default/platform-team' }],
};

function startBackend(auth: Record<string, any>) {
  return startTestBackend({
    features: [
      authPlugin,
      localModeSignIn,
      catalogServiceMock.factory({ entities: [priya] }),
      mockServices.rootConfig.factory({
        data: { app: { baseUrl: 'http://localhost:3000' }, auth },
      }),
    ],
  });
}

describe('localModeSignIn', () => {
  it('loads guest and sample-user sign-in with app-config.yaml', async () => {
    expect(localAuth.environment).toBe('development');
    const backend = await startBackend(localAuth);
    try {
      const users = await request(backend.server).get('/api/auth/local-users');
      expect(users.status).toBe(200);
      expect(users.body.users).toEqual([
        expect.objectContaining({
          userEntityRef: 'user:default/priya.sharma',
          roles: ['platform-engineer'],
        }),
      ]);
      const local = await request(backend.server)
        .get('/api/auth/local/refresh')
        .set('x-idp-local-user', 'user:default/priya.sharma');
      expect(local.status).toBe(200);
      expect(local.body.backstageIdentity.identity.userEntityRef).toBe(
        'user:default/priya.sharma',
      );
      // The guest provider is there (it refuses outside NODE_ENV=development, but answers).
      const guest = await request(backend.server).get(
        '/api/auth/guest/refresh',
      );
      expect(guest.status).not.toBe(404);
    } finally {
      await backend.stop();
    }
  });

  it('loads neither with app-config.production.yaml on top, though their config is present', async () => {
    expect(mergedProductionAuth.environment).toBe('production');
    expect(Object.keys(mergedProductionAuth.providers)).toEqual(
      expect.arrayContaining(['guest', 'local']),
    );
    const backend = await startBackend(mergedProductionAuth);
    try {
      for (const [url, header] of [
        ['/api/auth/local-users', undefined],
        ['/api/auth/local/refresh', 'user:default/priya.sharma'],
        ['/api/auth/guest/refresh', undefined],
      ]) {
        const req = request(backend.server).get(url!);
        const res = await (header ? req.set('x-idp-local-user', header) : req);
        expect({ url, status: res.status }).toEqual({ url, status: 404 });
      }
    } finally {
      await backend.stop();
    }
  });
});
