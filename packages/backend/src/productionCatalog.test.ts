import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import catalogModuleIdpTenancy from '@internal/plugin-catalog-backend-module-idp';

// Production's catalog: app-config.yaml's rules with app-config.production.yaml's locations, read
// from a copy of the repository laid out like the image (/app, which ships no sample
// organisation). It loads the platform's own entities and templates, and no Users or Groups:
// those come from the GitLab org sync or a site's file, never from the sample people.

const repoRoot = path.resolve(__dirname, '../../..');

function readYaml(file: string) {
  return parse(fs.readFileSync(path.join(repoRoot, file), 'utf8'));
}

describe('the production catalog', () => {
  it('has the platform entities and templates but not the sample organisation', async () => {
    // The image's working directory is /app; the repository has the same layout.
    const production = readYaml('app-config.production.yaml').catalog;
    const locations = production.locations.map((l: any) => ({
      ...l,
      target: path.resolve(repoRoot, l.target),
    }));
    expect(locations.some((l: any) => l.target.endsWith('org.yaml'))).toBe(
      false,
    );
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        scaffolderEntityModel,
        catalogModuleIdpTenancy,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              ...readYaml('app-config.yaml').catalog,
              locations,
              processingInterval: { seconds: 1 },
            },
          },
        }),
      ],
    });
    try {
      const fetchAll = async () =>
        (
          await request(backend.server)
            .get('/api/catalog/entities')
            .set('Authorization', mockCredentials.user.header())
        ).body as Entity[];
      const expectedKinds = [
        'API',
        'Component',
        'Domain',
        'Location',
        'Resource',
        'System',
        'Template',
      ];
      const kindsOf = (items: Entity[]) =>
        [...new Set(items.map(e => e.kind))].sort();
      let entities = await fetchAll();
      for (const deadline = Date.now() + 45_000; Date.now() < deadline; ) {
        if (kindsOf(entities).length >= expectedKinds.length) break;
        await new Promise(r => setTimeout(r, 250));
        entities = await fetchAll();
      }
      // A moment more: a User or Group read late would show by now.
      await new Promise(r => setTimeout(r, 2000));
      entities = await fetchAll();
      expect(kindsOf(entities)).toEqual(expectedKinds);
      expect(entities.map(e => stringifyEntityRef(e))).toEqual(
        expect.arrayContaining([
          'component:default/idp-portal',
          'template:default/python-fastapi-service',
          'resource:default/cluster-production',
        ]),
      );
      expect(
        entities.flatMap(e =>
          ((e as any).status?.items ?? []).map(
            (i: any) => `${stringifyEntityRef(e)}: ${i.error?.message}`,
          ),
        ),
      ).toEqual([]);
    } finally {
      await backend.stop();
    }
  }, 90_000);
});
