import path from 'node:path';
import { Page, TestInfo } from '@playwright/test';

/**
 * Saves a screenshot in the test's output folder, and under docs/screenshots/ when
 * UPDATE_SCREENSHOTS is set (how the README's pictures are refreshed).
 */
export async function screenshot(
  page: Page,
  testInfo: TestInfo,
  name: string,
  options: { fullPage?: boolean } = {},
) {
  await page.screenshot({
    path: testInfo.outputPath(`${name}.png`),
    ...options,
  });
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.screenshot({
      path: path.resolve(__dirname, '../../../docs/screenshots', `${name}.png`),
      ...options,
    });
  }
}
