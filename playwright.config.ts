import path from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * End-to-end and smoke tests, in Debian's Chromium (never a downloaded browser).
 *
 * - `PORTAL_IMAGE_DIR` set (scripts/test.sh): the built portal, laid out like the container
 *   image, is started in local mode on :7007 and tested there.
 * - `PLAYWRIGHT_URL` set: tests run against that running portal.
 * - Neither: the dev servers (`yarn start`) are started or reused on :3000 and :7007.
 */
const imageDir = process.env.PORTAL_IMAGE_DIR;
/** Where the built portal on the test platform listens (image mode only). */
const SANDBOX_PORT = 7010;
/**
 * The sandbox's test-only admin endpoint (GitLab fault injection, reading the double and the
 * cluster; packages/test-platform/src/sandbox/adminServer.ts), which goldenPath.test.ts uses.
 */
const SANDBOX_ADMIN_PORT = 7011;

// Flags that work on machines with a closed network: without the background-networking ones
// Chromium floods it with connections that are refused.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function webServer() {
  if (process.env.PLAYWRIGHT_URL) return [];
  if (imageDir) {
    return [
      // The built portal wired to the test platform (sandbox): what the deployment view's
      // end-to-end test reads.
      {
        command: `node --require @backstage/cli/config/nodeTransform.cjs packages/test-platform/src/sandbox/main.ts --image ${imageDir} --port ${SANDBOX_PORT} --admin-port ${SANDBOX_ADMIN_PORT}`,
        url: `http://localhost:${SANDBOX_PORT}/.backstage/health/v1/readiness`,
        timeout: 240_000,
        // SIGTERM lets the sandbox stop the portal and the control plane it started.
        gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 30_000 },
        reuseExistingServer: false,
        stdout: 'ignore' as const,
        stderr: 'pipe' as const,
      },
      {
        command: `node packages/backend --config app-config.yaml --config ${path.resolve(
          __dirname,
          'packages/backend/e2e-tests/app-config.smoke.yaml',
        )}`,
        cwd: imageDir,
        // The image ships no sample organisation; local mode on it reads the checkout's
        // (app-config.smoke.yaml). Playwright adds this to its own environment.
        env: {
          IDP_SAMPLE_ORG_FILE: path.resolve(__dirname, 'catalog-info/org.yaml'),
        },
        url: 'http://localhost:7007/.backstage/health/v1/readiness',
        timeout: 180_000,
        reuseExistingServer: false,
        stdout: 'ignore' as const,
        stderr: 'pipe' as const,
      },
    ];
  }
  return [
    {
      command: 'yarn start',
      url: 'http://localhost:3000',
      reuseExistingServer: true,
      timeout: 180_000,
    },
  ];
}

export default defineConfig({
  timeout: 60_000,
  expect: { timeout: 30_000 },
  // One portal, one browser at a time: the machines have two cores.
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  webServer: webServer(),
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'e2e-test-report' }],
  ],
  use: {
    baseURL:
      process.env.PLAYWRIGHT_URL ??
      (imageDir ? 'http://localhost:7007' : 'http://localhost:3000'),
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs,
    },
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  outputDir: 'node_modules/.cache/e2e-test-results',
  projects: [
    {
      name: 'app',
      testDir: 'packages/app/e2e-tests',
      // Needs the test platform: projects golden-path and quick-start.
      testIgnore: ['goldenPath.test.ts', 'quickStart.test.ts'],
    },
    // The README's quick start against a running `scripts/start.sh` (PLAYWRIGHT_URL): a golden
    // path from Create to running pods. Run by hand, not by scripts/test.sh (whose e2e stage runs
    // the same path on the built portal, project golden-path).
    ...(process.env.PLAYWRIGHT_URL
      ? [
          {
            name: 'quick-start',
            testDir: 'packages/app/e2e-tests',
            testMatch: 'quickStart.test.ts',
          },
        ]
      : []),
    { name: 'backend', testDir: 'packages/backend/e2e-tests' },
    // Needs the test platform behind the built portal: image mode only.
    ...(imageDir
      ? [
          {
            name: 'deployment',
            testDir: 'plugins/deployment/e2e-tests',
            use: { baseURL: `http://localhost:${SANDBOX_PORT}` },
          },
          {
            // Issue 10: a service from the form to its running deployment, a failed run cleaned
            // up, bad input refused, and what a manager sees.
            name: 'golden-path',
            testDir: 'packages/app/e2e-tests',
            testMatch: 'goldenPath.test.ts',
            use: { baseURL: `http://localhost:${SANDBOX_PORT}` },
          },
        ]
      : []),
  ],
});
