import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { eventually } from '../support/eventually.js';
import { formFor } from '../support/procedure-driver.js';
import { type CycleDetail, CycleDrive, incidentsOf, ProcedureScenario, ScenarioStack, type TaskView } from './http-driver.js';

const PROCEDURE = 'deqing-community-correction';
const JURISDICTION = 'zj-deqing';

/** A ledger line the vendor does not type: it is compiled from the contract's cases served, when the ledger is handed in. */
const CASES_LINE = '          - { id: casesClosed, title: { zh: 本月结案数, en: Cases closed this month }, type: int, min: 0, source: { cases: served } }\n';

/**
 * Deqing's template with a narrower window and a lateness rule, so both show within a three-month
 * contract: its ledgers can be handed in from the 20th to the 25th, one not in by the end of the 25th
 * escalates to the justice bureau, and a KPI reads the days late, measured per month as a service level
 * of the contract (target: none). One line is filled from case evidence.
 */
function periodsProcedure(): string {
  const template = readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', `${PROCEDURE}.yaml`), 'utf8');
  const edits: Array<[string, string]> = [
    ['        window: { opensDay: 1 }\n', '        window: { opensDay: 20 }\n'],
    ['        late: { escalateTo: judicial-office }\n', '        late: { escalateTo: justice-bureau }\n'],
    ['        lines:\n          - id: personsServed\n', `        lines:\n${CASES_LINE}          - id: personsServed\n`],
    ['      kpis:\n', '      kpis:\n        - { id: ledgerDaysLate, title: { zh: 台账迟交天数, en: Days the ledgers were late }, type: int, expr: ledger.daysLate }\n'],
    ['      serviceLevels:\n', '      serviceLevels:\n        - { id: ledgerOnTime, title: { zh: 台账按时报送, en: Ledgers on time }, measuredBy: ledgerDaysLate, target: { max: 0 } }\n'],
  ];
  return edits.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`the template no longer has ${JSON.stringify(from)}`);
    return text.replace(from, to);
  }, template);
}

/*
 * Every instant below is counted by hand on the 2054 calendar, in China time (UTC+8): a day's end is
 * 15:59:59.999Z of that day, its start 16:00Z of the day before.
 *
 * The contract is filed on Wednesday 10 June 2054 at 09:00 China time: its three monthly periods start
 * then, at the start of 10 July and at the start of 10 August; its term ends when the third ends, as
 * 10 September begins (10 June + 3 months).
 */
const FILED_AT = '2054-06-10T01:00:00.000Z';
/** Period 1's ledger: due by the end of 25 June; its window opens as 20 June begins. */
const DUE_1 = '2054-06-25T15:59:59.999Z';
const OPENS_1 = '2054-06-19T16:00:00.000Z';
const WINDOW_1 = 'from 2054-06-20 00:00:00 China time until 2054-06-25 23:59:59 China time';
/** Period 2 starts as 10 July begins; its ledger is due by the end of 25 July. */
const PERIOD_2 = '2054-07-09T16:00:00.000Z';
const DUE_2 = '2054-07-25T15:59:59.999Z';
/** It comes in on Tuesday 28 July at 09:00: 26, 27 and 28 July are past the 25th, 3 days late. */
const LATE_2 = '2054-07-28T01:00:00.000Z';
const DAYS_LATE_2 = 3;
/** Period 3 starts as 10 August begins, its window opens as 20 August begins. */
const PERIOD_3 = '2054-08-09T16:00:00.000Z';
const OPENS_3 = '2054-08-19T16:00:00.000Z';
const TERM_ENDS = '2054-09-09T16:00:00.000Z';
/*
 * Money: 100 persons × 360 000 fen × 3 / 12 = 9 000 000 fen of budget, 40 % working funds
 * (3 600 000) and 60 % activity funds (5 400 000). The contract of 3 000 000 fen gets a third of each:
 * 3 600 000 × 3 000 000 / 9 000 000 = 1 200 000 working funds, 5 400 000 × 3 000 000 / 9 000 000 =
 * 1 800 000 activity funds. The evaluator scores 90 on every indicator it scores, and completion is
 * computed from the compliance KPIs, each 100 with no shortfall: (100 + 100 + 100) / 3 = 100; so the
 * evaluation is (10×90 + 30×100 + 15×90 + 15×90 + 20×90 + 10×90) / 100 = 9300 / 100 = 93. The vendor reports
 * 1 000 000 fen spent a month (3 000 000 in all): min(1 800 000 × 93 / 100, 3 000 000) = 1 674 000.
 */
const CONTRACT_FEN = 3_000_000;
const WORKING_FUNDS_FEN = 1_200_000;
const ACTIVITY_FUNDS_FEN = 1_674_000;
const SPENT_A_MONTH_FEN = 1_000_000;

/*
 * The second contract runs a year later (the server's clock only moves forward), filed on Thursday
 * 10 June 2055 at 09:00 China time. Its periods start then, as 10 July and as 10 August 2055 begin; its
 * term ends as 10 September 2055 begins.
 */
const FILED_AT_B = '2055-06-10T01:00:00.000Z';
/** Period 1 is due by the end of 25 June; handed in on Sunday 27 June at 09:00, 26 and 27 June are late: 2 days. */
const DUE_1_B = '2055-06-25T15:59:59.999Z';
const LATE_1_B = '2055-06-27T01:00:00.000Z';
const DAYS_LATE_1_B = 2;
/** Period 2 opens as 10 July begins; its window opens as 20 July begins, and it comes in that day at 09:00. */
const PERIOD_2_B = '2055-07-09T16:00:00.000Z';
const DUE_2_B = '2055-07-25T15:59:59.999Z';
const SUBMITTED_2_B = '2055-07-20T01:00:00.000Z';
/** Period 1, returned on 27 June, is corrected only on 3 August at 09:00. */
const CORRECTED_1_B = '2055-08-03T01:00:00.000Z';
/** Period 3 opens as 10 August begins, its window as 20 August begins. */
const PERIOD_3_B = '2055-08-09T16:00:00.000Z';
const OPENS_3_B = '2055-08-19T16:00:00.000Z';
const TERM_ENDS_B = '2055-09-09T16:00:00.000Z';

type LedgerTask = TaskView & { period?: number; awaitingCaseEvidence?: string[]; caseEvidenceThrough?: string | null };
type Detail = CycleDetail & { contracts: Array<CycleDetail['contracts'][number] & { serviceLevels: Array<{ serviceLevelId: string; period: number; value: unknown; met: boolean }> }> };
type TaskRecord = TaskView & { overdue: boolean; overdueAt: string | null; overdueDueAt: string | null };

/**
 * A three-month Deqing contract (periodsProcedure) launched and driven through the API up to its filing,
 * with the helpers the tests hand in and read its ledgers by. `leave` says which tasks the test decides
 * itself (the ledger submissions, and with `confirmations` the confirmations too).
 */
async function threeMonthContract(stack: ScenarioStack, scenario: ProcedureScenario, names: readonly string[], { confirmations = false } = {}) {
  const { definition } = scenario;
  const performance = definition.steps.find((step) => step.kind === 'performanceManagement');
  const selection = definition.steps.find((step) => step.kind === 'vendorSelection');
  if (performance?.kind !== 'performanceManagement' || selection?.kind !== 'vendorSelection') throw new Error(`${PROCEDURE} has no performance or selection step`);
  const vendorIds = await scenario.verifiedVendors(names, 'civil-affairs');
  const winner = vendorIds[0]!;
  const { cycleId, planner } = await scenario.launch({ ...formFor(definition.inputs), pricePerPersonYear: 360_000, workingFundsPercent: 40, contractMonths: 3 });
  const admin = await scenario.as('administrator');
  const drive = new CycleDrive<Detail, LedgerTask>(scenario, cycleId, planner, {
    bidders: vendorIds,
    winner,
    // The award to the winner at 3 000 000 fen; the test hands in the vendor's ledgers.
    priceFen: CONTRACT_FEN,
    scoreOf: (b) => (b.vendorId === winner ? 90 : 80),
    forms: { draftBudget: { supervisedPersons: 100 } },
    leave: (t) => t.kind === 'ledgerSubmission' || (confirmations && t.kind === 'ledgerConfirmation'),
    check: (cycle) => expect(incidentsOf(cycle)).toEqual([]),
  });
  const vendorLines = performance.performance.ledger.lines.filter((line) => typeof line.source !== 'object');
  const submitLedger = (task: TaskView, extra: Record<string, number> = {}) =>
    drive.decide(task, { outcome: 'submit', payload: { kind: 'ledger', lines: { ...formFor(vendorLines), activityFundsSpent: SPENT_A_MONTH_FEN, ...extra } } });
  const record = async (task: TaskView) => (await stack.call<TaskRecord>('GET', `/tasks/${encodeURIComponent(task.id)}`, admin)).body;
  const ledgerOf = (period: number, kind = 'ledgerSubmission') => (_cycle: Detail, open: LedgerTask[]) => open.some((t) => t.kind === kind && t.period === period);
  const openLedger = async (period: number, kind = 'ledgerSubmission') =>
    (await drive.until(ledgerOf(period, kind), { skip: false })).open.find((t) => t.kind === kind && t.period === period)!;
  const confirmed = (period: number) => (cycle: Detail) => cycle.tasks.closed.some((t) => t.kind === 'ledgerConfirmation' && t.decision?.outcome === 'approve' && t.title.en.endsWith(`period ${period}`));
  return { drive, winner, submitLedger, record, openLedger, confirmed };
}

/**
 * A Deqing contract's ledger periods on the calendar, through the HTTP API on the time-skipping server
 * pinned to 2054: a ledger handed in before its window is refused 422 naming the window, one not in by
 * the 25th is overdue and escalates and counts its days late in the contract's KPIs, and the three-month
 * contract's inspection, evaluation and final tranche come only after its term has ended.
 */
describe('performance periods on the calendar, through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('scenario_periods');
  let scenario: ProcedureScenario;

  beforeAll(async () => {
    scenario = await ProcedureScenario.deploy(stack, JURISDICTION, PROCEDURE, periodsProcedure());
  });

  it('refuses a ledger before its window, makes one not in by the 25th overdue by its days late, and holds the inspection, evaluation and final tranche until the term ends', async () => {
    const { drive, submitLedger, record, openLedger, confirmed } = await threeMonthContract(stack, scenario, ['德清晨曦社会工作服务中心', '德清彩虹桥社会工作服务中心', '德清同心社会服务社']);

    // ── the contract is filed on 10 June: its periods start ─────────────────────────────────────
    await drive.until((_cycle, open) => open.some((t) => t.nodeId === 'fileContract'), { skip: true });
    await stack.skipTo(FILED_AT);
    const ledger1 = await openLedger(1);
    expect(ledger1.dueAt).toBe(DUE_1);

    // ── period 1: handed in on 10 June, before its window, it is refused naming the window ────────
    const early = await submitLedger(ledger1);
    expect(early.status).toBe(422);
    expect(String(early.body['message'])).toContain(WINDOW_1);
    expect(JSON.stringify(early.body['details'])).toContain('"window"');
    await stack.skipTo(OPENS_1);
    // In its window, but typing the line that case evidence fills: refused naming it. (It is compiled when
    // the ledger is handed in: nothing on the task says to wait for it.)
    expect(ledger1.awaitingCaseEvidence).toEqual([]);
    const typed = await submitLedger(ledger1, { casesClosed: 4 });
    expect(typed.status).toBe(422);
    expect(JSON.stringify(typed.body['details'])).toContain('"ledger.casesClosed"');
    expect((await submitLedger(ledger1)).status).toBe(200);
    // The contract has no cases: the line holds 0, counted as of the submission.
    const submitted = (await drive.detail()).tasks.closed.find((t) => t.id === ledger1.id) as (LedgerTask & { decision: { fields: Record<string, unknown> | null; decidedAt: string } }) | undefined;
    expect(submitted?.decision.fields?.['casesClosed']).toBe(0);
    expect(submitted?.caseEvidenceThrough).toBe(submitted?.decision.decidedAt);
    await drive.until(confirmed(1), { skip: false });

    // ── period 2: not in by the end of 25 July, overdue and escalated; taken late on the 28th ──────
    await stack.skipTo(PERIOD_2);
    const ledger2 = await openLedger(2);
    expect(ledger2.dueAt).toBe(DUE_2);
    await stack.skipTo(new Date(Date.parse(DUE_2) - 60_000).toISOString());
    expect((await record(ledger2)).overdue).toBe(false);
    await stack.skipTo(LATE_2);
    const overdue = await eventually(() => record(ledger2), (task) => task.overdue);
    expect([overdue.overdueDueAt, overdue.escalatedTo]).toEqual([DUE_2, ['justice-bureau']]);
    const audited = (await drive.detail()).audit.filter((entry) => entry.action === 'task.overdue' && entry.subjectId === ledger2.id);
    // One miss, recorded when the due day ended (the timer fires at its instant, or just after it).
    expect(audited.length).toBe(1);
    expect(Date.parse(audited[0]!.occurredAt) >= Date.parse(DUE_2) && Date.parse(audited[0]!.occurredAt) < Date.parse(LATE_2)).toBe(true);
    expect((await submitLedger(ledger2)).status).toBe(200);
    const second = await drive.until(confirmed(2), { skip: false });
    const measuredLate = await eventually(() => drive.detail(), (cycle) => cycle.contracts[0]!.serviceLevels.filter((m) => m.serviceLevelId === 'ledgerOnTime').length === 2);
    expect(measuredLate.contracts[0]!.serviceLevels.filter((m) => m.serviceLevelId === 'ledgerOnTime').map((m) => [m.period, m.value, m.met]).sort()).toEqual([
      [1, 0, true],
      [2, DAYS_LATE_2, false],
    ]);
    expect(second.cycle.status).toBe('awarded');

    // ── period 3 in its window; the last ledger confirmed, the contract waits for its term ────────
    await stack.skipTo(PERIOD_3);
    const ledger3 = await openLedger(3);
    await stack.skipTo(OPENS_3);
    expect((await submitLedger(ledger3)).status).toBe(200);
    await drive.until(confirmed(3), { skip: false });
    const waiting = await eventually(() => drive.detail(), (cycle) => (cycle.live?.contracts[0]?.pendingTimers ?? []).some((t) => t.timerId.startsWith('ledgerTerm:')));
    expect(waiting.live!.contracts[0]!.pendingTimers.filter((t) => t.timerId.startsWith('ledgerTerm:')).map((t) => t.until)).toEqual([TERM_ENDS]);
    expect(waiting.tasks.open.filter((t) => t.nodeId === 'inspection' || t.kind === 'evaluation')).toEqual([]);
    expect(waiting.payments.filter((p) => p.trancheId === 'activityFunds')).toEqual([]);

    // ── after the term: the inspection, the evaluation and the final tranche ───────────────────────
    const ended = await drive.until((cycle) => ['completed', 'terminated', 'cancelled', 'failed'].includes(cycle.status), { skip: true });
    expect(ended.cycle.status).toBe('completed');
    const closed = ended.cycle.tasks.closed;
    const inspection = closed.find((t) => t.nodeId === 'inspection');
    const evaluation = closed.find((t) => t.kind === 'evaluation');
    expect(inspection && Date.parse(inspection.openedAt) >= Date.parse(TERM_ENDS)).toBe(true);
    expect(evaluation && Date.parse(evaluation.openedAt) >= Date.parse(TERM_ENDS)).toBe(true);
    expect(ended.cycle.payments.map((p) => [p.trancheId, p.amountFen]).sort()).toEqual([
      ['activityFunds', ACTIVITY_FUNDS_FEN],
      ['workingFunds', WORKING_FUNDS_FEN],
    ]);
    const paid = ended.cycle.audit.filter((entry) => entry.action === 'payment.instructed');
    const activityPaidAt = paid.find((entry) => (entry.details as { trancheId?: string }).trancheId === 'activityFunds')?.occurredAt;
    const workingPaidAt = paid.find((entry) => (entry.details as { trancheId?: string }).trancheId === 'workingFunds')?.occurredAt;
    expect(activityPaidAt && Date.parse(activityPaidAt) >= Date.parse(TERM_ENDS)).toBe(true);
    // The working funds were paid at filing, before the term: only the tranche after the performance step waits.
    expect(workingPaidAt && Date.parse(workingPaidAt) < Date.parse(OPENS_1)).toBe(true);
  });
  it('opens period 2 at its start while period 1 is returned and unfixed, takes and confirms it, counts period 1 late by the days of its first submission, and moves on only when all are confirmed and the term has ended', async () => {
    const { drive, submitLedger, openLedger, confirmed } = await threeMonthContract(stack, scenario, ['德清启航社会工作服务中心', '德清向阳社会工作服务中心', '德清和睦社会服务社'], {
      confirmations: true,
    });
    const approve = async (period: number) => expect((await drive.decide(await openLedger(period, 'ledgerConfirmation'), { outcome: 'approve' })).status).toBe(200);
    const openLedgers = (open: readonly LedgerTask[]) => open.filter((t) => t.kind === 'ledgerSubmission' || t.kind === 'ledgerConfirmation').map((t) => `${t.kind} ${t.period}`).sort();
    const levels = (cycle: Detail) => cycle.contracts[0]!.serviceLevels.filter((m) => m.serviceLevelId === 'ledgerOnTime').map((m) => [m.period, m.value, m.met]).sort();

    // ── period 1 handed in 2 days late, returned by the judicial office ─────────────────────────────
    await drive.until((_cycle, open) => open.some((t) => t.nodeId === 'fileContract'), { skip: true });
    await stack.skipTo(FILED_AT_B);
    const first = await openLedger(1);
    expect(first.dueAt).toBe(DUE_1_B);
    await stack.skipTo(LATE_1_B);
    expect((await submitLedger(first)).status).toBe(200);
    const returned = await drive.decide(await openLedger(1, 'ledgerConfirmation'), { outcome: 'return', comment: '活动经费支出凭证不全 receipts missing' });
    expect(returned.status).toBe(200);
    const reopened = await openLedger(1);
    expect(reopened.id).not.toBe(first.id);

    // ── 10 July: period 2 opens although period 1 is not confirmed; the vendor's inbox lists both ─────
    await stack.skipTo(PERIOD_2_B);
    const second = await openLedger(2);
    expect(second.dueAt).toBe(DUE_2_B);
    const inbox = await drive.inbox('vendor');
    expect(inbox.filter((t) => t.kind === 'ledgerSubmission').map((t) => [t.period, t.taskInstanceId]).sort()).toEqual([
      [1, 'monthlyLedgers#1.p1.submit.2'],
      [2, 'monthlyLedgers#1.p2.submit.1'],
    ]);

    // ── period 2 in its window, confirmed while period 1 waits for its correction ───────────────────
    await stack.skipTo(SUBMITTED_2_B);
    expect((await submitLedger(second)).status).toBe(200);
    await approve(2);
    const afterTwo = await drive.until(confirmed(2), { skip: false });
    expect(openLedgers(afterTwo.open)).toEqual(['ledgerSubmission 1']);
    expect(afterTwo.cycle.tasks.open.filter((t) => t.nodeId === 'inspection' || t.kind === 'evaluation')).toEqual([]);
    const measuredTwo = await eventually(() => drive.detail(), (cycle) => levels(cycle).length === 1);
    expect(levels(measuredTwo)).toEqual([[2, 0, true]]);

    // ── period 1 corrected on 3 August and confirmed: late by its first submission's 2 days ─────────
    await stack.skipTo(CORRECTED_1_B);
    expect((await submitLedger(reopened)).status).toBe(200);
    await approve(1);
    await drive.until(confirmed(1), { skip: false });
    const measuredOne = await eventually(() => drive.detail(), (cycle) => levels(cycle).length === 2);
    expect(levels(measuredOne)).toEqual([
      [1, DAYS_LATE_1_B, false],
      [2, 0, true],
    ]);

    // ── period 3 in its window; every ledger is confirmed, and the contract waits for its term ──────
    await stack.skipTo(PERIOD_3_B);
    const third = await openLedger(3);
    await stack.skipTo(OPENS_3_B);
    expect((await submitLedger(third)).status).toBe(200);
    await approve(3);
    await drive.until(confirmed(3), { skip: false });
    const waiting = await eventually(() => drive.detail(), (cycle) => (cycle.live?.contracts[0]?.pendingTimers ?? []).some((t) => t.timerId.startsWith('ledgerTerm:')));
    expect(waiting.live!.contracts[0]!.pendingTimers.filter((t) => t.timerId.startsWith('ledgerTerm:')).map((t) => t.until)).toEqual([TERM_ENDS_B]);
    expect(waiting.tasks.open.filter((t) => t.nodeId === 'inspection' || t.kind === 'evaluation')).toEqual([]);

    // ── after the term the flow moves on ──────────────────────────────────────────────────────────────
    const ended = await drive.until((cycle) => ['completed', 'terminated', 'cancelled', 'failed'].includes(cycle.status), { skip: true });
    expect(ended.cycle.status).toBe('completed');
    const inspection = ended.cycle.tasks.closed.find((t) => t.nodeId === 'inspection');
    expect(inspection && Date.parse(inspection.openedAt) >= Date.parse(TERM_ENDS_B)).toBe(true);
  });
});
