import Knex from 'knex';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { TeamAuthority } from '@internal/plugin-idp-node';
import { sampleOrgEntities } from '@internal/test-platform';
import { Tenancy } from '../actions/tenancy';
import { ComponentNames } from '../services/ComponentNames';
import { RecordSigner } from '../records/RecordSigner';

/**
 * Tenancy for tests that call action handlers directly: the real TeamAuthority over an
 * in-memory catalog holding the sample organisation (catalog-info/org.yaml, with the relations
 * the catalog would compute) plus `entities`, and component-name claims on a real SQLite.
 */
export async function testTenancy(
  options: { entities?: Entity[]; config?: object } = {},
): Promise<Tenancy & { stop(): Promise<void> }> {
  const catalog = catalogServiceMock({
    entities: [
      ...(sampleOrgEntities() as Entity[]),
      ...(options.entities ?? []),
    ],
  });
  const auth = mockServices.auth();
  const knex = Knex({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  return {
    teams: TeamAuthority.fromConfig(new ConfigReader(options.config ?? {}), {
      catalog,
      auth,
    }),
    names: await ComponentNames.fromKnex(knex),
    catalog,
    auth,
    stop: () => knex.destroy(),
  };
}

/** A signer with a fixed key, like production's shared backend secret. */
export const testSigner = () =>
  RecordSigner.fromConfig(
    new ConfigReader({ idp: { undo: { recordKey: 'test-record-key' } } }),
  );
