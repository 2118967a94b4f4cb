import { test, expect } from '@playwright/test';
import { screenshot } from './screenshot';
import { signInAs } from './signIn';

test('the home page leads to the catalog and to Create', async ({
  page,
}, testInfo) => {
  await signInAs(page);
  await expect(
    page.getByRole('heading', { name: 'Welcome to the Acme Developer Portal' }),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Browse the catalog' }),
  ).toHaveAttribute('href', '/catalog');
  await expect(
    page.getByRole('link', { name: 'Create a service' }),
  ).toHaveAttribute('href', '/create');
  const nav = page.getByRole('navigation', { name: 'sidebar nav' });
  await expect(
    nav.getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
  await expect(
    nav.getByRole('link', { name: 'Create', exact: true }),
  ).toBeVisible();
  await screenshot(page, testInfo, 'home');

  await page.getByRole('link', { name: 'Create a service' }).click();
  await expect(page).toHaveURL(/\/create/);
});

test('the catalog lists the sample components and teams', async ({
  page,
}, testInfo) => {
  await signInAs(page);
  await page.goto('/catalog?filters[kind]=component&filters[user]=all');
  const table = page.getByRole('table');
  for (const title of ['IDP Portal', 'Checkout', 'Storefront Web']) {
    await expect(
      table.getByRole('link', { name: title, exact: true }),
    ).toBeVisible();
  }
  await expect(page.getByText('All Components (3)')).toBeVisible();
  await screenshot(page, testInfo, 'catalog');

  await page.goto('/catalog?filters[kind]=group&filters[user]=all');
  for (const title of [
    'Platform Engineering',
    'Payments',
    'Storefront',
    'Security & Compliance',
  ]) {
    await expect(
      page.getByRole('table').getByRole('link', { name: title, exact: true }),
    ).toBeVisible();
  }

  await page.goto('/catalog/default/component/idp-portal');
  await expect(page.getByRole('heading', { name: 'IDP Portal' })).toBeVisible();
  await expect(page.getByText('About', { exact: true })).toBeVisible();
  await expect(
    page.getByText('Internal Developer Platform').first(),
  ).toBeVisible();
  await screenshot(page, testInfo, 'portal-entity');
});
