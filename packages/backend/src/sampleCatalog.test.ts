import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import request from 'supertest';
import {
  TestDatabases,
  TestDatabaseId,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import catalogModuleIdpTenancy from '@internal/plugin-catalog-backend-module-idp';

// The sample catalog as the portal loads it: the real catalog plugin with the portal's tenancy
// rules, the `catalog` section of the real app-config.yaml (each location with its rules), the
// files under catalog-info/ and templates/, and a real database, once on SQLite and once on
// PostgreSQL.

const repoRoot = path.resolve(__dirname, '../../..');
const backendDir = path.resolve(__dirname, '..');

function postgresIds(): TestDatabaseId[] {
  return Object.keys(process.env)
    .map(k =>
      /^BACKSTAGE_TEST_DATABASE_POSTGRES(\d+)_CONNECTION_STRING$/.exec(k),
    )
    .filter((m): m is RegExpExecArray => Boolean(m))
    .map(m => `POSTGRES_${m[1]}` as TestDatabaseId);
}

const ids: TestDatabaseId[] = ['SQLITE_3', ...postgresIds()];
if (process.env.CI && ids.length < 2) {
  // scripts/test.sh always provides PostgreSQL; never let CI silently test SQLite only.
  throw new Error(
    'CI is set but no BACKSTAGE_TEST_DATABASE_POSTGRES<N>_CONNECTION_STRING is: run scripts/test.sh',
  );
}
const databases = TestDatabases.create({ ids, disableDocker: true });

/** Every entity the sample files declare, read straight from the YAML. */
function declaredEntities(): Entity[] {
  const dir = path.join(repoRoot, 'catalog-info');
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.yaml'))
    .flatMap(f =>
      parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map(
        d => d.toJS() as Entity,
      ),
    );
}

/** app-config.yaml's catalog section with file targets made absolute. */
function catalogConfig() {
  const appConfig = parse(
    fs.readFileSync(path.join(repoRoot, 'app-config.yaml'), 'utf8'),
  );
  const catalog = appConfig.catalog;
  catalog.locations = catalog.locations.map((l: any) => ({
    ...l,
    target: path.resolve(backendDir, l.target),
  }));
  return catalog;
}

describe.each(databases.eachSupportedId())(
  'sample catalog on %s',
  databaseId => {
    it('ingests every declared entity with no processing errors', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          catalogPlugin,
          scaffolderEntityModel,
          catalogModuleIdpTenancy,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              catalog: {
                ...catalogConfig(),
                processingInterval: { seconds: 1 },
              },
            },
          }),
        ],
      });
      try {
        const declared = declaredEntities();
        const expectedRefs = declared
          .map(e => stringifyEntityRef(e).toLowerCase())
          .sort();
        const auth = mockCredentials.user.header();

        const fetchAll = async () => {
          const res = await request(backend.server)
            .get('/api/catalog/entities')
            .set('Authorization', auth);
          expect(res.status).toBe(200);
          return res.body as Entity[];
        };
        const missingFrom = (items: Entity[]) => {
          const refs = new Set(
            items.map(e => stringifyEntityRef(e).toLowerCase()),
          );
          return expectedRefs.filter(r => !refs.has(r));
        };
        // Wait for every declared entity; an entity that fails validation never appears, and
        // the error that says why sits on the location that emitted it, reported below.
        let entities = await fetchAll();
        const deadline = Date.now() + 45_000;
        while (missingFrom(entities).length > 0 && Date.now() < deadline) {
          await new Promise(r => setTimeout(r, 250));
          entities = await fetchAll();
        }

        const errors = entities.flatMap(e =>
          ((e as any).status?.items ?? [])
            .filter((i: any) => i.level === 'error')
            .map((i: any) => `${stringifyEntityRef(e)}: ${i.error?.message}`),
        );
        expect({ missing: missingFrom(entities), errors }).toEqual({
          missing: [],
          errors: [],
        });

        const byRef = new Map(
          entities.map(e => [stringifyEntityRef(e).toLowerCase(), e]),
        );
        const relations = (ref: string, type: string) =>
          (byRef.get(ref)?.relations ?? [])
            .filter(r => r.type === type)
            .map(r => r.targetRef)
            .sort();

        // The organisation: four roles are represented by group membership.
        expect(relations('group:default/platform-team', 'hasMember')).toEqual([
          'user:default/priya.sharma',
          'user:default/tomas.novak',
        ]);
        expect(relations('user:default/morgan.lee', 'memberOf')).toEqual([
          'group:default/engineering-leadership',
        ]);
        expect(relations('user:default/ari.cohen', 'memberOf')).toEqual([
          'group:default/security-compliance',
        ]);
        // The portal itself, in its system, providing its API, on both clusters.
        expect(relations('component:default/idp-portal', 'partOf')).toEqual([
          'system:default/idp',
        ]);
        expect(relations('component:default/idp-portal', 'dependsOn')).toEqual([
          'resource:default/cluster-development',
          'resource:default/cluster-production',
        ]);
        expect(
          relations('api:default/payments-checkout-api', 'apiConsumedBy'),
        ).toEqual(['component:default/storefront-web']);
        expect(relations('system:default/payments', 'partOf')).toEqual([
          'domain:default/commerce',
        ]);

        // The entities really live in the database under test.
        const [{ count }] = await knex('final_entities').count({ count: '*' });
        expect(Number(count)).toBeGreaterThanOrEqual(expectedRefs.length);
      } finally {
        await backend.stop();
      }
    }, 90_000);
  },
);
