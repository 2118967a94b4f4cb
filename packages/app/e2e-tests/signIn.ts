import { expect, Page } from '@playwright/test';

/** The sample users of catalog-info/org.yaml the end-to-end tests sign in as, by role. */
export const SAMPLE_USERS = {
  platformEngineer: 'Priya Sharma',
  developer: 'Diego Alvarez',
  manager: 'Morgan Lee',
  auditor: 'Ari Cohen',
} as const;

/** The sidebar's <nav>: it has no box of its own, its links are what a user sees. */
export function sidebar(page: Page) {
  return page.getByRole('navigation', { name: 'sidebar nav' });
}

/**
 * Signs in through local mode's "Who do you want to be?" picker as the sample user with this
 * display name; the platform engineer by default, who may do everything the portal offers.
 * Shared by every end-to-end test of the app and its plugins (import it by relative path).
 */
export async function signInAs(
  page: Page,
  displayName: string = SAMPLE_USERS.platformEngineer,
) {
  await page.goto('/');
  await page
    .getByRole('button', { name: `Sign in as ${displayName}`, exact: true })
    .click();
  await expect(
    sidebar(page).getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
}
