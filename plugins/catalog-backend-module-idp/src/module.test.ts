import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parseAllDocuments, stringify } from 'yaml';
import { Knex } from 'knex';
import {
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import { locationSpecToMetadataName } from '@backstage/plugin-catalog-node';
import {
  GitLabDouble,
  portalCatalogConfig,
  startGitLabDouble,
} from '@internal/test-platform';
import { catalogModuleIdpTenancy } from './module';

// The tenancy rules through the real catalog: the catalog plugin with this module, the portal's
// real catalog rules and locations from app-config.yaml (the sample catalog, its organisation and
// the templates), and a GitLab test double under a sub-path serving the files a developer
// registers through POST /api/catalog/locations, as the Register page and idp:catalog:register do.
//
// Where a refusal shows: the dry run that the Register page (and idp:catalog:register) makes
// before registering answers 400 with the message; after a real registration the refused entity
// never reaches the catalog, and the message is the entity's processing error in the catalog's
// refresh_state (what the logs module logs), read here from the test database.

jest.setTimeout(120_000);

const DEVELOPER = mockCredentials.user.header('user:default/diego.alvarez');
const ORG_FILE = path.join('catalog-info', 'org.yaml');

const databases = TestDatabases.create({
  ids: ['SQLITE_3'],
  disableDocker: true,
});

const component = (name: string, owner: string, extra: object = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, ...extra },
  spec: { type: 'service', lifecycle: 'experimental', owner },
});

const docs = (...entities: object[]) =>
  entities.map(e => stringify(e)).join('---\n');

describe('catalog tenancy through the real catalog', () => {
  let gitlab: GitLabDouble;
  let knex: Knex;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let orgFile: string;

  const fileUrl = (project: string, file: string) =>
    `${gitlab.baseUrl}/${project}/-/blob/main/${file}`;
  const locationRef = (target: string) =>
    `location:default/${locationSpecToMetadataName({ type: 'url', target })}`;

  async function commit(project: string, files: Record<string, string>) {
    const { id } = gitlab.state.project(project)!;
    const res = await fetch(
      `${gitlab.apiBaseUrl}/projects/${id}/repository/commits`,
      {
        method: 'POST',
        headers: {
          'PRIVATE-TOKEN': gitlab.rootToken,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          branch: 'main',
          commit_message: 'catalog files',
          actions: Object.entries(files).map(([file_path, content]) => ({
            action: 'create',
            file_path,
            content,
          })),
        }),
      },
    );
    if (res.status !== 201) {
      throw new Error(
        `commit to ${project}: ${res.status} ${await res.text()}`,
      );
    }
  }

  const register = (target: string, dryRun = false) =>
    request(backend.server)
      .post(`/api/catalog/locations${dryRun ? '?dryRun=true' : ''}`)
      .set('Authorization', DEVELOPER)
      .send({ type: 'url', target });

  async function allEntities(): Promise<Entity[]> {
    const res = await request(backend.server)
      .get('/api/catalog/entities')
      .set('Authorization', DEVELOPER);
    expect(res.status).toBe(200);
    return res.body;
  }

  /** The processing errors the catalog recorded for an entity (refresh_state.errors). */
  async function processingErrors(ref: string): Promise<string[]> {
    const rows = await knex('refresh_state').select('entity_ref', 'errors');
    const row = rows.find(
      r => r.entity_ref.toLowerCase() === ref.toLowerCase(),
    );
    return row?.errors ? JSON.parse(row.errors).map((e: any) => e.message) : [];
  }

  async function eventually<T>(
    what: string,
    probe: () => Promise<T | undefined>,
  ): Promise<T> {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise(r => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** Waits for an error naming `pattern` on `ref`, and returns the error. */
  const refusedWith = (ref: string, pattern: RegExp) =>
    eventually(`a processing error on ${ref} matching ${pattern}`, async () =>
      (await processingErrors(ref)).find(m => pattern.test(m)),
    );

  beforeAll(async () => {
    gitlab = await startGitLabDouble({ basePath: '/gitlab' });
    gitlab.addGroup({ path: 'idp', name: 'IDP' });
    gitlab.addGroup({ path: 'team-payments', parent: 'idp' });
    gitlab.addGroup({ path: 'team-storefront', parent: 'idp' });
    for (const [namespace, name] of [
      ['idp/team-payments', 'payments-refunds'],
      ['idp/team-storefront', 'storefront-web'],
      ['idp', 'payments-tools'],
    ]) {
      await gitlab.addProject({
        namespace,
        path: name,
        default_branch: 'main',
        initialize_with_readme: true,
      });
    }
    const catalog = portalCatalogConfig();
    orgFile = catalog.locations.find(l => l.target.endsWith(ORG_FILE))!.target;

    await commit('idp/team-payments/payments-refunds', {
      // What the team may register: its own Component.
      'catalog-info.yaml': docs(component('payments-refunds', 'team-payments')),
      // A developer's way to sign in as a platform engineer: a User with their GitLab login
      // annotation in platform-team, claiming to come from the sample org file.
      'people.yaml': docs({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'User',
        metadata: {
          name: 'intruder',
          annotations: {
            [`${gitlab.host}/user-login`]: `${gitlab.baseUrl}/intruder`,
            'backstage.io/managed-by-origin-location': `file:${orgFile}`,
          },
        },
        spec: { memberOf: ['platform-team'] },
      }),
      'group.yaml': docs({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Group',
        metadata: { name: 'platform-admins' },
        spec: { type: 'team', children: [], members: ['diego.alvarez'] },
      }),
      // A Template would run any built-in action with the portal's GitLab token.
      'template.yaml': docs({
        apiVersion: 'scaffolder.backstage.io/v1beta3',
        kind: 'Template',
        metadata: { name: 'steal-token' },
        spec: {
          owner: 'team-payments',
          type: 'service',
          steps: [
            {
              id: 'log',
              action: 'debug:log',
              input: { message: 'hello' },
            },
          ],
        },
      }),
      'foreign.yaml': docs(component('storefront-takeover', 'team-storefront')),
      // Owned by the platform and claiming the platform's own catalog as its origin: the
      // catalog overwrites the annotation, so the owner rule still applies.
      'forged.yaml': docs(
        component('forged-origin', 'platform-team', {
          annotations: {
            'backstage.io/managed-by-origin-location': `file:${catalog.locations[0].target}`,
            'backstage.io/managed-by-location': `file:${catalog.locations[0].target}`,
          },
        }),
      ),
      'pointer.yaml': docs({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Location',
        metadata: { name: 'to-storefront' },
        spec: {
          type: 'url',
          target: `${gitlab.baseUrl}/idp/team-storefront/storefront-web/-/blob/main/catalog-info.yaml`,
        },
      }),
      'to-file.yaml': docs({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Location',
        metadata: { name: 'to-org-file' },
        spec: { type: 'file', target: orgFile },
      }),
    });
    await commit('idp/team-storefront/storefront-web', {
      'catalog-info.yaml': docs(
        component('storefront-extras', 'team-storefront'),
      ),
    });
    await commit('idp/payments-tools', {
      'catalog-info.yaml': docs(component('payments-tools', 'team-payments')),
    });

    knex = await databases.init('SQLITE_3');
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        scaffolderEntityModel,
        catalogModuleIdpTenancy,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: {
            integrations: { gitlab: [gitlab.integrationConfig()] },
            idp: { gitlab: { host: gitlab.host } },
            catalog: { ...catalog, processingInterval: { seconds: 1 } },
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await gitlab?.stop();
  });

  const project = 'idp/team-payments/payments-refunds';

  it("accepts the team's own Component from its project", async () => {
    const target = fileUrl(project, 'catalog-info.yaml');
    expect((await register(target)).status).toBe(201);
    const entity = await eventually('payments-refunds', async () =>
      (await allEntities()).find(e => e.metadata.name === 'payments-refunds'),
    );
    expect(entity.spec?.owner).toBe('team-payments');
    expect(entity.metadata.annotations).toMatchObject({
      'backstage.io/managed-by-origin-location': `url:${target}`,
    });
    expect((entity as any).status?.items ?? []).toEqual([]);
  });

  it.each([
    ['a User in platform-team', 'people.yaml', 'user:default/intruder'],
    ['a Group', 'group.yaml', 'group:default/platform-admins'],
    ['a Template', 'template.yaml', 'template:default/steal-token'],
  ])(
    'refuses %s: the catalog rules allow registered locations only Components, APIs and Locations',
    async (_what, file, ref) => {
      const target = fileUrl(project, file);
      const message = new RegExp(
        `Entity ${ref} at url:${target}, originated at url:${target}, is not of an allowed kind for that location`,
        'i',
      );
      const dryRun = await register(target, true);
      expect(dryRun.status).toBe(400);
      expect(dryRun.body.error.message).toMatch(message);

      expect((await register(target)).status).toBe(201);
      // The whole registered Location fails, so nothing of the file is stored.
      await refusedWith(locationRef(target), message);
      const refs = (await allEntities()).map(e => stringifyEntityRef(e));
      expect(refs).not.toContain(ref);
      expect(refs).not.toContain(locationRef(target));
    },
  );

  it.each([
    [
      "a Component owned by another team (rule 'owner')",
      project,
      'foreign.yaml',
      'component:default/storefront-takeover',
      `Catalog tenancy rule 'owner': component:default/storefront-takeover is owned by 'team-storefront' \\(that is, group:default/team-storefront\\), but it is registered from GITLAB/${project}, a project of team team-payments, and an entity from a team's project must be owned by that team: spec.owner must be group:default/team-payments\\.`,
    ],
    [
      "a Component whose file forges the platform's origin annotation (rule 'owner': the catalog overwrote it)",
      project,
      'forged.yaml',
      'component:default/forged-origin',
      `Catalog tenancy rule 'owner': component:default/forged-origin is owned by 'platform-team'.*spec\\.owner must be group:default/team-payments\\.`,
    ],
    [
      "a Location pointing at another team's project (rule 'location-target')",
      project,
      'pointer.yaml',
      'location:default/to-storefront',
      `Catalog tenancy rule 'location-target': location:default/to-storefront points at url:GITLAB/idp/team-storefront/storefront-web/-/blob/main/catalog-info\\.yaml, outside its GitLab project GITLAB/${project}; a Location registered from a team's project may point only at files in that same project`,
    ],
    [
      "a Location pointing at a file on the portal's disk (rule 'location-target')",
      project,
      'to-file.yaml',
      'location:default/to-org-file',
      `Catalog tenancy rule 'location-target': location:default/to-org-file is a Location of type 'file'`,
    ],
  ])('refuses %s', async (_what, repo, file, ref, pattern) => {
    const target = fileUrl(repo, file);
    const message = new RegExp(pattern.replace(/GITLAB/g, gitlab.baseUrl));
    const dryRun = await register(target, true);
    expect(dryRun.status).toBe(400);
    expect(dryRun.body.error.message).toMatch(message);

    expect((await register(target)).status).toBe(201);
    await refusedWith(ref, message);
    // The registered file itself is the team's and stays; only the refused entity is missing.
    const refs = await eventually(
      `${locationRef(target)} stitched`,
      async () => {
        const all = (await allEntities()).map(e => stringifyEntityRef(e));
        return all.includes(locationRef(target)) ? all : undefined;
      },
    );
    expect(refs).not.toContain(ref);
  });

  it("refuses a Component in a repository outside idp/<team>/ (rule 'origin'), before reading it", async () => {
    const target = fileUrl('idp/payments-tools', 'catalog-info.yaml');
    const message = new RegExp(
      `Catalog tenancy rule 'origin': ${locationRef(
        target,
      )} originates at url:${target}, but it is not a file \\(/-/blob/<ref>/<path>\\) of a project directly in a team's group\\. Outside the platform's own catalog locations, entities may be registered only from a file in a team's GitLab project: ${
        gitlab.baseUrl
      }/idp/<team>/<project>/-/blob/<ref>/<path>\\.`,
    );
    const dryRun = await register(target, true);
    expect(dryRun.status).toBe(400);
    expect(dryRun.body.error.message).toMatch(message);

    expect((await register(target)).status).toBe(201);
    await refusedWith(locationRef(target), message);
    const refs = (await allEntities()).map(e => stringifyEntityRef(e));
    expect(refs).not.toContain('component:default/payments-tools');
    expect(refs).not.toContain(locationRef(target));
  });

  it('refuses registering a file location at all (registered locations are url only)', async () => {
    const res = await request(backend.server)
      .post('/api/catalog/locations')
      .set('Authorization', DEVELOPER)
      .send({ type: 'file', target: orgFile });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'Registered locations must be of an allowed type ["url"]',
    );
  });

  it('returns none of the refused entities, and still the whole sample catalog of every kind', async () => {
    const entities = await allEntities();
    const refs = entities.map(e => stringifyEntityRef(e).toLowerCase());
    for (const refused of [
      'user:default/intruder',
      'group:default/platform-admins',
      'template:default/steal-token',
      'component:default/storefront-takeover',
      'component:default/forged-origin',
      'location:default/to-storefront',
      'location:default/to-org-file',
      'component:default/storefront-extras',
      'component:default/payments-tools',
    ]) {
      expect(refs).not.toContain(refused);
    }
    // Nobody joined platform-team.
    const platformTeam = entities.find(
      e => stringifyEntityRef(e) === 'group:default/platform-team',
    );
    expect(
      (platformTeam?.relations ?? [])
        .filter(r => r.type === 'hasMember')
        .map(r => r.targetRef)
        .sort(),
    ).toEqual(['user:default/priya.sharma', 'user:default/tomas.novak']);

    const declared = declaredRefs(
      portalCatalogConfig().locations.map(l => l.target),
    );
    expect(declared.filter(r => !refs.includes(r))).toEqual([]);
    const kinds = new Set(entities.map(e => e.kind));
    expect([...kinds].sort()).toEqual([
      'API',
      'Component',
      'Domain',
      'Group',
      'Location',
      'Resource',
      'System',
      'Template',
      'User',
    ]);
    // The platform's own entities are processed without errors.
    const errors = entities.flatMap(e =>
      ((e as any).status?.items ?? []).map(
        (i: any) => `${stringifyEntityRef(e)}: ${i.error?.message}`,
      ),
    );
    expect(errors).toEqual([]);
  });
});

/** Every entity ref the given Location files declare, following their targets (and globs). */
function declaredRefs(files: string[]): string[] {
  const refs: string[] = [];
  const visit = (file: string) => {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const e = doc.toJS();
      if (!e) continue;
      refs.push(stringifyEntityRef(e).toLowerCase());
      if (e.kind !== 'Location') continue;
      for (const target of e.spec.targets ?? [e.spec.target]) {
        const full = path.resolve(path.dirname(file), target);
        const base = path.basename(full);
        if (!base.includes('*')) {
          visit(full);
          continue;
        }
        const re = new RegExp(
          `^${base.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`,
        );
        fs.readdirSync(path.dirname(full))
          .filter(f => re.test(f))
          .forEach(f => visit(path.join(path.dirname(full), f)));
      }
    }
  };
  files.forEach(visit);
  return refs;
}
