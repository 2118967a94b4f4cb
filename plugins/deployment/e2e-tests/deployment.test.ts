import path from 'node:path';
import { test, expect, Page, TestInfo } from '@playwright/test';
// The app's sign-in helper (local mode's picker; the platform engineer by default, who may Sync),
// shared by path: e2e-tests are not part of the app package's published entry points.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { signInAs } from '../../../packages/app/e2e-tests/signIn';

// The Deployment tab of the built portal on the test platform (the sandbox): a healthy service
// (payments-checkout) and a degraded one (storefront-web), as the real controllers leave them:
// Crossplane composed their environments, Argo CD synced their deployment repositories, and
// kwok runs (or fails) their pods by image (packages/test-platform/src/sandbox/startSandbox.ts).

async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({
    path: testInfo.outputPath(`${name}.png`),
    fullPage: true,
  });
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.screenshot({
      path: path.resolve(__dirname, '../../../docs/screenshots', `${name}.png`),
      fullPage: true,
    });
  }
}

test('a healthy service: environment Ready, Argo CD synced and healthy, pods running', async ({
  page,
}, testInfo) => {
  await signInAs(page);
  await page.goto('/catalog/default/component/payments-checkout/deployment');
  await expect(page.getByText(/Updated \d+s ago/)).toBeVisible();
  await expect(page.getByText('Ready: True (Available)')).toBeVisible();
  await expect(page.getByText(/^Synced at/)).toBeVisible();
  await expect(page.getByText('Healthy', { exact: true })).toBeVisible();
  await expect(page.getByText('2 pods, all ready')).toBeVisible();
  // The revision links to its commit in the GitLab double.
  await expect(
    page.getByRole('link', { name: /^[0-9a-f]{7}\b/ }).first(),
  ).toHaveAttribute(
    'href',
    /\/payments-checkout-deployment\/-\/commit\/[0-9a-f]{40}$/,
  );
  await expect(page.getByRole('button', { name: /^sync$/i })).toBeVisible();
  await screenshot(page, testInfo, 'deployment-healthy');
});

test('a degraded service: what is wrong is obvious, and Sync reports a running operation', async ({
  page,
}, testInfo) => {
  await signInAs(page);
  await page.goto('/catalog/default/component/storefront-web/deployment');
  await expect(page.getByText(/Updated \d+s ago/)).toBeVisible();
  // Argo CD's own verdict on the broken release, which it synced (the rollout never finishes),
  // and the resource it blames, with Kubernetes' reason.
  await expect(page.getByText('Degraded', { exact: true }).first()).toBeVisible(
    { timeout: 30_000 },
  );
  await expect(
    page.getByText(
      /Deployment "storefront-web" exceeded its progress deadline/,
    ),
  ).toBeVisible();
  await expect(page.getByText(/^Synced at/)).toBeVisible();
  await expect(page.getByText('6 pods, 4 failing, 2 ready')).toBeVisible();
  for (const problem of [
    'CrashLoopBackOff',
    'OOMKilled',
    'ImagePullBackOff',
    'Pending',
  ]) {
    await expect(
      page.getByText(problem, { exact: true }).first(),
    ).toBeVisible();
  }
  await screenshot(page, testInfo, 'deployment-degraded');

  // Sync is accepted, and Argo CD runs it: the view shows its operation.
  await page.getByRole('button', { name: /^sync$/i }).click();
  await expect(
    page.getByText(
      /Sync of storefront-web-production on development requested/,
    ),
  ).toBeVisible();
  await expect(
    page.getByText(/^(Last operation|Operation)$/).first(),
  ).toBeVisible();
});

test('the overview card summarises each environment', async ({ page }) => {
  await signInAs(page);
  await page.goto('/catalog/default/component/storefront-web');
  await expect(page.getByText('2/6 pods ready')).toBeVisible();
  await expect(page.getByText('4 problems')).toBeVisible();
});
