import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

/**
 * A real Chromium for the console's tests. Playwright cannot download its own browsers on machines that
 * reach only package registries, so the tests drive the distribution's `chromium` package (installed by
 * scripts/install-chromium.sh, which .ci/run calls), or the browser named by PROCUREFLOW_CHROMIUM.
 */
export function chromiumExecutable(): string {
  const named = process.env['PROCUREFLOW_CHROMIUM'];
  if (named) return named;
  for (const candidate of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${candidate}`], { encoding: 'utf8' }).trim();
      if (found && existsSync(found)) return found;
    } catch {
      // not installed under this name; try the next
    }
  }
  throw new Error('no Chromium found: run `bash scripts/install-chromium.sh` (Debian package `chromium`) or set PROCUREFLOW_CHROMIUM');
}

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumExecutable(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export type ConsoleLocale = 'zh-CN' | 'en';

/** The laptop screen the console is designed for first, and a phone for the inbox. */
export const DESKTOP = { width: 1366, height: 768 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/**
 * A browser context showing the console in `locale` (the console keeps its language choice in
 * localStorage; the browser's own locale and time zone are set too, to prove dates stay in China time
 * whatever the browser's zone is).
 */
export async function consoleContext(browser: Browser, baseUrl: string, locale: ConsoleLocale, viewport: { width: number; height: number } = DESKTOP): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport, locale, timezoneId: 'Europe/London' });
  // A script string, not a function: this file is compiled for Node, where the page's globals have no types.
  await context.addInitScript({ content: `localStorage.setItem('procureflow.locale', ${JSON.stringify(locale)});` });
  return context;
}

/**
 * Signs in through the sign-in page as a development user, as a person would: opens /console, picks the
 * user from the list, and waits for the signed-in frame.
 */
export async function signInAs(page: Page, userId: string): Promise<void> {
  await page.goto('/console/sign-in');
  const row = page.locator('.ant-list-item').filter({ hasText: userId });
  await row.getByRole('button').click();
  await page.locator('.pf-user').waitFor();
}

/** How many CSS pixels the page is wider than the viewport (0 when nothing scrolls sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** Where the tests save screenshots of every page in both languages (a CI artifact; README names it). */
export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, 'reports', 'console-screenshots');

export async function screenshot(page: Page, name: string, locale: ConsoleLocale): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.${locale}.png`), fullPage: true });
}

/**
 * The accessibility violations axe finds on the page that are serious or critical, each as
 * "rule: target" lines, so a failing test says what to fix and where.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id} (${violation.impact}): ${violation.help} at ${node.target.join(' ')}`));
}
