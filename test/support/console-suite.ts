import type { Browser, Page } from 'playwright-core';
import { consoleContext, launchBrowser, screenshot, seriousAccessibilityViolations, signInAs, type ConsoleLocale } from './browser.js';
import { type RunningStack, startStack } from './stack.js';

export interface ConsoleSuite {
  readonly stack: RunningStack;
  /** The API as a client calls it, with a bearer token (signed by `stack.sign`). */
  call<T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** A fresh browser context in `locale`, signed in on the sign-in page as the development user. */
  signedIn(locale: ConsoleLocale, userId: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** Every page a test reaches: no serious or critical accessibility violation, and its screenshot saved. */
  visited(page: Page, name: string, locale: ConsoleLocale): Promise<void>;
}

/**
 * The whole `npm start` stack and a real Chromium for one console test file, started in beforeAll and
 * closed in afterAll. The returned object is filled in once beforeAll has run.
 */
export function consoleSuite(name: string): ConsoleSuite {
  let stack: RunningStack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    stack = await startStack(name, { logLevel: 'warn' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });
  const running = () => {
    if (!stack || !browser) throw new Error('the console suite has not started (use it inside tests or a later beforeAll)');
    return { stack, browser };
  };
  return {
    get stack() {
      return running().stack;
    },
    async call<T>(method: string, path: string, token: string, body?: unknown) {
      const response = await fetch(`${running().stack.baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as T };
    },
    async signedIn(locale, userId, viewport) {
      const { stack: started, browser: chromium } = running();
      const context = await consoleContext(chromium, started.baseUrl, locale, viewport);
      const page = await context.newPage();
      await signInAs(page, userId);
      return page;
    },
    async visited(page, pageName, locale) {
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await screenshot(page, pageName, locale);
    },
  };
}
