import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import type { ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';
import type { TaskInstance } from '../../workflows/engine/types.js';
import { eventually } from '../support/eventually.js';
import { formFor, ProcedureDriver } from '../support/procedure-driver.js';
import { freshCreditCode } from '../support/procurement-fixtures.js';
import { type CycleDetail, incidentsOf, ScenarioStack, TEST_CALENDARS, type TaskView } from './http-driver.js';

const PROCEDURE = 'deqing-community-correction';
/** The decisions the planner takes for every task but the award and the ledgers: it sees no bids. */
const NO_AWARD = { bids: [], budgetTotal: 0 };

interface Measurement {
  serviceLevelId: string;
  title: { zh: string; en: string };
  kpiId: string;
  period: number;
  value: number | string | boolean;
  target: boolean | { min?: number; max?: number };
  met: boolean;
  measuredAt: string;
}
type Detail = CycleDetail & { contracts: Array<CycleDetail['contracts'][number] & { serviceLevels: Measurement[] }> };

/*
 * What the vendor reports for each month of a two-month Deqing contract, and what the template's
 * service levels (contract.serviceLevels, measured by the performance step's KPIs on that month's lines
 * alone) make of it, counted by hand:
 *
 * Month 1: 20 persons served, nobody short of anything.
 *   educationCompliancePct        = (20 − 0) × 100 / 20 = 100   target ≥ 100 → met
 *   communityServiceCompliancePct = (20 − 0) × 100 / 20 = 100   target ≥ 100 → met
 *   homeVisitCompliancePct        = (20 − 0) × 100 / 20 = 100   target ≥ 100 → met
 *   keyPersonVisitShortfalls      = 0                           target ≤ 0   → met
 *   phoneFollowUpShortfalls       = 0                           target ≤ 0   → met
 * Month 2: 20 persons served; 1 had under 8 education hours, 4 were not visited at home, 2 key-person
 *   half-months went without a visit.
 *   educationCompliancePct        = (20 − 1) × 100 / 20 = 95    → missed
 *   communityServiceCompliancePct = (20 − 0) × 100 / 20 = 100   → met
 *   homeVisitCompliancePct        = (20 − 4) × 100 / 20 = 80    → missed
 *   keyPersonVisitShortfalls      = 2                           → missed
 *   phoneFollowUpShortfalls       = 0                           → met
 * `reportViolations` and `reportMajorEvents` name no KPI: they are not measured.
 */
const MONTHS: Record<number, Record<string, number>> = {
  1: { personsServed: 20, educationShortfalls: 0, communityServiceShortfalls: 0, homeVisitShortfalls: 0, keyPersonVisitShortfalls: 0, phoneFollowUpShortfalls: 0 },
  2: { personsServed: 20, educationShortfalls: 1, communityServiceShortfalls: 0, homeVisitShortfalls: 4, keyPersonVisitShortfalls: 2, phoneFollowUpShortfalls: 0 },
};
const EXPECTED: Array<[number, string, string, number, Measurement['target'], boolean]> = [
  [1, 'communityServiceHours', 'communityServiceCompliancePct', 100, { min: 100 }, true],
  [1, 'educationHours', 'educationCompliancePct', 100, { min: 100 }, true],
  [1, 'keyPersonVisit', 'keyPersonVisitShortfalls', 0, { max: 0 }, true],
  [1, 'monthlyHomeVisit', 'homeVisitCompliancePct', 100, { min: 100 }, true],
  [1, 'weeklyPhoneFollowUp', 'phoneFollowUpShortfalls', 0, { max: 0 }, true],
  [2, 'communityServiceHours', 'communityServiceCompliancePct', 100, { min: 100 }, true],
  [2, 'educationHours', 'educationCompliancePct', 95, { min: 100 }, false],
  [2, 'keyPersonVisit', 'keyPersonVisitShortfalls', 2, { max: 0 }, false],
  [2, 'monthlyHomeVisit', 'homeVisitCompliancePct', 80, { min: 100 }, false],
  [2, 'weeklyPhoneFollowUp', 'phoneFollowUpShortfalls', 0, { max: 0 }, true],
];

/**
 * A Deqing contract's service levels through the HTTP API, on the time-skipping server pinned to 2054:
 * the vendor reports two months, one that meets every level and one that misses three, the judicial
 * office confirms both, and the cycle detail lists each level's measurement per month, met or missed,
 * as the workflow measured it.
 */
describe('service levels measured per ledger period, through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('scenario_service_levels');

  it('lists each service level of the contract per confirmed month, with its value, target and whether it was met', async () => {
    const file = `${PROCEDURE}.yaml`;
    // The shipped template compiles these lines from case evidence (test/scenario/deqing-case-evidence.test.ts
    // measures them so); this test is about measuring whatever the lines hold, so its copy lets the vendor
    // type them, to set each month's values directly.
    const text = readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', file), 'utf8').replace(/\n +source: \{ cases: .*\}/g, '');
    const jurisdiction = /jurisdiction:\s*\{\s*code:\s*([a-z0-9-]+)/.exec(text)?.[1] ?? '';
    const as = (role: string, second = false, vendorId?: string) => stack.token(`${second ? 'second' : 'first'}.${role}${vendorId ? `.${vendorId.slice(0, 8)}` : ''}`, role, jurisdiction, vendorId);
    const admin = await as('administrator');
    expect((await stack.call('POST', '/definitions', admin, { files: [{ file, text }] })).status).toBe(201);
    await stack.deployCalendars();
    const definition = (await stack.call<{ definition: ProcedureDefinition }>('GET', `/definitions/${PROCEDURE}/versions/1`, admin)).body.definition;
    const planner = new ProcedureDriver({ definition, calendars: TEST_CALENDARS, jurisdiction });
    const selection = definition.steps.find((step) => step.kind === 'vendorSelection');
    const performance = definition.steps.find((step) => step.kind === 'performanceManagement');
    if (selection?.kind !== 'vendorSelection' || performance?.kind !== 'performanceManagement') throw new Error(`${PROCEDURE} has no vendor selection or performance step`);

    const vendorIds: string[] = [];
    for (const name of ['德清晨曦社会工作服务中心', '德清彩虹桥社会工作服务中心', '德清同心社会服务社']) {
      const registered = await stack.call('POST', '/vendors', admin, {
        name,
        creditCode: freshCreditCode(),
        registrationType: 'socialServiceAgency',
        evidence: selection.selection.qualification.criteria.map((c) => ({ criterionId: c.id, document: `${name}·${c.id}证明材料` })),
      });
      expect(registered.status).toBe(201);
      const id = registered.body['id'] as string;
      expect((await stack.call('POST', `/vendors/${id}/verification`, await as('civil-affairs'), { decision: 'verified' })).status).toBe(200);
      vendorIds.push(id);
    }
    const winner = vendorIds[0]!;

    // Two months of 100 persons at 360 000 fen a year: 100 × 360 000 × 2 / 12 = 6 000 000 fen.
    const launched = await stack.call('POST', '/cycles', admin, {
      definitionKey: PROCEDURE,
      inputs: { ...formFor(definition.inputs), pricePerPersonYear: 360_000, workingFundsPercent: 40, contractMonths: 2 },
    });
    expect(launched.status).toBe(201);
    const cycleId = launched.body['cycleId'] as string;
    const forms: Record<string, Record<string, unknown>> = { draftBudget: { supervisedPersons: 100 } };

    const detail = async () => {
      const answer = await stack.call<Detail>('GET', `/cycles/${encodeURIComponent(cycleId)}`, admin);
      expect(answer.status).toBe(200);
      return answer.body;
    };
    const tokenOf = (role: string, second = false) => (role === 'vendor' ? as('vendor', second, winner) : as(role, second));
    const inbox = async (role: string) =>
      (await stack.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await tokenOf(role))).body.tasks.filter((t) => t.status === 'open' && t.role === role);
    const decide = async (task: TaskView, body: Record<string, unknown>) => {
      const send = async (second: boolean) => stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await tokenOf(task.role, second), { requestId: randomUUID(), fields: {}, ...body });
      const first = await send(false);
      return first.status === 403 && /four-eyes/i.test(String(first.body['message'])) ? send(true) : first;
    };
    /** What a task is decided with: the award to the winner at its bid, each month's ledger as above, the rest as the planner would. */
    const decisionFor = (task: TaskView, cycle: Detail): Record<string, unknown> => {
      if (task.kind === 'award') {
        const bids = cycle.bids.filter((b) => b.qualified);
        return {
          outcome: 'approve',
          payload: {
            kind: 'award',
            scores: Object.fromEntries(bids.map((b) => [b.bidId, Object.fromEntries(selection.selection.evaluation.criteria.map((c) => [c.id, b.vendorId === winner ? 90 : 80]))])),
            winners: [{ bidId: bids.find((b) => b.vendorId === winner)!.bidId, amountFen: 3_000_000 }],
          },
        };
      }
      if (task.kind === 'ledgerSubmission') {
        const month = MONTHS[(task as TaskView & { period: number }).period];
        if (!month) throw new Error(`no ledger written for period ${String((task as TaskView & { period: number }).period)}`);
        return { outcome: 'submit', payload: { kind: 'ledger', lines: { ...formFor(performance.performance.ledger.lines), ...month } } };
      }
      const { outcome, fields, payload } = planner.happyDecision(task as unknown as TaskInstance, NO_AWARD);
      return { outcome, fields: { ...fields, ...forms[task.nodeId] }, ...(payload ? { payload } : {}) };
    };

    // Every open task decided, a bid per vendor in each bidding round, time skipped to the next timer
    // when nobody has anything to do, until the contract has measured both months.
    const roles = definition.roles.map((role) => role.id);
    const rounds = new Set<string>();
    let measured: Detail | undefined;
    for (let step = 0; step < 400 && !measured; step++) {
      const cycle = await detail();
      expect(incidentsOf(cycle)).toEqual([]);
      if (cycle.contracts[0] && cycle.contracts[0].serviceLevels.filter((m) => m.period === 2).length > 0) {
        measured = cycle;
        break;
      }
      const biddingRound = cycle.live?.pendingTimers.find((t) => t.purpose === 'bidding')?.timerId;
      if (cycle.live?.biddingOpen && biddingRound && !rounds.has(biddingRound)) {
        rounds.add(biddingRound);
        for (const vendorId of vendorIds) {
          const bid = await stack.call('POST', `/cycles/${encodeURIComponent(cycleId)}/bids`, await as('procurement-centre'), { requestId: randomUUID(), vendorId, priceFen: 3_000_000 });
          expect(bid.status).toBe(201);
        }
        continue;
      }
      const task = (await Promise.all(roles.map(inbox))).flat()[0];
      if (task) {
        const answer = await decide(task, decisionFor(task, cycle));
        if (answer.status !== 200 && answer.status !== 409) throw new Error(`deciding ${task.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        continue;
      }
      const timers = [...(cycle.live?.pendingTimers ?? []), ...(cycle.live?.contracts.flatMap((c) => c.pendingTimers) ?? [])];
      const next = timers.map((t) => t.until).sort()[0];
      if (!next) {
        const before = JSON.stringify(cycle);
        await eventually(detail, (now) => JSON.stringify(now) !== before);
      } else await stack.env.sleep(Math.max(1000, Date.parse(next) - (await stack.env.currentTimeMs()) + 1000));
    }
    if (!measured) throw new Error(`cycle ${cycleId} never confirmed its second month`);
    // The second month's levels land in the projection of the confirmation that measured them, together.
    const final = await eventually(detail, (cycle) => cycle.contracts[0]!.serviceLevels.length === EXPECTED.length);

    const [contract] = final.contracts;
    expect(contract!.vendorId).toBe(winner);
    const levels = [...contract!.serviceLevels].sort((a, b) => a.period - b.period || a.serviceLevelId.localeCompare(b.serviceLevelId));
    expect(levels.map((m) => [m.period, m.serviceLevelId, m.kpiId, m.value, m.target, m.met])).toEqual(EXPECTED);
    expect(levels.find((m) => m.period === 2 && m.serviceLevelId === 'educationHours')!.title).toEqual({ zh: '每人每月教育学习不少于8小时', en: 'Education at least 8 hours per person per month' });
    // Each month is measured when the judicial office confirmed its ledger.
    const confirmations = [...final.tasks.closed]
      .filter((t) => t.kind === 'ledgerConfirmation' && t.decision?.outcome === 'approve')
      .map((t) => (t as TaskView & { decision: { decidedAt: string } }).decision.decidedAt)
      .sort();
    expect([...new Set(levels.map((m) => m.measuredAt))].sort()).toEqual(confirmations);
    expect(incidentsOf(final)).toEqual([]);
  });
});
