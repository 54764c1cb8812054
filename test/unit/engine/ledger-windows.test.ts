import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import type { EngineContext, EngineEvent, FormValues, Outcome, TaskInstance } from '../../../workflows/engine/types.js';
import { CN_2026, compiledProcedure, edited, MINIMAL_PROCEDURE } from '../../support/minimal-procedure.js';
import { actorFor, ProcedureDriver } from '../../support/procedure-driver.js';

/**
 * Issue 9 point 1, "a performance period opens when it starts and can be reported only inside the window
 * the definition gives": each period's ledger opens at its own start and is taken in its own window,
 * whether or not the periods before it are confirmed. Driven through the interpreter on the 2026 calendar.
 */

const JURISDICTION = 'test-county';

/*
 * Three monthly periods from 1 April 2026 at 09:00 China time (UTC+8; a China day's end is 15:59:59.999Z
 * that day, its start 16:00Z the day before). Period 2 starts as 1 May begins, period 3 as 1 June begins;
 * the term ends as 1 July begins. Ledgers are due by the end of the 25th and taken from the 20th.
 */
const CONTRACT_STARTS = '2026-04-01T01:00:00.000Z';
const PERIOD_2_STARTS = '2026-04-30T16:00:00.000Z';
const PERIOD_3_STARTS = '2026-05-31T16:00:00.000Z';
const TERM_ENDS = '2026-06-30T16:00:00.000Z';
/** Period 1 is due by the end of 25 April; handed in on 27 April at 10:00, the 26th and 27th are late: 2 days. */
const DUE_1 = '2026-04-25T15:59:59.999Z';
const LATE_1 = '2026-04-27T02:00:00.000Z';
const DAYS_LATE_1 = 2;
/** The office returns it on 28 April at 10:00; the vendor corrects it only on 3 June at 10:00, confirmed an hour later. */
const RETURNED_1 = '2026-04-28T02:00:00.000Z';
const CORRECTED_1 = '2026-06-03T02:00:00.000Z';
const CONFIRMED_1 = '2026-06-03T03:00:00.000Z';
/** Period 2: 12 May is before its window (from 20 May 00:00 China time); handed in on 20 May at 10:00, confirmed on the 21st. */
const EARLY_2 = '2026-05-12T02:00:00.000Z';
const SUBMITTED_2 = '2026-05-20T02:00:00.000Z';
const CONFIRMED_2 = '2026-05-21T02:00:00.000Z';
/** Period 3: handed in on 22 June at 10:00, confirmed the same day at 11:00. */
const SUBMITTED_3 = '2026-06-22T02:00:00.000Z';
const CONFIRMED_3 = '2026-06-22T03:00:00.000Z';
/** Activity spend of each month, in fen. */
const SPEND = { 1: 100_000, 2: 200_000, 3: 400_000 } as const;

const KPIS = '      kpis:\n';
const EVALUATION = '      evaluation:\n        indicators:\n';

/** Three months, a window from the 20th, lateness escalating to the justice bureau, a KPI of the days late, and reviews every two months. */
function definition(): ProcedureDefinition {
  const text = edited(MINIMAL_PROCEDURE, [
    ['        periods: "12"\n        dueDay: 25\n', '        periods: "3"\n        dueDay: 25\n        window: { opensDay: 20 }\n        late: { escalateTo: justice-bureau }\n'],
    [KPIS, `${KPIS}        - { id: lateDays, title: { zh: 迟交天数, en: Days late }, type: int, expr: ledger.daysLate }\n`],
    [
      EVALUATION,
      `      reviews:
        - id: bimonthly
          title: { zh: 双月评价, en: Two-month review }
          every: 2
          kpis:
            - { id: spend, title: { zh: 双月支出, en: Spend }, type: money, expr: ledger.totals.activitySpendFen }
${EVALUATION}`,
    ],
  ]);
  return compiledProcedure(text, 'minimal-procedure.yaml');
}

function contextOf(procedure: ProcedureDefinition, extra: Partial<EngineContext> = {}): EngineContext {
  return { definition: procedure, calendars: [CN_2026], jurisdiction: JURISDICTION, ...extra };
}

/** The first contract of a happy cycle (50 supervised persons), started at CONTRACT_STARTS. */
function contract(extra: Partial<EngineContext> = {}): ProcedureDriver {
  const procedure = definition();
  const cycle = new ProcedureDriver(contextOf(procedure)).start({ scope: 'cycle', inputs: { supervisedPersons: 50 } }).runToEnd({ bidders: 2 });
  const start = cycle.commands.find((c) => c.type === 'startContracts');
  if (start?.type !== 'startContracts' || !start.winners[0]) throw new Error('no contract started');
  const driver = new ProcedureDriver(contextOf(procedure, extra), CONTRACT_STARTS).start({ scope: 'contract', cycleValues: cycle.state.values, winner: start.winners[0] });
  driver.advanceTo('periods');
  return driver;
}

function decideAt(driver: ProcedureDriver, at: string, task: TaskInstance, outcome: Outcome, lines?: FormValues) {
  driver.now = at;
  const event: EngineEvent = {
    type: 'taskDecided',
    at,
    taskId: task.id,
    outcome,
    actor: actorFor(task.role, JURISDICTION, true),
    fields: {},
    ...(outcome === 'return' ? { comment: '支出凭证不全 receipts missing' } : {}),
    ...(lines ? { payload: { kind: 'ledger', lines } } : {}),
  };
  return driver.attempt(event);
}

function open(driver: ProcedureDriver, kind: TaskInstance['kind'], period: number): TaskInstance {
  const task = driver.openTasks().find((t) => t.kind === kind && t.period === period);
  if (!task) throw new Error(`no open ${kind} of period ${period}: ${driver.openTasks().map((t) => t.id).join(', ')}`);
  return task;
}

/** Fires pending timers in order of time until `timerId` has fired. */
function fireThrough(driver: ProcedureDriver, timerId: string): void {
  while (driver.pendingTimers().includes(timerId)) if (!driver.fireNextTimer()) break;
}

function openLedgers(driver: ProcedureDriver): string[] {
  return driver
    .openTasks()
    .filter((t) => t.kind === 'ledgerSubmission' || t.kind === 'ledgerConfirmation')
    .map((t) => `${t.kind} ${t.period}`)
    .sort();
}

describe('ledger periods open at their own time', () => {
  it('period 2 opens at its start while period 1 is returned and unfixed, is taken in its window and confirmed; period 1 confirmed later counts its 2 days late; the flow waits for both and the term', () => {
    const driver = contract();
    expect(openLedgers(driver)).toEqual(['ledgerSubmission 1']);
    expect(open(driver, 'ledgerSubmission', 1).dueAt).toBe(DUE_1);

    // Period 1 handed in 2 days late and returned by the office: its submission opens again.
    fireThrough(driver, `sla:${open(driver, 'ledgerSubmission', 1).id}`);
    expect(decideAt(driver, LATE_1, open(driver, 'ledgerSubmission', 1), 'submit', { activitySpendFen: SPEND[1] }).ok).toBe(true);
    expect(decideAt(driver, RETURNED_1, open(driver, 'ledgerConfirmation', 1), 'return').ok).toBe(true);

    // 1 May begins: period 2 opens although period 1 is not confirmed; both are open, each with its own id.
    fireThrough(driver, 'ledger:2');
    expect(driver.now).toBe(PERIOD_2_STARTS);
    expect(openLedgers(driver)).toEqual(['ledgerSubmission 1', 'ledgerSubmission 2']);
    const [first, second] = [open(driver, 'ledgerSubmission', 1), open(driver, 'ledgerSubmission', 2)];
    expect([first.id, second.id]).toEqual(['periods#1.p1.submit.2', 'periods#1.p2.submit.1']);

    // Before its window period 2 is refused naming it; in its window it is taken and confirmed.
    const early = decideAt(driver, EARLY_2, second, 'submit', { activitySpendFen: SPEND[2] });
    expect(early.ok ? 'accepted' : [early.field, early.message]).toEqual(['window', expect.stringContaining('from 2026-05-20 00:00:00 China time until 2026-05-25 23:59:59 China time') as unknown]);
    expect(decideAt(driver, SUBMITTED_2, second, 'submit', { activitySpendFen: SPEND[2] }).ok).toBe(true);
    expect(decideAt(driver, CONFIRMED_2, open(driver, 'ledgerConfirmation', 2), 'approve').ok).toBe(true);
    // Only the confirmed period adds up: 200 000 fen, on time; the two-month review waits for period 1.
    expect(driver.state.values.ledger).toEqual({ periods: 1, totals: { activitySpendFen: 200_000 }, latePeriods: 0, daysLate: 0 });
    expect(driver.state.reviews ?? []).toEqual([]);
    expect(driver.state.values.periods?.ledger.map((p) => p.period)).toEqual([2]);

    // 1 June begins: period 3 opens too, period 1 still waiting for its correction.
    fireThrough(driver, 'ledger:3');
    expect(driver.now).toBe(PERIOD_3_STARTS);
    expect(openLedgers(driver)).toEqual(['ledgerSubmission 1', 'ledgerSubmission 3']);

    // Period 1 corrected and confirmed on 3 June: late by the 2 days of its first submission, not for the correction.
    expect(decideAt(driver, CORRECTED_1, open(driver, 'ledgerSubmission', 1), 'submit', { activitySpendFen: SPEND[1] }).ok).toBe(true);
    expect(decideAt(driver, CONFIRMED_1, open(driver, 'ledgerConfirmation', 1), 'approve').ok).toBe(true);
    // 100 000 + 200 000 = 300 000 fen; one late period, 2 days.
    expect(driver.state.values.ledger).toEqual({ periods: 2, totals: { activitySpendFen: 300_000 }, latePeriods: 1, daysLate: DAYS_LATE_1 });
    expect(driver.state.ledgerCalendar?.closedThrough).toBe(2);
    expect(driver.state.values.periods?.ledger.map((p) => p.period)).toEqual([1, 2]);
    // The first two-month review closes now that both its months are confirmed: 300 000 fen.
    expect(driver.state.reviews?.map((r) => [r.period, r.fromPeriod, r.toPeriod, r.kpis['spend']])).toEqual([[1, 1, 2, 300_000]]);
    expect(driver.openTasks().map((t) => t.kind)).toEqual(['ledgerSubmission']);

    // Period 3 in its window; every ledger is in, but the flow waits for the term to end.
    expect(decideAt(driver, SUBMITTED_3, open(driver, 'ledgerSubmission', 3), 'submit', { activitySpendFen: SPEND[3] }).ok).toBe(true);
    expect(decideAt(driver, CONFIRMED_3, open(driver, 'ledgerConfirmation', 3), 'approve').ok).toBe(true);
    // 300 000 + 400 000 = 700 000 fen; the last review is month 3 alone, 400 000.
    expect(driver.state.values.ledger).toEqual({ periods: 3, totals: { activitySpendFen: 700_000 }, latePeriods: 1, daysLate: DAYS_LATE_1 });
    expect(driver.state.reviews?.map((r) => [r.period, r.fromPeriod, r.toPeriod, r.kpis['spend']])).toEqual([
      [1, 1, 2, 300_000],
      [2, 3, 3, 400_000],
    ]);
    expect(driver.openTasks()).toEqual([]);
    expect(driver.pendingTimers()).toEqual(['ledgerTerm:periods']);
    expect(driver.state.values.kpis?.['lateDays']).toBeUndefined();

    // The term ends as 1 July begins: the KPIs are computed and the evaluation opens.
    driver.fireNextTimer();
    expect([driver.now, driver.openTasks().map((t) => t.kind)]).toEqual([TERM_ENDS, ['evaluation']]);
    expect(driver.state.values.kpis?.['lateDays']).toBe(DAYS_LATE_1);
  });

  it('a review period whose months are all confirmed waits for an earlier one still missing a month, and closes right after it', () => {
    const driver = contract();
    // Period 1 is left open; periods 2 and 3 are handed in and confirmed in their windows.
    fireThrough(driver, 'ledger:2');
    expect(decideAt(driver, SUBMITTED_2, open(driver, 'ledgerSubmission', 2), 'submit', { activitySpendFen: SPEND[2] }).ok).toBe(true);
    expect(decideAt(driver, CONFIRMED_2, open(driver, 'ledgerConfirmation', 2), 'approve').ok).toBe(true);
    fireThrough(driver, 'ledger:3');
    expect(decideAt(driver, SUBMITTED_3, open(driver, 'ledgerSubmission', 3), 'submit', { activitySpendFen: SPEND[3] }).ok).toBe(true);
    expect(decideAt(driver, CONFIRMED_3, open(driver, 'ledgerConfirmation', 3), 'approve').ok).toBe(true);
    // Review period 2 (month 3) has all its months, but review period 1 (months 1 and 2) has not closed.
    expect(driver.state.reviews ?? []).toEqual([]);
    expect(driver.state.ledgerCalendar?.closedThrough).toBe(0);
    expect(driver.pendingTimers()).not.toContain('ledgerTerm:periods');
    // Period 1 handed in on 3 June (the 26 April to 3 June are late: 39 days) and confirmed: both review periods close, in order.
    expect(decideAt(driver, CORRECTED_1, open(driver, 'ledgerSubmission', 1), 'submit', { activitySpendFen: SPEND[1] }).ok).toBe(true);
    expect(decideAt(driver, CONFIRMED_1, open(driver, 'ledgerConfirmation', 1), 'approve').ok).toBe(true);
    expect(driver.commands.flatMap((c) => (c.type === 'periodReviewed' ? [[c.review.period, c.review.kpis['spend']]] : []))).toEqual([
      [1, 300_000],
      [2, 400_000],
    ]);
    // 26–30 April (5) + 31 days of May + 1–3 June (3) = 39 days.
    expect(driver.state.values.ledger).toMatchObject({ periods: 3, latePeriods: 1, daysLate: 39 });
    expect(driver.pendingTimers()).toEqual(['ledgerTerm:periods']);
  });

  it('a contract recorded before (ledgerPeriodsInTurn) opens period 2 only once period 1 is confirmed', () => {
    const driver = contract({ ledgerPeriodsInTurn: true });
    expect(decideAt(driver, LATE_1, open(driver, 'ledgerSubmission', 1), 'submit', { activitySpendFen: SPEND[1] }).ok).toBe(true);
    expect(decideAt(driver, RETURNED_1, open(driver, 'ledgerConfirmation', 1), 'return').ok).toBe(true);
    // Nothing waits for 1 May: period 2 follows period 1's confirmation.
    expect(driver.pendingTimers()).not.toContain('ledger:2');
    driver.now = PERIOD_2_STARTS;
    expect(openLedgers(driver)).toEqual(['ledgerSubmission 1']);
    expect(decideAt(driver, CORRECTED_1, open(driver, 'ledgerSubmission', 1), 'submit', { activitySpendFen: SPEND[1] }).ok).toBe(true);
    expect(decideAt(driver, CONFIRMED_1, open(driver, 'ledgerConfirmation', 1), 'approve').ok).toBe(true);
    expect(openLedgers(driver)).toEqual(['ledgerSubmission 2']);
  });
  it('a contract carried over from periods in turn (a renewed history) opens the periods it missed at the next confirmation, and waits for the next start', () => {
    const inTurn = contract({ ledgerPeriodsInTurn: true });
    expect(decideAt(inTurn, LATE_1, open(inTurn, 'ledgerSubmission', 1), 'submit', { activitySpendFen: SPEND[1] }).ok).toBe(true);
    // Its history renewed with today's code: the state runs on with periods opening on their own.
    const driver = new ProcedureDriver({ ...inTurn.context, ledgerPeriodsInTurn: undefined }, PERIOD_2_STARTS);
    driver.state = inTurn.state;
    expect(decideAt(driver, CONFIRMED_2, open(driver, 'ledgerConfirmation', 1), 'approve').ok).toBe(true);
    // 21 May: period 2 has started and opens at once; period 3 waits for 1 June.
    expect(openLedgers(driver)).toEqual(['ledgerSubmission 2']);
    expect(driver.commands.flatMap((c) => (c.type === 'startTimer' && c.timerId.startsWith('ledger:') ? [[c.timerId, c.until]] : []))).toEqual([['ledger:3', PERIOD_3_STARTS]]);
  });
});
