/*
 * A synthetic but realistically shaped catalog: an organisation (departments, teams, users),
 * domains, systems, and the components, APIs and resources of each system, owned by teams and
 * related the way a real portal's entities are (memberOf, ownedBy, partOf, providesApi,
 * consumesApi, dependsOn). Deterministic: the same size gives the same entities.
 *
 * Written as a Location file (`all.yaml`) that points at `org.yaml` and one file per system
 * (`systems/<system>.yaml`), the way a catalog is usually spread over repositories.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

const AREAS = [
  'payments',
  'checkout',
  'shipping',
  'inventory',
  'billing',
  'catalog',
  'search',
  'identity',
  'notifications',
  'pricing',
  'orders',
  'returns',
  'fulfilment',
  'analytics',
  'reporting',
  'loyalty',
  'marketing',
  'support',
  'logistics',
  'warehouse',
];
const NOUNS = [
  'api',
  'gateway',
  'worker',
  'scheduler',
  'ledger',
  'indexer',
  'router',
  'importer',
  'exporter',
  'processor',
  'adapter',
  'validator',
  'resolver',
  'collector',
  'dispatcher',
  'tracker',
  'planner',
  'renderer',
  'cache',
  'broker',
  'sync',
  'monitor',
  'auditor',
  'aggregator',
  'publisher',
  'consumer',
  'connector',
  'engine',
  'service',
  'portal',
];
const FIRST = [
  'ada',
  'ben',
  'carla',
  'dmitri',
  'elena',
  'farid',
  'greta',
  'hiro',
  'ines',
  'jonas',
  'kemal',
  'lena',
  'marco',
  'nadia',
  'oscar',
  'paula',
  'quentin',
  'rosa',
  'samir',
  'tara',
  'ulla',
  'victor',
  'wen',
  'ximena',
  'yusuf',
  'zoe',
  'anil',
  'bianca',
  'chen',
  'dana',
  'emil',
  'fatima',
  'gustav',
  'hana',
  'ivan',
  'julia',
  'kofi',
  'lucia',
  'mateo',
  'nora',
];
const LAST = [
  'adams',
  'berg',
  'costa',
  'dubois',
  'eriksen',
  'fischer',
  'garcia',
  'hansen',
  'ito',
  'jansen',
  'kowalski',
  'larsen',
  'moreau',
  'nakamura',
  'olsen',
  'petrov',
  'quinn',
  'rossi',
  'schmidt',
  'tanaka',
  'ueda',
  'vogel',
  'weber',
  'xu',
  'yilmaz',
  'zimmer',
  'alvarez',
  'brandt',
  'castro',
  'dahl',
  'evans',
  'ferreira',
  'gruber',
  'horvat',
  'iqbal',
  'jovanovic',
  'keller',
  'lindqvist',
  'meyer',
  'novak',
];
const TAGS = [
  'python',
  'java',
  'go',
  'typescript',
  'kotlin',
  'grpc',
  'rest',
  'kafka',
  'postgres',
  'redis',
  'pci',
  'gdpr',
  'tier-1',
  'tier-2',
  'tier-3',
];

/** Shares of each kind, per 5,000 entities (components take what is left). */
const SHARES = {
  Domain: 10,
  Group: 100,
  User: 1000,
  System: 250,
  Resource: 350,
  API: 790,
};

export interface GeneratedCatalog {
  dir: string;
  /** The Location file to point catalog.locations at. */
  locationFile: string;
  counts: Record<string, number>;
  total: number;
  /** A component to open (entity page). */
  sampleComponent: string;
  /** A user who is a member of one team, and the team. */
  sampleUser: string;
  sampleUserTeam: string;
  /** A word that appears in some component names (the catalog's search box). */
  searchTerm: string;
}

/** mulberry32: a small seeded PRNG, so every run generates the same catalog. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: T[]): T => items[Math.floor(next() * items.length)],
  };
}

function openApiDefinition(name: string, area: string): string {
  const resource = `${area}-items`;
  return stringify({
    openapi: '3.0.3',
    info: { title: name, version: '1.4.0', description: `The ${area} API.` },
    paths: {
      [`/${resource}`]: {
        get: {
          summary: `List ${resource}`,
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer' } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            200: {
              description: 'A page of items',
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/ItemPage' },
                },
              },
            },
          },
        },
        post: {
          summary: `Create an item`,
          requestBody: {
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Item' },
              },
            },
          },
          responses: { 201: { description: 'Created' } },
        },
      },
      [`/${resource}/{id}`]: {
        get: {
          summary: 'Get one item',
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              schema: { type: 'string' },
            },
          ],
          responses: {
            200: { description: 'The item' },
            404: { description: 'Not found' },
          },
        },
      },
    },
    components: {
      schemas: {
        Item: {
          type: 'object',
          required: ['id', 'name'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: { type: 'string' },
            amount: { type: 'number' },
            currency: { type: 'string' },
            createdAt: { type: 'string', format: 'date-time' },
          },
        },
        ItemPage: {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              items: { $ref: '#/components/schemas/Item' },
            },
            nextCursor: { type: 'string' },
          },
        },
      },
    },
  });
}

/** Writes a catalog of `size` entities into `dir` (created). */
export function generateCatalog(size: number, dir: string): GeneratedCatalog {
  const r = rng(42);
  const scale = (n: number) => Math.max(1, Math.round((n * size) / 5000));
  const counts: Record<string, number> = {};
  for (const [kind, n] of Object.entries(SHARES)) counts[kind] = scale(n);
  const departments = counts.Domain;
  counts.Component = size - Object.values(counts).reduce((a, b) => a + b, 0);
  if (counts.Component < 1) throw new Error(`size ${size} is too small`);

  const entities: Record<string, any[]> = {};
  const add = (file: string, entity: any) =>
    (entities[file] ??= []).push(entity);

  // Organisation: one root, a department per domain, teams under departments.
  const teams: string[] = [];
  const deptNames: string[] = [];
  add('org.yaml', {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'acme', title: 'Acme Logistics' },
    spec: { type: 'organization', children: [] },
  });
  for (let d = 0; d < departments; d++) {
    const name = `dept-${AREAS[d % AREAS.length]}${
      d >= AREAS.length ? `-${d}` : ''
    }`;
    deptNames.push(name);
    add('org.yaml', {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name, title: `${AREAS[d % AREAS.length]} department` },
      spec: { type: 'department', parent: 'acme', children: [] },
    });
  }
  const teamCount = counts.Group - 1 - departments;
  for (let t = 0; t < teamCount; t++) {
    const area = AREAS[t % AREAS.length];
    const name = `team-${area}-${Math.floor(t / AREAS.length) + 1}`;
    teams.push(name);
    add('org.yaml', {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: {
        name,
        title: `Team ${area} ${Math.floor(t / AREAS.length) + 1}`,
        description: `Builds and runs the ${area} services.`,
      },
      spec: {
        type: 'team',
        parent: deptNames[t % departments],
        children: [],
        profile: { email: `${name}@acme.example` },
      },
    });
  }
  if (teams.length === 0) teams.push(deptNames[0]);

  const users: string[] = [];
  for (let u = 0; u < counts.User; u++) {
    const first = FIRST[u % FIRST.length];
    const last = LAST[Math.floor(u / FIRST.length) % LAST.length];
    const name = `${first}.${last}${u >= FIRST.length * LAST.length ? u : ''}`;
    users.push(name);
    const memberOf = [teams[u % teams.length]];
    if (r.next() < 0.1) memberOf.push(r.pick(teams));
    add('org.yaml', {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name },
      spec: {
        profile: {
          displayName: `${first[0].toUpperCase()}${first.slice(
            1,
          )} ${last[0].toUpperCase()}${last.slice(1)}`,
          email: `${name}@acme.example`,
        },
        memberOf: [...new Set(memberOf)],
      },
    });
  }

  const domains: string[] = [];
  for (let d = 0; d < counts.Domain; d++) {
    const name = `${AREAS[d % AREAS.length]}${
      d >= AREAS.length ? `-${d}` : ''
    }`;
    domains.push(name);
    add('org.yaml', {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Domain',
      metadata: { name, description: `Everything about ${name}.` },
      spec: { owner: `group:default/${deptNames[d]}` },
    });
  }

  // Systems, each in a file of its own with its components, APIs and resources.
  const systems: { name: string; owner: string; area: string; file: string }[] =
    [];
  for (let s = 0; s < counts.System; s++) {
    const owner = teams[s % teams.length];
    const area = owner.split('-')[1] ?? AREAS[s % AREAS.length];
    const name = `${area}-platform-${s + 1}`;
    const file = `systems/${name}.yaml`;
    systems.push({ name, owner, area, file });
    add(file, {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'System',
      metadata: {
        name,
        description: `The ${area} platform, part ${s + 1}.`,
        tags: [area],
      },
      spec: {
        owner: `group:default/${owner}`,
        domain: domains[s % domains.length],
      },
    });
  }

  const resources: { name: string; system: number }[] = [];
  for (let i = 0; i < counts.Resource; i++) {
    const system = i % systems.length;
    const sys = systems[system];
    const type = r.pick(['database', 'database', 's3-bucket', 'queue']);
    const name = `${sys.area}-${type}-${i + 1}`;
    resources.push({ name, system });
    add(sys.file, {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: { name, description: `A ${type} of ${sys.name}.` },
      spec: {
        type,
        owner: `group:default/${sys.owner}`,
        system: sys.name,
      },
    });
  }

  // Components first get names so APIs can name their providers.
  const components: { name: string; system: number; type: string }[] = [];
  for (let i = 0; i < counts.Component; i++) {
    const system = r.int(systems.length);
    const sys = systems[system];
    const noun = NOUNS[r.int(NOUNS.length)];
    const roll = r.next();
    const type = roll < 0.6 ? 'service' : roll < 0.75 ? 'website' : 'library';
    components.push({ name: `${sys.area}-${noun}-${i + 1}`, system, type });
  }
  const apis: { name: string; system: number; provider?: string }[] = [];
  for (let i = 0; i < counts.API; i++) {
    const system = i % systems.length;
    const sys = systems[system];
    const name = `${sys.area}-${NOUNS[r.int(NOUNS.length)]}-api-${i + 1}`;
    const providers = components.filter(
      c => c.system === system && c.type === 'service',
    );
    const provider = providers.length ? r.pick(providers).name : undefined;
    apis.push({ name, system, provider });
    const roll = r.next();
    const type = roll < 0.8 ? 'openapi' : roll < 0.9 ? 'grpc' : 'asyncapi';
    add(sys.file, {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'API',
      metadata: {
        name,
        description: `The ${sys.area} API number ${i + 1}.`,
        tags: [r.pick(TAGS)],
      },
      spec: {
        type,
        lifecycle: r.pick(['production', 'production', 'experimental']),
        owner: `group:default/${sys.owner}`,
        system: sys.name,
        definition:
          type === 'openapi'
            ? openApiDefinition(name, sys.area)
            : `# ${type} definition of ${name}\n`,
      },
    });
  }

  for (const c of components) {
    const sys = systems[c.system];
    const provides = apis
      .filter(a => a.provider === c.name)
      .map(a => `api:default/${a.name}`);
    const consumes = Array.from(
      { length: r.int(4) },
      () => `api:default/${r.pick(apis).name}`,
    );
    const sameSystemResources = resources.filter(x => x.system === c.system);
    const dependsOn = [
      ...(sameSystemResources.length && r.next() < 0.6
        ? [`resource:default/${r.pick(sameSystemResources).name}`]
        : []),
      ...(r.next() < 0.3
        ? [`component:default/${r.pick(components).name}`]
        : []),
    ];
    const slug = `idp/${sys.owner}/${c.name}`;
    add(sys.file, {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: c.name,
        title: c.name
          .split('-')
          .map(w => w[0].toUpperCase() + w.slice(1))
          .join(' '),
        description: `The ${c.name} ${c.type} of the ${sys.name} system.`,
        tags: [...new Set([r.pick(TAGS), r.pick(TAGS)])],
        annotations: {
          'gitlab.com/project-slug': slug,
          'backstage.io/source-location': `url:https://gitlab.acme.example/${slug}/-/tree/main/`,
          'backstage.io/techdocs-ref': 'dir:.',
          'backstage.io/kubernetes-id': c.name,
          'argocd/app-name': `${c.name}-development`,
        },
        links: [
          {
            url: `https://grafana.acme.example/d/${c.name}`,
            title: 'Dashboard',
          },
        ],
      },
      spec: {
        type: c.type,
        lifecycle: r.pick([
          'production',
          'production',
          'production',
          'experimental',
          'deprecated',
        ]),
        owner: `group:default/${sys.owner}`,
        system: sys.name,
        ...(provides.length ? { providesApis: provides } : {}),
        ...(consumes.length ? { consumesApis: [...new Set(consumes)] } : {}),
        ...(dependsOn.length ? { dependsOn: [...new Set(dependsOn)] } : {}),
      },
    });
  }

  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'systems'), { recursive: true });
  const files = Object.keys(entities);
  for (const file of files) {
    fs.writeFileSync(
      path.join(dir, file),
      entities[file].map(e => stringify(e)).join('---\n'),
    );
  }
  const locationFile = path.join(dir, 'all.yaml');
  fs.writeFileSync(
    locationFile,
    stringify({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Location',
      metadata: { name: `bench-catalog-${size}` },
      spec: { targets: files.map(f => `./${f}`) },
    }),
  );

  const sampleUser = users[0];
  return {
    dir,
    locationFile,
    counts,
    total: size,
    sampleComponent: components[Math.floor(components.length / 2)].name,
    sampleUser,
    sampleUserTeam: teams[0],
    searchTerm: 'ledger',
  };
}
