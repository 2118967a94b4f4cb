/*
 * One golden path on the real controllers against the same path on the status simulator, in one
 * invocation: the Python template through the portal (startPortal: the real scaffolder, catalog
 * and actions), on a control plane with Crossplane, Argo CD and kwok, then on one where the
 * simulator plays Crossplane (XR Ready as soon as it sees it, no Argo CD, no pods).
 *
 * Prints, per platform: the time from submitting the form to the finished task (the task waits
 * until the XR is Ready), and on the real controllers the time until the service runs (Argo CD
 * Synced and Healthy, every pod Running and Ready), which the simulator never reaches. Each
 * service is decommissioned after its run. Ratios real/simulated.
 *
 * Usage: bench/golden-path-controllers.sh [--runs N] [--warmup N]
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ControlPlane,
  GitLabDouble,
  KubeRest,
  StatusSimulator,
  platformAppProjects,
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

const RUNS = numberOption('runs', 3);
const WARMUP = numberOption('warmup', 1);

interface Sample {
  taskMs: number;
  /** Until Argo CD Healthy and every pod ready (real controllers only). */
  runningMs?: number;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function platform(real: boolean) {
  const [cp, gitlab] = await Promise.all([
    startControlPlane(real ? { controllers: true } : {}),
    startGitLabDouble({ basePath: '/gitlab' }),
  ]);
  await cp.apply(
    fs.readFileSync(
      path.join(
        repoRoot(),
        'platform/portal/argocd-repo-secrets/rbac-argocd-repo-secrets.yaml',
      ),
      'utf8',
    ),
  );
  if (real) await cp.apply(platformAppProjects(`${gitlab.baseUrl}/idp/`));
  gitlab.addGroup({ path: 'idp' });
  gitlab.addUser({ username: 'idp-portal' });
  const gitlabToken = gitlab.createToken({
    user: 'idp-portal',
    scopes: ['api'],
  });
  const controller = real
    ? undefined
    : new StatusSimulator(cp.kubeConfig('admin')).runEnvironmentController({
        readyAfterMs: 0,
        pollMs: 100,
      });
  const portal = await startPortal({ cp, gitlab, gitlabToken });
  await portal.waitForEntity('template', 'python-fastapi-service');
  return { cp, gitlab, portal, controller };
}

async function measure(
  real: boolean,
  env: { cp: ControlPlane; gitlab: GitLabDouble; portal: Portal },
  name: string,
): Promise<Sample> {
  const started = performance.now();
  const run = await env.portal.runTask('python-fastapi-service', {
    name,
    description: 'Controllers benchmark',
    owner: 'group:default/team-payments',
    system: 'system:default/payments',
    environment: 'development',
    size: 'small',
    exposure: 'internal',
    visibility: 'internal',
  });
  if (run.task.status !== 'completed') {
    throw new Error(`${name}: ${run.task.status}\n${run.messages.join('\n')}`);
  }
  const taskMs = performance.now() - started;
  let runningMs: number | undefined;
  if (real) {
    const rest = new KubeRest(env.cp.kubeConfig('admin'));
    const namespace = `team-payments-${name}-development`;
    await waitFor(
      `${name} running`,
      async () => {
        const app = await rest.get(
          'argoproj.io/v1alpha1',
          'Application',
          `${name}-development`,
          'argocd',
        );
        if (app?.status?.health?.status !== 'Healthy') return false;
        const pods = await rest.list('v1', 'Pod', { namespace });
        return (
          pods.length > 0 &&
          pods.every((p: any) =>
            p.status?.conditions?.some(
              (c: any) => c.type === 'Ready' && c.status === 'True',
            ),
          )
        );
      },
      300_000,
    );
    runningMs = performance.now() - started;
  }
  await env.portal.waitForEntity('component', name);
  const undo = await env.portal.runTask('decommission-service', {
    entity: `component:default/${name}`,
    confirmation: name,
  });
  if (undo.task.status !== 'completed') {
    throw new Error(`${name}: decommission ${undo.task.status}`);
  }
  return { taskMs, runningMs };
}

async function main() {
  const results: Record<'real' | 'simulated', Sample[]> = {
    real: [],
    simulated: [],
  };
  let n = 0;
  for (const real of [true, false]) {
    const t0 = Date.now();
    const env = await platform(real);
    log(
      `${real ? 'real controllers' : 'simulator'}: platform and portal up in ${
        Date.now() - t0
      } ms`,
    );
    try {
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const name = `bench-ctl-${++n}`;
        const sample = await measure(real, env, name);
        log(
          `${i < WARMUP ? 'warm-up' : 'run'} ${name} (${
            real ? 'real' : 'simulated'
          }): task ${sample.taskMs.toFixed(0)} ms${
            sample.runningMs
              ? `, running ${sample.runningMs.toFixed(0)} ms`
              : ''
          }`,
        );
        if (i >= WARMUP) results[real ? 'real' : 'simulated'].push(sample);
      }
    } finally {
      await env.controller?.stop();
      await env.portal.stop();
      await Promise.all([env.cp.stop(), env.gitlab.stop()]);
    }
  }
  const stats = (xs: number[]) =>
    `${median(xs).toFixed(0)} / ${percentile(xs, 95).toFixed(0)}`;
  const task = (k: 'real' | 'simulated') => results[k].map(s => s.taskMs);
  const running = results.real.map(s => s.runningMs!);
  const table = markdownTable(
    [
      '',
      'real controllers (p50 / p95 ms)',
      'simulator (p50 / p95 ms)',
      'ratio (p50)',
    ],
    [
      [
        'Create → task finished (XR Ready)',
        stats(task('real')),
        stats(task('simulated')),
        `${(median(task('real')) / median(task('simulated'))).toFixed(2)}×`,
      ],
      [
        'Create → Argo CD Healthy, pods ready',
        stats(running),
        'never (no Argo CD, no pods)',
        '',
      ],
    ],
  );
  process.stdout.write(
    `golden path, real controllers against the simulator (${RUNS} runs each after ${WARMUP} warm-up; ${machine()})\n\n${table}\n`,
  );
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(
      `bench/golden-path-controllers: FAILED: ${error?.stack ?? error}\n`,
    );
    process.exit(1);
  },
);
