import { test, expect, Page } from '@playwright/test';
import { screenshot } from './screenshot';
import { SAMPLE_USERS, sidebar, signInAs } from './signIn';

// Roles and access: what each sample user of catalog-info/org.yaml sees in local mode. The
// roles come from catalog group membership; the backend's permission policy enforces them, and
// the frontend hides what a role may not do.

/** Signs in and waits until the first permission decisions have arrived. */
async function signInAndWaitForPermissions(page: Page, displayName: string) {
  const decided = page.waitForResponse(
    response =>
      response.url().includes('/api/permission/authorize') && response.ok(),
  );
  await signInAs(page, displayName);
  await decided;
}

/** The template list of /create, once it has loaded: cards, or the empty state. */
async function openTemplates(page: Page) {
  await page.goto('/create');
  await expect(
    page
      .getByText(/No templates found/)
      .or(page.getByText('Python FastAPI service', { exact: true })),
  ).toBeVisible();
}

test('the sign-in picker offers each sample user with their role', async ({
  page,
}, testInfo) => {
  await page.goto('/');
  await expect(
    page.getByRole('heading', { name: 'Who do you want to be?' }),
  ).toBeVisible();
  const users = page.getByRole('list', { name: 'Sample users' });
  for (const [name, role] of [
    [SAMPLE_USERS.platformEngineer, 'Platform engineer'],
    [SAMPLE_USERS.developer, 'Developer'],
    ['Mei Chen', 'Developer'],
    [SAMPLE_USERS.manager, 'Manager'],
    [SAMPLE_USERS.auditor, 'Auditor'],
  ]) {
    const card = users.getByRole('listitem').filter({ hasText: name });
    await expect(card.getByText(role, { exact: true })).toBeVisible();
    await expect(
      card.getByRole('button', { name: `Sign in as ${name}`, exact: true }),
    ).toBeVisible();
  }
  // Someone in no mapped group reads the catalog only.
  await expect(
    users.getByText('No role — read-only catalog').first(),
  ).toBeVisible();
  await screenshot(page, testInfo, 'signin-picker');
});

test('the chosen user stays signed in across a reload; signing out returns to the picker', async ({
  page,
}) => {
  await signInAs(page, SAMPLE_USERS.auditor);
  await page.reload();
  await expect(
    sidebar(page).getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
  await page.goto('/settings');
  await expect(page.getByText(SAMPLE_USERS.auditor).first()).toBeVisible();

  await page.getByRole('button', { name: 'more' }).click();
  await page.getByRole('menuitem', { name: 'Sign Out' }).click();
  await expect(
    page.getByRole('heading', { name: 'Who do you want to be?' }),
  ).toBeVisible();
});

test('a manager browses the catalog and deployments but is offered nothing to create or run', async ({
  page,
}, testInfo) => {
  await signInAndWaitForPermissions(page, SAMPLE_USERS.manager);
  const nav = sidebar(page);
  await expect(
    nav.getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
  // Home: no Create in the nav, the welcome text or the toolkit; no Register Existing Component.
  await expect(
    page.getByRole('heading', { name: 'Welcome to the Acme Developer Portal' }),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Browse the catalog' }),
  ).toBeVisible();
  // The toolkit has rendered (Systems is only there).
  await expect(
    page.getByRole('link', { name: 'Systems', exact: true }),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Create', exact: true }),
  ).toHaveCount(0);
  await expect(
    page.getByRole('link', { name: 'Create a service' }),
  ).toHaveCount(0);
  await expect(
    nav.getByRole('link', { name: 'Register Existing Component' }),
  ).toHaveCount(0);

  await page.goto('/catalog?filters[kind]=component&filters[user]=all');
  const table = page.getByRole('table');
  for (const title of ['IDP Portal', 'Checkout', 'Storefront Web']) {
    await expect(
      table.getByRole('link', { name: title, exact: true }),
    ).toBeVisible();
  }
  // The catalog's own Create button needs catalog.entity.create.
  await expect(
    page.getByRole('link', { name: 'Create', exact: true }),
  ).toHaveCount(0);
  await screenshot(page, testInfo, 'manager-catalog');

  await page.goto('/catalog/default/component/payments-checkout');
  await expect(page.getByRole('heading', { name: 'Checkout' })).toBeVisible();
  await expect(page.getByText('About', { exact: true })).toBeVisible();
  // The About card's refresh needs catalog.entity.refresh (the developer test sees it).
  await expect(page.getByRole('button', { name: 'Edit' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  await expect(
    page.getByRole('button', { name: 'Refresh', exact: true }),
  ).toHaveCount(0);
  await screenshot(page, testInfo, 'manager-service');
  // Unregistering needs catalog.entity.delete: Backstage's menu offers it disabled.
  await page.getByRole('button', { name: 'More actions' }).click();
  await expect(
    page.getByRole('menuitem', { name: /Unregister entity/ }),
  ).toBeDisabled();
  await page.keyboard.press('Escape');

  await page.getByRole('link', { name: 'Deployment', exact: true }).click();
  await expect(page).toHaveURL(/\/payments-checkout\/deployment$/);
  // Local mode has no cluster: the tab says so, and offers no Argo CD action either way.
  await expect(
    page.getByText(/Not deployed|no clusters configured/).first(),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: /^sync$/i })).toHaveCount(0);
  await expect(
    page.getByRole('button', { name: /refresh in argo cd/i }),
  ).toHaveCount(0);

  // /create: no template can be chosen (none listed, or cards without "Choose").
  await openTemplates(page);
  await expect(page.getByRole('button', { name: 'Choose' })).toHaveCount(0);
  await expect(
    nav.getByRole('link', { name: 'Create', exact: true }),
  ).toHaveCount(0);
});

test("a developer creates from the developers' templates, not the platform team's", async ({
  page,
}, testInfo) => {
  await signInAndWaitForPermissions(page, SAMPLE_USERS.developer);
  const nav = sidebar(page);
  await expect(
    nav.getByRole('link', { name: 'Create', exact: true }),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Create a service' }),
  ).toBeVisible();
  // Create in the nav and in the home page's toolkit.
  await expect(
    page.getByRole('link', { name: 'Create', exact: true }),
  ).toHaveCount(2);
  await expect(
    nav.getByRole('link', { name: 'Register Existing Component' }),
  ).toBeVisible();

  await page.goto('/catalog?filters[kind]=component&filters[user]=all');
  await expect(
    page
      .getByRole('table')
      .getByRole('link', { name: 'Checkout', exact: true }),
  ).toBeVisible();

  // Their team's service: they may refresh it (the manager may not).
  await page.goto('/catalog/default/component/payments-checkout');
  await expect(
    page.getByRole('button', { name: 'Refresh', exact: true }),
  ).toBeVisible();

  await nav.getByRole('link', { name: 'Create', exact: true }).click();
  await expect(page).toHaveURL(/\/create/);
  for (const title of [
    'Python FastAPI service',
    'TypeScript (Node.js) service',
  ]) {
    await expect(page.getByText(title, { exact: true })).toBeVisible();
  }
  await expect(
    page.getByRole('button', { name: 'Choose' }).first(),
  ).toBeVisible();
  // The list arrives in one answer, so once the others show this one is really absent.
  await expect(
    page.getByText('Decommission a service', { exact: true }),
  ).toHaveCount(0);
  await screenshot(page, testInfo, 'developer-create');
});

test('a platform engineer also gets the decommission template', async ({
  page,
}) => {
  await signInAndWaitForPermissions(page, SAMPLE_USERS.platformEngineer);
  await expect(
    sidebar(page).getByRole('link', { name: 'Create', exact: true }),
  ).toBeVisible();
  await openTemplates(page);
  await expect(
    page.getByText('Python FastAPI service', { exact: true }),
  ).toBeVisible();
  await expect(
    page.getByText('Decommission a service', { exact: true }),
  ).toBeVisible();
});
