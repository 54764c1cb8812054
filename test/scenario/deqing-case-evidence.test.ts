import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventually } from '../support/eventually.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { formFor } from '../support/procedure-driver.js';
import { type CycleDetail, CycleDrive, incidentsOf, ProcedureScenario, ScenarioStack, type TaskView } from './http-driver.js';

const PROCEDURE = 'deqing-community-correction';
const JURISDICTION = 'zj-deqing';
const LIFECYCLE = readFileSync(fileURLToPath(new URL('../../definitions/supervision/community-correction-case.yaml', import.meta.url)), 'utf8');
const OTHER_LIFECYCLE = readFileSync(fileURLToPath(new URL('../integration/fixtures/case-lifecycle.yaml', import.meta.url)), 'utf8');

/*
 * Instants, counted by hand in China time (UTC+8; 09:00 is 01:00Z). The contract is filed on Wednesday
 * 10 June 2054 at 09:00: its two monthly ledger periods run from then to 10 July and on to 10 August 2054,
 * when the term ends. Three cases are enrolled on it at filing and complete their intake at once, so their
 * supervision (calendar obligations) starts on 10 June: months end on the 1st, half-months on the 1st and
 * 16th, weeks on Mondays (15, 22, 29 June, 6, 13, 20 July), each at 00:00 China time.
 */
const FILED_AT = '2054-06-10T01:00:00.000Z';
/** Friday 12 June, 09:00: the only day with evidence. */
const EVIDENCE_AT = '2054-06-12T01:00:00.000Z';
/** The ledgers are handed in on the 20th at 09:00, inside their windows (1st–25th). */
const LEDGER_1_AT = '2054-06-20T01:00:00.000Z';
const LEDGER_2_AT = '2054-07-20T01:00:00.000Z';
/** The office returns ledger 2; B's 4 h of education are recorded on 21 July at 09:00 and the ledger handed in again then. */
const RESUBMIT_AT = '2054-07-21T01:00:00.000Z';

/*
 * The evidence of 12 June: A (a key person) is called, visited at home and gets 5 h of education; B is
 * called, gets 3 h of education and does 8 h of community service; C (a key person) gets nothing. Nothing
 * else is ever recorded.
 *
 * Ledger 1, handed in on 20 June: what came in from the period's start to then.
 *   personsServed 3; educationHours 5 + 3 = 8; communityServiceHours 8; homeVisits 1; phoneFollowUps 2.
 *   Breaches ended by then: the week 10–14 June (ends 15 June 00:00) — C uncalled: phoneFollowUpShortfalls 1;
 *   the half-month 10–15 June (ends 16 June 00:00) — C, a key person, unvisited: keyPersonVisitShortfalls 1
 *   (B is no key person: the obligation does not apply to B). June's education, community-service and home-visit
 *   periods end on 1 July, after this ledger: no shortfall of them yet.
 * Ledger 2, handed in on 20 July: what came in after 20 June 09:00, up to then. No evidence: hours, visits and
 *   calls 0; personsServed 3. Breaches: weeks ending 22, 29 June, 6, 13, 20 July, 5 × 3 cases = 15;
 *   half-months ending 1 and 16 July, 2 × 2 key persons = 4; June's month (ends 1 July): education A 5 h,
 *   B 3 h, C 0 — all under 8: 3; community service A 0, B 8, C 0: 2; home visits A 1, B 0, C 0: 2.
 */
const LEDGER_1 = {
  personsServed: 3,
  educationHours: 8,
  educationShortfalls: 0,
  communityServiceHours: 8,
  communityServiceShortfalls: 0,
  homeVisits: 1,
  homeVisitShortfalls: 0,
  keyPersonVisitShortfalls: 1,
  phoneFollowUps: 2,
  phoneFollowUpShortfalls: 1,
};
const LEDGER_2 = {
  personsServed: 3,
  educationHours: 0,
  educationShortfalls: 3,
  communityServiceHours: 0,
  communityServiceShortfalls: 2,
  homeVisits: 0,
  homeVisitShortfalls: 2,
  keyPersonVisitShortfalls: 4,
  phoneFollowUps: 0,
  phoneFollowUpShortfalls: 15,
};
/**
 * Each case's breaches by 20 July 09:00, for waiting until the case workflows have projected them:
 * A: 5 weeks + 2 half-months + June's education + community service = 9; B: 5 weeks + education + home
 * visit = 7; C: 6 weeks + 3 half-months + education + community service + home visit = 12.
 */
const BREACHES_BY_LEDGER_2 = { A: 9, B: 7, C: 12 };
/**
 * Ledger 2 returned and handed in again on 21 July: compiled again, from the same start (20 June) to the new
 * instant. B's 4 h of education of 21 July count; no obligation period ends between 20 July 09:00 and 21 July
 * 09:00 (the next week ends on 27 July), so the breaches stay.
 */
const LEDGER_2_AGAIN = { ...LEDGER_2, educationHours: 4 };

/*
 * The service levels measured on each confirmed month (its lines alone), from the evidence:
 *   period 1: educationCompliancePct (3 − 0) × 100 / 3 = 100 met; community service 100 met; home visits 100
 *             met; keyPersonVisitShortfalls 1 (target ≤ 0) missed; phoneFollowUpShortfalls 1 missed.
 *   period 2: education (3 − 3) × 100 / 3 = 0 missed; community service (3 − 2) × 100 / 3 = 33 missed; home
 *             visits 33 missed; key-person visits 4 missed; phone follow-ups 15 missed.
 */
const LEVELS = [
  ['communityServiceHours', 1, 100, true],
  ['educationHours', 1, 100, true],
  ['keyPersonVisit', 1, 1, false],
  ['monthlyHomeVisit', 1, 100, true],
  ['weeklyPhoneFollowUp', 1, 1, false],
  ['communityServiceHours', 2, 33, false],
  ['educationHours', 2, 0, false],
  ['keyPersonVisit', 2, 4, false],
  ['monthlyHomeVisit', 2, 33, false],
  ['weeklyPhoneFollowUp', 2, 15, false],
];

/*
 * Money, in fen. Inputs: 360 000 fen per person-year, 40 % working funds, 2 months; 100 persons.
 *   term price per person = 360 000 × 2 / 12 = 60 000; working 60 000 × 40 / 100 = 24 000; activity 36 000.
 *   budget = 100 × 60 000 = 6 000 000: working funds 2 400 000, activity funds 3 600 000.
 * The contract is awarded at 2 000 000, a third of the budget: working 800 000, activity 1 200 000.
 * The KPIs over the whole term, from the two ledgers' totals (personsServed 3 + 3 = 6; shortfalls: education
 * 0 + 3 = 3, community service 0 + 2 = 2, home visits 0 + 2 = 2, key-person visits 1 + 4 = 5, calls 1 + 15 = 16):
 *   educationCompliancePct (6 − 3) × 100 / 6 = 50; communityServiceCompliancePct (6 − 2) × 100 / 6 = 66;
 *   homeVisitCompliancePct 66; keyPersonVisitShortfalls 5; phoneFollowUpShortfalls 16.
 * Deqing computes its `completion` indicator from those KPIs: (50 + 66 + 66) / 3 = 60 (rounded down).
 * The evaluator types the other scores (weights 10/·/15/15/20/10) 80, 80, 80, 90, 100; with completion's weight 30:
 *   (800 + 30 × 60 + 1200 + 1200 + 1800 + 1000) / 100 = 7800 / 100 = 78.
 * Activity funds spent (typed by the vendor): 600 000 + 600 000 = 1 200 000.
 * The activity-funds tranche: min(1 200 000 × 78 / 100, 1 200 000) = min(936 000, 1 200 000) = 936 000.
 * Had every obligation been met, completion would be 100 and the score (800 + 3000 + 5200) / 100 = 90: the
 * missed visits, calls and hours cost the vendor 1 080 000 − 936 000 = 144 000 fen.
 */
const CONTRACT_FEN = 2_000_000;
const WORKING_FUNDS_FEN = 800_000;
const EVALUATION_SCORES = { goalSetting: 80, organisationalManagement: 80, benefit: 80, fundUse: 90, financialManagement: 100 };
const COMPLETION_SCORE = 60;
const EVALUATION_SCORE = 78;
const ACTIVITY_FUNDS_FEN = 936_000;
const TYPED = { hardshipAids: 1, workingFundsSpent: 300_000, activityFundsSpent: 600_000 };

type LedgerTask = TaskView & { period?: number | null; caseEvidenceThrough?: string | null; decision?: (TaskView['decision'] & { decidedAt?: string | null }) | null };
type Detail = Omit<CycleDetail, 'tasks' | 'contracts'> & {
  tasks: { open: LedgerTask[]; closed: LedgerTask[] };
  contracts: Array<CycleDetail['contracts'][number] & { serviceLevels: Array<{ serviceLevelId: string; period: number; value: unknown; met: boolean }> }>;
};

/**
 * Issue 10's end-to-end proof: a Deqing contract whose vendor serves three cases, some missing obligations;
 * the ledgers are compiled from the cases' evidence when the vendor hands them in, confirmed, and the
 * activity-funds payment equals the amount worked out by hand, in fen. Through the HTTP API, on the
 * time-skipping server pinned to 2054.
 */
describe('a Deqing contract whose ledgers are compiled from its cases, through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('scenario_evidence');

  it('counts the cases’ evidence and breaches into each ledger as of its submission, compiles a returned ledger again, refuses typed counts and cases of a lifecycle without the obligations, and pays the activity funds computed by hand', async () => {
    const national = await stack.token('national.administrator', 'administrator', 'cn');
    for (const [file, text] of [
      ['community-correction-case.yaml', LIFECYCLE],
      ['test-case-lifecycle.yaml', OTHER_LIFECYCLE],
    ] as const) {
      expect((await stack.call('POST', '/definitions', national, { files: [{ file, text }] })).status).toBe(201);
    }
    const scenario = await ProcedureScenario.deploy(stack, JURISDICTION, PROCEDURE);
    const vendorIds = await scenario.verifiedVendors(['德清晨曦社会工作服务中心', '德清彩虹桥社会工作服务中心', '德清同心社会服务社'], 'civil-affairs');
    const winner = vendorIds[0]!;
    const { cycleId, planner } = await scenario.launch({ ...formFor(scenario.definition.inputs), pricePerPersonYear: 360_000, workingFundsPercent: 40, contractMonths: 2 });
    const drive = new CycleDrive<Detail, LedgerTask>(scenario, cycleId, planner, {
      bidders: vendorIds,
      winner,
      priceFen: CONTRACT_FEN,
      scoreOf: (b) => (b.vendorId === winner ? 90 : 80),
      forms: { draftBudget: { supervisedPersons: 100 } },
      // The test hands in the ledgers, returns the second once, and scores the evaluation.
      leave: (t) => t.kind === 'ledgerSubmission' || t.kind === 'evaluation' || (t.kind === 'ledgerConfirmation' && t.period === 2 && !returned),
      check: (cycle) => expect(incidentsOf(cycle)).toEqual([]),
    });
    let returned = false;
    const officer = await stack.token('first.judicial-office', 'judicial-office', JURISDICTION);
    const staff = await scenario.staffOf(winner);
    const send = async (caseId: string, token: string, type: string, payload: Record<string, unknown>) => {
      const answer = await stack.call('POST', `/cases/${caseId}/events`, token, { type, payload, requestId: randomUUID() });
      expect([type, answer.status]).toEqual([type, 200]);
    };

    // ── the contract is filed on 10 June 2054 ────────────────────────────────────────────────────────
    await drive.until((_cycle, open) => open.some((t) => t.nodeId === 'fileContract'), { skip: true });
    await stack.skipTo(FILED_AT);
    const filed = await drive.until((_cycle, open) => open.some((t) => t.kind === 'ledgerSubmission' && t.period === 1), { skip: false });
    const contractId = filed.cycle.contracts[0]!.id;

    // A case of a lifecycle without the obligations the contract's ledger counts is not enrolled on it.
    const foreign = await stack.call<{ message: string; details: Array<{ field: string; problem: string }> }>('POST', '/cases', officer, { lifecycleKey: 'test-case-lifecycle', contractId });
    expect(foreign.status).toBe(422);
    expect(foreign.body.message).toContain('ledger line "educationHours" counts obligation "education"');
    expect(foreign.body.details[0]).toMatchObject({ field: 'contractId' });

    // ── three cases enrolled at filing, their intake completed at once ─────────────────────────────────
    const cases: Record<'A' | 'B' | 'C', string> = { A: '', B: '', C: '' };
    for (const [name, isKeyPerson] of [
      ['A', true],
      ['B', false],
      ['C', true],
    ] as const) {
      const enrolled = await stack.call<{ caseId: string }>('POST', '/cases', officer, { lifecycleKey: 'community-correction-case', attributes: { isKeyPerson, riskLevel: 'medium' }, contractId });
      expect([enrolled.status, enrolled.body]).toEqual([201, expect.objectContaining({ caseId: expect.any(String) })]);
      const caseId = enrolled.body.caseId;
      cases[name] = caseId;
      await eventually(
        () => stack.call('GET', `/cases/${caseId}`, officer),
        (answer) => answer.status === 200,
      );
      await send(caseId, staff, 'archive.created', { date: '2054-06-10', employment: '待业', family: '与父母同住', health: '良好' });
      await send(caseId, staff, 'intakeEducation.recorded', { days: 3, date: '2054-06-10' });
      await send(caseId, staff, 'psychTest.recorded', { date: '2054-06-10', outcome: 'normal' });
      await send(caseId, officer, 'correctionGroup.formed', { members: 3, date: '2054-06-10' });
      await send(caseId, officer, 'intake.completed', { date: '2054-06-10' });
    }

    // ── 12 June: the only evidence ──────────────────────────────────────────────────────────────────
    await stack.skipTo(EVIDENCE_AT);
    await send(cases.A, staff, 'phone.recorded', { date: '2054-06-12' });
    await send(cases.A, staff, 'visit.recorded', { date: '2054-06-12', place: 'home' });
    await send(cases.A, staff, 'education.recorded', { hours: 5, date: '2054-06-12' });
    await send(cases.B, staff, 'phone.recorded', { date: '2054-06-12' });
    await send(cases.B, staff, 'education.recorded', { hours: 3, date: '2054-06-12' });
    await send(cases.B, staff, 'communityService.recorded', { hours: 8, date: '2054-06-12' });

    // ── ledger 1, 20 June ────────────────────────────────────────────────────────────────────────────
    await stack.skipTo(LEDGER_1_AT);
    // C's first week and half-month have ended unmet: wait until its case shows both breaches.
    await eventually(
      () => stack.call<{ breaches: unknown[] }>('GET', `/cases/${cases.C}`, officer),
      (answer) => answer.body.breaches?.length === 2,
    );
    const ledger1 = (await drive.until((_cycle, open) => open.some((t) => t.kind === 'ledgerSubmission' && t.period === 1), { skip: false })).open.find((t) => t.kind === 'ledgerSubmission' && t.period === 1)!;
    // Typing what the evidence counts is refused, naming the line; nothing is recorded.
    const typed = await drive.decide(ledger1, { outcome: 'submit', payload: { kind: 'ledger', lines: { ...TYPED, personsServed: 40 } } });
    expect([typed.status, (typed.body as { details?: Array<{ field: string }> }).details?.[0]?.field]).toEqual([422, 'ledger.personsServed']);
    expect((await drive.decide(ledger1, { outcome: 'submit', payload: { kind: 'ledger', lines: TYPED } })).status).toBe(200);
    const confirmed1 = await drive.until((cycle) => cycle.tasks.closed.some((t) => t.kind === 'ledgerConfirmation' && t.period === 1 && t.decision?.outcome === 'approve'), { skip: false });
    const submitted1 = confirmed1.cycle.tasks.closed.find((t) => t.id === ledger1.id)!;
    expect(submitted1.decision?.fields).toEqual({ ...TYPED, ...LEDGER_1 });
    // The submission and its confirmation say as of when the evidence was counted: the submission's instant.
    expect(submitted1.caseEvidenceThrough).toBe(submitted1.decision?.decidedAt);
    expect(confirmed1.cycle.tasks.closed.find((t) => t.kind === 'ledgerConfirmation' && t.period === 1)?.caseEvidenceThrough).toBe(submitted1.decision?.decidedAt);

    // ── ledger 2, 20 July: no evidence since, every period since a breach ──────────────────────────────
    await stack.skipTo(LEDGER_2_AT);
    for (const name of ['A', 'B', 'C'] as const) {
      await eventually(
        () => stack.call<{ breaches: unknown[] }>('GET', `/cases/${cases[name]}`, officer),
        (answer) => answer.body.breaches?.length === BREACHES_BY_LEDGER_2[name],
      );
    }
    const ledger2 = (await drive.until((_cycle, open) => open.some((t) => t.kind === 'ledgerSubmission' && t.period === 2), { skip: false })).open.find((t) => t.kind === 'ledgerSubmission' && t.period === 2)!;
    expect((await drive.decide(ledger2, { outcome: 'submit', payload: { kind: 'ledger', lines: TYPED } })).status).toBe(200);
    const inConfirmation = await drive.until((_cycle, open) => open.some((t) => t.kind === 'ledgerConfirmation' && t.period === 2), { skip: false });
    const submitted2 = inConfirmation.cycle.tasks.closed.find((t) => t.id === ledger2.id)!;
    expect(submitted2.decision?.fields).toEqual({ ...TYPED, ...LEDGER_2 });
    const asOf = submitted2.caseEvidenceThrough ?? '';
    expect(asOf).toBe(submitted2.decision?.decidedAt);
    // The confirming office sees as of when the counts hold, in the CLI too.
    const shown = await runToCompletion(PROCUREFLOW_BIN, {}, ['cycles', 'show', cycleId, '--api', stack.baseUrl, '--token', officer]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`(case evidence as of ${asOf.slice(0, 10)} ${asOf.slice(11, 16)}Z)`);
    // ── the office returns it; more evidence; handed in again, it is compiled again ─────────────────────
    const confirmation2 = inConfirmation.open.find((t) => t.kind === 'ledgerConfirmation' && t.period === 2)!;
    expect((await drive.decide(confirmation2, { outcome: 'return', comment: '请核对教育学习记录 check the education records' })).status).toBe(200);
    returned = true;
    await stack.skipTo(RESUBMIT_AT);
    await send(cases.B, staff, 'education.recorded', { hours: 4, date: '2054-07-21' });
    const again = (await drive.until((_cycle, open) => open.some((t) => t.kind === 'ledgerSubmission' && t.period === 2), { skip: false })).open.find((t) => t.kind === 'ledgerSubmission' && t.period === 2)!;
    expect((await drive.decide(again, { outcome: 'submit', payload: { kind: 'ledger', lines: TYPED } })).status).toBe(200);
    const confirmed2 = await drive.until((cycle) => cycle.tasks.closed.some((t) => t.kind === 'ledgerConfirmation' && t.period === 2 && t.decision?.outcome === 'approve'), { skip: false });
    const resubmitted = confirmed2.cycle.tasks.closed.find((t) => t.id === again.id)!;
    expect(resubmitted.decision?.fields).toEqual({ ...TYPED, ...LEDGER_2_AGAIN });
    expect(resubmitted.caseEvidenceThrough).toBe(resubmitted.decision?.decidedAt);

    // ── after the term: the evaluation, typed, and the activity funds ───────────────────────────────────
    const evaluating = await drive.until((_cycle, open) => open.some((t) => t.kind === 'evaluation'), { skip: true });
    const evaluationTask = evaluating.open.find((t) => t.kind === 'evaluation')!;
    expect((await drive.decide(evaluationTask, { outcome: 'approve', payload: { kind: 'evaluation', scores: EVALUATION_SCORES } })).status).toBe(200);
    const ended = await drive.until((cycle) => ['completed', 'terminated', 'cancelled', 'failed'].includes(cycle.status), { skip: true });
    expect(ended.cycle.status).toBe('completed');
    expect(ended.cycle.tasks.closed.find((t) => t.id === evaluationTask.id)?.decision?.fields?.['score']).toBe(EVALUATION_SCORE);
    expect(ended.cycle.tasks.closed.find((t) => t.id === evaluationTask.id)?.decision?.fields?.['scores.completion']).toBe(COMPLETION_SCORE);
    expect(ended.cycle.payments.map((p) => [p.trancheId, p.amountFen]).sort()).toEqual([
      ['activityFunds', ACTIVITY_FUNDS_FEN],
      ['workingFunds', WORKING_FUNDS_FEN],
    ]);
    // The service levels the template measures on each month, from the evidence.
    const measured = await eventually(() => drive.detail(), (cycle) => cycle.contracts[0]!.serviceLevels.length === LEVELS.length);
    expect(
      measured.contracts[0]!.serviceLevels.map((m) => [m.serviceLevelId, m.period, m.value, m.met]).sort((a, b) => Number(a[1]) - Number(b[1]) || String(a[0]).localeCompare(String(b[0]))),
    ).toEqual(LEVELS);
    expect(incidentsOf(measured)).toEqual([]);
  });
});
