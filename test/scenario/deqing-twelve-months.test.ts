import { eventually } from '../support/eventually.js';
import { formFor } from '../support/procedure-driver.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { type CycleDetail, CycleDrive, incidentsOf, ProcedureScenario, ScenarioStack, type TaskView } from './http-driver.js';

const PROCEDURE = 'deqing-community-correction';
const JURISDICTION = 'zj-deqing';

/*
 * Every instant below is counted by hand on the 2054–2055 calendar in China time (UTC+8): the start of a
 * day is 16:00Z of the day before, its end 15:59:59.999Z of that day, 09:00 is 01:00Z.
 *
 * The contract is filed on Wednesday 10 June 2054 at 09:00 China time, and the performance step starts
 * its twelve monthly periods then: period 1 at that instant, period n at the start of 10 <June + n − 1>,
 * i.e. 10 July 2054, 10 August, … 10 December 2054, 10 January 2055, … 10 May 2055 (period 12). The
 * term ends when period 12 does, one month after it started: as 10 June 2055 begins, 10 June 2054 + 12
 * months — 2055-06-09T16:00Z.
 */
const FILED_AT = '2054-06-10T01:00:00.000Z';
/** The filing is decided on 10 June, which ends at 2054-06-10T15:59:59.999Z. */
const FILED_ON_ENDS = '2054-06-10T15:59:59.999Z';
const TERM_ENDS = '2055-06-09T16:00:00.000Z';
/** A minute before the term ends: the last instant the test looks at before it. */
const JUST_BEFORE_TERM_ENDS = '2055-06-09T15:59:00.000Z';

/*
 * Each month's ledger is due by the end of the 25th of its month (dueDay 25); the template's window
 * opens on the 1st, so it can be handed in from the period's start (the 10th) until the 25th. The vendor
 * hands each in on the 20th at 09:00 China time, inside its window. Its activity funds spent grow by
 * 10 000 fen a month from 410 000. The contract has no cases: its counts of service and shortfalls,
 * compiled from case evidence, are 0.
 */
const MONTHS: ReadonlyArray<{ period: number; submitAt: string; dueAt: string; activityFundsSpent: number }> = [
  { period: 1, submitAt: '2054-06-20T01:00:00.000Z', dueAt: '2054-06-25T15:59:59.999Z', activityFundsSpent: 410_000 },
  { period: 2, submitAt: '2054-07-20T01:00:00.000Z', dueAt: '2054-07-25T15:59:59.999Z', activityFundsSpent: 420_000 },
  { period: 3, submitAt: '2054-08-20T01:00:00.000Z', dueAt: '2054-08-25T15:59:59.999Z', activityFundsSpent: 430_000 },
  { period: 4, submitAt: '2054-09-20T01:00:00.000Z', dueAt: '2054-09-25T15:59:59.999Z', activityFundsSpent: 440_000 },
  { period: 5, submitAt: '2054-10-20T01:00:00.000Z', dueAt: '2054-10-25T15:59:59.999Z', activityFundsSpent: 450_000 },
  { period: 6, submitAt: '2054-11-20T01:00:00.000Z', dueAt: '2054-11-25T15:59:59.999Z', activityFundsSpent: 460_000 },
  { period: 7, submitAt: '2054-12-20T01:00:00.000Z', dueAt: '2054-12-25T15:59:59.999Z', activityFundsSpent: 470_000 },
  { period: 8, submitAt: '2055-01-20T01:00:00.000Z', dueAt: '2055-01-25T15:59:59.999Z', activityFundsSpent: 480_000 },
  { period: 9, submitAt: '2055-02-20T01:00:00.000Z', dueAt: '2055-02-25T15:59:59.999Z', activityFundsSpent: 490_000 },
  { period: 10, submitAt: '2055-03-20T01:00:00.000Z', dueAt: '2055-03-25T15:59:59.999Z', activityFundsSpent: 500_000 },
  { period: 11, submitAt: '2055-04-20T01:00:00.000Z', dueAt: '2055-04-25T15:59:59.999Z', activityFundsSpent: 510_000 },
  { period: 12, submitAt: '2055-05-20T01:00:00.000Z', dueAt: '2055-05-25T15:59:59.999Z', activityFundsSpent: 520_000 },
];

/*
 * Money, in fen. Inputs: 360 000 fen per person-year, 40 % working funds, 12 months; 100 persons.
 *   term price per person = 360 000 × 12 / 12 = 360 000; working = 360 000 × 40 / 100 = 144 000;
 *   activity = 360 000 − 144 000 = 216 000.
 *   budget = 100 × 360 000 = 36 000 000: working funds 14 400 000, activity funds 21 600 000.
 * The contract is awarded at 12 000 000, a third of the budget, and gets a third of each fund:
 *   working 14 400 000 × 12 000 000 / 36 000 000 = 4 800 000, activity 21 600 000 × 12 000 000 / 36 000 000 = 7 200 000.
 * The evaluator scores five indicators 80, 80, 80, 90, 100; completion (项目完成程度) is computed from the
 * whole term's compliance KPIs. No case is enrolled on this contract, so the lines compiled from case evidence
 * hold 0: 0 persons served, 0 shortfalls, and each compliance KPI is 100 by its definition's `== 0 ? 100` arm:
 *   completion = (100 + 100 + 100) / 3 = 100.
 * The evaluation (weights 10/30/15/15/20/10):
 *   (10×80 + 30×100 + 15×80 + 15×80 + 20×90 + 10×100) / 100 = (800 + 3000 + 1200 + 1200 + 1800 + 1000) / 100 = 9000 / 100 = 90.
 * Activity funds actually spent over the twelve months: 410 000 + 420 000 + … + 520 000
 *   = 12 × 400 000 + 10 000 × (1 + 2 + … + 12) = 4 800 000 + 780 000 = 5 580 000.
 * The activity-funds tranche: min(7 200 000 × 90 / 100, 5 580 000) = min(6 480 000, 5 580 000) = 5 580 000 —
 * capped by what was spent, which only the twelve months added up give.
 */
const CONTRACT_FEN = 12_000_000;
const WORKING_FUNDS_FEN = 4_800_000;
const EVALUATION_SCORES = { goalSetting: 80, organisationalManagement: 80, benefit: 80, fundUse: 90, financialManagement: 100 };
const COMPLETION = 100;
const EVALUATION_SCORE = 90;
const ACTIVITY_FUNDS_FEN = 5_580_000;

/*
 * Service levels the template measures each month (contract.serviceLevels with measuredBy), on that
 * month's lines alone, with no case served (the compiled counts are 0):
 *   educationHours        educationCompliancePct: personsServed == 0 gives 100, target ≥ 100: met;
 *   communityServiceHours communityServiceCompliancePct, likewise 100: met;
 *   monthlyHomeVisit      homeVisitCompliancePct, likewise 100: met;
 *   keyPersonVisit        keyPersonVisitShortfalls 0, target ≤ 0: met;
 *   weeklyPhoneFollowUp   phoneFollowUpShortfalls 0, target ≤ 0: met.
 * reportViolations, reportMajorEvents and monthlyLedger name no KPI and are not measured: 5 × 12 = 60.
 */
const MEASURED_LEVELS = ['communityServiceHours', 'educationHours', 'keyPersonVisit', 'monthlyHomeVisit', 'weeklyPhoneFollowUp'];

type LedgerTask = TaskView & { period?: number | null; decision?: (TaskView['decision'] & { decidedAt?: string | null }) | null };
type Detail = Omit<CycleDetail, 'tasks' | 'contracts'> & {
  tasks: { open: LedgerTask[]; closed: LedgerTask[] };
  contracts: Array<CycleDetail['contracts'][number] & { serviceLevels: Array<{ serviceLevelId: string; period: number; value: unknown; met: boolean }> }>;
};

/**
 * Issue 9's proof that a twelve-month Deqing contract pays its activity funds only after the term and
 * the evaluation: the shipped template, driven through the HTTP API on the time-skipping server pinned
 * to 2054, with twelve monthly ledgers each handed in inside its window and confirmed.
 */
describe('a twelve-month Deqing contract, through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('scenario_twelve');

  it('confirms twelve monthly ledgers, waits for the term, and pays the activity funds only after the evaluation, scaled and capped by hand', async () => {
    const scenario = await ProcedureScenario.deploy(stack, JURISDICTION, PROCEDURE);
    const { definition } = scenario;
    const vendorIds = await scenario.verifiedVendors(['德清晨曦社会工作服务中心', '德清彩虹桥社会工作服务中心', '德清同心社会服务社'], 'civil-affairs');
    const winner = vendorIds[0]!;
    const { cycleId, planner } = await scenario.launch({ ...formFor(definition.inputs), pricePerPersonYear: 360_000, workingFundsPercent: 40, contractMonths: 12 });

    const drive = new CycleDrive<Detail, LedgerTask>(scenario, cycleId, planner, {
      bidders: vendorIds,
      winner,
      // The award to the winner at 12 000 000 fen; the test hands in the vendor's ledgers and the evaluation.
      priceFen: CONTRACT_FEN,
      scoreOf: (b) => (b.vendorId === winner ? 90 : 80),
      forms: { draftBudget: { supervisedPersons: 100 } },
      leave: (t) => t.kind === 'ledgerSubmission' || t.kind === 'evaluation',
      check: (cycle) => expect(incidentsOf(cycle)).toEqual([]),
    });
    /**
     * The month's ledger as the vendor types it: every line it may type, none left to defaults. The counts
     * of service and shortfalls are compiled from the contract's cases, of which it has none here: all 0
     * (test/scenario/deqing-case-evidence.test.ts has a contract with cases).
     */
    const ledgerLines = (month: (typeof MONTHS)[number]) => ({
      hardshipAids: 3,
      workingFundsSpent: 400_000,
      activityFundsSpent: month.activityFundsSpent,
    });
    const confirmed = (period: number) => (cycle: Detail) => cycle.tasks.closed.some((t) => t.kind === 'ledgerConfirmation' && t.decision?.outcome === 'approve' && t.period === period);

    // ── the contract is filed on 10 June 2054: the working funds are paid, period 1 starts ──────────
    await drive.until((_cycle, open) => open.some((t) => t.nodeId === 'fileContract'), { skip: true });
    await stack.skipTo(FILED_AT);
    const filed = await drive.until((_cycle, open) => open.some((t) => t.kind === 'ledgerSubmission' && t.period === 1), { skip: false });
    const filedAt = filed.cycle.tasks.closed.find((t) => t.nodeId === 'fileContract')?.decision?.decidedAt ?? '';
    expect(filedAt >= FILED_AT && filedAt <= FILED_ON_ENDS).toBe(true);

    // ── twelve months: each ledger handed in on the 20th, inside its window, and confirmed ─────────
    for (const month of MONTHS) {
      await stack.skipTo(month.submitAt);
      const { open } = await drive.until((_cycle, tasks) => tasks.some((t) => t.kind === 'ledgerSubmission' && t.period === month.period), { skip: false });
      const ledger = open.find((t) => t.kind === 'ledgerSubmission' && t.period === month.period)!;
      expect(ledger.dueAt).toBe(month.dueAt);
      const submitted = await drive.decide(ledger, { outcome: 'submit', payload: { kind: 'ledger', lines: ledgerLines(month) } });
      expect([month.period, submitted.status]).toEqual([month.period, 200]);
      await drive.until(confirmed(month.period), { skip: false });
    }

    // ── (a) after the twelfth confirmation the contract waits for its term: nothing open, nothing paid ──
    const waiting = await eventually(() => drive.detail(), (cycle) => (cycle.live?.contracts[0]?.pendingTimers ?? []).some((t) => t.timerId.startsWith('ledgerTerm:')));
    expect(waiting.live!.contracts[0]!.pendingTimers.filter((t) => t.timerId.startsWith('ledgerTerm:')).map((t) => t.until)).toEqual([TERM_ENDS]);
    expect(waiting.live!.contracts[0]!.stepId).toBe('performanceManagement');
    expect(waiting.tasks.open).toEqual([]);
    expect(waiting.payments.map((p) => [p.trancheId, p.amountFen])).toEqual([['workingFunds', WORKING_FUNDS_FEN]]);
    // A minute before the term ends, still nothing after the ledgers has opened and no activity funds exist.
    await stack.skipTo(JUST_BEFORE_TERM_ENDS);
    const eve = await drive.detail();
    expect(eve.tasks.open).toEqual([]);
    expect(eve.payments.filter((p) => p.trancheId === 'activityFunds')).toEqual([]);
    expect(eve.live!.contracts[0]!.pendingTimers.filter((t) => t.timerId.startsWith('ledgerTerm:')).map((t) => t.until)).toEqual([TERM_ENDS]);

    // ── (b) after the term: the inspection, then the third-party evaluation ─────────────────────────
    const evaluating = await drive.until((_cycle, open) => open.some((t) => t.kind === 'evaluation'), { skip: true });
    const evaluationTask = evaluating.open.find((t) => t.kind === 'evaluation')!;
    expect((evaluationTask as TaskView & { computedIndicators?: string[] }).computedIndicators).toEqual(['completion']);
    const showEvaluation = async () =>
      (await runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: await scenario.as(evaluationTask.role) }, ['tasks', 'show', evaluationTask.id, '--api', stack.baseUrl])).stdout;
    expect(await showEvaluation()).toMatch(/computed\s+completion \(from the KPIs; leave them out of scores\)/);
    expect(Date.parse(evaluationTask.openedAt) >= Date.parse(TERM_ENDS)).toBe(true);
    const inspections = evaluating.cycle.tasks.closed.filter((t) => t.nodeId === 'inspection' || t.nodeId === 'financeInspection');
    expect(inspections.map((t) => t.nodeId).sort()).toEqual(['financeInspection', 'inspection']);
    for (const inspection of inspections) expect(Date.parse(inspection.openedAt) >= Date.parse(TERM_ENDS)).toBe(true);
    // ── (c) no activity funds before the evaluation is decided ──────────────────────────────────────
    expect(evaluating.cycle.payments.filter((p) => p.trancheId === 'activityFunds')).toEqual([]);
    // Completion is the definition's to compute: the evaluator's score for it is refused, naming it, and nothing is decided.
    const typed = await drive.decide(evaluationTask, { outcome: 'approve', payload: { kind: 'evaluation', scores: { ...EVALUATION_SCORES, completion: 90 } } });
    expect(typed.status).toBe(422);
    expect(typed.body['details']).toEqual([expect.objectContaining({ field: 'evaluation.scores.completion' })]);
    expect((await drive.decide(evaluationTask, { outcome: 'approve', payload: { kind: 'evaluation', scores: EVALUATION_SCORES } })).status).toBe(200);

    const ended = await drive.until((cycle) => ['completed', 'terminated', 'cancelled', 'failed'].includes(cycle.status), { skip: true });
    expect(ended.cycle.status).toBe('completed');
    expect(ended.cycle.contracts.map((c) => [c.vendorId, c.amountFen, c.status])).toEqual([[winner, CONTRACT_FEN, 'completed']]);
    const evaluated = ended.cycle.tasks.closed.find((t) => t.id === evaluationTask.id)!;
    expect(evaluated.decision?.fields?.['score']).toBe(EVALUATION_SCORE);
    expect(evaluated.decision?.fields?.['scores.completion']).toBe(COMPLETION);
    expect(await showEvaluation()).toMatch(new RegExp(`computed\\s+completion=${COMPLETION} `));
    expect(ended.cycle.payments.map((p) => [p.trancheId, p.amountFen]).sort()).toEqual([
      ['activityFunds', ACTIVITY_FUNDS_FEN],
      ['workingFunds', WORKING_FUNDS_FEN],
    ]);
    const instructed = ended.cycle.audit.filter((entry) => entry.action === 'payment.instructed');
    const paidAt = (tranche: string) => instructed.find((entry) => (entry.details as { trancheId?: string }).trancheId === tranche)?.occurredAt ?? '';
    // The activity funds after the evaluation's decision (and so after the term) …
    expect(Date.parse(paidAt('activityFunds')) >= Date.parse(evaluated.decision!.decidedAt!)).toBe(true);
    // … the working funds at filing, before the first ledger came in.
    expect(Date.parse(paidAt('workingFunds')) >= Date.parse(FILED_AT) && Date.parse(paidAt('workingFunds')) < Date.parse(MONTHS[0]!.submitAt)).toBe(true);

    // ── (d) the read model: twelve confirmed periods, each measured, and no incident ────────────────
    const closed = ended.cycle.tasks.closed;
    const periodsOf = (kind: string, outcome: string) =>
      closed
        .filter((t) => t.kind === kind && t.decision?.outcome === outcome)
        .map((t) => t.period)
        .sort((a, b) => (a ?? 0) - (b ?? 0));
    const twelve = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    expect(periodsOf('ledgerSubmission', 'submit')).toEqual(twelve);
    expect(periodsOf('ledgerConfirmation', 'approve')).toEqual(twelve);
    expect(closed.filter((t) => t.kind === 'ledgerSubmission').map((t) => Number(t.decision?.fields?.['activityFundsSpent'])).sort((a, b) => a - b)).toEqual(MONTHS.map((m) => m.activityFundsSpent));
    const measured = await eventually(() => drive.detail(), (cycle) => cycle.contracts[0]!.serviceLevels.length === 60);
    const levels = measured.contracts[0]!.serviceLevels;
    for (const period of twelve) {
      const ofMonth = levels.filter((m) => m.period === period);
      expect([period, ofMonth.map((m) => m.serviceLevelId).sort()]).toEqual([period, MEASURED_LEVELS]);
    }
    const missed = levels.filter((m) => !m.met).map((m) => [m.serviceLevelId, m.period, m.value]);
    expect(missed).toEqual([]);
    expect(levels.filter((m) => m.serviceLevelId === 'monthlyHomeVisit').map((m) => m.value)).toEqual(Array<number>(12).fill(100));
    expect(incidentsOf(measured)).toEqual([]);
  });
});
