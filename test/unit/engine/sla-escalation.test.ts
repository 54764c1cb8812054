import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { CalendarDefinition } from '../../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import type { EngineContext } from '../../../workflows/engine/types.js';
import { actorFor, ProcedureDriver } from '../../support/procedure-driver.js';

function load<T>(file: string): T {
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as T;
}

const minimal = load<ProcedureDefinition>('test/unit/definitions/fixtures/minimal-procedure.yaml');
const context: EngineContext = { definition: minimal, calendars: [load<CalendarDefinition>('definitions/calendars/cn-2026.yaml')], jurisdiction: 'test-county' };

/**
 * The minimal procedure's budget review is due within 5 working days and then escalates to the justice
 * bureau. Opened on Tuesday 29 September 2026 (China time), the due day is counted by hand from the State
 * Council's 2026 arrangement (definitions/calendars/cn-2026.yaml):
 *   Wed 30 Sep = 1; Thu 1 – Wed 7 Oct National Day holiday; Thu 8 Oct = 2; Fri 9 Oct = 3;
 *   Sat 10 Oct is a make-up working day = 4; Sun 11 Oct rest; Mon 12 Oct = 5.
 * So it is due at the end of Monday 12 October in China (UTC+8): 2026-10-12T15:59:59.999Z. Counting
 * plain weekdays would say Tue 6 October; counting calendar days, Sun 4 October.
 */
describe('an SLA in working days across a holiday', () => {
  const drafted = () => {
    // 10:00 on Tuesday 29 September 2026 in China.
    const driver = new ProcedureDriver(context, '2026-09-29T02:00:00.000Z').start({ scope: 'cycle', inputs: { supervisedPersons: 20 } });
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'draftBudget#1', outcome: 'submit', actor: actorFor('justice-bureau', 'test-county'), fields: { justification: '按在册人数编制' } });
    return driver;
  };

  it('falls due at the end of the fifth working day, make-up Saturday included, holidays skipped', () => {
    const driver = drafted();
    const review = driver.openTasks().find((task) => task.nodeId === 'reviewBudget');
    expect(review).toMatchObject({ dueAt: '2026-10-12T15:59:59.999Z', escalateTo: 'justice-bureau', escalatedTo: [] });
    expect(driver.commands.filter((c) => c.type === 'startTimer' && c.purpose === 'sla').map((c) => c.type === 'startTimer' && c.until)).toEqual(['2026-10-12T15:59:59.999Z']);
    expect(driver.commands.filter((c) => c.type === 'incident')).toEqual([]);
  });

  it('escalates when the deadline passes, and then a justice-bureau officer other than the drafter may decide', () => {
    const driver = drafted();
    // Before the deadline only the finance bureau may decide.
    expect(driver.attempt({ type: 'taskDecided', at: driver.now, taskId: 'reviewBudget#1', outcome: 'approve', actor: actorFor('justice-bureau', 'test-county', true), fields: {} })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(driver.fireNextTimer()).toBe(true);
    expect(driver.now).toBe('2026-10-12T15:59:59.999Z');
    expect(driver.openTasks().find((task) => task.nodeId === 'reviewBudget')).toMatchObject({ escalatedTo: ['justice-bureau'] });
    // The miss stands in the audit trail like a missed deadline after an event, with no event named:
    // an SLA counts from the task's opening.
    const overdue = driver.commands.filter((command) => command.type === 'taskOverdue');
    expect(overdue).toEqual([
      expect.objectContaining({ at: '2026-10-12T15:59:59.999Z', dueAt: '2026-10-12T15:59:59.999Z', task: expect.objectContaining({ id: 'reviewBudget#1', escalatedTo: ['justice-bureau'] }) }),
    ]);
    expect(overdue[0]).not.toHaveProperty('dueAfter');
    // The drafter is still held to four eyes; another officer of the escalation role decides.
    expect(driver.attempt({ type: 'taskDecided', at: driver.now, taskId: 'reviewBudget#1', outcome: 'approve', actor: actorFor('justice-bureau', 'test-county'), fields: {} })).toMatchObject({
      ok: false,
      code: 'forbidden',
      message: expect.stringContaining('four-eyes'),
    });
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'reviewBudget#1', outcome: 'approve', actor: actorFor('justice-bureau', 'test-county', true), fields: {} });
    expect(driver.state.values.budget).toEqual({ total: 2_000_000, workingFunds: 1_000_000, activityFunds: 1_000_000 });
  });

  it('a review decided within its SLA leaves no overdue record, and its timer is cancelled', () => {
    const driver = drafted();
    // The last millisecond of Monday 12 October in China is still in time.
    driver.now = '2026-10-12T15:59:59.998Z';
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'reviewBudget#1', outcome: 'approve', actor: actorFor('finance-bureau', 'test-county'), fields: {} });
    expect(driver.commands).toContainEqual(expect.objectContaining({ type: 'cancelTimer', timerId: 'sla:reviewBudget#1' }));
    expect(driver.commands.filter((command) => command.type === 'taskOverdue')).toEqual([]);
  });
});
