// A real browser for tests: Debian's Chromium driven by playwright-core (never a downloaded browser). `.ci/run`
// installs it; locally: `apt-get install -y chromium`.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Frame, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);

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

export interface AccessibilityViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (Deque's accessibility rules) in a page or frame and answers the serious and critical violations:
 * missing labels, unnamed buttons, ARIA misuse, contrast. A check that found almost nothing to check proves
 * nothing, so it also answers how many elements passed.
 */
export async function accessibilityViolations(
  target: Page | Frame,
): Promise<{ violations: AccessibilityViolation[]; passedNodes: number }> {
  const source = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await target.evaluate(source);
  return target.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page as a global
    const axe = (globalThis as any).axe;
    // biome-ignore lint/suspicious/noExplicitAny: the page's document, in a module compiled without DOM types
    const result = await axe.run((globalThis as any).document, { resultTypes: ['violations', 'passes'] });
    return {
      violations: result.violations
        .filter(
          (violation: { impact: string | null }) =>
            violation.impact === 'serious' || violation.impact === 'critical',
        )
        .map(
          (violation: {
            id: string;
            impact: string | null;
            help: string;
            nodes: Array<{ target: string[] }>;
          }) => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            targets: violation.nodes.map((node) => node.target.join(' ')),
          }),
        ),
      passedNodes: result.passes.reduce(
        (sum: number, rule: { nodes: unknown[] }) => sum + rule.nodes.length,
        0,
      ),
    };
  });
}
