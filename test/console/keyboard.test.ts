import type { Browser, Page } from 'playwright-core';
import { consoleContext, launchBrowser, seriousAccessibilityViolations, type ConsoleLocale } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { type RunningStack, startStack } from '../support/stack.js';

interface TaskAnswer {
  id: string;
  nodeId: string;
  status: string;
  decision: { outcome: string; fields: Record<string, unknown> | null } | null;
}

/** What has the keyboard focus, as a person would see it. */
interface Focus {
  tag: string;
  id: string;
  role: string;
  /** aria-label, else the text of the control's label, else its own text. */
  name: string;
  onBody: boolean;
  /** The focused element's box lies in the viewport (or, when larger than the viewport, covers part of it). */
  inViewport: boolean;
}

// A script string, not a function: this file is compiled for Node, where the page's globals have no types.
const FOCUS_SCRIPT = `(() => {
  const element = document.activeElement;
  if (!element || element === document.body || element === document.documentElement) {
    return { tag: element ? element.tagName : '', id: '', role: '', name: '', onBody: true, inViewport: false };
  }
  const box = element.getBoundingClientRect();
  const width = window.innerWidth;
  const height = window.innerHeight;
  const visible = box.width > 0 && box.height > 0;
  const inside = box.left >= -1 && box.top >= -1 && box.right <= width + 1 && box.bottom <= height + 1;
  const covering = (box.width > width || box.height > height) && box.right > 0 && box.bottom > 0 && box.left < width && box.top < height;
  const label = element.labels && element.labels.length > 0 ? element.labels[0].textContent : '';
  const name = (element.getAttribute('aria-label') || label || element.textContent || '').replace(/\\s+/g, ' ').trim();
  return { tag: element.tagName, id: element.id, role: element.getAttribute('role') || '', name, onBody: false, inViewport: visible && (inside || covering) };
})()`;

const focus = (page: Page) => page.evaluate<Focus>(FOCUS_SCRIPT);

/**
 * The console operated with the keyboard alone, in a real Chromium against `npm start`'s stack: a person
 * who uses no pointer signs in on the development sign-in page, skips to the content, goes back to the
 * menu, opens the inbox, filters it, opens the budget task and submits it; ops staff open a repair's
 * confirmation, are refused, and close it. After every Tab the focus is on a control, not lost on the
 * page, and that control is on the screen.
 */
describe('console by keyboard', () => {
  let stack: RunningStack;
  let browser: Browser;
  let cycleId: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startStack('console-keyboard', { logLevel: 'warn' });
    browser = await launchBrowser();
    tokens['admin'] = await stack.sign({ userId: 'it.admin', name: 'Test administrator', roles: ['administrator'], jurisdiction: 'zj-deqing' });
    tokens['justice'] = await stack.sign({ userId: 'it.justice', name: 'Test justice', roles: ['justice-bureau'], jurisdiction: 'zj-deqing' });
    tokens['ops'] = await stack.sign({ userId: 'it.ops', name: 'Test ops', roles: ['ops'], jurisdiction: 'cn' });
    const launched = await call('POST', '/cycles', 'admin', { definitionKey: 'deqing-community-correction', inputs: {} });
    expect(launched.status).toBe(201);
    cycleId = (launched.body as { cycleId: string }).cycleId;
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function call(method: string, route: string, who: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${stack.baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  }

  async function openTask(who: string, nodeId: string): Promise<TaskAnswer> {
    const answer = await eventually(
      () => call('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who),
      (listed) => (listed.body as { tasks: TaskAnswer[] }).tasks.some((task) => task.nodeId === nodeId && task.status === 'open'),
    );
    return (answer.body as { tasks: TaskAnswer[] }).tasks.find((task) => task.nodeId === nodeId)!;
  }

  /** The sign-in button's accessible name for a development user, as the sign-in page labels it. */
  async function signInButtonName(userId: string, locale: ConsoleLocale): Promise<string> {
    const identities = (await (await fetch(`${stack.baseUrl}/dev/identities`)).json()) as { items: Array<{ userId: string; name: string }> };
    const name = identities.items.find((identity) => identity.userId === userId)?.name ?? userId;
    return locale === 'en' ? `Sign in as ${name}` : `以${name}登录`;
  }

  /**
   * Presses Tab (or Shift+Tab) until the focus is on the control `wanted` describes, checking after every
   * press that the focus is on a control inside the viewport. Fails naming the step if it never gets there.
   */
  async function tabTo(page: Page, step: string, wanted: (focused: Focus) => boolean, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<Focus> {
    const seen: string[] = [];
    for (let press = 0; press < 40; press++) {
      await page.keyboard.press(key);
      const focused = await focus(page);
      expect({ step, press, ...focused }).toMatchObject({ onBody: false, inViewport: true });
      if (wanted(focused)) return focused;
      seen.push(`${focused.tag}${focused.id ? `#${focused.id}` : ''} “${focused.name.slice(0, 40)}”`);
    }
    throw new Error(`${step}: not reached by ${key}; the focus went through ${seen.join(', ')}`);
  }

  it('signs in, skips to the content, opens the inbox from the menu and submits the budget draft, without a pointer', async () => {
    const task = await openTask('justice', 'draftBudget');
    const context = await consoleContext(browser, stack.baseUrl, 'en');
    const page = await context.newPage();

    await page.goto('/console/home');
    await page.waitForURL('**/console/sign-in');
    await page.getByText('dev.justice-bureau').waitFor();
    const signInAs = await signInButtonName('dev.justice-bureau', 'en');
    await tabTo(page, 'sign-in button of dev.justice-bureau', (focused) => focused.tag === 'BUTTON' && focused.name === signInAs);
    await page.keyboard.press('Enter');
    // Back to the page asked for, signed in.
    await page.waitForURL('**/console/home');
    await page.locator('.pf-user').waitFor();

    // The first Tab on a page reaches the skip link; it moves the focus to the content, past the header and menu.
    await tabTo(page, 'skip link', (focused) => focused.tag === 'A' && focused.name === 'Skip to content');
    await page.keyboard.press('Enter');
    await eventually(() => focus(page), (focused) => focused.id === 'main');

    // The menu is just before the content: Shift+Tab goes back into it.
    const menu = page.getByRole('menu', { name: 'Navigation' });
    await tabTo(page, 'menu entry “Inbox”', (focused) => focused.tag === 'A' && focused.name === 'Inbox', 'Shift+Tab');
    expect(await menu.evaluate((element) => element.contains(element.ownerDocument.activeElement))).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/console/inbox');
    await page.getByRole('heading', { level: 1, name: 'My tasks' }).waitFor();
    const title = 'Count the persons served and draft the fee';
    await page.getByRole('link', { name: title }).waitFor();

    // A filter is a select: opened with the arrow keys, chosen with Enter.
    await tabTo(page, 'step filter', (focused) => focused.id === 'pf-filter-step');
    await page.keyboard.press('ArrowDown');
    await page.locator('.ant-select-item-option').filter({ hasText: 'Project budgeting at a per-capita price' }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Clear filters' }).waitFor();
    await page.locator('.ant-select-dropdown').first().waitFor({ state: 'hidden' });
    await page.getByRole('link', { name: title }).waitFor();

    await tabTo(page, `task link “${title}”`, (focused) => focused.tag === 'A' && focused.name === title);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/console/tasks/${encodeURIComponent(task.id)}`);
    await page.getByRole('spinbutton', { name: 'Registered supervised persons covered' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await tabTo(page, 'persons field', (focused) => focused.id === 'fields_supervisedPersons');
    await page.keyboard.type('120');
    await tabTo(page, 'towns field', (focused) => focused.id === 'fields_serviceArea');
    await page.keyboard.type('武康');
    const submit = 'Submit: on to “Finance confirms the procurement budget”';
    await tabTo(page, 'submit button', (focused) => focused.tag === 'BUTTON' && focused.name === submit);
    // A button answers Space as well as Enter.
    await page.keyboard.press('Space');
    await page.waitForURL('**/console/inbox');
    await page.getByRole('alert').filter({ hasText: 'Decided' }).waitFor();
    await context.close();

    const decided = await eventually(
      () => call('GET', `/tasks/${encodeURIComponent(task.id)}`, 'justice'),
      (answer) => (answer.body as TaskAnswer).status === 'decided',
    );
    expect((decided.body as TaskAnswer).decision).toMatchObject({ outcome: 'submit', fields: { supervisedPersons: 120, serviceArea: '武康' } });
  });

  it('lets ops staff open a repair’s confirmation, be refused with the correlation id, and close it, without a pointer', async () => {
    const context = await consoleContext(browser, stack.baseUrl, 'zh-CN');
    const page = await context.newPage();
    await page.goto('/console/sign-in');
    await page.getByText('dev.ops').waitFor();
    const signInAs = await signInButtonName('dev.ops', 'zh-CN');
    await tabTo(page, 'sign-in button of dev.ops', (focused) => focused.tag === 'BUTTON' && focused.name === signInAs);
    await page.keyboard.press('Enter');
    await page.locator('.pf-user').waitFor();
    await page.goto(`/console/ops/processes/${encodeURIComponent(cycleId)}`);
    await page.locator('.pf-ops-timeline').waitFor();
    const modal = page.getByRole('dialog');

    // Nothing in the cycle is failing, so the API refuses a retry (409): the modal says why, with the request id.
    await tabTo(page, 'retry button', (focused) => focused.tag === 'BUTTON' && focused.name === '立即重试失败活动');
    await page.keyboard.press('Enter');
    await modal.waitFor();
    await tabTo(page, 'reason field of the retry', (focused) => focused.tag === 'TEXTAREA' && focused.name === '原因说明');
    await page.keyboard.type('任务表已恢复写入');
    await tabTo(page, 'confirm button of the retry', (focused) => focused.tag === 'BUTTON' && focused.name === '确认执行');
    await page.keyboard.press('Enter');
    const refusal = modal.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/请求编号 [0-9a-f-]{8,}/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    // Escape closes the confirmation, and the focus goes back where it was, not to the top of the page.
    await page.keyboard.press('Escape');
    await modal.waitFor({ state: 'hidden' });
    expect(await focus(page)).toMatchObject({ tag: 'BUTTON', name: '立即重试失败活动', inViewport: true });

    // Confirming a cancellation without a reason says so next to the field and sends nothing.
    await tabTo(page, 'cancel button', (focused) => focused.tag === 'BUTTON' && focused.name === '取消流程');
    await page.keyboard.press('Enter');
    await modal.waitFor();
    await tabTo(page, 'confirm button of the cancellation', (focused) => focused.tag === 'BUTTON' && focused.name === '确认执行');
    await page.keyboard.press('Enter');
    await modal.getByText('请填写原因').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await modal.waitFor({ state: 'hidden' });
    expect(((await call('GET', `/cycles/${encodeURIComponent(cycleId)}`, 'admin')).body as { status: string }).status).toBe('running');
    await context.close();
  });
});
