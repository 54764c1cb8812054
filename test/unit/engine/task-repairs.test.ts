import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { CalendarDefinition } from '../../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import type { Actor, EngineContext, TaskRepair } from '../../../workflows/engine/types.js';
import { actorFor, ProcedureDriver } from '../../support/procedure-driver.js';

function load<T>(file: string): T {
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as T;
}

const minimal = load<ProcedureDefinition>('test/unit/definitions/fixtures/minimal-procedure.yaml');
const context: EngineContext = { definition: minimal, calendars: [load<CalendarDefinition>('definitions/calendars/cn-2026.yaml')], jurisdiction: 'test-county' };
const ops: Actor = { userId: 'ops.1', name: '运维', roles: ['ops'], jurisdiction: 'test-county' };
const nationalOps: Actor = { ...ops, userId: 'ops.cn', jurisdiction: 'cn' };

/**
 * The minimal procedure's budget review (finance bureau) is due at the end of Monday 12 October 2026 in
 * China (5 working days after Tuesday 29 September across National Day, see sla-escalation.test.ts) and
 * escalates to the justice bureau.
 */
function inReview(): ProcedureDriver {
  const driver = new ProcedureDriver(context, '2026-09-29T02:00:00.000Z').start({ scope: 'cycle', inputs: { supervisedPersons: 20 } });
  driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'draftBudget#1', outcome: 'submit', actor: actorFor('justice-bureau', 'test-county'), fields: { justification: '按在册人数编制' } });
  return driver;
}

const repair = (driver: ProcedureDriver, actor: Actor, repair: TaskRepair, reason = '负责人出差') =>
  driver.attempt({ type: 'taskRepaired', at: driver.now, actor, taskId: 'reviewBudget#1', repair, reason, requestId: `r-${driver.commands.length}` });

const review = (driver: ProcedureDriver) => driver.openTasks().find((task) => task.id === 'reviewBudget#1');

describe('ops repairs of an open task', () => {
  it('an extension by working days counts on the calendar from the current due time and re-arms the SLA timer', () => {
    const driver = inReview();
    // Mon 12 Oct + 3 working days: Tue 13, Wed 14, Thu 15 October.
    expect(repair(driver, ops, { kind: 'extend', workingDays: 3 })).toMatchObject({ ok: true });
    expect(review(driver)).toMatchObject({ dueAt: '2026-10-15T15:59:59.999Z', escalatedTo: [] });
    expect(driver.commands).toContainEqual(expect.objectContaining({ type: 'startTimer', timerId: 'sla:reviewBudget#1', until: '2026-10-15T15:59:59.999Z' }));
    expect(driver.commands.at(-1)).toMatchObject({
      type: 'taskRepaired',
      reason: '负责人出差',
      actor: ops,
      before: { role: 'finance-bureau', dueAt: '2026-10-12T15:59:59.999Z' },
      task: { id: 'reviewBudget#1', dueAt: '2026-10-15T15:59:59.999Z' },
    });
    // The re-armed timer, not the old one, escalates.
    expect(driver.fireNextTimer()).toBe(true);
    expect(driver.now).toBe('2026-10-15T15:59:59.999Z');
    expect(review(driver)).toMatchObject({ escalatedTo: ['justice-bureau'] });
  });

  it('an extension never moves the due time earlier, and names the field', () => {
    const driver = inReview();
    const before = driver.commands.length;
    expect(repair(driver, ops, { kind: 'extend', until: '2026-10-12T15:59:59.999Z' })).toMatchObject({ ok: false, code: 'invalid', field: 'until' });
    expect(repair(driver, ops, { kind: 'extend', until: '2026-10-01T00:00:00.000Z' })).toMatchObject({ ok: false, code: 'invalid', field: 'until' });
    expect(repair(driver, ops, { kind: 'extend', workingDays: 0 })).toMatchObject({ ok: false, code: 'invalid', field: 'workingDays' });
    expect(repair(driver, ops, { kind: 'extend' })).toMatchObject({ ok: false, code: 'invalid', field: 'until' });
    expect(driver.commands.length).toBe(before);
    expect(repair(driver, ops, { kind: 'extend', until: '2026-10-20T08:00:00.000Z' })).toMatchObject({ ok: true });
    expect(review(driver)).toMatchObject({ dueAt: '2026-10-20T08:00:00.000Z' });
  });

  it('a reassignment hands the task to another declared role, never to a vendor or an undeclared role', () => {
    const driver = inReview();
    expect(repair(driver, ops, { kind: 'reassign', role: 'vendor' })).toMatchObject({ ok: false, code: 'invalid', field: 'role' });
    expect(repair(driver, ops, { kind: 'reassign', role: 'tax-bureau' })).toMatchObject({ ok: false, code: 'invalid', field: 'role' });
    expect(repair(driver, ops, { kind: 'reassign', role: 'finance-bureau' })).toMatchObject({ ok: false, code: 'invalid', field: 'role' });
    expect(repair(driver, ops, { kind: 'reassign', role: 'judicial-office' })).toMatchObject({ ok: true });
    expect(review(driver)).toMatchObject({ role: 'judicial-office' });
    // The finance bureau no longer holds it; the judicial office decides.
    expect(driver.attempt({ type: 'taskDecided', at: driver.now, taskId: 'reviewBudget#1', outcome: 'approve', actor: actorFor('finance-bureau', 'test-county'), fields: {} })).toMatchObject({ ok: false, code: 'forbidden' });
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'reviewBudget#1', outcome: 'approve', actor: actorFor('judicial-office', 'test-county'), fields: {} });
  });

  it('an escalation goes to the definition’s target once, and cancels the SLA timer', () => {
    const driver = inReview();
    expect(repair(driver, ops, { kind: 'escalate' })).toMatchObject({ ok: true });
    expect(review(driver)).toMatchObject({ escalatedTo: ['justice-bureau'] });
    expect(driver.commands).toContainEqual(expect.objectContaining({ type: 'cancelTimer', timerId: 'sla:reviewBudget#1' }));
    expect(repair(driver, ops, { kind: 'escalate' })).toMatchObject({ ok: false, code: 'conflict' });
  });

  it('does not extend a deadline a challenge’s hold has stopped: the hold restarts it with the time it had left', () => {
    const driver = inReview();
    // As challenges.ts leaves it when a challenge holds performance: the clock stopped, its remainder kept.
    driver.state = { ...driver.state, performanceHold: { challengeIds: ['challenge-1'], since: driver.now, remainingMs: { 'reviewBudget#1': 86_400_000 }, timersMs: {} } };
    expect(repair(driver, ops, { kind: 'extend', workingDays: 1 })).toMatchObject({ ok: false, code: 'conflict', message: expect.stringContaining('challenge-1') });
    expect(repair(driver, ops, { kind: 'reassign', role: 'judicial-office' })).toMatchObject({ ok: true });
  });

  it('only ops staff of the jurisdiction (or national) repair, with a reason, and only open tasks', () => {
    const driver = inReview();
    expect(repair(driver, actorFor('administrator', 'test-county'), { kind: 'escalate' })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(repair(driver, { ...ops, jurisdiction: 'other-county' }, { kind: 'escalate' })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(repair(driver, ops, { kind: 'escalate' }, '   ')).toMatchObject({ ok: false, code: 'invalid', field: 'reason' });
    expect(driver.attempt({ type: 'taskRepaired', at: driver.now, actor: ops, taskId: 'nope#1', repair: { kind: 'escalate' }, reason: 'x' })).toMatchObject({ ok: false, field: 'taskId' });
    expect(repair(driver, nationalOps, { kind: 'escalate' })).toMatchObject({ ok: true });
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'reviewBudget#1', outcome: 'approve', actor: actorFor('finance-bureau', 'test-county'), fields: {} });
    expect(repair(driver, ops, { kind: 'extend', workingDays: 1 })).toMatchObject({ ok: false, code: 'conflict' });
  });
});
