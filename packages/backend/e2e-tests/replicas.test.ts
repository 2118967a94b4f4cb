import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, TestInfo } from '@playwright/test';
import { parseAllDocuments } from 'yaml';
import {
  BackendProcess,
  adminClient,
  dropDatabases,
  freePort,
  imageDir,
  pgUrl,
  productionEnv,
  rssMiB,
  startBackend,
  stop,
  waitForReady,
} from './productionBackend';

/**
 * Two processes of the built backend (production configuration plus app-config.replicas.yaml)
 * share one PostgreSQL database prefix, the way two replicas of the container share one
 * database server. Proves that the scaffolder runs every task once, that a task whose process
 * is killed is not lost (recovered with task recovery on, as in app-config.production.yaml;
 * failed with a message by the stale-task janitor with it off), that the catalog stays
 * consistent and keeps refreshing, that the survivor keeps serving, and that Backstage's
 * scheduler runs a distributed task once across both processes. Also measures one production
 * process (start-up time, memory).
 *
 * Calls are made as a service principal (external:replicas-test, a static external-access
 * token in the test overlay): production signs users in through GitLab only.
 */

test.skip(
  !imageDir || !pgUrl,
  'needs PORTAL_IMAGE_DIR and IDP_PG_URL: run scripts/test.sh',
);

const overlay = path.resolve(__dirname, 'app-config.replicas.yaml');
const noRecoveryOverlay = path.resolve(
  __dirname,
  'app-config.replicas-no-recovery.yaml',
);
const fixtures = path.resolve(__dirname, 'fixtures/replicas');
const token = randomBytes(24).toString('hex');
/** Runs of the search collator, a distributed scheduled task (see app-config.replicas.yaml). */
const COLLATOR_FREQUENCY_S = 5;
const COLLATOR_LOG = 'Collating documents for software-catalog via';

interface Replica {
  name: 'A' | 'B';
  base: string;
  proc: BackendProcess;
}

/** Two replicas sharing one database prefix, and the copy of the fixtures they read. */
class Pair {
  readonly prefix: string;
  readonly fixturesCopy: string;
  readonly replicas: Replica[] = [];

  constructor(name: string, private readonly configs: string[]) {
    this.prefix = `${name}_${Date.now()}_`;
    this.fixturesCopy = fs.mkdtempSync(
      path.join(os.tmpdir(), 'replicas-fixtures-'),
    );
    fs.cpSync(fixtures, this.fixturesCopy, { recursive: true });
  }

  get a() {
    return this.replicas[0];
  }

  get b() {
    return this.replicas[1];
  }

  /** Spawns one replica (not waiting for it). */
  async spawn(name: 'A' | 'B'): Promise<Replica> {
    const port = await freePort();
    const env = {
      ...productionEnv(this.prefix, port),
      REPLICAS_TEST_TOKEN: token,
      REPLICAS_FIXTURES_DIR: this.fixturesCopy,
    };
    const replica = {
      name,
      base: `http://localhost:${port}`,
      proc: startBackend(env, this.configs),
    };
    this.replicas.push(replica);
    return replica;
  }

  /** The replicas whose logs show that they ran a debug:log step of a fixture template. */
  ranBy(stepId: string, taskId: string): string[] {
    // The message ends the log line's JSON string; debug:log also logs its input, where the id
    // is followed by an escaped quote.
    const marker = `replicas-test ran ${stepId} of ${taskId}"`;
    return this.replicas
      .filter(r => r.proc.output().includes(marker))
      .map(r => r.name);
  }

  /** Every event of a task as stored, straight from the scaffolder's database. */
  async storedEvents(taskId: string): Promise<TaskEvent[]> {
    const db = adminClient(`${this.prefix}scaffolder`);
    await db.connect();
    try {
      const { rows } = await db.query(
        'SELECT event_type, body, created_at FROM task_events WHERE task_id = $1 ORDER BY id',
        [taskId],
      );
      return rows.map(r => ({
        type: r.event_type,
        body: JSON.parse(r.body),
        createdAt: new Date(r.created_at).toISOString(),
      }));
    } finally {
      await db.end();
    }
  }

  /** Both are ready and list the test's templates. */
  async waitForTemplates() {
    for (const replica of this.replicas) {
      await expect
        .poll(
          async () =>
            (
              await api(
                replica,
                '/api/catalog/entities?filter=kind=template,spec.type=test',
              )
            ).length,
          { timeout: 60_000 },
        )
        .toBe(3);
    }
  }

  /** Stops what is still running, keeps both logs with the test results, drops the databases. */
  async cleanUp(testInfo: TestInfo) {
    for (const replica of this.replicas) {
      await stop(replica.proc.child, replica.proc.exited);
      fs.mkdirSync(testInfo.outputDir, { recursive: true });
      fs.writeFileSync(
        testInfo.outputPath(`${this.prefix}${replica.name}.log`),
        replica.proc.output(),
      );
    }
    await dropDatabases(this.prefix);
    fs.rmSync(this.fixturesCopy, { recursive: true, force: true });
  }
}

interface TaskEvent {
  type: string;
  body: { message?: string; stepId?: string; status?: string } & Record<
    string,
    unknown
  >;
  createdAt?: string;
}

async function api<T = any>(
  replica: Replica,
  urlPath: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const res = await fetch(`${replica.base}${urlPath}`, {
    method: init.method ?? 'GET',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(
      `${init.method ?? 'GET'} ${urlPath} on ${replica.name}: ${
        res.status
      } ${text}`,
    );
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

function submit(replica: Replica, template: string): Promise<string> {
  return api<{ id: string }>(replica, '/api/scaffolder/v2/tasks', {
    method: 'POST',
    body: { templateRef: `template:default/${template}`, values: {} },
  }).then(r => r.id);
}

const finished = (status: string) =>
  status !== 'open' && status !== 'processing';

async function waitForStatus(
  replica: Replica,
  taskId: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await api(replica, `/api/scaffolder/v2/tasks/${taskId}`);
    if (finished(status)) return status;
    if (Date.now() > deadline) {
      throw new Error(`task ${taskId} still ${status} after ${timeoutMs} ms`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

/** The events the API gives users (GET /v2/tasks/:id/events). */
function apiEvents(replica: Replica, taskId: string): Promise<TaskEvent[]> {
  return api(replica, `/api/scaffolder/v2/tasks/${taskId}/events`);
}

function beginnings(events: TaskEvent[], stepName: string) {
  return events.filter(
    e => e.type === 'log' && e.body.message === `Beginning step ${stepName}`,
  ).length;
}

function describeEvents(events: TaskEvent[]) {
  return events
    .map(e => {
      const text = (e.body.message ?? JSON.stringify(e.body)).replace(
        /\s*\n\s*/g,
        ' ',
      );
      const step = e.body.stepId
        ? ` [${e.body.stepId} ${e.body.status ?? ''}]`
        : '';
      return `${e.type}: ${text}${step}`;
    })
    .join('\n    ');
}

/** Submits a long task to A and waits until A runs its Wait step. */
async function longTaskOnA(pair: Pair, template: string) {
  const id = await submit(pair.a, template);
  await expect
    .poll(async () => beginnings(await pair.storedEvents(id), 'Wait'), {
      timeout: 30_000,
    })
    .toBe(1);
  // A dispatch wakes only the local worker (B's is idle until it gets a task of its own or
  // recovers one), so A claimed it.
  expect(pair.ranBy('before', id)).toEqual(['A']);
  return id;
}

async function killA(pair: Pair) {
  pair.a.proc.child.kill('SIGKILL');
  await pair.a.proc.exited;
  return Date.now();
}

/** The process's JSON log lines, each with when it arrived. */
function logLines(replica: Replica): { message?: string; at: number }[] {
  return replica.proc
    .lines()
    .filter(l => l.text.startsWith('{'))
    .flatMap(l => {
      try {
        return [{ ...JSON.parse(l.text), at: l.at }];
      } catch {
        return [];
      }
    });
}

/** Every entity ref the catalog locations define, read from the files. */
function declaredRefs(rootFiles: string[]): string[] {
  const refs: string[] = [];
  const visit = (file: string) => {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const e = doc.toJS();
      if (!e) continue;
      refs.push(
        `${e.kind}:${e.metadata.namespace ?? 'default'}/${
          e.metadata.name
        }`.toLowerCase(),
      );
      if (e.kind !== 'Location') continue;
      for (const target of e.spec.targets ?? [e.spec.target]) {
        const full = path.resolve(path.dirname(file), target);
        const dir = path.dirname(full);
        if (!path.basename(full).includes('*')) {
          visit(full);
          continue;
        }
        const re = new RegExp(
          `^${path.basename(full).replace(/\./g, '\\.').replace(/\*/g, '.*')}$`,
        );
        fs.readdirSync(dir)
          .filter(f => re.test(f))
          .forEach(f => visit(path.join(dir, f)));
      }
    }
  };
  rootFiles.forEach(visit);
  return refs.sort();
}

/** Polls a replica's readiness and one catalog call in the background. */
class Probe {
  calls = 0;
  maxMs = 0;
  readonly failures: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(replica: Replica) {
    this.loop = (async () => {
      while (this.running) {
        for (const [url, auth] of [
          ['/.backstage/health/v1/readiness', false],
          ['/api/catalog/entities/by-query?limit=1', true],
        ] as const) {
          const t0 = Date.now();
          const status = await fetch(`${replica.base}${url}`, {
            headers: auth ? { Authorization: `Bearer ${token}` } : {},
          })
            .then(r => r.status)
            .catch(e => String(e));
          this.calls += 1;
          this.maxMs = Math.max(this.maxMs, Date.now() - t0);
          if (status !== 200) {
            this.failures.push(`${new Date().toISOString()} ${url}: ${status}`);
          }
        }
        await new Promise(r => setTimeout(r, 250));
      }
    })();
  }

  async stop() {
    this.running = false;
    await this.loop;
  }
}

test.describe('with task recovery', () => {
  test.describe.configure({ mode: 'serial' });
  let pair: Pair;
  /** When both processes were ready. */
  let bothReadyAt: number;
  let probe: Probe | undefined;

  /** Spawns a replica alone and prints how long it took to answer readiness 200, and its RSS. */
  async function startMeasured(name: 'A' | 'B', what: string) {
    const replica = await pair.spawn(name);
    await waitForReady(replica.proc, replica.base, 150_000);
    const seconds = (Date.now() - replica.proc.spawnedAt) / 1000;
    const rss = rssMiB(replica.proc.child.pid!);
    console.log(
      `production backend (${what}): ready in ${seconds.toFixed(
        1,
      )} s, RSS ${rss.toFixed(0)} MiB`,
    );
  }

  test.beforeAll(async () => {
    test.setTimeout(200_000);
    pair = new Pair('replicas', [overlay]);
    // One process alone first, so its figures are not those of two processes starting at once.
    await startMeasured('A', 'first start, empty databases');
    await startMeasured('B', 'second process, migrated databases');
    bothReadyAt = Date.now();
    await pair.waitForTemplates();
  });

  test.afterAll(async ({}, testInfo) => {
    await probe?.stop();
    await pair?.cleanUp(testInfo);
  });

  test('tasks submitted alternately to either process each run exactly once', async () => {
    test.setTimeout(90_000);
    const { a, b } = pair;
    const submitted: { id: string; to: Replica }[] = [];
    for (let i = 0; i < 10; i++) {
      const to = i % 2 === 0 ? a : b;
      submitted.push({ id: await submit(to, 'replicas-quick'), to });
    }
    const started = Date.now();
    const rows: string[] = [];
    for (const { id, to } of submitted) {
      const other = to === a ? b : a;
      expect(await waitForStatus(other, id, 60_000)).toBe('completed');

      const stored = await pair.storedEvents(id);
      for (const events of [await apiEvents(other, id), stored]) {
        expect(beginnings(events, 'Hello')).toBe(1);
        expect(beginnings(events, 'Pause')).toBe(1);
        expect(
          events.filter(e => e.type === 'completion').map(e => e.body.message),
        ).toEqual(['Run completed with status: completed']);
      }
      expect(stored.some(e => e.type === 'recovered')).toBe(false);
      const ranOn = pair.ranBy('hello', id);
      expect(ranOn).toHaveLength(1);
      rows.push(
        `${id.slice(0, 8)} submitted to ${to.name}, ran on ${ranOn[0]}`,
      );
    }
    console.log(
      `10 tasks completed in ${((Date.now() - started) / 1000).toFixed(
        1,
      )} s, each once:\n  ${rows.join('\n  ')}`,
    );
  });

  test("Backstage's scheduler runs a distributed task once across both processes", async () => {
    test.setTimeout(60_000);
    // A window of at least 30 s with both processes up.
    const waitMs = bothReadyAt + 30_000 - Date.now();
    if (waitMs > 0) await new Promise(r => setTimeout(r, waitMs));
    const windowEnd = Date.now();

    const runs = pair.replicas.flatMap(r =>
      logLines(r)
        .filter(
          l =>
            typeof l.message === 'string' && l.message.startsWith(COLLATOR_LOG),
        )
        .filter(l => l.at >= bothReadyAt && l.at <= windowEnd)
        .map(() => r.name),
    );
    const seconds = (windowEnd - bothReadyAt) / 1000;
    const count = (n: string) => runs.filter(r => r === n).length;
    console.log(
      `search_index_software_catalog (every ${COLLATOR_FREQUENCY_S} s): ${
        runs.length
      } runs in ${seconds.toFixed(0)} s with both processes up (on A ${count(
        'A',
      )}, on B ${count('B')})`,
    );
    // A run starts at the earliest a frequency after the previous one was due (and a run due
    // just before the window may start in it): each process scheduling it on its own would
    // run it about twice as often.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(
      Math.floor(seconds / COLLATOR_FREQUENCY_S) + 2,
    );

    // One row per scheduled task in the plugin's database, shared by both processes.
    const db = adminClient(`${pair.prefix}search`);
    await db.connect();
    try {
      const { rows } = await db.query(
        'SELECT id FROM backstage_backend_tasks__tasks ORDER BY id',
      );
      const ids = rows.map(r => r.id);
      console.log(`scheduled tasks in the search database: ${ids.join(', ')}`);
      expect(
        ids.filter(id => id === 'search_index_software_catalog'),
      ).toHaveLength(1);
    } finally {
      await db.end();
    }
  });

  test('a task whose process is killed is resumed by the survivor, whatever its strategy', async () => {
    test.setTimeout(120_000);
    const startOver = await longTaskOnA(pair, 'replicas-long-startover');
    const noStrategy = await longTaskOnA(pair, 'replicas-long-norecovery');

    probe = new Probe(pair.b);
    const killedAt = await killA(pair);
    console.log(
      `killed A (SIGKILL) in the Wait step of ${startOver.slice(
        0,
        8,
      )} (strategy startOver) and ${noStrategy.slice(0, 8)} (no strategy)`,
    );

    // Never left 'processing': the survivor's recovery loop (every 10 s) reopens a task whose
    // heartbeat is older than staleTimeout (10 s), and its worker runs it again.
    const finals = [
      await waitForStatus(pair.b, startOver, 90_000),
      await waitForStatus(pair.b, noStrategy, 90_000),
    ];

    for (const [i, [id, strategy]] of (
      [
        [startOver, 'startOver'],
        [noStrategy, 'none'],
      ] as const
    ).entries()) {
      const stored = await pair.storedEvents(id);
      const shown = await apiEvents(pair.b, id);
      const recovered = stored.filter(e => e.type === 'recovered');
      const completion = stored.filter(e => e.type === 'completion');
      const after = (e?: TaskEvent) =>
        ((Date.parse(e?.createdAt ?? '') - killedAt) / 1000).toFixed(1);
      console.log(
        `task ${id.slice(0, 8)} (strategy ${strategy}): ${
          finals[i]
        }, recovered ${after(recovered[0])} s and finished ${after(
          completion[0],
        )} s after the kill; stored events:\n    ${describeEvents(
          stored,
        )}\n  the API shows ${shown.length} of these ${
          stored.length
        }; 'before' ran on ${pair
          .ranBy('before', id)
          .join('+')}, 'after' on ${pair.ranBy('after', id).join('+')}`,
      );

      // Reopened once, with the template's strategy in the event, and finished on B: the step
      // A had finished is skipped (its state was saved), the interrupted one runs again.
      expect(recovered.map(e => e.body.recoverStrategy)).toEqual([strategy]);
      expect(finals[i]).toBe('completed');
      expect(completion.map(e => e.body.message)).toEqual([
        'Run completed with status: completed',
      ]);
      expect(beginnings(stored, 'Before')).toBe(1);
      expect(beginnings(stored, 'Wait')).toBe(2);
      expect(beginnings(stored, 'After')).toBe(1);
      expect(
        stored.filter(e =>
          e.body.message?.startsWith(
            'Skipping step before because it was already completed',
          ),
        ),
      ).toHaveLength(1);
      expect(pair.ranBy('before', id)).toEqual(['A']);
      expect(pair.ranBy('after', id)).toEqual(['B']);
      // The only difference the strategy makes: startOver hides the first run's events.
      if (strategy === 'startOver') {
        expect(shown[0].type).toBe('recovered');
        expect(beginnings(shown, 'Wait')).toBe(1);
      } else {
        expect(shown).toHaveLength(stored.length);
      }
    }
  });

  test('the catalog stays consistent and keeps refreshing after the kill', async () => {
    test.setTimeout(90_000);
    const { b } = pair;
    const entities = await api<any[]>(b, '/api/catalog/entities');
    const refs = entities
      .map(e =>
        `${e.kind}:${e.metadata.namespace ?? 'default'}/${
          e.metadata.name
        }`.toLowerCase(),
      )
      .sort();
    const roots = [
      path.join(imageDir!, 'catalog-info/all.yaml'),
      path.join(imageDir!, 'templates/all.yaml'),
      path.join(pair.fixturesCopy, 'catalog.yaml'),
    ];
    const declared = declaredRefs(roots);
    // Plus one generated Location per configured location.
    const generated = refs.filter(r =>
      r.startsWith('location:default/generated-'),
    );
    console.log(
      `catalog on B after the kill: ${refs.length} entities (${declared.length} declared in the files + ${generated.length} generated locations), no duplicates`,
    );
    expect(new Set(refs).size).toBe(refs.length);
    expect(generated).toHaveLength(roots.length);
    expect(refs.filter(r => !generated.includes(r))).toEqual(declared);
    const uids = entities.map(e => e.metadata.uid);
    expect(new Set(uids).size).toBe(uids.length);

    // The refresh loop still runs: an edit of a file shows after a refresh request.
    const file = path.join(pair.fixturesCopy, 'catalog.yaml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace('description: original', 'description: edited after the kill'),
    );
    const t0 = Date.now();
    await api(b, '/api/catalog/refresh', {
      method: 'POST',
      body: { entityRef: 'component:default/replicas-probe' },
    });
    await expect
      .poll(
        async () =>
          (
            await api(
              b,
              '/api/catalog/entities/by-name/component/default/replicas-probe',
            )
          ).metadata.description,
        { timeout: 60_000, intervals: [250] },
      )
      .toBe('edited after the kill');
    console.log(
      `refresh after the kill: the edit showed on B in ${(
        (Date.now() - t0) /
        1000
      ).toFixed(1)} s`,
    );
  });

  test('the surviving process kept serving throughout', async () => {
    expect(probe).toBeDefined();
    await probe!.stop();
    const rss = rssMiB(pair.b.proc.child.pid!);
    console.log(
      `B from the kill until now: ${probe!.calls} calls (readiness, catalog), ${
        probe!.failures.length
      } failed, slowest ${probe!.maxMs} ms; RSS of B now ${rss.toFixed(0)} MiB`,
    );
    expect(probe!.calls).toBeGreaterThan(20);
    expect(probe!.failures).toEqual([]);
    expect(pair.b.proc.child.exitCode).toBeNull();
  });
});

test.describe("without task recovery (Backstage's default)", () => {
  let pair: Pair;

  test.beforeAll(async () => {
    test.setTimeout(200_000);
    pair = new Pair('replicas_norecovery', [overlay, noRecoveryOverlay]);
    // One after the other: started at once on empty databases, one of them can lose the race
    // for a plugin's migration lock, and its start-up fails (MigrationLocked).
    for (const name of ['A', 'B'] as const) {
      const replica = await pair.spawn(name);
      await waitForReady(replica.proc, replica.base, 150_000);
    }
    await pair.waitForTemplates();
  });

  test.afterAll(async ({}, testInfo) => {
    await pair?.cleanUp(testInfo);
  });

  test("a task whose process is killed is failed by the survivor's stale-task janitor, with a message", async () => {
    test.setTimeout(90_000);
    const id = await longTaskOnA(pair, 'replicas-long-norecovery');
    const killedAt = await killA(pair);

    // taskTimeout 10 s, janitor every 5 s here (Backstage's defaults: 24 hours, 5 minutes).
    const status = await waitForStatus(pair.b, id, 60_000);
    const stored = await pair.storedEvents(id);
    const completion = stored.filter(e => e.type === 'completion');
    const after = (
      (Date.parse(completion[0]?.createdAt ?? '') - killedAt) /
      1000
    ).toFixed(1);
    console.log(
      `without recovery: task ${id.slice(
        0,
        8,
      )} killed in its Wait step: ${status} ${after} s after the kill; stored events:\n    ${describeEvents(
        stored,
      )}`,
    );

    const stale = 'This task was marked as stale as it exceeded its timeout';
    expect(status).toBe('failed');
    expect(stored.some(e => e.type === 'recovered')).toBe(false);
    expect(beginnings(stored, 'Wait')).toBe(1);
    expect(beginnings(stored, 'After')).toBe(0);
    // The interrupted step is marked failed with the reason, then the task.
    expect(
      stored.filter(
        e => e.body.stepId === 'wait' && e.body.status === 'failed',
      ),
    ).toEqual([
      expect.objectContaining({
        body: expect.objectContaining({ message: stale }),
      }),
    ]);
    expect(completion.map(e => e.body.message)).toEqual([stale]);
    // The API shows the same to the user.
    const shown = await apiEvents(pair.b, id);
    expect(
      shown.filter(e => e.type === 'completion').map(e => e.body.message),
    ).toEqual([stale]);
  });
});
