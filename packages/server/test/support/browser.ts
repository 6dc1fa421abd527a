// A real browser for tests: Debian's Chromium driven by playwright-core (never a downloaded browser). `.ci/run`
// installs it; locally: `apt-get install -y chromium`.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const chromiumPath = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';

/** Starts headless Chromium; fails with what to do when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}: install it with 'apt-get install -y chromium' (.ci/run does), or set WEFT_CHROMIUM`,
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export const viewports = {
  desktop: { width: 1280, height: 860 },
  phone: { width: 390, height: 844 },
} as const;

/**
 * A page that records every console error and uncaught page error, so a test can assert the page ran clean
 * (`expect(errors).toEqual([])`).
 */
export async function pageWithErrors(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const where = message.location().url;
      errors.push(where ? `${message.text()} (at ${where})` : message.text());
    }
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { page, errors };
}

/** Where screenshots go (`WEFT_SCREENSHOTS`, else `.work/screenshots`, gitignored); look at them. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir =
    process.env.WEFT_SCREENSHOTS ?? path.resolve(import.meta.dirname, '../../../../.work/screenshots');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
