/*
 * The Python golden path through the portal, N times: wall time from submitting the form to the
 * finished task, with the environment becoming Ready after a fixed simulated delay, reported as
 * the portal's overhead (total − delay); GitLab API calls per path, by endpoint; and the
 * decommissioning of the same service (which also keeps the platform's state from growing).
 *
 * The same setup as packages/template-tests/src/goldenPath.test.ts, outside Jest: a real
 * kube-apiserver (the test platform) where the status simulator plays Crossplane (the XR turns
 * Ready `--delay` ms after it first sees it) and Argo CD, the GitLab double under /gitlab, and the
 * portal's scaffolder, catalog and Kubernetes backends with the real templates of templates/
 * (startPortal, SQLite in memory). Runs alternate between the delay and no delay at all: the
 * no-delay runs are the floor the portal itself sets, and total(delay) − total(0) should come
 * out at about the delay plus the polling granularity.
 *
 * Usage: bench/golden-path.sh [--runs N] [--warmup N] [--delay MS]
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  GitLabDouble,
  StatusSimulator,
  repoRoot,
  startControlPlane,
  startGitLabDouble,
} from '@internal/test-platform';
import { Portal, startPortal } from '../packages/template-tests/src/portal';
import {
  log,
  machine,
  markdownTable,
  median,
  numberOption,
  percentile,
} from './lib/report';

const RUNS = numberOption('runs', 5);
const WARMUP = numberOption('warmup', 1);
const DELAY_MS = numberOption('delay', 2000);
const TEMPLATE = 'python-fastapi-service';

interface PathRun {
  delayMs: number;
  totalMs: number;
  undoMs: number;
  steps: StepTimes;
  /** GitLab requests of the create path and of the decommission, by endpoint. */
  create: Map<string, number>;
  undo: Map<string, number>;
  createFailed: number;
}

/** `POST /api/v4/projects/:id/variables` from a logged request: ids and names become placeholders. */
function endpoint(method: string, p: string): string {
  if (!p.startsWith('/api/v4/')) {
    const git = /\.git\/(.*)$/.exec(p);
    return git ? `git ${method} /:repo.git/${git[1]}` : `${method} ${p}`;
  }
  const parts = p.slice('/api/v4'.length).split('/');
  const named = new Set([
    'branches',
    'protected_branches',
    'variables',
    'files',
    'access_tokens',
    'deploy_tokens',
    'members',
    'hooks',
    'tree',
    'commits',
  ]);
  const out = parts.map((seg, i) => {
    if (i === 0 || seg === '') return seg;
    if (/^\d+$/.test(seg) || seg.includes('%')) return ':id';
    if (named.has(parts[i - 1]) && !named.has(seg)) return ':name';
    if (['projects', 'groups', 'users'].includes(parts[i - 1])) return ':id';
    return seg;
  });
  return `${method} /api/v4${out.join('/')}`;
}

function countRequests(gitlab: GitLabDouble, from: number) {
  const counts = new Map<string, number>();
  let failed = 0;
  for (const r of gitlab.state.requests.slice(from)) {
    const key = endpoint(r.method, r.path);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (r.status >= 400) failed++;
  }
  return { counts, failed };
}

/** A step's start and end, in ms from the submission (when the client saw the events). */
type StepTimes = Map<string, { start: number; end: number }>;

/**
 * Submits a task and follows its event log every 25 ms until the completion event: the total
 * from the POST to that event, and each step's span from its `processing` to its `completed`
 * event (the scaffolder's own timestamps have one-second resolution on SQLite).
 */
async function runTask(
  portal: Portal,
  template: string,
  values: object,
): Promise<{ ms: number; steps: StepTimes }> {
  const started = performance.now();
  const created = await portal.createTask(template, values);
  if (created.status !== 201)
    throw new Error(
      `task refused (${created.status}): ${JSON.stringify(created.body)}`,
    );
  const id = created.body.id as string;
  const base = `http://localhost:${portal.server.address().port}`;
  const headers = { authorization: portal.auth() };
  const steps: StepTimes = new Map();
  const messages: string[] = [];
  const seen = new Set<string>();
  for (const deadline = Date.now() + 240_000; Date.now() < deadline; ) {
    // Without `after`: with it, the endpoint long-polls and looks for new events once a second.
    const res = await fetch(`${base}/api/scaffolder/v2/tasks/${id}/events`, {
      headers,
    });
    const events = (await res.json()) as any[];
    const now = performance.now() - started;
    for (const e of events) {
      if (seen.has(String(e.id))) continue;
      seen.add(String(e.id));
      messages.push(String(e.body?.message ?? ''));
      const stepId = e.body?.stepId;
      if (stepId && e.body?.status === 'processing' && !steps.has(stepId))
        steps.set(stepId, { start: now, end: now });
      if (stepId && e.body?.status === 'completed' && steps.has(stepId))
        steps.get(stepId)!.end = now;
      if (e.type === 'completion') {
        const task = await (
          await fetch(`${base}/api/scaffolder/v2/tasks/${id}`, { headers })
        ).json();
        if (task.status !== 'completed')
          throw new Error(
            `${template} ${task.status}:\n${messages.join('\n')}`,
          );
        return { ms: now, steps };
      }
    }
    await new Promise(r => setTimeout(r, 25));
  }
  throw new Error(`${template} task ${id} did not finish in 240 s`);
}

async function main() {
  const [cp, gitlab] = await Promise.all([
    startControlPlane(),
    startGitLabDouble({ basePath: '/gitlab' }),
  ]);
  let controller: { stop(): Promise<void> } | undefined;
  let portal: Portal | undefined;
  try {
    await cp.apply(
      fs.readFileSync(
        path.join(
          repoRoot(),
          'platform/portal/argocd-repo-secrets/rbac-argocd-repo-secrets.yaml',
        ),
        'utf8',
      ),
    );
    gitlab.addGroup({ path: 'idp' });
    gitlab.addUser({ username: 'idp-portal' });
    const gitlabToken = gitlab.createToken({
      user: 'idp-portal',
      scopes: ['api'],
    });
    const simulator = new StatusSimulator(cp.kubeConfig('admin'));
    portal = await startPortal({ cp, gitlab, gitlabToken });
    await Promise.all(
      [TEMPLATE, 'decommission-service'].map(t =>
        portal!.waitForEntity('template', t),
      ),
    );

    const runs: PathRun[] = [];
    const delays = [DELAY_MS, 0];
    let n = 0;
    for (let i = 0; i < WARMUP + RUNS; i++) {
      for (const delayMs of delays) {
        await controller?.stop();
        controller = simulator.runEnvironmentController({
          readyAfterMs: delayMs,
          pollMs: 100,
        });
        const name = `bench-golden-${++n}`;
        const before = gitlab.state.requests.length;
        const { ms: totalMs, steps } = await runTask(portal, TEMPLATE, {
          name,
          description: 'Golden path benchmark',
          owner: 'group:default/team-payments',
          system: 'system:default/payments',
          environment: 'development',
          size: 'small',
          exposure: 'public',
          hostname: `${name}.apps.acme.example`,
          visibility: 'internal',
        });
        const created = countRequests(gitlab, before);
        // The entity must be in the catalog for the decommission form to find it.
        await portal.waitForEntity('component', name);
        const beforeUndo = gitlab.state.requests.length;
        const { ms: undoMs } = await runTask(portal, 'decommission-service', {
          entity: `component:default/${name}`,
          confirmation: name,
        });
        const undone = countRequests(gitlab, beforeUndo);
        if (gitlab.state.project(`idp/team-payments/${name}`))
          throw new Error(`${name}: the decommission left the app repository`);
        log(
          `${
            i < WARMUP ? 'warm-up' : 'run'
          } ${name} (delay ${delayMs} ms): ${totalMs.toFixed(0)} ms, ${[
            ...created.counts.values(),
          ].reduce(
            (a, b) => a + b,
            0,
          )} GitLab requests; decommission ${undoMs.toFixed(0)} ms`,
        );
        if (i < WARMUP) continue;
        runs.push({
          delayMs,
          totalMs,
          undoMs,
          steps,
          create: created.counts,
          undo: undone.counts,
          createFailed: created.failed,
        });
      }
    }

    const withDelay = runs.filter(r => r.delayMs === DELAY_MS);
    const noDelay = runs.filter(r => r.delayMs === 0);
    const row = (label: string, xs: number[]) => [
      label,
      median(xs).toFixed(0),
      percentile(xs, 95).toFixed(0),
      `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`,
    ];
    const sum = (m: Map<string, number>) =>
      [...m.values()].reduce((a, b) => a + b, 0);
    const out: string[] = [];
    out.push(
      `Python golden path through the portal: ${RUNS} runs per delay after ${WARMUP} warm-up, alternating delay ${DELAY_MS} ms and 0 ms`,
    );
    out.push(`Machine: ${machine()}`);
    out.push('');
    out.push(
      markdownTable(
        ['measure', 'p50 ms', 'p95 ms', 'min–max ms'],
        [
          row(
            `total, environment Ready after ${DELAY_MS} ms`,
            withDelay.map(r => r.totalMs),
          ),
          row(
            `portal overhead = total − ${DELAY_MS} ms`,
            withDelay.map(r => r.totalMs - DELAY_MS),
          ),
          row(
            'total, environment Ready at once (delay 0)',
            noDelay.map(r => r.totalMs),
          ),
          row(
            'decommission (idp:undo), same services',
            runs.map(r => r.undoMs),
          ),
        ],
      ),
    );
    out.push('');
    out.push(
      `Delay-only floor: ${DELAY_MS} ms. Medians: total(${DELAY_MS}) − total(0) = ${(
        median(withDelay.map(r => r.totalMs)) -
        median(noDelay.map(r => r.totalMs))
      ).toFixed(0)} ms.`,
    );
    out.push('');
    // Where the time goes: each step's median span, and the gaps between steps.
    const stepIds = [...withDelay[0].steps.keys()];
    const spans = (rs: PathRun[], stepId: string) =>
      median(
        rs.map(r => r.steps.get(stepId)!.end - r.steps.get(stepId)!.start),
      );
    const inSteps = (r: PathRun) =>
      [...r.steps.values()].reduce((a, s) => a + (s.end - s.start), 0);
    out.push(
      markdownTable(
        [
          'step (median ms, seen by polling the event log every 25 ms)',
          `delay ${DELAY_MS}`,
          'delay 0',
        ],
        [
          ...stepIds.map(id => [
            id,
            spans(withDelay, id).toFixed(0),
            spans(noDelay, id).toFixed(0),
          ]),
          [
            'outside steps (submit → first step, between steps, last step → completion)',
            median(withDelay.map(r => r.totalMs - inSteps(r))).toFixed(0),
            median(noDelay.map(r => r.totalMs - inSteps(r))).toFixed(0),
          ],
        ],
      ),
    );
    out.push('');
    // The requests do not depend on the delay: every run's counts should be the same.
    const keys = [
      ...new Set(runs.flatMap(r => [...r.create.keys(), ...r.undo.keys()])),
    ].sort();
    const stable = (pick: (r: PathRun) => Map<string, number>, k: string) => {
      const values = runs.map(r => pick(r).get(k) ?? 0);
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      return lo === hi ? String(lo) : `${lo}–${hi}`;
    };
    const totals = (pick: (r: PathRun) => Map<string, number>) => {
      const values = runs.map(r => sum(pick(r)));
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      return lo === hi ? String(lo) : `${lo}–${hi}`;
    };
    out.push(
      `GitLab requests per path, by endpoint (all ${
        runs.length
      } measured runs; ${Math.min(...runs.map(r => r.createFailed))}–${Math.max(
        ...runs.map(r => r.createFailed),
      )} of the create path's answered ≥400, expected 404 lookups):`,
    );
    out.push('');
    out.push(
      markdownTable(
        ['endpoint', 'create', 'decommission'],
        [
          ...keys.map(k => [
            `\`${k}\``,
            stable(r => r.create, k),
            stable(r => r.undo, k),
          ]),
          ['**all**', totals(r => r.create), totals(r => r.undo)],
        ],
      ),
    );
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await controller?.stop().catch(() => {});
    await portal?.stop().catch(() => {});
    await Promise.all([cp.stop(), gitlab.stop()]);
  }
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
