import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { consoleContext, launchBrowser, screenshot, seriousAccessibilityViolations, signInAs, type ConsoleLocale } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { type RunningStack, startStack } from '../support/stack.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
// The minimal procedure with its budgeting step resettable, so the inspect page offers a reset to it.
const PROCEDURE_TEXT = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8').replace(
  '    kind: budgeting\n',
  '    kind: budgeting\n    resettable: true\n',
);

interface ProcessList {
  processes: Array<{ workflowId: string; status: string; step: string | null }>;
}

/**
 * The ops pages in a real Chromium against `npm start`'s stack, as the national operator dev.ops: the summary,
 * the process list showing cycles launched through the HTTP API, one inspected (its launch on the timeline),
 * cancelled with a reason through the confirmation modal, a bulk dry run listing exactly the processes it
 * will act on and an execution cancelling exactly them; stuck and overdue lists; and a user without the ops
 * role, who is offered none of it.
 */
describe('console ops pages', () => {
  let stack: RunningStack;
  let browser: Browser;
  let admin: string;
  let ops: string;
  let cycles: string[];

  async function call<T>(method: 'GET' | 'POST', route: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${stack.baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Launches a minimal cycle and waits until the process list shows it in its first step. */
  async function launchCycle(): Promise<string> {
    const launched = await call<{ cycleId: string }>('POST', '/cycles', admin, { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40 } });
    expect(launched.status).toBe(201);
    const id = launched.body.cycleId;
    await eventually(
      () => call<ProcessList>('GET', `/ops/processes?definition=${PROCEDURE}`, ops),
      (answer) => answer.body.processes.some((process) => process.workflowId === id && process.step !== null),
    );
    return id;
  }

  const cycleStatus = async (id: string) => (await call<{ status: string }>('GET', `/cycles/${id}`, admin)).body.status;

  async function opsPage(locale: ConsoleLocale): Promise<Page> {
    const context = await consoleContext(browser, stack.baseUrl, locale);
    const page = await context.newPage();
    await signInAs(page, 'dev.ops');
    return page;
  }

  async function checkPage(page: Page, name: string, locale: ConsoleLocale): Promise<void> {
    // The pointer rests where the last click was, which may now be over a control in its hover colours.
    await page.mouse.move(0, 0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, name, locale);
  }

  beforeAll(async () => {
    stack = await startStack('console-ops', { logLevel: 'warn' });
    browser = await launchBrowser();
    admin = await stack.sign({ userId: 'it.admin', name: '测试管理员', roles: ['administrator'], jurisdiction: JURISDICTION });
    ops = await stack.sign({ userId: 'it.ops', name: '测试运维', roles: ['ops'], jurisdiction: 'cn' });
    // Only the shipped calendars: these cycles wait in their first task, which has no deadline, and the summary
    // warns of the years they do not cover yet.
    expect((await call('POST', '/definitions', admin, { files: [{ file: 'minimal-procedure.yaml', text: PROCEDURE_TEXT }] })).status).toBe(201);
    cycles = [await launchCycle(), await launchCycle(), await launchCycle()];
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it.each<ConsoleLocale>(['zh-CN', 'en'])('shows the summary, the launched cycles, one inspected, and the stuck and overdue lists (%s)', async (locale) => {
    const page = await opsPage(locale);
    const zh = locale === 'zh-CN';
    // The menu offers the ops pages to the ops role.
    await page.getByRole('menu').getByRole('link', { name: zh ? '流程查询' : 'Find processes' }).waitFor();

    await page.goto('/console/ops');
    await page.getByRole('heading', { level: 1, name: zh ? '运维概览' : 'Operations' }).waitFor();
    await page.getByRole('heading', { level: 2, name: zh ? '未结束流程' : 'Open processes' }).waitFor();
    // Every calendar warning the API gives is shown with the file to deploy.
    const summary = await call<{ calendarWarnings: Array<{ file: string | null; message: string }> }>('GET', '/ops/summary', ops);
    for (const warning of summary.body.calendarWarnings) await page.getByText(warning.message, { exact: true }).waitFor();
    for (const file of new Set(summary.body.calendarWarnings.map((warning) => warning.file).filter((file) => file !== null))) {
      await page.getByText(zh ? `工作日历即将到期：请部署 ${file}` : `Business calendars are running out: deploy ${file}`, { exact: true }).waitFor();
    }
    await checkPage(page, 'ops-summary', locale);

    await page.goto(`/console/ops/processes?definition=${PROCEDURE}`);
    await page.getByRole('heading', { level: 1, name: zh ? '流程查询' : 'Find processes' }).waitFor();
    for (const id of cycles) await page.getByRole('link', { name: id }).waitFor();
    await checkPage(page, 'ops-processes', locale);

    const [first] = cycles;
    await page.getByRole('link', { name: first! }).click();
    await page.waitForURL(`**/console/ops/processes/${first!}`);
    const timeline = page.locator('.pf-ops-timeline');
    await timeline.waitFor();
    // The launch: the workflow's start in its history, and the launch's audit entry.
    expect(await timeline.textContent()).toContain('workflowExecutionStarted');
    expect(await timeline.textContent()).toContain(`cycle.launched on cycle ${first!} by it.admin`);
    await page.getByRole('button', { name: zh ? '取消流程' : 'Cancel the process' }).waitFor();
    await checkPage(page, 'ops-inspect', locale);

    await page.goto('/console/ops/stuck');
    await page.getByText(zh ? '没有停滞的流程：所有未结束的流程都在正常推进。' : 'No process is stuck: every open process is moving.').waitFor();
    await checkPage(page, 'ops-stuck', locale);

    await page.goto('/console/ops/overdue');
    await page.getByText(zh ? '没有逾期任务。' : 'No task is overdue.', { exact: true }).waitFor();
    await checkPage(page, 'ops-overdue', locale);
    await page.context().close();
  });

  it('resets a cycle to a resettable step of its definition, and shows the API’s refusal of a retry with the correlation id', async () => {
    const page = await opsPage('en');
    const [first] = cycles;
    await page.goto(`/console/ops/processes/${first!}`);
    await page.getByRole('button', { name: 'Reset to a step' }).click();
    const modal = page.getByRole('dialog');
    // The steps offered are the resettable ones of the cycle's definition.
    await modal.getByRole('combobox', { name: 'Step to reset to' }).click();
    await page.locator('.ant-select-item-option', { hasText: 'Project budgeting (budgeting)' }).click();
    await modal.getByRole('textbox', { name: 'Reason' }).fill('预算审核依据有误，重新编制');
    await modal.getByRole('button', { name: 'Confirm' }).click();
    await modal.getByRole('status').getByText('Done: budgeting → budgeting').waitFor();
    await modal.locator('.ant-modal-footer').getByRole('button', { name: /Close/ }).click();
    await modal.waitFor({ state: 'hidden' });
    expect(await cycleStatus(first!)).toBe('running');

    // Nothing in the cycle is failing, so the API refuses a retry (409): the modal says why, with the request id.
    await page.getByRole('button', { name: 'Retry failing activities now' }).click();
    await modal.getByRole('textbox', { name: 'Reason' }).fill('任务表已恢复写入');
    await modal.getByRole('button', { name: 'Confirm' }).click();
    const refusal = modal.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/request id [0-9a-f-]{8,}/);
    await page.mouse.move(0, 0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ops-repair-refused', 'en');
    const chinese = await opsPage('zh-CN');
    await chinese.goto(page.url());
    await chinese.getByRole('button', { name: '立即重试失败活动' }).click();
    const chineseModal = chinese.getByRole('dialog');
    await chineseModal.getByRole('textbox', { name: '原因说明' }).fill('任务表已恢复写入');
    await chineseModal.getByRole('button', { name: '确认执行' }).click();
    await chineseModal.getByRole('alert').waitFor();
    await chinese.mouse.move(0, 0);
    expect(await seriousAccessibilityViolations(chinese)).toEqual([]);
    await screenshot(chinese, 'ops-repair-refused', 'zh-CN');
    await chinese.context().close();
    await modal.getByRole('button', { name: 'Back' }).click();
    await page.context().close();
  });

  it('cancels a cycle with a reason through the confirmation modal', async () => {
    const page = await opsPage('en');
    const [first] = cycles;
    await page.goto(`/console/ops/processes/${first!}`);
    await page.getByRole('button', { name: 'Cancel the process' }).click();
    const modal = page.getByRole('dialog');
    await modal.getByText(`Cancels ${first!} through its workflow`).waitFor();
    // The reason is required: confirming without one says so and sends nothing.
    await modal.getByRole('button', { name: 'Confirm' }).click();
    await modal.getByText('Give a reason').waitFor();
    expect(await cycleStatus(first!)).toBe('running');
    await page.mouse.move(0, 0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ops-cancel', 'en');
    const chinese = await opsPage('zh-CN');
    await chinese.goto(page.url());
    await chinese.getByRole('button', { name: '取消流程' }).click();
    await chinese.getByRole('dialog').getByRole('button', { name: '确认执行' }).click();
    await chinese.getByRole('dialog').getByText('请填写原因').waitFor();
    await chinese.mouse.move(0, 0);
    expect(await seriousAccessibilityViolations(chinese)).toEqual([]);
    await screenshot(chinese, 'ops-cancel', 'zh-CN');
    await chinese.context().close();
    expect(await cycleStatus(first!)).toBe('running');

    await modal.getByRole('textbox', { name: 'Reason' }).fill('重复发起，撤销本周期');
    await modal.getByRole('button', { name: 'Confirm' }).click();
    await modal.getByRole('status').getByText('Done: cancelled').waitFor();
    await modal.locator('.ant-modal-footer').getByRole('button', { name: /Close/ }).click();
    await page.locator('.ant-tag', { hasText: 'cancelled' }).waitFor();
    expect(await cycleStatus(first!)).toBe('cancelled');
    await page.context().close();
  });

  it('bulk-cancels exactly the dry run’s list: a cycle launched after it is not touched', async () => {
    const running = cycles.slice(1).sort();
    // A dry run touches nothing: the English one is photographed and left unexecuted.
    const english = await opsPage('en');
    await english.goto(`/console/ops/processes?definition=${PROCEDURE}&status=running`);
    for (const id of running) await english.getByRole('link', { name: id }).waitFor();
    await english.getByRole('button', { name: 'Bulk action on these filters' }).click();
    await english.getByRole('dialog').getByRole('textbox', { name: 'Reason' }).fill('2026 budget withdrawn');
    await english.getByRole('dialog').getByRole('button', { name: 'Dry run' }).click();
    await english.getByRole('dialog').getByText(/Selection .*: 2 processes/).waitFor();
    await english.mouse.move(0, 0);
    expect(await seriousAccessibilityViolations(english)).toEqual([]);
    await screenshot(english, 'ops-bulk', 'en');
    await english.context().close();

    const page = await opsPage('zh-CN');
    await page.goto(`/console/ops/processes?definition=${PROCEDURE}&status=running`);
    for (const id of running) await page.getByRole('link', { name: id }).waitFor();
    await page.getByRole('button', { name: '按当前筛选批量处理' }).click();
    const modal = page.getByRole('dialog');
    await modal.getByRole('textbox', { name: '原因说明' }).fill('2026年预算取消');
    await modal.getByRole('button', { name: '试运行' }).click();
    await modal.getByText(/选定清单 .*：2 个流程/).waitFor();
    expect(await modal.locator('.pf-ops-workflow-id').allTextContents()).toEqual(running);
    await page.mouse.move(0, 0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ops-bulk', 'zh-CN');

    const latecomer = await launchCycle();
    await modal.getByRole('button', { name: '对这 2 个流程执行' }).click();
    await modal.getByText('已执行：完成 2，已结束 0，失败 0').waitFor();
    for (const id of running) expect(await cycleStatus(id)).toBe('cancelled');
    expect(await cycleStatus(latecomer)).toBe('running');
    await page.context().close();
  });

  it.each<ConsoleLocale>(['zh-CN', 'en'])('offers a user without the ops role no ops menu, and says why at /console/ops (%s)', async (locale) => {
    const context = await consoleContext(browser, stack.baseUrl, locale);
    const page = await context.newPage();
    await signInAs(page, 'dev.finance-bureau');
    const zh = locale === 'zh-CN';
    expect(await page.getByRole('link', { name: zh ? '运维概览' : 'Operations' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: zh ? '流程查询' : 'Find processes' }).count()).toBe(0);
    await page.goto('/console/ops');
    await page.getByRole('heading', { level: 1, name: zh ? '需要运维角色' : 'The ops role is needed' }).waitFor();
    await page.getByText(zh ? '您没有运维（ops）角色' : 'You lack the ops role').waitFor();
    await checkPage(page, 'ops-forbidden', locale);
    await context.close();
  });
});
