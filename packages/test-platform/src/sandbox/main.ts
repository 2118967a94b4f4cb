/*
 * `scripts/start.sh` (and its alias `scripts/sandbox.sh`): the test platform plus the portal
 * wired to it, for trying a golden path end to end on a laptop. A sandbox: the GitLab is the
 * test double; the kube-apiserver, Crossplane, Argo CD, kube-scheduler and kwok are the real
 * programs (kwok plays the nodes and the containers).
 *
 * `--image <dir> --port <n>` runs the *built* portal laid out like the container image (the
 * `image` stage of scripts/test.sh) on that port instead of the dev servers: what the deployment
 * view's and the golden path's end-to-end tests use.
 *
 * `--admin-port <n>` (tests only) starts a local admin endpoint on 127.0.0.1:<n> through which a
 * test in another process injects GitLab faults and reads the double and the cluster
 * (`adminServer.ts`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { stringify } from 'yaml';
import { repoRoot } from '../paths';
import { startSandbox } from './startSandbox';
import { startAdminServer } from './adminServer';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const imageDir = option('image');
  const port = Number(option('port') ?? 7007);
  const adminPort = option('admin-port');
  const sandbox = await startSandbox();
  const admin = adminPort
    ? await startAdminServer({
        port: Number(adminPort),
        gitlab: sandbox.gitlab,
        controlPlane: sandbox.controlPlane,
      }).catch(async error => {
        await sandbox.stop();
        throw error;
      })
    : undefined;
  if (admin) process.stderr.write(`sandbox admin (tests only): ${admin.url}\n`);
  const root = repoRoot();
  let command: string[];
  let cwd = root;
  if (imageDir) {
    // Local mode on the built portal (as the e2e smoke test runs it), on its own port.
    const local = path.join(
      path.dirname(sandbox.configFile),
      'app-config.port.yaml',
    );
    const origin = `http://localhost:${port}`;
    fs.writeFileSync(
      local,
      stringify({
        app: { baseUrl: origin },
        backend: { baseUrl: origin, listen: { port }, cors: { origin } },
        auth: {
          providers: {
            guest: {
              userEntityRef: 'user:default/priya.sharma',
              dangerouslyAllowOutsideDevelopment: true,
            },
          },
        },
        // app-config.yaml's locations with their rules (arrays replace), in the image layout,
        // except the sample organisation, which the image does not ship: read from the checkout.
        catalog: {
          locations: [
            {
              type: 'file',
              target: './catalog-info/all.yaml',
              rules: [{ allow: ['Domain', 'System', 'Resource'] }],
            },
            {
              type: 'file',
              target: path.join(root, 'catalog-info/org.yaml'),
              rules: [{ allow: ['User', 'Group'] }],
            },
            {
              type: 'file',
              target: './templates/all.yaml',
              rules: [{ allow: ['Template'] }],
            },
          ],
        },
      }),
    );
    cwd = imageDir;
    command = [
      'packages/backend',
      '--config',
      'app-config.yaml',
      '--config',
      local,
      '--config',
      sandbox.configFile,
    ];
  } else {
    command = [
      `${root}/.yarn/releases/yarn-4.13.0.cjs`,
      'start',
      '--config',
      `${root}/app-config.yaml`,
      '--config',
      sandbox.configFile,
    ];
  }
  const portal = spawn(process.execPath, command, {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, ...sandbox.env },
    // Its own process group, so stopping takes the dev servers' children too. The built
    // portal is one process and stays in ours: a runner that kills our group kills it too.
    detached: !imageDir,
  });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    try {
      if (imageDir) portal.kill('SIGTERM');
      else process.kill(-portal.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await admin?.stop();
    await sandbox.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  portal.on('exit', code => stop(code ?? 0));
  process.stderr.write(
    `sandbox ready: portal on http://localhost:${
      imageDir ? port : 3000
    } (GitLab double and Kubernetes above)${
      imageDir ? '' : ' once the frontend has compiled (a minute or two)'
    }. Try a golden path: sign in as Diego Alvarez (a developer of team-payments), ` +
      `Create → Python FastAPI service, then the new service's Deployment tab. ` +
      `Ctrl-C stops everything\n`,
  );
}

main().catch(error => {
  process.stderr.write(`sandbox failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
