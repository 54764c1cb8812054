import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { consoleSuite } from '../support/console-suite.js';
import { eventually } from '../support/eventually.js';
import { launchCycle, startContract } from '../support/procurement-fixtures.js';

const JURISDICTION = 'zj-deqing';
/** The first development vendor `npm start` registers; `dev.vendor.1` is its staff. */
const VENDOR_NAME = '阳光社会工作服务中心（开发）';
const OPINION = '审前调查评估意见：建议适用社区矫正（保密内容）';

/**
 * The seed lifecycle under a key of its own, with a confidential attribute, a yes/no attribute and a yes/no
 * field of the vendor's archive event, neither with a default: an untouched yes/no is still answered "no".
 */
const VARIANT = 'community-correction-case-console-variant';
const VARIANT_TITLE = 'Variant community-correction lifecycle';
const ATTRIBUTE_OPINION = '存档调查评估意见：保密属性内容';
const VARIANT_TEXT = readFileSync(new URL('../../definitions/supervision/community-correction-case.yaml', import.meta.url), 'utf8')
  .replace('  key: community-correction-case\n', `  key: ${VARIANT}\n`)
  .replace('    en: Community-correction case lifecycle\n', `    en: ${VARIANT_TITLE}\n`)
  .replace(
    '\nattributes:\n',
    `\nattributes:
  - id: opinionOnFile
    title: { zh: 存档调查评估意见, en: Opinion on file }
    type: string
    maxLength: 2000
    confidential: { readableBy: [judicial-office, justice-bureau] }
  - id: livesAlone
    title: { zh: 独居, en: Lives alone }
    type: bool
`,
  )
  .replace(
    '      - { id: difficulties, title: { zh: 存在困难, en: Difficulties }, type: string, maxLength: 500, default: "" }\n',
    '      - { id: difficulties, title: { zh: 存在困难, en: Difficulties }, type: string, maxLength: 500, default: "" }\n      - { id: consented, title: { zh: 本人同意建档, en: Consented to the archive }, type: bool }\n',
  );

interface CaseAnswer {
  id: string;
  state: string;
  vendorId: string | null;
  attributes: Record<string, unknown>;
  obligations: Array<{ id: string; total: number; required: number }>;
  assignment: { socialWorker: { name: string } | null; volunteers: Array<{ name: string }> };
  timeline: Array<{ type: string; payload: Record<string, unknown>; withheld: string[] }>;
}

/**
 * Case supervision in a real Chromium against `npm start`'s stack, on the seed lifecycle
 * (definitions/supervision/community-correction-case.yaml): the judicial office enrols a case through the
 * form the lifecycle's attributes make, is told next to the field that a contract is not of its
 * jurisdiction, records the confidential investigation opinion and intake education (a time in the future
 * is refused next to its field); the serving vendor's staff see the opinion withheld, are offered only the
 * events their roles record, and assign the case's social worker and volunteer.
 */
describe('console case supervision', () => {
  const suite = consoleSuite('console-cases');
  let admin: string;
  let officer: string;
  let staff: string;
  let vendorId: string;
  let contractId: string;
  let caseId: string;

  beforeAll(async () => {
    admin = await suite.stack.sign({ userId: 'it.admin', name: 'Test administrator', roles: ['administrator'], jurisdiction: JURISDICTION });
    officer = await suite.stack.sign({ userId: 'it.judicial-office', name: 'Test judicial office', roles: ['judicial-office'], jurisdiction: JURISDICTION });
    const vendors = await suite.call<{ vendors: Array<{ id: string; name: string }> }>('GET', '/vendors?limit=200', admin);
    vendorId = vendors.body.vendors.find((vendor) => vendor.name === VENDOR_NAME)!.id;
    staff = await suite.stack.sign({ userId: 'it.vendor-staff', name: 'Test vendor staff', roles: ['vendor'], jurisdiction: JURISDICTION, vendorId });
    for (const [name, kind] of [
      ['王慧（社工）', 'socialWorker'],
      ['李明（志愿者）', 'volunteer'],
    ] as const) {
      const registered = await suite.call('POST', `/vendors/${vendorId}/staff`, staff, { name, kind, requestId: crypto.randomUUID() });
      expect(registered.status).toBe(201);
    }
    contractId = await startContract(suite.stack.dataSource, await launchCycle(suite.stack.dataSource, { jurisdiction: JURISDICTION }), { vendorId, vendorName: VENDOR_NAME });
  });

  const showCase = async (token = admin) => (await suite.call<CaseAnswer>('GET', `/cases/${encodeURIComponent(caseId)}`, token)).body;

  /** The form item whose control has this accessible name, for reading the problem shown under it. */
  const itemOf = (page: Page, control: ReturnType<Page['getByLabel']>) => page.locator('.ant-form-item').filter({ has: control });

  async function choose(page: Page, label: string, option: string): Promise<void> {
    await page.getByRole('combobox', { name: label }).click();
    await page.locator('.ant-select-dropdown:visible').getByTitle(option, { exact: true }).click();
  }

  it('enrols a case through the form its lifecycle declares, and names a contract of no jurisdiction of ours at its field', async () => {
    const english = await suite.signedIn('en', 'dev.judicial-office');
    await english.goto('/console/cases');
    await english.getByText('No case matches.').waitFor();
    await suite.visited(english, 'cases', 'en');
    await english.getByRole('button', { name: 'Enrol a case' }).click();
    await english.getByRole('checkbox', { name: 'Key person under closer supervision' }).waitFor();
    await suite.visited(english, 'case-enrol', 'en');
    await english.context().close();

    const page = await suite.signedIn('zh-CN', 'dev.judicial-office');
    await page.goto('/console/cases/new');
    const keyPerson = page.getByRole('checkbox', { name: '重点社区矫正人员' });
    await keyPerson.check();
    await choose(page, '再犯罪风险等级', 'high');
    const contract = page.getByLabel('服务合同编号');
    await contract.fill('cycle-of-another-county/contract/x');
    await page.getByRole('button', { name: '登记', exact: true }).click();
    await itemOf(page, contract).locator('.ant-form-item-explain-error').filter({ hasText: 'is not a contract of your jurisdiction' }).waitFor();
    // Every problem has its field, and still the notice says what failed, with the request id to quote.
    await page.getByRole('alert').filter({ hasText: '请求编号' }).waitFor();
    await suite.visited(page, 'case-enrol', 'zh-CN');
    // Nothing was enrolled by the refused attempt.
    expect((await suite.call<{ total: number }>('GET', '/cases', admin)).body.total).toBe(0);

    await page.locator('.ant-btn-loading').waitFor({ state: 'detached' });
    await contract.fill(contractId);
    await page.getByRole('button', { name: '登记', exact: true }).click();
    await page.waitForURL(/\/console\/cases\/case-[0-9a-f-]+$/);
    caseId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    // The page says where the case stands: intake is the current stage.
    await page.locator('.pf-stage[data-state="intake"][data-mark="current"]').waitFor();
    await suite.visited(page, 'case', 'zh-CN');
    await page.context().close();

    const enrolled = await showCase();
    expect(enrolled.attributes).toEqual({ isKeyPerson: true, riskLevel: 'high' });
    expect(enrolled.vendorId).toBe(vendorId);
    expect(enrolled.state).toBe('intake');
  });

  it('records the confidential opinion and intake education, refusing a time in the future next to its field', async () => {
    const page = await suite.signedIn('zh-CN', 'dev.judicial-office');
    await page.goto(`/console/cases/${encodeURIComponent(caseId)}`);
    await page.getByRole('combobox', { name: '事项' }).waitFor();
    await choose(page, '事项', '社会调查评估意见');
    await page.getByLabel('日期', { exact: true }).fill('2026-11-20');
    await page.getByRole('textbox', { name: '调查评估意见' }).fill(OPINION);
    await page.getByRole('button', { name: '记录', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '已记录：社会调查评估意见' }).waitFor();
    // The office reads the opinion it recorded.
    await page.getByText(OPINION, { exact: false }).waitFor();

    await choose(page, '事项', '入矫教育记录');
    await page.getByRole('spinbutton', { name: '天数' }).fill('2');
    await page.getByLabel('日期', { exact: true }).fill('2026-11-21');
    const at = page.getByLabel('发生时间');
    await at.fill('2099-01-01T09:00');
    await page.getByRole('button', { name: '记录', exact: true }).click();
    await itemOf(page, at).locator('.ant-form-item-explain-error').waitFor();
    await page.getByRole('alert').filter({ hasText: '请求编号' }).waitFor();
    expect((await showCase()).timeline.filter((entry) => entry.type === 'intakeEducation.recorded')).toHaveLength(0);

    await page.locator('.ant-btn-loading').waitFor({ state: 'detached' });
    await at.fill('');
    await page.getByRole('button', { name: '记录', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '已记录：入矫教育记录' }).waitFor();
    // Two of the three days of intake education the lifecycle asks for (seed 004 §二(六)).
    const row = page.locator('.ant-table-row').filter({ hasText: '入矫教育不少于3日' });
    await row.filter({ hasText: '2 / 3' }).waitFor();
    await page.context().close();

    const recorded = await showCase(officer);
    expect(recorded.obligations.find((obligation) => obligation.id === 'intakeEducation')).toMatchObject({ total: 2, required: 3 });
    expect(recorded.timeline.find((entry) => entry.type === 'investigation.reported')?.payload['opinion']).toBe(OPINION);
    // The lifecycle lets only the judicial office and the justice bureau read the opinion; an administrator is told it is withheld.
    expect((await showCase(admin)).timeline.find((entry) => entry.type === 'investigation.reported')).toMatchObject({ withheld: ['opinion'] });
  });

  it('shows the serving vendor’s staff the opinion withheld, offers only their events, and lets them assign the case', async () => {
    const page = await suite.signedIn('en', 'dev.vendor.1');
    await page.goto(`/console/cases/${encodeURIComponent(caseId)}`);
    await page.getByText('Confidential, not shown to you: Opinion').waitFor();
    expect(await page.getByText(OPINION).count()).toBe(0);
    await suite.visited(page, 'case-vendor', 'en');
    await page.getByRole('combobox', { name: 'What happened' }).click();
    const offered = page.locator('.ant-select-dropdown:visible .ant-select-item-option');
    // The list is read once it has settled on its options (it can re-render between its first option and the rest).
    await offered.filter({ hasText: 'Intake education recorded' }).first().waitFor();
    const events = await offered.allTextContents();
    // A social worker records the archive and intake education; the investigation is the office's.
    expect(events).toEqual(expect.arrayContaining(['Information archive created', 'Intake education recorded']));
    expect(events).not.toContain('Pre-sentence social investigation reported');
    await offered.filter({ hasText: 'Intake education recorded' }).click();
    await page.getByRole('spinbutton', { name: 'Days' }).waitFor();

    await page.getByRole('tab', { name: 'Who serves the case' }).click();
    await page.getByRole('button', { name: 'Assign' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: 'Social worker' }).click();
    await page.locator('.ant-select-dropdown:visible').getByTitle('王慧（社工）').click();
    await dialog.getByRole('combobox', { name: 'Volunteers' }).click();
    await page.locator('.ant-select-dropdown:visible').getByTitle('李明（志愿者）').click();
    // Closes the multiple choice's list, as a user clicking outside it would.
    await dialog.getByText('Assign the case’s staff').click();
    await dialog.getByRole('button', { name: 'Save the assignment' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('王慧（社工）').waitFor();
    // Enrolling is the judicial office's: the list offers it not, and the page says why.
    await page.goto('/console/cases');
    await page.getByRole('link', { name: caseId.replace(/^case-/, '').slice(0, 8) }).waitFor();
    expect(await page.getByRole('button', { name: 'Enrol a case' }).count()).toBe(0);
    await page.goto('/console/cases/new');
    await page.getByText('Cases are enrolled by the judicial office; a vendor’s staff cannot enrol them.').waitFor();
    await page.context().close();

    const assigned = await eventually(
      () => showCase(),
      (found) => found.assignment.socialWorker !== null,
    );
    expect(assigned.assignment.socialWorker?.name).toBe('王慧（社工）');
    expect(assigned.assignment.volunteers.map((member) => member.name)).toEqual(['李明（志愿者）']);
    // What the vendor's staff read through the API agrees with the page: the opinion is withheld.
    expect((await showCase(staff)).timeline.find((entry) => entry.type === 'investigation.reported')).toMatchObject({ withheld: ['opinion'] });
  });

  it.each(['zh-CN', 'en'] as const)('shows the case list, the case to the office and to the vendor’s staff (%s)', async (locale) => {
    const office = await suite.signedIn(locale, 'dev.judicial-office');
    await office.goto('/console/cases');
    await office.getByRole('link', { name: caseId.replace(/^case-/, '').slice(0, 8) }).waitFor();
    await suite.visited(office, 'cases', locale);
    await office.goto(`/console/cases/${encodeURIComponent(caseId)}`);
    await office.getByText(OPINION).waitFor();
    await suite.visited(office, 'case', locale);
    await office.context().close();

    const vendor = await suite.signedIn(locale, 'dev.vendor.1');
    await vendor.goto(`/console/cases/${encodeURIComponent(caseId)}`);
    await vendor.locator('.pf-stage[data-mark="current"]').waitFor();
    await suite.visited(vendor, 'case-vendor', locale);
    await vendor.context().close();
  });

  it('takes ops staff from a case’s process to the case’s page', async () => {
    const page = await suite.signedIn('en', 'dev.ops');
    await page.goto(`/console/ops/processes/${encodeURIComponent(`case-${caseId}`)}`);
    await page.getByRole('link', { name: 'Open the case’s page' }).click();
    await page.waitForURL(`**/console/cases/${encodeURIComponent(caseId)}`);
    await page.locator('.pf-stage[data-mark="current"]').waitFor();
    await page.context().close();
  });
  it('answers untouched yes/no attributes and fields "no", and shows a confidential attribute only to those who read it', async () => {
    const national = await suite.stack.sign({ userId: 'it.national', name: 'National administrator', roles: ['administrator'], jurisdiction: 'cn' });
    expect((await suite.call('POST', '/definitions', national, { files: [{ file: `${VARIANT}.yaml`, text: VARIANT_TEXT }] })).status).toBe(201);

    const office = await suite.signedIn('en', 'dev.judicial-office');
    await office.goto('/console/cases/new');
    await choose(office, 'Lifecycle', `${VARIANT_TITLE} (${VARIANT} v1)`);
    await office.getByRole('checkbox', { name: 'Lives alone' }).waitFor();
    await choose(office, 'Reoffending risk level', 'low');
    await office.getByRole('textbox', { name: 'Opinion on file' }).fill(ATTRIBUTE_OPINION);
    await office.getByLabel('Service contract').fill(contractId);
    await office.getByRole('button', { name: 'Enrol', exact: true }).click();
    await office.waitForURL(/\/console\/cases\/case-[0-9a-f-]+$/);
    const variantId = decodeURIComponent(new URL(office.url()).pathname.split('/').pop()!);
    // The office reads the confidential attribute it entered.
    await office.getByText(ATTRIBUTE_OPINION).waitFor();
    await office.context().close();
    const enrolled = (await suite.call<CaseAnswer>('GET', `/cases/${encodeURIComponent(variantId)}`, officer)).body;
    expect(enrolled.attributes).toEqual({ isKeyPerson: false, riskLevel: 'low', livesAlone: false, opinionOnFile: ATTRIBUTE_OPINION });

    const vendor = await suite.signedIn('en', 'dev.vendor.1');
    await vendor.goto(`/console/cases/${encodeURIComponent(variantId)}`);
    await vendor.locator('[data-withheld-attribute="opinionOnFile"]').filter({ hasText: 'Confidential, not shown to you' }).waitFor();
    await vendor.locator('.ant-descriptions-item').filter({ hasText: 'Opinion on file' }).filter({ hasText: 'Confidential, not shown to you' }).waitFor();
    expect(await vendor.getByText(ATTRIBUTE_OPINION).count()).toBe(0);
    await choose(vendor, 'What happened', 'Information archive created');
    await vendor.getByRole('checkbox', { name: 'Consented to the archive' }).waitFor();
    await vendor.getByLabel('Date', { exact: true }).fill('2026-11-22');
    await vendor.getByRole('textbox', { name: 'Employment' }).fill('务工');
    await vendor.getByRole('textbox', { name: 'Family' }).fill('父母同住');
    await vendor.getByRole('textbox', { name: 'Health' }).fill('良好');
    await vendor.getByRole('button', { name: 'Record', exact: true }).click();
    await vendor.getByRole('status').filter({ hasText: 'Recorded: Information archive created' }).waitFor();
    await vendor.context().close();

    const archived = (await suite.call<CaseAnswer>('GET', `/cases/${encodeURIComponent(variantId)}`, officer)).body;
    expect(archived.timeline.find((entry) => entry.type === 'archive.created')?.payload['consented']).toBe(false);
  });
});
