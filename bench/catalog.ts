/*
 * The catalog at 5,000 entities on PostgreSQL, against the same catalog at 500 entities in the
 * same run (ratio 5000/500).
 *
 * For each size: a generated catalog (bench/lib/generateCatalog.ts: groups, users, domains,
 * systems, components, APIs and resources, owned and related like a real one) behind one
 * Location file; a backend (startTestBackend) with the catalog plugin and the search backend
 * (PostgreSQL engine, catalog collator) on Backstage's real database service, pointed at the
 * test PostgreSQL (scripts/lib/postgres.sh) with databases of its own; waited until every
 * entity is processed and stitched (nothing due in refresh_state, nothing in stitch_queue), then
 * the search index is built once. The two backends then answer the same requests, interleaved,
 * each built by Backstage's own CatalogClient the way the catalog page builds them.
 *
 * Usage: bench/catalog.sh [--runs N] [--warmup N] [--sizes 500,5000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import { CatalogClient } from '@backstage/catalog-client';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import searchPlugin from '@backstage/plugin-search-backend';
import searchPgModule from '@backstage/plugin-search-backend-module-pg';
import searchCatalogModule from '@backstage/plugin-search-backend-module-catalog';
import { portalCatalogConfig } from '@internal/test-platform';
import { GeneratedCatalog, generateCatalog } from './lib/generateCatalog';
import {
  log,
  machine,
  markdownTable,
  numberOption,
  percentile,
  stringOption,
} from './lib/report';

const RUNS = numberOption('runs', 30);
const WARMUP = numberOption('warmup', 5);
const SIZES = stringOption('sizes', '500,5000').split(',').map(Number);
const PG_URL = process.env.IDP_PG_URL;
/** The catalog page's table columns search these fields (EntityTextFilter). */
const FULL_TEXT_FIELDS = [
  'metadata.name',
  'metadata.title',
  'spec.profile.displayName',
  'spec.target',
  'spec.targets',
];
const BY_NAME = { field: 'metadata.name', order: 'asc' as const };

interface Instance {
  size: number;
  catalog: GeneratedCatalog;
  prefix: string;
  base: string;
  stop(): Promise<void>;
  ingestMs: number;
  indexMs: number;
  indexed: number;
}

/** One timed HTTP request: time to the whole body, the body's size, and what it held. */
interface Sample {
  ms: number;
  bytes: number;
  url: string;
  items: number;
}

function pgConnection(database?: string) {
  const url = new URL(PG_URL!);
  return {
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    ...(database ? { database } : {}),
  };
}

async function withPg<T>(
  database: string,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client(pgConnection(database));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropDatabases(prefix: string) {
  await withPg('postgres', async client => {
    const { rows } = await client.query(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}

/** Counts of what the processing loop still has to do, read from the catalog's tables. */
async function pending(prefix: string) {
  return withPg(`${prefix}catalog`, async client => {
    const one = async (sql: string) =>
      Number((await client.query(sql)).rows[0].n);
    return {
      due: await one(
        'SELECT count(*) AS n FROM refresh_state WHERE next_update_at <= now() OR processed_entity IS NULL',
      ),
      stitch: await one('SELECT count(*) AS n FROM stitch_queue'),
      unstitched: await one(
        'SELECT count(*) AS n FROM final_entities WHERE final_entity IS NULL',
      ),
      final: await one(
        'SELECT count(*) AS n FROM final_entities WHERE final_entity IS NOT NULL',
      ),
      errors: await one(
        "SELECT count(*) AS n FROM refresh_state WHERE errors IS NOT NULL AND errors <> '[]'",
      ),
    };
  });
}

async function startInstance(size: number, workDir: string): Promise<Instance> {
  const catalog = generateCatalog(size, path.join(workDir, `catalog-${size}`));
  const prefix = `bench_catalog_${size}_${process.pid}_`;
  await dropDatabases(prefix);
  // mockServices.scheduler() is a MockSchedulerService, whose `factory` the public type omits.
  const scheduler = mockServices.scheduler() as ReturnType<
    typeof mockServices.scheduler
  > & {
    factory(options: {
      skipTaskRunOnStartup?: boolean;
    }): ReturnType<typeof mockServices.scheduler.factory>;
    triggerTask(id: string): Promise<void>;
  };
  const started = performance.now();
  const backend = await startTestBackend({
    features: [
      catalogPlugin,
      searchPlugin,
      searchPgModule,
      searchCatalogModule,
      databaseServiceFactory,
      // Search indexing runs once, when triggered below, after the catalog is complete.
      scheduler.factory({ skipTaskRunOnStartup: true }),
      mockServices.rootConfig.factory({
        data: {
          backend: {
            database: {
              client: 'pg',
              connection: pgConnection(),
              prefix,
            },
          },
          catalog: {
            // The portal's rules; the generated catalog is a platform location of its own
            // (allowed the org and system kinds it holds), instead of the sample catalog.
            ...portalCatalogConfig({
              portalLocations: false,
              extraLocations: [
                {
                  target: catalog.locationFile,
                  allow: ['Domain', 'System', 'Resource', 'User', 'Group'],
                },
              ],
            }),
            // Measure a settled catalog: no entity comes due again during the measurement.
            processingInterval: { hours: 1 },
          },
        },
      }),
    ],
  });
  const base = `http://localhost:${(backend.server.address() as any).port}`;
  const stop = async () => {
    await backend.stop();
    await dropDatabases(prefix);
  };
  try {
    // Processed and stitched: every generated entity is in final_entities, nothing is due.
    const expected = size + 2; // + the config location and all.yaml's Location
    let state = await pending(prefix).catch(() => undefined);
    for (const deadline = Date.now() + 30 * 60_000; ; ) {
      if (
        state &&
        state.final >= expected &&
        state.due === 0 &&
        state.stitch === 0 &&
        state.unstitched === 0
      )
        break;
      if (Date.now() > deadline)
        throw new Error(
          `catalog of ${size} not processed after 30 min: ${JSON.stringify(
            state,
          )}`,
        );
      await new Promise(r => setTimeout(r, 1000));
      state = await pending(prefix).catch(() => undefined);
    }
    if (state.errors > 0) {
      throw new Error(`${state.errors} entities have processing errors`);
    }
    const ingestMs = performance.now() - started;
    log(
      `catalog of ${size}: ${state.final} entities processed and stitched in ${(
        ingestMs / 1000
      ).toFixed(1)} s`,
    );
    // What autovacuum would have done by now on a long-running catalog.
    await withPg(`${prefix}catalog`, c => c.query('ANALYZE'));

    const t0 = performance.now();
    const task = (await scheduler.getScheduledTasks()).find(t =>
      t.id.includes('software_catalog'),
    );
    if (!task) throw new Error('no search collator task was scheduled');
    await scheduler.triggerTask(task.id);
    const indexMs = performance.now() - t0;
    const indexed = await withPg(`${prefix}search`, async c => {
      await c.query('ANALYZE');
      return Number(
        (await c.query('SELECT count(*) AS n FROM documents')).rows[0].n,
      );
    });
    log(
      `search index of ${size}: ${indexed} documents in ${(
        indexMs / 1000
      ).toFixed(1)} s`,
    );
    if (indexed < size) {
      throw new Error(`search indexed ${indexed} documents, expected ${size}+`);
    }
    return { size, catalog, prefix, base, stop, ingestMs, indexMs, indexed };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** The requests, each as the frontend makes it (Backstage's CatalogClient builds the URL). */
function requests(instance: Instance) {
  const user = `user:default/${instance.catalog.sampleUser}`;
  const auth = mockCredentials.user.header(user);
  let last: Sample | undefined;
  const fetchApi = {
    async fetch(input: any, init?: any) {
      const url = typeof input === 'string' ? input : input.url;
      const headers = new Headers(init?.headers);
      headers.set('authorization', auth);
      const t0 = performance.now();
      const res = await fetch(url, { ...init, headers });
      const body = await res.arrayBuffer();
      const ms = performance.now() - t0;
      if (res.status !== 200) {
        throw new Error(
          `${url}: ${res.status} ${Buffer.from(body).toString().slice(0, 300)}`,
        );
      }
      last = { ms, bytes: body.byteLength, url, items: 0 };
      return new Response(body, { status: res.status, headers: res.headers });
    },
  };
  const client = new CatalogClient({
    discoveryApi: { getBaseUrl: async () => `${instance.base}/api/catalog` },
    fetchApi,
  });
  const timed = async (call: () => Promise<number>): Promise<Sample> => {
    last = undefined;
    const items = await call();
    if (!last) throw new Error('no request was made');
    return { ...(last as Sample), items };
  };
  const ownership = [user, `group:default/${instance.catalog.sampleUserTeam}`];
  return {
    // The catalog page (new frontend system, pagination on by default): kind=component,
    // the "All" user filter, ordered by name, 20 per page, no total.
    'catalog page 1, all (limit=20)': () =>
      timed(async () => {
        const r = await client.queryEntities({
          filter: { kind: 'component' },
          orderFields: [BY_NAME],
          limit: 20,
          totalItems: 'exclude',
        });
        return r.items.length;
      }),
    // The same with the page's initial "Owned" filter: the user's and their team's refs.
    'catalog page 1, owned (limit=20)': () =>
      timed(async () => {
        const r = await client.queryEntities({
          filter: { kind: 'component', 'relations.ownedBy': ownership },
          orderFields: [BY_NAME],
          limit: 20,
          totalItems: 'exclude',
        });
        return r.items.length;
      }),
    // The count the page asks for alongside (limit 0, with the total).
    'catalog count (limit=0)': () =>
      timed(async () => {
        const r = await client.queryEntities({
          filter: { kind: 'component' },
          limit: 0,
        });
        return r.totalItems;
      }),
    // The search box above the table.
    [`catalog search box "${instance.catalog.searchTerm}"`]: () =>
      timed(async () => {
        const r = await client.queryEntities({
          filter: { kind: 'component' },
          fullTextFilter: {
            term: instance.catalog.searchTerm,
            fields: FULL_TEXT_FIELDS,
          },
          orderFields: [BY_NAME],
          limit: 20,
          totalItems: 'exclude',
        });
        return r.items.length;
      }),
    // The type picker's facets.
    'facets spec.type (kind=component)': () =>
      timed(async () => {
        const r = await client.getEntityFacets({
          facets: ['spec.type'],
          filter: { kind: 'component' },
        });
        return r.facets['spec.type'].length;
      }),
    // The entity page's entity.
    'entity by name': () =>
      timed(async () => {
        const e = await client.getEntityByRef(
          `component:default/${instance.catalog.sampleComponent}`,
        );
        if (!e) throw new Error('sample component not found');
        return 1;
      }),
    // What the catalog page asks with pagination off (the old frontend system's default):
    // every component, whole.
    'all components, unpaginated': () =>
      timed(async () => {
        const r = await client.getEntities({
          filter: { kind: 'component' },
          order: [BY_NAME],
        });
        return r.items.length;
      }),
    // The search page (search backend, PostgreSQL engine).
    [`search "${instance.catalog.searchTerm}"`]: async () => {
      const url = `${instance.base}/api/search/query?term=${encodeURIComponent(
        instance.catalog.searchTerm,
      )}`;
      const t0 = performance.now();
      const res = await fetch(url, { headers: { authorization: auth } });
      const body = await res.text();
      const ms = performance.now() - t0;
      if (res.status !== 200)
        throw new Error(`${url}: ${res.status} ${body.slice(0, 300)}`);
      return {
        ms,
        bytes: body.length,
        url,
        items:
          JSON.parse(body).numberOfResults ?? JSON.parse(body).results.length,
      };
    },
  } as Record<string, () => Promise<Sample>>;
}

async function main() {
  if (!PG_URL) throw new Error('IDP_PG_URL is not set: run bench/catalog.sh');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-bench-catalog-'));
  const instances: Instance[] = [];
  try {
    // One after the other, so each ingestion has the machine to itself.
    for (const size of SIZES)
      instances.push(await startInstance(size, workDir));

    const calls = instances.map(requests);
    const labels = Object.keys(calls[0]);
    const samples = instances.map(() =>
      Object.fromEntries(labels.map(l => [l, [] as Sample[]])),
    );
    // Interleaved: request by request, size by size, so drift on the machine hits all alike.
    for (let i = 0; i < WARMUP + RUNS; i++) {
      for (const label of labels) {
        for (let s = 0; s < instances.length; s++) {
          const sample = await calls[s][label]();
          if (i >= WARMUP) samples[s][label].push(sample);
        }
      }
    }

    const out: string[] = [];
    out.push(
      `Catalog on PostgreSQL ${
        process.env.IDP_PG_MAJOR ?? ''
      }: ${RUNS} runs per request after ${WARMUP} warm-up, interleaved`,
    );
    out.push(`Machine: ${machine()}`);
    out.push('');
    for (const inst of instances) {
      out.push(
        `${inst.size} entities (${Object.entries(inst.catalog.counts)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')}): processed and stitched ${(
          inst.ingestMs / 1000
        ).toFixed(1)} s after start; search index (${
          inst.indexed
        } documents) built in ${(inst.indexMs / 1000).toFixed(1)} s`,
      );
    }
    out.push('');
    const [small, large] = [instances[0], instances[instances.length - 1]];
    const si = 0;
    const li = instances.length - 1;
    const rows = labels.map(label => {
      const a = samples[si][label];
      const b = samples[li][label];
      const p = (xs: Sample[], q: number) =>
        percentile(
          xs.map(x => x.ms),
          q,
        );
      return [
        label,
        p(a, 50).toFixed(1),
        p(a, 95).toFixed(1),
        p(b, 50).toFixed(1),
        p(b, 95).toFixed(1),
        `${(p(b, 50) / p(a, 50)).toFixed(2)}×`,
        `${(p(b, 95) / p(a, 95)).toFixed(2)}×`,
        `${a[a.length - 1].items} / ${b[b.length - 1].items}`,
        `${kib(a[a.length - 1].bytes)} / ${kib(b[b.length - 1].bytes)}`,
      ];
    });
    out.push(
      markdownTable(
        [
          'request',
          `${small.size} p50 ms`,
          `${small.size} p95 ms`,
          `${large.size} p50 ms`,
          `${large.size} p95 ms`,
          `p50 ${large.size}/${small.size}`,
          `p95 ${large.size}/${small.size}`,
          'items',
          'payload',
        ],
        rows,
      ),
    );
    out.push('');
    out.push('Requests (at the larger size):');
    for (const label of labels) {
      const url = samples[li][label][0].url.replace(large.base, '');
      out.push(`  ${label}: GET ${decodeURIComponent(url)}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    for (const inst of instances) await inst.stop().catch(e => log(String(e)));
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(0)} KiB`;
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
