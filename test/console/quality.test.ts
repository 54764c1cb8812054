import type { Page } from 'playwright-core';
import { consoleContext, DESKTOP, launchBrowser, seriousAccessibilityViolations } from '../support/browser.js';
import { consoleSuite } from '../support/console-suite.js';
import { eventually } from '../support/eventually.js';

interface TaskAnswer {
  id: string;
  nodeId: string;
  status: string;
  decision: { outcome: string; fields: Record<string, unknown> | null } | null;
}

/** What the focused element is: its accessible name as a user hears it, and whether it is on screen. */
interface Focused {
  readonly tag: string;
  readonly name: string;
  readonly inViewport: boolean;
}

/** Read in the page: a script string, since this file is compiled for Node, where the page's globals have no types. */
const FOCUSED = `(() => {
  const element = document.activeElement;
  if (!element || element === document.body) return { tag: 'body', name: '', inViewport: false };
  const box = element.getBoundingClientRect();
  const labelledBy = element.getAttribute('aria-labelledby');
  const name = (element.getAttribute('aria-label') || (labelledBy && document.getElementById(labelledBy)?.textContent) || element.textContent || element.getAttribute('value') || '').trim();
  const inViewport = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 && box.top < window.innerHeight && box.left < window.innerWidth;
  return { tag: element.tagName.toLowerCase(), name, inViewport };
})()`;

/**
 * The console without a mouse, and without its layout jumping: a keyboard-only user signs in, skips to the
 * content, opens the inbox and drafts the Deqing budget, every focus stop on screen; and on the 1366×768 screen
 * the console is designed for, no page's layout shifts while it loads (cumulative layout shift below 0.1,
 * the "good" threshold of the Web Vitals, measured by the browser's own layout-shift entries).
 */
describe('console quality: keyboard and layout stability', () => {
  const suite = consoleSuite('console-quality');
  const tokens: Record<string, string> = {};
  let cycleId: string;

  beforeAll(async () => {
    tokens['admin'] = await suite.stack.sign({ userId: 'it.admin', name: 'Test administrator', roles: ['administrator'], jurisdiction: 'zj-deqing' });
    tokens['justice'] = await suite.stack.sign({ userId: 'it.justice', name: 'Test justice', roles: ['justice-bureau'], jurisdiction: 'zj-deqing' });
    const launched = await suite.call<{ cycleId: string }>('POST', '/cycles', tokens['admin']!, { definitionKey: 'deqing-community-correction', inputs: {} });
    expect(launched.status).toBe(201);
    cycleId = launched.body.cycleId;
  });

  const draftTask = async (): Promise<TaskAnswer> => {
    const listed = await eventually(
      () => suite.call<{ tasks: TaskAnswer[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, tokens['justice']!),
      (answer) => answer.body.tasks.some((task) => task.nodeId === 'draftBudget'),
    );
    return listed.body.tasks.find((task) => task.nodeId === 'draftBudget')!;
  };

  /**
   * Presses Tab (Shift+Tab when `backwards`) until the focused element's name matches `name`, checking at
   * every stop that focus is on an element (not lost to the page) that is on screen. Fails naming the stops
   * it passed when the element is not reached.
   */
  async function tabTo(page: Page, name: RegExp, { backwards = false, limit = 60 } = {}): Promise<Focused> {
    const passed: string[] = [];
    for (let press = 0; press < limit; press++) {
      await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
      const focused = await page.evaluate<Focused>(FOCUSED);
      passed.push(`${focused.tag} "${focused.name.slice(0, 40)}"`);
      expect({ stop: passed.length, focused: focused.tag }).not.toEqual({ stop: passed.length, focused: 'body' });
      expect({ stop: focused.name, inViewport: focused.inViewport }).toEqual({ stop: focused.name, inViewport: true });
      if (name.test(focused.name)) return focused;
    }
    throw new Error(`${name} was not reached by ${limit} presses of ${backwards ? 'Shift+Tab' : 'Tab'}; focus passed: ${passed.join(' → ')}`);
  }

  it('lets a keyboard-only user sign in, skip to the content, open the inbox and draft the budget', async () => {
    const task = await draftTask();
    const browser = await launchBrowser();
    try {
      const context = await consoleContext(browser, suite.stack.baseUrl, 'en');
      const page = await context.newPage();
      await page.goto('/console/sign-in');
      await page.getByRole('button', { name: 'Sign in as 司法局（开发）' }).waitFor();
      await tabTo(page, /^Sign in as 司法局（开发）$/);
      await page.keyboard.press('Enter');
      await page.locator('.pf-user').waitFor();

      // The first stop of every signed-in page is the skip link; it moves focus past the header and the menu.
      await page.keyboard.press('Tab');
      expect(await page.evaluate<Focused>(FOCUSED)).toMatchObject({ name: 'Skip to content', inViewport: true });
      await page.keyboard.press('Enter');
      expect(await page.evaluate<string>('document.activeElement && document.activeElement.id')).toBe('main');

      // Back up into the menu, as a user who wants the inbox would.
      await tabTo(page, /^Inbox$/, { backwards: true });
      await page.keyboard.press('Enter');
      await page.waitForURL('**/console/inbox');
      await page.getByRole('link', { name: 'Count the persons served and draft the fee' }).waitFor();
      await tabTo(page, /^Count the persons served and draft the fee$/);
      await page.keyboard.press('Enter');
      await page.waitForURL('**/console/tasks/**');

      // The form: the persons served (a number), the service area (text), then the decision's button.
      await page.getByRole('spinbutton', { name: 'Registered supervised persons covered' }).waitFor();
      await tabTo(page, /^Registered supervised persons covered$/);
      await page.keyboard.type('120');
      await tabTo(page, /^Towns covered$/);
      await page.keyboard.type('武康');
      const submit = await tabTo(page, /^Submit/);
      expect(submit.tag).toBe('button');
      await page.keyboard.press('Enter');
      await page.waitForURL('**/console/inbox');
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }

    const decided = await eventually(
      () => suite.call<TaskAnswer>('GET', `/tasks/${encodeURIComponent(task.id)}`, tokens['justice']!),
      (answer) => answer.body.status === 'decided',
    );
    expect(decided.body.decision).toMatchObject({ outcome: 'submit', fields: { supervisedPersons: 120, serviceArea: '武康' } });
  });

  /** Sums the page's layout shifts not caused by input, from the first paint on (registered before any script of the page runs). */
  const LAYOUT_SHIFT_OBSERVER = `
    window.__layoutShift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__layoutShift += entry.value;
    }).observe({ type: 'layout-shift', buffered: true });
  `;

  it('keeps every main page from shifting while it loads on a 1366×768 screen', async () => {
    const finance = await suite.stack.sign({ userId: 'it.finance', name: 'Test finance', roles: ['finance-bureau'], jurisdiction: 'zj-deqing' });
    const review = await eventually(
      () => suite.call<{ tasks: TaskAnswer[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, finance),
      (answer) => answer.body.tasks.some((task) => task.status === 'open'),
    );
    const reviewTask = review.body.tasks.find((task) => task.status === 'open')!;
    const pages: Array<{ user: string; path: string; shown: (page: Page) => Promise<void> }> = [
      { user: 'dev.administrator', path: '/console/home', shown: (page) => page.getByRole('heading', { level: 1 }).waitFor() },
      { user: 'dev.administrator', path: '/console/cycles', shown: (page) => page.locator('.ant-table-row').first().waitFor() },
      { user: 'dev.administrator', path: `/console/cycles/${encodeURIComponent(cycleId)}`, shown: (page) => page.locator('.pf-diagram').waitFor() },
      { user: 'dev.administrator', path: '/console/definitions', shown: (page) => page.locator('.ant-table-row').first().waitFor() },
      { user: 'dev.administrator', path: '/console/vendors', shown: (page) => page.locator('.ant-table-row').first().waitFor() },
      { user: 'dev.administrator', path: '/console/cases', shown: (page) => page.locator('.ant-table-placeholder, .ant-table-row').first().waitFor() },
      { user: 'dev.finance-bureau', path: '/console/inbox', shown: (page) => page.locator('.ant-table-row').first().waitFor() },
      { user: 'dev.finance-bureau', path: `/console/tasks/${encodeURIComponent(reviewTask.id)}`, shown: (page) => page.locator('.ant-form').waitFor() },
      { user: 'dev.ops', path: '/console/ops', shown: (page) => page.locator('.ant-card').first().waitFor() },
      { user: 'dev.administrator', path: '/console/public/notices?jurisdiction=zj-deqing', shown: (page) => page.getByRole('heading', { level: 1 }).waitFor() },
    ];
    const shifts: Record<string, number> = {};
    for (const { user, path, shown } of pages) {
      const page = await suite.signedIn('zh-CN', user, DESKTOP);
      await page.context().addInitScript({ content: LAYOUT_SHIFT_OBSERVER });
      await page.goto(path);
      await shown(page);
      // Everything the page asked for has answered (no request for half a second), so late content counts too.
      await page.waitForLoadState('networkidle');
      shifts[path] = await page.evaluate<number>('window.__layoutShift');
      await page.context().close();
    }
    // Every page was measured (a score of 0 from an observer that never ran would prove nothing).
    expect(Object.values(shifts).map((score) => typeof score)).toEqual(pages.map(() => 'number'));
    const shifting = Object.entries(shifts).filter(([, score]) => score >= 0.1);
    expect(shifting).toEqual([]);
  });
});
