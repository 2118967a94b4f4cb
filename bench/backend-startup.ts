/*
 * Backend start-up time and memory: our built backend in the image layout against the stock
 * create-app backend of the same Backstage release laid out the same way, in one run.
 *
 * Both start in local mode, the way `yarn start` runs them: `node .` in packages/backend with
 * `--config ../../app-config.yaml` (embedded SQLite in memory, each app's own sample catalog),
 * on a free port. Measured per run: spawn → first 200 from /.backstage/health/v1/readiness, the
 * CPU time the process used until then, its RSS at that moment, and the RSS summed over the
 * process tree after a settle period (VmRSS from /proc/<pid>/status). The two alternate
 * (ours, stock, ours, ...) so that drift on a shared machine hits both alike.
 *
 * Usage: bench/backend-startup.sh [--runs N] [--settle S]
 */
import {
  LAYOUTS,
  assertLayout,
  startBuiltBackend,
  treeCpuMs,
  treeRssMiB,
} from './lib/builtBackend';
import {
  log,
  machine,
  markdownTable,
  numberOption,
  percentile,
} from './lib/report';

const RUNS = numberOption('runs', 5);
const SETTLE_S = numberOption('settle', 10);

const TARGETS = [
  {
    label: 'ours (image layout)',
    dir: LAYOUTS.ours,
    hint: 'run `CI=true scripts/test.sh build image` first',
  },
  {
    label: 'stock create-app',
    dir: LAYOUTS.stock,
    hint: 'run bench/stock-app.sh first',
  },
];

interface Run {
  readyMs: number;
  cpuMsToReady: number;
  rssAtReadyMiB: number;
  rssSettledMiB: number;
  processes: number;
}

async function startOnce(dir: string): Promise<Run> {
  const backend = await startBuiltBackend(dir);
  try {
    const pid = backend.child.pid!;
    const readyMs = backend.readyAt - backend.spawnedAt;
    const cpuMsToReady = treeCpuMs(pid);
    const rssAtReadyMiB = treeRssMiB(pid).mib;
    await new Promise(r => setTimeout(r, SETTLE_S * 1000));
    if (backend.child.exitCode !== null)
      throw new Error(
        `backend in ${dir} exited after start:\n${backend
          .output()
          .slice(-3000)}`,
      );
    const settled = treeRssMiB(pid);
    return {
      readyMs,
      cpuMsToReady,
      rssAtReadyMiB,
      rssSettledMiB: settled.mib,
      processes: settled.processes,
    };
  } finally {
    await backend.stop();
  }
}

async function main() {
  for (const t of TARGETS) assertLayout(t.dir, t.hint);
  const runs: Run[][] = TARGETS.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (let t = 0; t < TARGETS.length; t++) {
      const run = await startOnce(TARGETS[t].dir);
      runs[t].push(run);
      log(
        `${TARGETS[t].label} run ${i + 1}/${RUNS}: ready ${(
          run.readyMs / 1000
        ).toFixed(2)} s (${(run.cpuMsToReady / 1000).toFixed(
          1,
        )} s CPU), RSS ${run.rssAtReadyMiB.toFixed(
          0,
        )} MiB at ready, ${run.rssSettledMiB.toFixed(
          0,
        )} MiB after ${SETTLE_S} s`,
      );
    }
  }
  const fmt = (xs: number[], scale: number, digits: number, unit: string) =>
    `${(percentile(xs, 50) / scale).toFixed(digits)} ${unit} (${(
      Math.min(...xs) / scale
    ).toFixed(digits)}–${(Math.max(...xs) / scale).toFixed(digits)})`;
  const rows = TARGETS.map((t, i) => {
    const r = runs[i];
    return [
      t.label,
      fmt(
        r.map(x => x.readyMs),
        1000,
        2,
        's',
      ),
      fmt(
        r.map(x => x.cpuMsToReady),
        1000,
        1,
        's',
      ),
      fmt(
        r.map(x => x.rssAtReadyMiB),
        1,
        0,
        'MiB',
      ),
      fmt(
        r.map(x => x.rssSettledMiB),
        1,
        0,
        'MiB',
      ),
    ];
  });
  const ratio = (pick: (r: Run) => number) =>
    `${(
      percentile(runs[0].map(pick), 50) / percentile(runs[1].map(pick), 50)
    ).toFixed(2)}×`;
  rows.push([
    'ratio ours/stock (medians)',
    ratio(r => r.readyMs),
    ratio(r => r.cpuMsToReady),
    ratio(r => r.rssAtReadyMiB),
    ratio(r => r.rssSettledMiB),
  ]);
  const out = [
    `Backend start-up in local mode (SQLite in memory), ${RUNS} runs each, alternating; median (min–max)`,
    `Machine: ${machine()}`,
    ...TARGETS.map(t => `  ${t.label}: ${t.dir}`),
    '',
    markdownTable(
      [
        'backend',
        'spawn → ready',
        'CPU time to ready',
        'RSS at ready',
        `RSS ${SETTLE_S} s after ready`,
      ],
      rows,
    ),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
