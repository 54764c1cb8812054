import { PHONE, screenshot, seriousAccessibilityViolations } from '../support/browser.js';
import { consoleSuite } from '../support/console-suite.js';
import { eventually } from '../support/eventually.js';

interface TaskAnswer {
  id: string;
  nodeId: string;
  status: string;
  decision: { outcome: string; fields: Record<string, unknown> | null } | null;
}

/**
 * The inbox and the task page in a real Chromium against `npm start`'s stack: an administrator launches
 * a Deqing cycle through the API, the justice bureau drafts the budget in the form rendered from the
 * definition, finance is told next to the comment field that returning needs a comment, approves, and
 * the task leaves the inbox.
 */
describe('console inbox and task page', () => {
  const suite = consoleSuite('console-tasks');
  const { signedIn } = suite;
  let cycleId: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    tokens['admin'] = await suite.stack.sign({ userId: 'it.admin', name: 'Test administrator', roles: ['administrator'], jurisdiction: 'zj-deqing' });
    tokens['justice'] = await suite.stack.sign({ userId: 'it.justice', name: 'Test justice', roles: ['justice-bureau'], jurisdiction: 'zj-deqing' });
    tokens['finance'] = await suite.stack.sign({ userId: 'it.finance', name: 'Test finance', roles: ['finance-bureau'], jurisdiction: 'zj-deqing' });
    const launched = await call('POST', '/cycles', 'admin', { definitionKey: 'deqing-community-correction', inputs: {} });
    expect(launched.status).toBe(201);
    cycleId = (launched.body as { cycleId: string }).cycleId;
  });

  /** The API as `who` (admin, justice, finance). */
  const call = (method: string, route: string, who: string, body?: unknown) => suite.call<unknown>(method, route, tokens[who]!, body);

  /** The cycle's open task at `nodeId`, once the read model lists it to `who`. */
  async function openTask(who: string, nodeId: string): Promise<TaskAnswer> {
    const answer = await eventually(
      () => call('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who),
      (listed) => (listed.body as { tasks: TaskAnswer[] }).tasks.some((task) => task.nodeId === nodeId),
    );
    return (answer.body as { tasks: TaskAnswer[] }).tasks.find((task) => task.nodeId === nodeId)!;
  }


  it('shows the justice bureau its budget task in the inbox, in both languages and on a phone', async () => {
    await openTask('justice', 'draftBudget');
    for (const locale of ['zh-CN', 'en'] as const) {
      const page = await signedIn(locale, 'dev.justice-bureau');
      await page.getByRole('link', { name: locale === 'en' ? 'Inbox' : '待办' }).first().click();
      await page.waitForURL('**/console/inbox');
      await page.getByRole('link', { name: locale === 'en' ? 'Count the persons served and draft the fee' : '确定服务对象并编制项目费用' }).waitFor();
      // The step by its title in the definition, not its id.
      await page.locator('.ant-table-row').filter({ hasText: locale === 'en' ? 'Project budgeting at a per-capita price' : '预算管理（以人定费）' }).waitFor();
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await screenshot(page, 'inbox', locale);
      await page.context().close();
    }

    for (const locale of ['zh-CN', 'en'] as const) {
      const phone = await signedIn(locale, 'dev.justice-bureau', PHONE);
      await phone.goto('/console/inbox');
      // Below md the inbox is a list of cards, not a table wider than the screen.
      await phone.locator('.pf-task-card').first().waitFor();
      expect(await phone.locator('table').count()).toBe(0);
      const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await seriousAccessibilityViolations(phone)).toEqual([]);
      await screenshot(phone, 'inbox-phone', locale);
      await phone.context().close();
    }

    // The drafting form in English, left untouched (the next test drafts it in Chinese).
    const draft = await openTask('justice', 'draftBudget');
    const english = await signedIn('en', 'dev.justice-bureau');
    await english.goto(`/console/tasks/${encodeURIComponent(draft.id)}`);
    await english.getByRole('spinbutton', { name: 'Registered supervised persons covered' }).waitFor();
    expect(await seriousAccessibilityViolations(english)).toEqual([]);
    await screenshot(english, 'task-draft', 'en');
    await english.context().close();
  });

  it('lets the justice bureau draft the budget in the form the definition declares', async () => {
    const task = await openTask('justice', 'draftBudget');
    const page = await signedIn('zh-CN', 'dev.justice-bureau');
    await page.goto('/console/inbox');
    await page.getByRole('link', { name: '确定服务对象并编制项目费用' }).click();
    await page.waitForURL('**/console/tasks/**');
    const persons = page.getByRole('spinbutton', { name: '纳入服务的在册社区矫正人员数' });
    await persons.waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'task-draft', 'zh-CN');
    await persons.fill('120');
    await page.getByRole('textbox', { name: '服务区域（乡镇）', exact: true }).fill('武康');
    // The one decision of the drafting task says where it leads: the finance bureau's confirmation.
    await page.getByRole('button', { name: '提交，转至“县财政局确认采购预算”' }).click();
    await page.waitForURL('**/console/inbox');
    await page.getByRole('alert').filter({ hasText: '已办理' }).waitFor();
    await page.context().close();

    const decided = await eventually(
      () => call('GET', `/tasks/${encodeURIComponent(task.id)}`, 'justice'),
      (answer) => (answer.body as TaskAnswer).status === 'decided',
    );
    expect((decided.body as TaskAnswer).decision).toMatchObject({ outcome: 'submit', fields: { supervisedPersons: 120, serviceArea: '武康' } });
  });

  it("shows the justice bureau its decided draft by the form's titles, and finance's confirmation without buttons it may not press", async () => {
    const draft = await eventually(
      () => call('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}&status=decided`, 'justice'),
      (listed) => (listed.body as { tasks: TaskAnswer[] }).tasks.some((task) => task.nodeId === 'draftBudget'),
    );
    const decided = (draft.body as { tasks: TaskAnswer[] }).tasks.find((task) => task.nodeId === 'draftBudget')!;
    const page = await signedIn('zh-CN', 'dev.justice-bureau');
    await page.goto(`/console/tasks/${encodeURIComponent(decided.id)}`);
    const fields = page.locator('.ant-descriptions-item').filter({ hasText: '纳入服务的在册社区矫正人员数' });
    await fields.waitFor();
    expect(await fields.locator('.ant-descriptions-item-content').textContent()).toBe('120');
    expect(await page.getByText('supervisedPersons').count()).toBe(0);

    const confirmation = await openTask('finance', 'confirmBudget');
    await page.goto(`/console/tasks/${encodeURIComponent(confirmation.id)}`);
    await page.getByRole('alert').filter({ hasText: '此任务由「县财政局」办理' }).waitFor();
    expect(await page.getByRole('button', { name: /同意/ }).count()).toBe(0);
    await suite.visited(page, 'task-not-yours', 'zh-CN');
    await page.context().close();
  });

  it('tells finance next to the comment that returning needs one, then approves and the task leaves the inbox', async () => {
    const task = await openTask('finance', 'confirmBudget');
    const english = await signedIn('en', 'dev.finance-bureau');
    await english.goto(`/console/tasks/${encodeURIComponent(task.id)}`);
    await english.getByRole('button', { name: 'Approve: the step is done' }).waitFor();
    expect(await seriousAccessibilityViolations(english)).toEqual([]);
    await screenshot(english, 'task-review', 'en');
    await english.context().close();

    const page = await signedIn('zh-CN', 'dev.finance-bureau');
    await page.goto('/console/inbox');
    await page.getByRole('link', { name: '县财政局确认采购预算' }).click();
    await page.getByRole('button', { name: '退回，退回“确定服务对象并编制项目费用”' }).click();
    const comment = page.locator('.ant-form-item').filter({ has: page.getByRole('textbox', { name: '办理意见' }) });
    await comment.locator('.ant-form-item-explain-error').filter({ hasText: '请填写办理意见（退回时必填）' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'task-review', 'zh-CN');
    // Nothing was decided: the task is still open.
    expect(((await call('GET', `/tasks/${encodeURIComponent(task.id)}`, 'finance')).body as TaskAnswer).status).toBe('open');

    await page.getByRole('button', { name: '同意，本环节完成' }).click();
    await page.waitForURL('**/console/inbox');
    await page.getByRole('alert').filter({ hasText: '已办理' }).waitFor();
    await eventually(
      () => call('GET', `/tasks/${encodeURIComponent(task.id)}`, 'finance'),
      (answer) => (answer.body as TaskAnswer).status === 'decided',
    );
    await page.reload();
    await page.getByRole('heading', { level: 1, name: '我的待办' }).waitFor();
    await page.locator('.ant-empty, .ant-table').first().waitFor();
    expect(await page.getByRole('link', { name: '县财政局确认采购预算' }).count()).toBe(0);
    await page.context().close();
  });
});
