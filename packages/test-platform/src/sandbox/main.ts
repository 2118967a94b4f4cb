/*
 * `scripts/sandbox.sh`: the test platform plus the portal wired to it, for trying a golden
 * path end to end on a laptop. A sandbox: nothing in it is real GitLab, and Crossplane and
 * Argo CD are simulated on a real kube-apiserver.
 */
import { spawn } from 'node:child_process';
import { repoRoot } from '../paths';
import { startSandbox } from './startSandbox';

async function main() {
  const sandbox = await startSandbox();
  const root = repoRoot();
  const portal = spawn(
    process.execPath,
    [
      `${root}/.yarn/releases/yarn-4.13.0.cjs`,
      'start',
      '--config',
      `${root}/app-config.yaml`,
      '--config',
      sandbox.configFile,
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...sandbox.env },
      // Its own process group, so stopping reaches the dev servers yarn starts below it.
      detached: true,
    },
  );
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    try {
      process.kill(-portal.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await sandbox.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  portal.on('exit', code => stop(code ?? 0));
  process.stderr.write(
    'sandbox ready: portal on http://localhost:3000 (GitLab double and Kubernetes above); Ctrl-C stops everything\n',
  );
}

main().catch(error => {
  process.stderr.write(`sandbox failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
