import { test, expect } from '@playwright/test';
import { screenshot } from './screenshot';
import { SAMPLE_USERS, sidebar, signInAs } from './signIn';

// The README's quick start, as a newcomer follows it: `scripts/start.sh` running (the portal's
// dev servers on the local platform), then a golden path in the browser, from Create to the
// new service's pods on its Deployment tab. Project quick-start, against a running portal:
//   scripts/start.sh &   # then, once it says "sandbox ready":
//   PLAYWRIGHT_URL=http://localhost:3000 scripts/run.sh yarn playwright test --project quick-start

const SERVICE = `hello-${Date.now().toString(36).slice(-5)}`;

test('from the quick start: Create a FastAPI service, and its Deployment tab shows its pod running', async ({
  page,
}, testInfo) => {
  test.setTimeout(300_000);
  await signInAs(page, SAMPLE_USERS.developer);
  await sidebar(page)
    .getByRole('link', { name: 'Create', exact: true })
    .click();
  const card = page.locator('.MuiCard-root').filter({
    has: page.getByRole('heading', {
      name: 'Python FastAPI service',
      exact: true,
    }),
  });
  await card.getByRole('button', { name: 'Choose' }).click();
  await page.getByRole('textbox', { name: 'Name' }).fill(SERVICE);
  await page
    .getByRole('textbox', { name: 'Description' })
    .fill('My first service');
  for (const label of ['Owner', 'System']) {
    const field = page.getByRole('textbox', { name: label, exact: true });
    await field.click();
    await field.fill('Payments');
    await page
      .getByRole('option', { name: /Payments/ })
      .first()
      .click();
  }
  for (let i = 0; i < 4; i++) {
    const review = page.getByRole('button', { name: 'Review' });
    if (await review.isVisible()) {
      await review.click();
      break;
    }
    await page.getByRole('button', { name: 'Next' }).click();
  }
  const started = Date.now();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(
    page.getByRole('link', { name: 'Open in the catalog' }),
  ).toBeVisible({ timeout: 180_000 });
  const taskSeconds = Math.round((Date.now() - started) / 1000);
  await screenshot(page, testInfo, 'quick-start-task-done', { fullPage: true });
  await page.getByRole('link', { name: 'Deployment status' }).click();
  await expect(page.getByText('Ready: True (Available)')).toBeVisible({
    timeout: 90_000,
  });
  await expect(page.getByText('1 pod, all ready')).toBeVisible({
    timeout: 90_000,
  });
  await screenshot(page, testInfo, 'quick-start-deployment', {
    fullPage: true,
  });
  // The overview leads with the deployment, not with empty relation tables.
  await page.getByRole('link', { name: 'Overview', exact: true }).click();
  await expect(page.getByText('Depends on components')).toHaveCount(0);
  await screenshot(page, testInfo, 'quick-start-overview', { fullPage: true });
  // eslint-disable-next-line no-console
  console.log(
    `quick start: ${SERVICE} created in ${taskSeconds} s from Create to a finished task`,
  );
});
