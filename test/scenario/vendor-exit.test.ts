import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import type { TaskInstance } from '../../workflows/engine/types.js';
import { eventually } from '../support/eventually.js';
import { edited } from '../support/minimal-procedure.js';
import type { ProcedureDriver } from '../support/procedure-driver.js';
import { type CycleDetail, incidentsOf, ProcedureScenario, ScenarioStack, type TaskView } from './http-driver.js';

const JURISDICTION = 'test-county';
const KEY = 'test-county-community-correction';

/**
 * The minimal test procedure with one monthly ledger, an evaluation that escalates to the justice bureau
 * after 5 working days, the four grade bands, a price criterion scored by
 * the panel and a past-performance criterion computed from the vendor's history, an award rule that a
 * vendor whose last evaluation failed may not win, and an exit that
 * suspends a vendor whose evaluation fails, withholds its activity funds and is reinstated by the
 * justice bureau only.
 */
const PROCEDURE = edited(readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8'), [
  ['        periods: "12"\n', '        periods: "1"\n'],
  [
    '          - { id: plan, title: { zh: 服务方案, en: Service plan }, weight: 60 }\n',
    '          - { id: pastPerformance, title: { zh: 以往绩效, en: Past performance }, weight: 60, computed: "vendor.history.count == 0 ? 60 : vendor.history.lastScore" }\n',
  ],
  [
    '        - { id: evaluate, type: evaluation, title: { zh: 第三方评估, en: Evaluation }, role: finance-bureau, next: accept }\n',
    '        - { id: evaluate, type: evaluation, title: { zh: 第三方评估, en: Evaluation }, role: finance-bureau, sla: { within: { businessDays: 5 }, escalateTo: justice-bureau }, next: accept }\n',
  ],
  [
    '      awards: { minWinners: 1, maxWinners: 2 }\n',
    '      awards: { minWinners: 1, maxWinners: 2, eligibility: { when: "vendor.history.count == 0 || vendor.history.lastPassed", reason: { zh: 上次绩效评价不合格, en: Failed its last evaluation } } }\n',
  ],
  [
    '        passScore: 60\n',
    `        passScore: 60
        grades:
          - { min: 85, label: { zh: 优秀, en: Excellent } }
          - { min: 75, label: { zh: 良好, en: Good } }
          - { min: 60, label: { zh: 合格, en: Pass } }
          - { min: 0, label: { zh: 不合格, en: Fail } }
`,
  ],
  [
    '      acceptance: { recipientOpinionsRequired: true, published: false }\n',
    `      acceptance: { recipientOpinionsRequired: true, published: false }
      exit:
        when: "!evaluation.passed"
        reason: { zh: 绩效评价不合格, en: Failed evaluation }
        withholds: [activityFunds]
        reinstatedBy: justice-bureau
`,
  ],
]);

/** The same procedure without the award rule: a vendor whose last evaluation failed may win, scored by its history. */
const KEY_WITHOUT_RULE = `${KEY}-without-award-rule`;
const PROCEDURE_WITHOUT_RULE = edited(PROCEDURE, [
  [`  key: ${KEY}\n`, `  key: ${KEY_WITHOUT_RULE}\n`],
  [
    '      awards: { minWinners: 1, maxWinners: 2, eligibility: { when: "vendor.history.count == 0 || vendor.history.lastPassed", reason: { zh: 上次绩效评价不合格, en: Failed its last evaluation } } }\n',
    '      awards: { minWinners: 1, maxWinners: 2 }\n',
  ],
]);

/** 10 supervised persons at 100 000 fen: a budget of 1 000 000 fen, half working funds (500 000), half activity funds (500 000). */
const INPUTS = { supervisedPersons: 10, pricePerPersonYearFen: 100_000 };

interface VendorView {
  suspended: boolean;
  suspensionReason: string | null;
  suspendedBy: string | null;
  reinstatementRole: string | null;
}

interface HistoryView {
  summary: { count: number; lastScore: number; meanScore: number; lastPassed: boolean };
  evaluations: Array<Record<string, unknown>>;
}

/**
 * The exit mechanism end to end, through the HTTP API on the time-skipping Temporal server pinned to 2054
 * and a real PostgreSQL: a failing evaluation suspends the vendor, withholds its activity funds (paid:
 * only the working funds), its history shows the evaluation; its next bid is refused; reinstatement by
 * another role is refused and by the justice bureau restores eligibility; the second cycle's award rule reads
 * the first cycle's evaluation: the reinstated vendor may bid but not win, a vendor without history wins; under
 * the same procedure without the award rule, a third cycle's past-performance score reads that evaluation (53)
 * and the vendor wins. Every step is in the audit trail.
 */
describe('the exit mechanism and the vendor performance history, through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('scenario_vendor_exit');
  let scenario: ProcedureScenario;
  let withoutRule: ProcedureScenario;

  beforeAll(async () => {
    scenario = await ProcedureScenario.deploy(stack, JURISDICTION, KEY, PROCEDURE);
    withoutRule = await ProcedureScenario.deploy(stack, JURISDICTION, KEY_WITHOUT_RULE, PROCEDURE_WITHOUT_RULE);
  });

  const detail = (cycleId: string) => scenario.detail(cycleId);
  const vendor = async (vendorId: string) => (await stack.call<VendorView>('GET', `/vendors/${vendorId}`, await scenario.as('justice-bureau'))).body;
  const history = async (vendorId: string, token?: string) => stack.call<HistoryView>('GET', `/vendors/${vendorId}/history`, token ?? (await scenario.as('justice-bureau')));
  const vendorTasks = async (cycleId: string, vendorId: string) =>
    (await stack.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await scenario.staffOf(vendorId))).body.tasks.filter((t) => t.status === 'open' && t.role === 'vendor');

  /** Bids for each `[vendorId, priceFen]`, once bidding is open; each answers 201. */
  const bidAll = async (cycleId: string, bids: ReadonlyArray<readonly [string, number]>, on = scenario) => {
    for (const [vendorId, priceFen] of bids) {
      const answer = await on.bid(cycleId, vendorId, priceFen);
      expect(answer.status).toBe(201);
    }
  };

  /** The award: 90 for price on every bid (past performance is computed), to `winners` (in this order) at their bid prices; the answer. */
  const tryAward = async (cycleId: string, planner: ProcedureDriver, winners: readonly string[], on = scenario) => {
    const task = (await on.driveTo(cycleId, planner, 'award'))!;
    const { bids } = await on.detail(cycleId);
    const scores = Object.fromEntries(bids.map((bid) => [bid.bidId, { price: 90 }]));
    const chosen = winners.map((vendorId) => bids.find((bid) => bid.vendorId === vendorId)!).map((bid) => ({ bidId: bid.bidId, amountFen: bid.priceFen }));
    return on.decide(task, { outcome: 'approve', payload: { kind: 'award', scores, winners: chosen } });
  };
  const award = async (cycleId: string, planner: ProcedureDriver, winners: readonly string[], on = scenario) => {
    expect((await tryAward(cycleId, planner, winners, on)).status).toBe(200);
  };

  /**
   * Decides every open task of the cycle and its contracts happily — the vendor's ledgers as its staff, with
   * `spentFen` activity spend — until `nodeId`'s task is open (returned), or the contracts have ended.
   */
  const driveContracts = async (cycleId: string, planner: ProcedureDriver, vendorIds: readonly string[], nodeId: string | undefined, spentFen: number): Promise<TaskView | undefined> => {
    const roles = scenario.definition.roles.map((role) => role.id).filter((role) => role !== 'vendor');
    for (let round = 0; round < 200; round++) {
      const cycle = await detail(cycleId);
      if (nodeId === undefined && cycle.contracts.length > 0 && cycle.contracts.every((c) => c.status !== 'running')) return undefined;
      const officers = (await Promise.all(roles.map((role) => scenario.openTasks(cycleId, role)))).flat();
      const wanted = officers.find((task) => task.nodeId === nodeId);
      if (wanted) return wanted;
      const own = (await Promise.all(vendorIds.map(async (vendorId) => (await vendorTasks(cycleId, vendorId)).map((task) => ({ task, vendorId }))))).flat();
      if (own[0]) {
        const { task, vendorId } = own[0];
        const answer = await stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await scenario.staffOf(vendorId), {
          requestId: randomUUID(),
          outcome: 'submit',
          fields: {},
          payload: { kind: 'ledger', lines: { activitySpendFen: spentFen } },
        });
        expect(answer.status).toBe(200);
        continue;
      }
      if (officers[0]) {
        const { outcome, fields, payload } = planner.happyDecision(officers[0] as unknown as TaskInstance, { bids: [], budgetTotal: 0 });
        const answer = await scenario.decide(officers[0], { outcome, fields, ...(payload ? { payload } : {}) });
        if (answer.status !== 200 && answer.status !== 409) throw new Error(`deciding ${officers[0].id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        continue;
      }
      const timers = [...(cycle.live?.pendingTimers ?? []), ...(cycle.live?.contracts.flatMap((contract) => contract.pendingTimers) ?? [])];
      const next = timers.map((timer) => timer.until).sort()[0];
      if (cycle.live?.waitingFor.some((w) => w.kind === 'decision') || !next) await scenario.changeFrom(cycleId, cycle);
      else await stack.env.sleep(Math.max(1000, Date.parse(next) - (await stack.env.currentTimeMs()) + 1000));
    }
    throw new Error(`cycle ${cycleId} never reached ${nodeId ?? 'the end of its contracts'}`);
  };

  const auditOf = (cycle: CycleDetail, action: string) => cycle.audit.filter((entry) => entry.action === action);

  it('suspends on a failing evaluation, withholds the activity funds, refuses and audits the next bid, reinstates only by the justice bureau, shows the escalated evaluator only to officers inside the evaluating jurisdiction (never to the vendor), bars the vendor from the next award by the award rule, and scores it by its history where no rule bars it', async () => {
    const [failing, other] = (await scenario.verifiedVendors(['测试县晨光社会工作服务中心', '测试县同心社会工作服务社'], 'justice-bureau')) as [string, string];

    // ---- cycle 1: the vendor is awarded 800 000 fen and fails its evaluation --------------------------------
    const { cycleId: first, planner } = await scenario.launch(INPUTS);
    await scenario.driveTo(first, planner);
    await bidAll(first, [[failing, 800_000], [other, 900_000]]);
    await award(first, planner, [failing]);
    // Neither vendor had history: past performance 60 for both; (40 × 90 + 60 × 60) / 100 = 7200 / 100 = 72.
    expect((await detail(first)).bids.map((bid) => [bid.vendorId, (bid as { score?: number | null }).score])).toEqual(
      expect.arrayContaining([[failing, 72]]),
    );

    const evaluation = (await driveContracts(first, planner, [failing], 'evaluate', 300_000))!;
    // The finance bureau lets its 5 working days pass: the evaluation escalates to the justice bureau, which decides it.
    expect(evaluation).toMatchObject({ role: 'finance-bureau', escalateTo: 'justice-bureau', escalatedTo: [] });
    await stack.skipTo(new Date(Date.parse(evaluation.dueAt!) + 1000).toISOString());
    const escalated = await eventually(
      async () => (await scenario.openTasks(first, 'finance-bureau')).find((task) => task.id === evaluation.id),
      (task) => task?.escalatedTo.includes('justice-bureau') ?? false,
    );
    // (70 × 50 + 30 × 60) / 100 = (3500 + 1800) / 100 = 53, below the pass score of 60: the exit fires.
    const evaluated = await scenario.decide(escalated!, { outcome: 'approve', payload: { kind: 'evaluation', scores: { service: 50, finance: 60 } } }, 'justice-bureau');
    expect(evaluated.status).toBe(200);
    await driveContracts(first, planner, [failing], undefined, 300_000);

    const suspended = await eventually(() => vendor(failing), (v) => v.suspended);
    expect(suspended).toMatchObject({ suspensionReason: '绩效评价不合格', reinstatementRole: 'justice-bureau' });
    expect(suspended.suspendedBy).toMatch(/^workflow:/);

    // Paid: the working funds only, the contract's share floor(500 000 × 800 000 / 1 000 000) = 400 000 fen.
    // Withheld: the activity funds, min(floor(400 000 × 53 / 100), 300 000 spent) = min(212 000, 300 000) = 212 000 fen.
    const afterFirst = await eventually(() => detail(first), (cycle) => auditOf(cycle, 'payment.withheld').length > 0);
    expect(afterFirst.payments.map((p) => [p.trancheId, p.amountFen])).toEqual([['workingFunds', 400_000]]);
    expect(auditOf(afterFirst, 'payment.withheld').map((e) => [e.comment, e.details['trancheId'], e.details['amountFen']])).toEqual([['绩效评价不合格', 'activityFunds', 212_000]]);
    expect(auditOf(afterFirst, 'vendor.suspended').map((e) => [e.subjectId, e.comment, e.details['reinstatedBy']])).toEqual([[failing, '绩效评价不合格', 'justice-bureau']]);
    expect(incidentsOf(afterFirst)).toEqual([]);

    // The history, as the vendor's own staff and the officers see it; another vendor's staff do not.
    // The vendor's staff see their record without who evaluated it, though their token names the county.
    const own = await history(failing, await scenario.staffOf(failing));
    expect(own.status).toBe(200);
    expect(own.body.summary).toEqual({ count: 1, lastScore: 53, meanScore: 53, lastPassed: false });
    expect(own.body.evaluations).toEqual([
      expect.objectContaining({
        score: 53,
        passed: false,
        groups: { business: 50, financial: 60 },
        grade: { min: 0, label: { zh: '不合格', en: 'Fail' } },
        period: null,
        cycleId: first,
        definitionKey: KEY,
        definitionVersion: 1,
        jurisdiction: JURISDICTION,
        evaluator: null,
        exited: true,
      }),
    ]);
    // The county's officers see who decided, after the escalation: the justice bureau's officer in that role, not the task's finance bureau.
    expect((await history(failing)).body.evaluations).toEqual([
      expect.objectContaining({ score: 53, evaluator: expect.objectContaining({ userId: expect.stringMatching(/^(first|second)\.justice-bureau$/), role: 'justice-bureau' }) }),
    ]);
    expect((await history(failing, await scenario.staffOf(other))).status).toBe(404);
    // Outside the jurisdiction that evaluated, the record is shown without the evaluator, except to national
    // administrators and operations staff; the county's own officers see it.
    const evaluatorAs = async (userId: string, role: string, jurisdiction: string) => {
      const answer = await history(failing, await stack.token(userId, role, jurisdiction));
      expect(answer.status).toBe(200);
      expect(answer.body.evaluations).toEqual([expect.objectContaining({ score: 53, passed: false, grade: { min: 0, label: { zh: '不合格', en: 'Fail' } }, period: null, jurisdiction: JURISDICTION })]);
      return (answer.body.evaluations[0]!['evaluator'] as { role: string } | null)?.role ?? null;
    };
    expect(await evaluatorAs('national.justice-bureau', 'justice-bureau', 'cn')).toBeNull();
    expect(await evaluatorAs('national.finance-bureau', 'finance-bureau', 'cn')).toBeNull();
    expect(await evaluatorAs('national.administrator', 'administrator', 'cn')).toBe('justice-bureau');
    expect(await evaluatorAs('national.ops', 'ops', 'cn')).toBe('justice-bureau');
    expect(await evaluatorAs('county.finance-bureau', 'finance-bureau', JURISDICTION)).toBe('justice-bureau');
    expect((await history(other)).body.summary).toEqual({ count: 0, lastScore: 0, meanScore: 0, lastPassed: false });

    // ---- cycle 2: the suspended vendor's bid is refused until the justice bureau reinstates it --------------
    const { cycleId: second, planner: secondPlanner } = await scenario.launch(INPUTS);
    await scenario.driveTo(second, secondPlanner);
    // The same request twice (a client retrying): 422 both times, one audit entry.
    const refusedBid = { requestId: randomUUID(), vendorId: failing, priceFen: 400_000 };
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await stack.call('POST', `/cycles/${encodeURIComponent(second)}/bids`, await scenario.as('procurement-centre'), refusedBid);
      expect(refused.status).toBe(422);
      expect(refused.body['details']).toEqual([{ field: 'vendorId', problem: expect.stringContaining('绩效评价不合格') }]);
    }
    // The refusal is audited — who, for which vendor, in which cycle, why — and changes nothing else. While
    // bidding is open it is sealed like a bid: the vendor's own staff see it, the officers only once bidding closes.
    const afterRefusal = await detail(second);
    expect(afterRefusal.bids).toEqual([]);
    expect(afterRefusal.live?.biddingOpen).toBe(true);
    expect(auditOf(afterRefusal, 'bid.refused')).toEqual([]);
    const ownView = (await stack.call<CycleDetail>('GET', `/cycles/${encodeURIComponent(second)}`, await scenario.staffOf(failing))).body;
    expect(auditOf(ownView, 'bid.refused').map((e) => [e.actorRole, e.subjectType, e.subjectId, e.details['cycleId'], e.details['vendorId'], e.details['reason'], e.details['requestId']])).toEqual([
      ['procurement-centre', 'vendor', failing, second, failing, 'suspended', refusedBid.requestId],
    ]);
    expect(auditOf(ownView, 'bid.refused')[0]?.comment).toContain('绩效评价不合格');
    expect(auditOf(ownView, 'bid.refused')[0]?.actorId).toMatch(/procurement-centre/);
    expect(await vendor(failing)).toMatchObject({ suspended: true, suspensionReason: '绩效评价不合格' });

    const reinstate = async (role: string) => stack.call('POST', `/vendors/${failing}/reinstatement`, await scenario.as(role), { reason: '整改已完成，经复核恢复承接资格' });
    for (const role of ['administrator', 'finance-bureau']) {
      const wrongRole = await reinstate(role);
      expect(wrongRole.status).toBe(403);
      expect(wrongRole.body['details']).toEqual([expect.objectContaining({ field: 'role' })]);
    }
    expect((await reinstate('justice-bureau')).status).toBe(200);
    expect(await vendor(failing)).toMatchObject({ suspended: false, suspensionReason: null, reinstatementRole: null });
    expect((await reinstate('justice-bureau')).status).toBe(409);
    const audited = (await stack.dataSource.query(`SELECT actor_role, comment FROM audit_entries WHERE action = 'vendor.reinstated' AND subject_id = $1`, [failing])) as Array<{ actor_role: string; comment: string }>;
    expect(audited).toEqual([{ actor_role: 'justice-bureau', comment: '整改已完成，经复核恢复承接资格' }]);

    // Reinstated, the vendor may bid again; but the award rule reads its history, whose last evaluation failed.
    await bidAll(second, [[failing, 400_000], [other, 500_000]]);
    // Once bidding has closed (sealed bids are not shown before), the bids list says who may not win and why.
    await scenario.driveTo(second, secondPlanner, 'award');
    expect(auditOf(await detail(second), 'bid.refused').map((e) => e.details['requestId'])).toEqual([refusedBid.requestId]);
    const bidsOf = async () => Object.fromEntries((await detail(second)).bids.map((bid) => [bid.vendorId, [bid.eligible, bid.ineligibleReason]]));
    expect(await bidsOf()).toEqual({ [failing]: [false, '上次绩效评价不合格'], [other]: [true, null] });
    const barred = await tryAward(second, secondPlanner, [failing, other]);
    expect(barred.status).toBe(422);
    const failingBid = (await detail(second)).bids.find((bid) => bid.vendorId === failing)!;
    expect(barred.body['details']).toEqual([
      {
        field: 'award.winners.0.bidId',
        problem: expect.stringContaining(`bid "${failingBid.bidId}" of "测试县晨光社会工作服务中心" (${failing}) may not win: 上次绩效评价不合格 (selection.awards.eligibility: vendor.history.count == 0 || vendor.history.lastPassed)`),
      },
    ]);
    expect((await detail(second)).contracts).toEqual([]);
    // The vendor without history passes the rule and wins. Past performance still reads each history: none, 60:
    // (40 × 90 + 60 × 60) / 100 = 7200 / 100 = 72.
    await award(second, secondPlanner, [other]);
    const scored = await eventually(() => detail(second), (cycle) => cycle.contracts.length === 1);
    expect(scored.contracts.map((contract) => contract.vendorId)).toEqual([other]);
    expect(Object.fromEntries(scored.bids.map((bid) => [bid.vendorId, [bid.won, (bid as { score?: number | null }).score]]))).toEqual({ [failing]: [false, null], [other]: [true, 72] });
    expect(incidentsOf(scored)).toEqual([]);

    // ---- cycle 3: the same procedure without the award rule; past performance reads cycle 1's evaluation ------
    const { cycleId: third, planner: thirdPlanner } = await withoutRule.launch(INPUTS);
    await withoutRule.driveTo(third, thirdPlanner);
    await bidAll(third, [[failing, 400_000], [other, 500_000]], withoutRule);
    // Both win, 400 000 + 500 000 = 900 000 fen within the 1 000 000 fen budget, so the read model keeps both scores.
    await award(third, thirdPlanner, [failing, other], withoutRule);
    const thirdScored = await eventually(() => withoutRule.detail(third), (cycle) => cycle.contracts.length === 2);
    // The reinstated vendor's history: one evaluation, last score 53, so past performance is 53:
    // (40 × 90 + 60 × 53) / 100 = (3600 + 3180) / 100 = 6780 / 100 = 67.8, rounded down to 67.
    // The other vendor's contract of cycle 2 has not been evaluated: no history, past performance 60, (3600 + 3600) / 100 = 72.
    expect(Object.fromEntries(thirdScored.bids.map((bid) => [bid.vendorId, [bid.won, (bid as { score?: number | null }).score]]))).toEqual({ [failing]: [true, 67], [other]: [true, 72] });
    expect(incidentsOf(thirdScored)).toEqual([]);
  });
});
