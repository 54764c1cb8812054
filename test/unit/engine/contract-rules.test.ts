import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { CalendarDefinition } from '../../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import type { EngineCommand, EngineContext, FormValues, TaskInstance } from '../../../workflows/engine/types.js';
import { actorFor, formFor, ProcedureDriver } from '../../support/procedure-driver.js';

/**
 * The contract keys of the language, each with and without: Baotou's people-mediation procedure (seed 003)
 * forbids subcontracting, names its draft and its vendor's attestation, measures its desk-hours service
 * levels by KPIs and publishes its acceptance; each test edits the template to take one key away.
 */
const TEMPLATE = readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures/baotou-people-mediation.yaml'), 'utf8');

function compile(text: string): ProcedureDefinition {
  const result = compileDefinition(text, 'baotou-people-mediation.yaml');
  if (!result.ok) throw new Error(`the test definition does not compile: ${JSON.stringify(result.diagnostics.map((d) => d.message))}`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as ProcedureDefinition;
}

function edited(...edits: Array<[string, string]>): string {
  return edits.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`the Baotou template no longer has ${JSON.stringify(from)}: update this test`);
    return text.replace(from, to);
  }, TEMPLATE);
}

const calendars = (() => {
  const file = 'definitions/calendars/cn-2026.yaml';
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return [result.compiled.definition as CalendarDefinition];
})();

/** The first contract of a cycle of `text`, driven happily through the cycle's own steps. */
function firstContract(text: string): ProcedureDriver {
  const definition = compile(text);
  const context: EngineContext = { definition, calendars, jurisdiction: definition.metadata.jurisdiction.code };
  const cycle = new ProcedureDriver(context).start({ scope: 'cycle', inputs: formFor(definition.inputs) }).runToEnd();
  const start = cycle.commands.find((c) => c.type === 'startContracts');
  if (start?.type !== 'startContracts' || !start.winners[0]) throw new Error('no contract started');
  return new ProcedureDriver(context, cycle.now).start({ scope: 'contract', cycleValues: cycle.state.values, winner: start.winners[0] });
}

function submit(driver: ProcedureDriver, task: TaskInstance, fields: FormValues) {
  return driver.attempt({ type: 'taskDecided', at: driver.now, taskId: task.id, outcome: 'submit', actor: actorFor(task.role, driver.context.jurisdiction, true), fields });
}

const happyFields = (driver: ProcedureDriver, task: TaskInstance): FormValues => driver.happyDecision(task).fields;

const WITHOUT_DRAFTED_IN: [string, string] = ['      draftedIn: draftContract\n      subcontractDeclaredIn: subcontracted\n', ''];
const ALLOWED: Array<[string, string]> = [
  ['      subcontracting: forbidden\n', '      subcontracting: allowed\n'],
  ['      attestedIn: { task: vendorSigns, field: noSubcontracting }\n', ''],
];

describe('contract.requiredTerms with contract.draftedIn', () => {
  it('refuses a draft lacking required terms, naming them, and changes nothing', () => {
    const driver = firstContract(TEMPLATE);
    const draft = driver.advanceTo('draftContract');
    const before = JSON.stringify(driver.state);
    const refused = submit(driver, draft, { ...happyFields(driver, draft), subject: false, liability: false });
    expect(refused).toMatchObject({ ok: false, code: 'invalid', field: 'fields.subject' });
    expect(refused.ok ? '' : refused.message).toContain('合同草案缺少必备条款：标的、违约责任');
    expect(refused.ok ? [] : refused.problems?.map((p) => p.field)).toEqual(['fields.subject', 'fields.liability']);
    expect(JSON.stringify(driver.state)).toBe(before);
    expect(submit(driver, draft, happyFields(driver, draft)).ok).toBe(true);
  });

  it('without draftedIn, a draft that states no term goes through (the terms are only documented)', () => {
    const driver = firstContract(edited(WITHOUT_DRAFTED_IN));
    const draft = driver.advanceTo('draftContract');
    expect(submit(driver, draft, { ...happyFields(driver, draft), subject: false, liability: false }).ok).toBe(true);
  });
});

describe('contract.subcontracting', () => {
  it('forbidden: a draft that subcontracts is refused, and the vendor cannot sign without attesting', () => {
    const driver = firstContract(TEMPLATE);
    const draft = driver.advanceTo('draftContract');
    const subcontracting = submit(driver, draft, { ...happyFields(driver, draft), subcontracted: true });
    expect(subcontracting).toMatchObject({ ok: false, code: 'invalid', field: 'fields.subcontracted' });
    expect(subcontracting.ok ? '' : subcontracting.message).toContain('Implementing Regulations art. 72');
    expect(submit(driver, draft, happyFields(driver, draft)).ok).toBe(true);
    const signs = driver.advanceTo('vendorSigns');
    const unattested = submit(driver, signs, { noSubcontracting: false });
    expect(unattested).toMatchObject({ ok: false, code: 'invalid', field: 'fields.noSubcontracting' });
    expect(submit(driver, signs, { noSubcontracting: true }).ok).toBe(true);
  });

  it('allowed: a draft may subcontract and the vendor signs without attesting', () => {
    const driver = firstContract(
      // The vendor's signing task keeps its form; under "allowed" nothing reads it.
      edited(...ALLOWED),
    );
    const draft = driver.advanceTo('draftContract');
    expect(submit(driver, draft, { ...happyFields(driver, draft), subcontracted: true }).ok).toBe(true);
    const signs = driver.advanceTo('vendorSigns');
    expect(submit(driver, signs, { noSubcontracting: false }).ok).toBe(true);
  });
});

type Measured = Extract<EngineCommand, { type: 'serviceLevelMeasured' }>;

/** Submits and confirms the ledgers of the first two quarters, with `daysUnderEightHours` of 2 and then 0. */
function twoQuarters(driver: ProcedureDriver): Measured['measurement'][] {
  for (const daysUnderEightHours of [2, 0]) {
    const ledger = driver.advanceTo('quarterlyLedgers');
    const lines = { ...(driver.happyDecision(ledger).payload as { lines: FormValues }).lines, daysUnderEightHours, shiftsUnderTwoStaff: 0 };
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: ledger.id, outcome: 'submit', actor: actorFor('vendor', driver.context.jurisdiction), fields: {}, payload: { kind: 'ledger', lines } });
    const confirm = driver.openTasks().find((task) => task.kind === 'ledgerConfirmation');
    if (!confirm) throw new Error('no confirmation opened');
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: confirm.id, outcome: 'approve', actor: actorFor('justice-bureau', driver.context.jurisdiction, true), fields: {} });
  }
  return driver.commands.filter((c): c is Measured => c.type === 'serviceLevelMeasured').map((c) => c.measurement);
}

describe('contract.serviceLevels[].measuredBy and target', () => {
  it('measures each service level on every confirmed period, met or not', () => {
    const driver = firstContract(TEMPLATE);
    const measured = twoQuarters(driver);
    // dailyHoursMet is `ledger.totals.daysUnderEightHours == 0` on the period's own lines: 2 days short, then none.
    expect(measured.map(({ serviceLevelId, period, value, met }) => ({ serviceLevelId, period, value, met }))).toEqual([
      { serviceLevelId: 'dailyHours', period: 1, value: false, met: false },
      { serviceLevelId: 'staffPerShift', period: 1, value: true, met: true },
      { serviceLevelId: 'dailyHours', period: 2, value: true, met: true },
      { serviceLevelId: 'staffPerShift', period: 2, value: true, met: true },
    ]);
    expect(driver.state.serviceLevels).toEqual(measured);
  });

  it('without measuredBy, a service level is stated and never measured', () => {
    const driver = firstContract(edited(['          measuredBy: dailyHoursMet\n          target: true\n', ''], ['          measuredBy: shiftStaffingMet\n          target: true\n', '']));
    expect(twoQuarters(driver)).toEqual([]);
    expect(driver.state.serviceLevels).toBeUndefined();
  });
});

describe('performance.acceptance.published', () => {
  const acceptanceNotices = (driver: ProcedureDriver) => driver.commands.filter((c) => c.type === 'publishNotice' && c.kind === 'acceptanceResult');

  it('true: deciding the acceptance publishes its result, with no publish node drawn', () => {
    const driver = firstContract(TEMPLATE);
    const acceptance = driver.advanceTo('inspectionAcceptance');
    expect(acceptanceNotices(driver)).toEqual([]);
    driver.decideHappily(acceptance);
    const notices = acceptanceNotices(driver);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ noticeId: 'acceptanceResult', lines: [{ value: driver.state.values.contract?.vendorName }, { value: '验收合格' }] });
  });

  it('false: deciding the acceptance publishes nothing', () => {
    const driver = firstContract(edited(['        published: true\n', '        published: false\n']));
    driver.decideHappily(driver.advanceTo('inspectionAcceptance'));
    expect(acceptanceNotices(driver)).toEqual([]);
    expect(driver.runToEnd().state.status).toBe('completed');
    expect(acceptanceNotices(driver)).toEqual([]);
  });
});
