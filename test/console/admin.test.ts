import { creditCodeCheckCharacter } from '../../src/vendors/unified-social-credit-code.js';
import type { ConsoleLocale } from '../support/browser.js';
import { consoleSuite } from '../support/console-suite.js';
import { calendarDefinition, NEW_YEAR_2026, REVERSED_HOLIDAY_CALENDAR } from '../support/definition-texts.js';

const LOCALES: ConsoleLocale[] = ['zh-CN', 'en'];
/** A calendar of no jurisdiction, deployed twice by a national administrator so it has a diff. */
const CALENDAR_KEY = 'console-2026';
const LABOUR_DAY = { zh: '劳动节', en: 'Labour Day', from: '2026-05-01', to: '2026-05-05' };
/** A calendar with two problems: two holidays that end before they start (their `to` on lines 12 and 15). */
const BROKEN_CALENDAR = REVERSED_HOLIDAY_CALENDAR.replace('makeUpWorkdays: []', ['  - name: { zh: 劳动节, en: Labour }', '    from: 2026-05-05', '    to: 2026-05-01', 'makeUpWorkdays: []'].join('\n'));

interface Diagnostic {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly file: string;
}

/**
 * The administration pages of the console in a real Chromium against `npm start`'s stack: definitions
 * (the seeds listed, a version's YAML, a diff between versions, the editor marking each diagnostic at
 * its line, deploy only for administrators) and the vendor registry (list, registration, evidence per
 * criterion, verification and suspension by the roles allowed, the API's refusal shown).
 */
describe('console administration: definitions and vendors', () => {
  const suite = consoleSuite('console-admin');
  const { call, signedIn, visited } = suite;
  let nationalAdmin: string;

  beforeAll(async () => {
    nationalAdmin = await suite.stack.sign({ userId: 'it.national-admin', name: 'National administrator', roles: ['administrator'], jurisdiction: 'cn' });
    for (const holidays of [[NEW_YEAR_2026], [NEW_YEAR_2026, LABOUR_DAY]]) {
      const deployed = await call('POST', '/definitions', nationalAdmin, {
        files: [{ file: 'calendars/console-2026.yaml', text: calendarDefinition({ key: CALENDAR_KEY, titleEn: 'Console calendar 2026', holidays }) }],
      });
      expect(deployed.status).toBe(201);
    }
  });

  it.each(LOCALES)('lists the deployed definitions and shows one version’s YAML with its line numbers (%s)', async (locale) => {
    const page = await signedIn(locale, 'dev.administrator');
    await page.goto('/console/definitions');
    await page.getByRole('link', { name: 'deqing-community-correction' }).waitFor();
    await page.getByRole('link', { name: 'cn-2026' }).waitFor();
    await visited(page, 'definitions', locale);

    await page.getByRole('link', { name: 'deqing-community-correction' }).click();
    const source = page.getByRole('region', { name: locale === 'en' ? /YAML source of version 1/ : /第 1 版的 YAML 源文本/ });
    await source.locator('[data-line="11"]').waitFor();
    expect(await source.locator('[data-line="11"]').textContent()).toBe('11kind: Procedure');
    await visited(page, 'definition', locale);
    await page.context().close();
  });

  it.each(LOCALES)('shows what changed between two versions of a definition (%s)', async (locale) => {
    const diff = await call<{ changes: Array<{ kind: string; path: string }> }>('GET', `/definitions/${CALENDAR_KEY}/diff?from=1&to=2`, nationalAdmin);
    expect(diff.body.changes.length).toBeGreaterThan(0);
    const page = await signedIn(locale, 'dev.administrator');
    await page.goto(`/console/definitions/${CALENDAR_KEY}`);
    const table = page.locator('.pf-diff');
    for (const change of diff.body.changes) await table.getByText(change.path, { exact: true }).waitFor();
    expect(await table.textContent()).toContain('Labour Day');
    await page.getByText(locale === 'en' ? `Version 1 → version 2: ${diff.body.changes.length} changes` : `第 1 版 → 第 2 版：${diff.body.changes.length} 处变化`).waitFor();
    await visited(page, 'definition-diff', locale);
    await page.context().close();
  });

  it.each(LOCALES)('validates a broken file in the editor and shows each problem at its line (%s)', async (locale) => {
    const report = await call<{ files: Array<{ diagnostics: Diagnostic[] }> }>('POST', '/definitions/validate', nationalAdmin, {
      files: [{ file: 'broken-2026.yaml', text: BROKEN_CALENDAR }],
    });
    const diagnostics = report.body.files.flatMap((file) => file.diagnostics);
    expect(diagnostics.map((d) => d.line)).toEqual(expect.arrayContaining([12, 15]));

    const page = await signedIn(locale, 'dev.administrator');
    await page.goto('/console/definitions');
    await page.getByRole('button', { name: locale === 'en' ? 'Validate and deploy' : '校验与部署' }).click();
    await page.getByLabel(locale === 'en' ? 'File name' : '文件名').fill('broken-2026.yaml');
    const editor = page.getByRole('textbox', { name: locale === 'en' ? 'Definition text (YAML)' : '定义文本（YAML）' });
    await editor.fill(BROKEN_CALENDAR);
    // Ant Design spaces a two-character Chinese label (校 验).
    await page.getByRole('button', { name: locale === 'en' ? /^Validate$/ : /^校\s?验$/ }).click();

    for (const diagnostic of diagnostics) {
      // The list names file:line:column; the gutter marks the line; the annotated copy has the message under it.
      const location = page.getByRole('button', { name: `broken-2026.yaml:${diagnostic.line}:${diagnostic.column}` });
      await location.waitFor();
      expect(await page.locator(`.pf-editor-gutter [data-line="${diagnostic.line}"]`).getAttribute('class')).toContain('pf-editor-num-error');
      const annotated = page.locator(`#annotated-L${diagnostic.line}`);
      expect(await annotated.getAttribute('class')).toContain('pf-src-line-error');
      expect(await annotated.locator('.pf-src-diagnostic').textContent()).toContain(diagnostic.message);

      await location.click();
      // The test's TypeScript has no DOM library: the text area is described by the fields read.
      const selected = await editor.evaluate((element) => {
        const area = element as unknown as { value: string; selectionStart: number; selectionEnd: number };
        return area.value.slice(area.selectionStart, area.selectionEnd);
      });
      expect(selected).toBe(BROKEN_CALENDAR.split('\n')[diagnostic.line - 1]);
    }
    await visited(page, 'definition-editor', locale);
    await page.context().close();
  });

  it('deploys from the editor, and shows the API’s refusal of a definition the administrator may not deploy', async () => {
    const page = await signedIn('en', 'dev.administrator');
    await page.goto('/console/definitions/editor');
    const editor = page.getByRole('textbox', { name: 'Definition text (YAML)' });
    // A calendar of no jurisdiction needs a national administrator: Deqing's is refused, nothing stored.
    await page.getByLabel('File name').fill('national-2027.yaml');
    await editor.fill(calendarDefinition({ key: 'national-2027', year: 2027, holidays: [] }));
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/request id [0-9a-f-]{8,}/);
    expect((await call('GET', '/definitions/national-2027', nationalAdmin)).status).toBe(404);

    // A fresh editor for the second file, as a user would open it.
    await page.reload();
    await page.getByLabel('File name').fill('deqing-2027.yaml');
    await editor.fill(calendarDefinition({ key: 'deqing-2027', year: 2027, jurisdiction: 'zj-deqing', holidays: [] }));
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.getByText('Deployed: deqing-2027 version 1').waitFor();
    await page.context().close();
  });

  it('offers no deploy to someone who is not an administrator', async () => {
    const page = await signedIn('en', 'dev.finance-bureau');
    await page.goto('/console/definitions');
    await page.getByRole('link', { name: 'deqing-community-correction' }).waitFor();
    expect(await page.getByRole('button', { name: 'Validate and deploy' }).count()).toBe(0);
    await page.goto('/console/definitions/editor');
    await page.getByRole('button', { name: 'Validate', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Deploy', exact: true }).count()).toBe(0);
    await page.context().close();
  });

  it.each(LOCALES)('lists the vendor registry (%s)', async (locale) => {
    const page = await signedIn(locale, 'dev.administrator');
    await page.goto('/console/vendors');
    await page.getByRole('link', { name: '阳光社会工作服务中心（开发）' }).waitFor();
    await visited(page, 'vendors', locale);
    await page.getByRole('button', { name: locale === 'en' ? 'Register a vendor' : '登记承接主体' }).click();
    await page.locator('.pf-fieldset').first().waitFor();
    await visited(page, 'vendor-register', locale);
    await page.context().close();
  });

  it('registers a vendor, then verification and suspension by the roles allowed, through the pages', async () => {
    const admin = await signedIn('en', 'dev.administrator');
    await admin.goto('/console/vendors/new');
    const criteria = admin.locator('.pf-fieldset');
    await criteria.first().waitFor();
    await admin.getByLabel('Name', { exact: true }).fill('德清县测试社会工作服务中心');
    const count = await criteria.count();
    for (let index = 0; index < count; index++) await criteria.nth(index).getByLabel('Document').fill(`测试证明材料 ${index + 1}`);
    // A credit code the API refuses: its 422 names the field, and the page shows the problem under it.
    const creditCode = admin.getByLabel('Unified social credit code');
    await creditCode.fill('52330521MJ00000');
    await admin.getByRole('button', { name: 'Register', exact: true }).click();
    const problem = admin.locator('.ant-form-item').filter({ has: creditCode }).locator('.ant-form-item-explain-error');
    await problem.waitFor();
    expect(await problem.textContent()).toContain('统一社会信用代码');
    const first17 = '52330521MJ0000042';
    await creditCode.fill(`${first17}${creditCodeCheckCharacter(first17)}`);
    // A busy button ignores clicks: the first attempt's must have left its loading state.
    await admin.locator('.ant-btn-loading').waitFor({ state: 'detached' });
    await admin.getByRole('button', { name: 'Register', exact: true }).click();
    await admin.waitForURL(/\/console\/vendors\/[0-9a-f-]{36}$/);
    const vendorPath = new URL(admin.url()).pathname;
    // Every criterion the deployed procedures name has its row, filed and waiting for verification.
    const evidenceRows = admin.locator('.ant-table-row').filter({ hasText: '测试证明材料' });
    await evidenceRows.first().waitFor();
    expect(await evidenceRows.count()).toBe(count);
    expect(await admin.locator('.ant-table-row').filter({ hasText: 'Pending' }).count()).toBe(count);
    // The administrator who registered it is no verifier: no verify button.
    expect(await admin.getByRole('button', { name: 'Verify qualification' }).count()).toBe(0);
    await admin.context().close();

    for (const locale of LOCALES) {
      const viewer = await signedIn(locale, 'dev.civil-affairs');
      await viewer.goto(vendorPath);
      await viewer.locator('.ant-table-row').filter({ hasText: '测试证明材料 1' }).waitFor();
      await visited(viewer, 'vendor', locale);
      await viewer.context().close();
    }

    const verifier = await signedIn('en', 'dev.civil-affairs');
    await verifier.goto(vendorPath);
    await verifier.getByRole('button', { name: 'Verify qualification' }).click();
    const dialog = verifier.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Submit' }).click();
    await verifier.getByText('Done: Verify qualification').waitFor();
    await verifier.locator('.ant-table-row').filter({ hasText: 'dev.civil-affairs' }).first().waitFor();
    expect(await verifier.locator('.ant-table-row').filter({ hasText: 'Verified' }).count()).toBe(count);

    // Verifying again is refused by the API (a verification stands): the dialog shows its message and request id.
    await verifier.getByRole('button', { name: 'Verify qualification' }).click();
    await verifier.getByRole('dialog').getByRole('button', { name: 'Submit' }).click();
    const refusal = verifier.getByRole('dialog').getByRole('alert');
    await refusal.waitFor();
    const text = (await refusal.textContent()) ?? '';
    expect(text).toContain('already verified');
    expect(text).toMatch(/request id [0-9a-f-]{8,}/);
    // Civil affairs may not suspend: the page offers it no such action.
    expect(await verifier.getByRole('button', { name: 'Suspend' }).count()).toBe(0);
    await verifier.context().close();

    const finance = await signedIn('en', 'dev.finance-bureau');
    await finance.goto(vendorPath);
    await finance.getByRole('button', { name: 'Suspend' }).click();
    const suspension = finance.getByRole('dialog');
    // The reason is required: the page says so next to the field before anything is sent.
    await suspension.getByRole('button', { name: 'Submit' }).click();
    await suspension.getByText('Give the reason').waitFor();
    await suspension.getByLabel('Reason').fill('年度绩效评价不合格');
    await suspension.getByRole('button', { name: 'Submit' }).click();
    await finance.getByText('Done: Suspend').waitFor();
    await finance.getByText(/Suspended by dev\.finance-bureau on .*: 年度绩效评价不合格/).waitFor();
    await finance.getByRole('button', { name: 'Reinstate' }).waitFor();
    await finance.context().close();
  });
});
