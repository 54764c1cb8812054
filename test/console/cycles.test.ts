import type { Browser, Page } from 'playwright-core';
import { consoleContext, launchBrowser, screenshot, seriousAccessibilityViolations, signInAs, type ConsoleLocale } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { type RunningStack, startStack } from '../support/stack.js';

const JURISDICTION = 'zj-deqing';
const DEQING = 'deqing-community-correction';

/**
 * Cycles in a real Chromium against `npm start`'s stack: an administrator launches a Deqing cycle through
 * the console's form (money typed in 元), the diagram follows the budget being drafted and approved through
 * the HTTP API, the purchase notice appears on the public page without sign-in, and a vendor on the cycle
 * page sees only its own sealed bid.
 */
describe('console cycles', () => {
  let stack: RunningStack;
  let browser: Browser;
  let cycleId: string;
  const tokens: Record<string, string> = {};

  async function call<T>(method: 'GET' | 'POST', path: string, role: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${tokens[role] ?? ''}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Decides the open task of `cycleId` whose instance id starts with `taskName`, as `role`. */
  async function decide(role: string, taskName: string, decision: Record<string, unknown>): Promise<void> {
    const list = await eventually(
      () => call<{ tasks: Array<{ id: string; taskInstanceId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, role),
      (answer) => answer.body.tasks.some((task) => task.taskInstanceId.startsWith(`${taskName}#`)),
    );
    const task = list.body.tasks.find((candidate) => candidate.taskInstanceId.startsWith(`${taskName}#`));
    const answer = await call('POST', `/tasks/${encodeURIComponent(task?.id ?? '')}/decision`, role, { requestId: crypto.randomUUID(), ...decision });
    expect(answer.status).toBe(200);
  }

  async function stepState(page: Page, stepId: string): Promise<string | null> {
    return page.locator(`[data-step="${stepId}"]`).getAttribute('data-state');
  }

  beforeAll(async () => {
    stack = await startStack('console-cycles', { logLevel: 'warn' });
    browser = await launchBrowser();
    for (const role of ['administrator', 'justice-bureau', 'finance-bureau', 'public-resource-office']) {
      tokens[role] = await stack.sign({ userId: `it.${role}`, name: role, roles: [role], jurisdiction: JURISDICTION });
    }
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('launches a Deqing cycle from the form, money typed in 元, and draws the procedure as it moves', async () => {
    const page = await (await consoleContext(browser, stack.baseUrl, 'en')).newPage();
    await signInAs(page, 'dev.administrator');
    await page.goto('/console/cycles/new');
    await page.getByRole('combobox', { name: 'Procedure' }).click();
    await page.locator('.ant-select-item-option').filter({ hasText: DEQING }).click();
    const price = page.getByLabel(/Price per supervised person per year/);
    // The declared default, 100000 fen, is shown in 元.
    await expectValue(price, '1000.00');
    await price.fill('1,234.56');
    await page.getByLabel(/Cycle title/).fill('2027年度社区矫正服务（浏览器测试）');
    await screenshot(page, 'cycle-launch', 'en');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.waitForURL(/\/console\/cycles\/cycle-/);
    cycleId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');

    // The same form in Chinese, photographed before anything is typed.
    const chinese = await (await consoleContext(browser, stack.baseUrl, 'zh-CN')).newPage();
    await signInAs(chinese, 'dev.administrator');
    await chinese.goto('/console/cycles/new');
    await chinese.getByRole('combobox', { name: '流程定义' }).click();
    await chinese.locator('.ant-select-item-option').filter({ hasText: DEQING }).click();
    // The closing list is still drawn for its animation; axe looks at the form once it is gone.
    await chinese.locator('.ant-select-dropdown').waitFor({ state: 'hidden' });
    await expectValue(chinese.getByLabel(/服务价格/), '1000.00');
    expect(await seriousAccessibilityViolations(chinese)).toEqual([]);
    await screenshot(chinese, 'cycle-launch', 'zh-CN');
    await chinese.context().close();

    // 1,234.56 元 is 123,456 fen, as the API keeps it.
    // (Right after the launch the read model may not hold the cycle's inputs yet.)
    const launched = await eventually(
      () => call<{ inputs: Record<string, unknown>; title: { zh: string } }>('GET', `/cycles/${encodeURIComponent(cycleId)}`, 'administrator'),
      (answer) => 'pricePerPersonYear' in answer.body.inputs,
    );
    expect(launched.body.inputs['pricePerPersonYear']).toBe(123_456);
    expect(launched.body.title.zh).toBe('2027年度社区矫正服务（浏览器测试）');

    await page.locator('[data-step="budgeting"]').waitFor();
    expect(await stepState(page, 'budgeting')).toBe('current');
    expect(await page.locator('[data-step="budgeting"]').textContent()).toContain('current');
    expect(await stepState(page, 'publicNotice')).toBe('ahead');

    await decide('justice-bureau', 'draftBudget', { outcome: 'submit', fields: { supervisedPersons: 120 } });
    await decide('finance-bureau', 'confirmBudget', { outcome: 'approve' });
    // The page refreshes itself while the cycle runs: the step is marked done, in words as well.
    await page.locator('[data-step="budgeting"][data-state="done"]').waitFor();
    expect(await page.locator('[data-step="budgeting"]').textContent()).toContain('done');
    expect(await stepState(page, 'publicNotice')).toBe('current');
    await page.context().close();
  });

  it('shows the published purchase notice on the public page, without sign-in', async () => {
    await decide('justice-bureau', 'draftPublicInformation', {
      outcome: 'submit',
      fields: { projectName: '浏览器测试项目', vendorConditions: '依法登记的社会组织', serviceContent: '社区矫正服务', media: '德清县人民政府网' },
    });
    for (const locale of ['zh-CN', 'en'] as ConsoleLocale[]) {
      const page = await (await consoleContext(browser, stack.baseUrl, locale)).newPage();
      await page.goto(`/console/public/notices?jurisdiction=${JURISDICTION}`);
      const notice = page.locator('.ant-collapse-item').filter({ hasText: '2027年度社区矫正服务（浏览器测试）' });
      await eventually(
        async () => {
          await page.reload();
          await page.locator('.ant-collapse, .ant-empty').first().waitFor();
          return notice.count();
        },
        (count) => count > 0,
        30,
        1000,
      );
      expect(page.url()).toContain('/console/public/notices');
      await notice.first().click();
      await page.getByText('浏览器测试项目').waitFor();
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await screenshot(page, 'public-notices', locale);
      await page.context().close();
    }
  });

  it('shows a vendor only its own sealed bid, and lists the cycle for administrators', async () => {
    await decide('public-resource-office', 'determineMethod', { outcome: 'submit', fields: { method: 'competitiveConsultation' } });
    const identities = await (await fetch(`${stack.baseUrl}/dev/identities`)).json() as { items: Array<{ userId: string; vendorId?: string; vendorName?: string }> };
    const vendors = identities.items.filter((identity) => identity.vendorId).slice(0, 2);
    expect(vendors).toHaveLength(2);
    for (const [index, vendor] of vendors.entries()) {
      tokens[vendor.userId] = await stack.sign({ userId: vendor.userId, name: vendor.userId, roles: ['vendor'], jurisdiction: JURISDICTION, vendorId: vendor.vendorId ?? '' });
      const bid = await eventually(
        () => call('POST', `/cycles/${encodeURIComponent(cycleId)}/bids`, vendor.userId, { requestId: crypto.randomUUID(), vendorId: vendor.vendorId, priceFen: 11_000_000 + index }),
        (answer) => answer.status === 200 || answer.status === 201,
        30,
        1000,
      );
      expect([200, 201]).toContain(bid.status);
    }

    const page = await (await consoleContext(browser, stack.baseUrl, 'zh-CN')).newPage();
    await signInAs(page, vendors[0]?.userId ?? '');
    await page.goto(`/console/cycles/${encodeURIComponent(cycleId)}`);
    await page.getByRole('tab', { name: '投标' }).click();
    const rows = page.locator('.pf-bids tbody tr.ant-table-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(vendors[0]?.vendorName ?? '');
    expect(await rows.first().textContent()).toContain('¥110,000.00');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'cycle-vendor-bids', 'zh-CN');
    await page.context().close();
    const english = await (await consoleContext(browser, stack.baseUrl, 'en')).newPage();
    await signInAs(english, vendors[0]?.userId ?? '');
    await english.goto(`/console/cycles/${encodeURIComponent(cycleId)}`);
    await english.getByRole('tab', { name: 'Bids' }).click();
    await english.locator('.pf-bids tbody tr.ant-table-row').first().waitFor();
    expect(await english.locator('.pf-bids tbody tr.ant-table-row').count()).toBe(1);
    await screenshot(english, 'cycle-vendor-bids', 'en');
    await english.context().close();

    for (const locale of ['zh-CN', 'en'] as ConsoleLocale[]) {
      const admin = await (await consoleContext(browser, stack.baseUrl, locale)).newPage();
      await signInAs(admin, 'dev.administrator');
      await admin.goto('/console/cycles');
      await admin.getByRole('link', { name: '2027年度社区矫正服务（浏览器测试）' }).waitFor();
      expect(await seriousAccessibilityViolations(admin)).toEqual([]);
      await screenshot(admin, 'cycles', locale);
      await admin.getByRole('link', { name: '2027年度社区矫正服务（浏览器测试）' }).click();
      await admin.locator('[data-step="vendorSelection"]').waitFor();
      expect(await seriousAccessibilityViolations(admin)).toEqual([]);
      await screenshot(admin, 'cycle', locale);
      await admin.context().close();
    }
  });
});

/** Waits until an input shows `value` (it is filled once the procedure's inputs have loaded). */
async function expectValue(input: ReturnType<Page['getByLabel']>, value: string): Promise<void> {
  await eventually(() => input.inputValue(), (current) => current === value, 50, 200);
}
