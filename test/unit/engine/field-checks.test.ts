import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { startEngine } from '../../../workflows/engine/interpreter.js';
import type { EngineContext } from '../../../workflows/engine/types.js';
import { WITH_CHECKS } from '../../support/checked-procedure.js';
import { actorFor, ProcedureDriver } from '../../support/procedure-driver.js';

/**
 * Checks across a form's fields (issue 8, point 7): the launch inputs and a task's form state a
 * condition, e.g. seed 002's one social worker per 20 persons served; a submission that breaks one is
 * refused, naming the message and the fields, and nothing changes. Compiler errors have their own
 * corpus entries (test/unit/definitions/corpus/check-*.yaml).
 */

function compiled(text: string): ProcedureDefinition {
  const result = compileDefinition(text, 'with-checks.yaml');
  if (!result.ok) throw new Error(`does not compile:\n${result.diagnostics.map((d) => `${d.line}:${d.column} ${d.ruleId} ${d.message}`).join('\n')}`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as ProcedureDefinition;
}

const calendars = [compiledCalendar()];
function compiledCalendar() {
  const file = 'definitions/calendars/cn-2026.yaml';
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as EngineContext['calendars'][number];
}

const context: EngineContext = { definition: compiled(WITH_CHECKS), calendars, jurisdiction: 'test-county' };
const drafter = actorFor('justice-bureau', 'test-county');

describe('checks across the launch inputs', () => {
  it('launches when the check holds: 2 workers × 20 = 40 ≥ 40 persons', () => {
    expect(startEngine(context, { scope: 'cycle', inputs: { supervisedPersons: 40 } }, '2054-03-02T01:00:00.000Z')).toMatchObject({ ok: true });
  });

  it('refuses a launch that breaks it, naming the message and both inputs: 2 × 20 = 40 < 41', () => {
    const refused = startEngine(context, { scope: 'cycle', inputs: { supervisedPersons: 41 } }, '2054-03-02T01:00:00.000Z');
    expect(refused).toEqual({
      ok: false,
      code: 'invalid',
      message: '社工与矫正对象之比不低于1:20 One social worker per 20 supervised persons at most (inputs.socialWorkers, inputs.supervisedPersons)',
      field: 'inputs.socialWorkers',
      problems: [
        { field: 'inputs.socialWorkers', problem: '社工与矫正对象之比不低于1:20 One social worker per 20 supervised persons at most' },
        { field: 'inputs.supervisedPersons', problem: '社工与矫正对象之比不低于1:20 One social worker per 20 supervised persons at most' },
      ],
    });
  });

  it('is not in a definition without checks: the same launch succeeds there', () => {
    const plain = compiled(WITH_CHECKS.replace(/inputChecks:\n(?: {2}.*\n)+/, ''));
    expect(plain.inputChecks).toBeUndefined();
    expect(startEngine({ ...context, definition: plain }, { scope: 'cycle', inputs: { supervisedPersons: 41 } }, '2054-03-02T01:00:00.000Z')).toMatchObject({ ok: true });
  });
});

describe('checks across a task form', () => {
  const launched = () => new ProcedureDriver(context).start({ scope: 'cycle', inputs: { supervisedPersons: 40 } });
  const submit = (driver: ProcedureDriver, fields: Record<string, string | number>) => {
    const draft = driver.openTasks()[0]!;
    return driver.attempt({ type: 'taskDecided', at: driver.now, taskId: draft.id, outcome: 'submit', actor: drafter, fields });
  };

  it('refuses a form breaking the 1:20 ratio (1 × 20 = 20 < 21), and the task stays open with nothing recorded', () => {
    const driver = launched();
    const before = JSON.stringify(driver.state);
    const refused = submit(driver, { justification: '依据', staffed: 1, served: 21 });
    expect(refused).toMatchObject({
      ok: false,
      code: 'invalid',
      message: '社工与服务对象之比不低于1:20 One social worker per 20 persons served at most (fields.staffed, fields.served)',
      problems: [
        { field: 'fields.staffed', problem: '社工与服务对象之比不低于1:20 One social worker per 20 persons served at most' },
        { field: 'fields.served', problem: '社工与服务对象之比不低于1:20 One social worker per 20 persons served at most' },
      ],
    });
    expect(JSON.stringify(driver.state)).toBe(before);
    expect(driver.openTasks().map((t) => t.nodeId)).toEqual(['draftBudget']);
  });

  it('names every check broken, each with the fields it reads (41 served > 40 supervised, and 2 × 20 = 40 < 41)', () => {
    const refused = submit(launched(), { justification: '依据', staffed: 2, served: 41 });
    expect(refused).toMatchObject({
      ok: false,
      problems: [
        { field: 'fields.staffed', problem: expect.stringContaining('1:20') },
        { field: 'fields.served', problem: expect.stringContaining('1:20') },
        { field: 'fields.served', problem: '服务对象不超过矫正对象人数 No more persons served than supervised' },
      ],
    });
  });

  it('accepts a form meeting every check (2 × 20 = 40 ≥ 40; 40 ≤ 40), skipping the check on the optional field left empty', () => {
    const driver = launched();
    expect(submit(driver, { justification: '依据', staffed: 2, served: 40 })).toMatchObject({ ok: true });
    expect(driver.state.values.forms['draftBudget']).toEqual({ justification: '依据', staffed: 2, served: 40 });
    expect(driver.openTasks().map((t) => t.nodeId)).toEqual(['reviewBudget']);
  });

  it('applies a check on an optional field once it is given', () => {
    const refused = submit(launched(), { justification: '依据', staffed: 2, served: 40, note: -1 });
    expect(refused).toMatchObject({ ok: false, problems: [{ field: 'fields.note', problem: '备注须为正数 The note must be positive' }] });
  });

  it('does not check a return: only a submission or an approval carries the form', () => {
    const driver = launched();
    expect(submit(driver, { justification: '依据', staffed: 2, served: 40 })).toMatchObject({ ok: true });
    const review = driver.openTasks()[0]!;
    const reviewer = actorFor('finance-bureau', 'test-county');
    expect(driver.attempt({ type: 'taskDecided', at: driver.now, taskId: review.id, outcome: 'return', actor: reviewer, fields: {}, comment: '请补充' })).toMatchObject({ ok: true });
  });
});

describe('checks across a ledger’s lines', () => {
  const withLedgerCheck = compiled(
    WITH_CHECKS.replace(
      '          - { id: activitySpendFen, title: { zh: 活动经费支出, en: Activity spend }, type: money, min: 0 }\n',
      [
        '          - { id: activitySpendFen, title: { zh: 活动经费支出, en: Activity spend }, type: money, min: 0 }',
        '          - { id: sessions, title: { zh: 活动场次, en: Sessions held }, type: int, min: 0 }',
        '        checks:',
        '          - expr: activitySpendFen <= sessions * 50000',
        '            message: { zh: 每场活动支出不超过500元, en: At most 500 yuan spent per session }',
        '',
      ].join('\n'),
    ),
  );
  const ledgerContext: EngineContext = { ...context, definition: withLedgerCheck };
  const vendor = { ...actorFor('vendor', 'test-county'), vendorId: 'v-1' };

  /** A contract of 1 000 000 fen whose first ledger is open for submission. */
  const contractAtLedger = () => {
    const driver = new ProcedureDriver(ledgerContext).start({
      scope: 'contract',
      cycleValues: { inputs: { supervisedPersons: 40, socialWorkers: 2, pricePerPersonYearFen: 100000 }, derived: { budgetTotal: 4_000_000 }, forms: {}, budget: { total: 4_000_000, workingFunds: 2_000_000, activityFunds: 2_000_000 } },
      winner: { vendorId: 'v-1', vendorName: '阳光社工', amountFen: 1_000_000 },
    });
    const sign = driver.openTasks()[0]!;
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: sign.id, outcome: 'submit', actor: drafter, fields: {} });
    const ledger = driver.openTasks()[0]!;
    expect(ledger.kind).toBe('ledgerSubmission');
    return { driver, ledger };
  };

  it('refuses a ledger spending more than 500 yuan a session (2 × 50 000 = 100 000 < 100 001 fen), keeping it open', () => {
    const { driver, ledger } = contractAtLedger();
    const refused = driver.attempt({ type: 'taskDecided', at: driver.now, taskId: ledger.id, outcome: 'submit', actor: vendor, fields: { activitySpendFen: 100_001, sessions: 2 } });
    expect(refused).toMatchObject({
      ok: false,
      code: 'invalid',
      problems: [
        { field: 'ledger.activitySpendFen', problem: '每场活动支出不超过500元 At most 500 yuan spent per session' },
        { field: 'ledger.sessions', problem: '每场活动支出不超过500元 At most 500 yuan spent per session' },
      ],
    });
    expect(driver.openTasks().map((t) => t.id)).toEqual([ledger.id]);
  });

  it('accepts one within it (100 000 ≤ 2 × 50 000)', () => {
    const { driver, ledger } = contractAtLedger();
    expect(driver.attempt({ type: 'taskDecided', at: driver.now, taskId: ledger.id, outcome: 'submit', actor: vendor, fields: { activitySpendFen: 100_000, sessions: 2 } })).toMatchObject({ ok: true });
  });
});
