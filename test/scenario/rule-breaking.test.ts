import type { TaskInstance } from '../../workflows/engine/types.js';
import { incidentsOf, ProcedureScenario, ScenarioStack } from './http-driver.js';

const JURISDICTION = 'zj-deqing';

/**
 * Deqing cycles that do not go to plan, driven through the HTTP API on real Temporal and PostgreSQL:
 * a budget returned for revision, and bidding that never attracts enough bidders.
 */
describe('a Deqing cycle that breaks the rules, through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('scenario_rules');
  let scenario: ProcedureScenario;
  let vendorId: string;

  beforeAll(async () => {
    scenario = await ProcedureScenario.deploy(stack, JURISDICTION, 'deqing-community-correction');
    [vendorId] = (await scenario.verifiedVendors(['德清孤雁社工服务中心'], 'civil-affairs')) as [string];
  });

  it('loops back for revision when finance returns the budget, and insists on a reason', async () => {
    const { cycleId, planner } = await scenario.launch({});
    const draft = await scenario.openTask(cycleId, 'justice-bureau', 'draftBudget');
    expect((await scenario.decide(draft, { outcome: 'submit', fields: scenario.happyFields(planner, draft) })).status).toBe(200);

    const confirm = await scenario.openTask(cycleId, 'finance-bureau', 'confirmBudget');
    const silent = await scenario.decide(confirm, { outcome: 'return' });
    expect(silent.status).toBe(422);
    expect(silent.body['details']).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'comment' })]));

    const returned = await scenario.decide(confirm, { outcome: 'return', comment: '服务对象人数与矫正系统不一致，请核实后重报' });
    expect(returned.status).toBe(200);
    const redraft = await scenario.openTask(cycleId, 'justice-bureau', 'draftBudget');
    expect(redraft.id).not.toBe(draft.id);
    const cycle = await scenario.detail(cycleId);
    expect(cycle.audit.some((entry) => entry.action === 'task.returned' && entry.actorRole === 'finance-bureau')).toBe(true);
    expect(incidentsOf(cycle)).toEqual([]);
  });

  it('re-tenders when too few bid, and ends the cycle when the rounds allowed are used up', async () => {
    const { cycleId, planner } = await scenario.launch({});
    // Vendor staff decide only their own contract's tasks, and this cycle never reaches a contract.
    const roles = [...new Set(scenario.definition.roles.map((role) => role.id))].filter((role) => role !== 'vendor');
    const bidRounds = new Set<string>();
    let retenders = 0;
    for (let round = 0; round < 300; round++) {
      const cycle = await scenario.detail(cycleId);
      if (cycle.status !== 'running') break;
      const live = cycle.live;
      if (!live) {
        await scenario.changeFrom(cycleId, cycle);
        continue;
      }
      const biddingTimer = live.pendingTimers.find((timer) => timer.purpose === 'bidding')?.timerId;
      if (live.biddingOpen && biddingTimer && !bidRounds.has(biddingTimer)) {
        bidRounds.add(biddingTimer);
        expect((await scenario.bid(cycleId, vendorId, 1_000_000)).status).toBe(201);
        continue;
      }
      let decided = 0;
      for (const role of roles) {
        for (const task of await scenario.openTasks(cycleId, role)) {
          // One bidder is too few: the justice bureau sends the procurement back to be tendered again.
          const body =
            task.nodeId === 'failedProcurement'
              ? { outcome: 'return', comment: '有效投标人不足，重新组织采购' }
              : (({ outcome, fields }) => ({ outcome, fields }))(planner.happyDecision(task as unknown as TaskInstance, { bids: [], budgetTotal: 0 }));
          const answer = await scenario.decide(task, body);
          if (answer.status === 200) {
            decided++;
            if (task.nodeId === 'failedProcurement') retenders++;
          } else if (answer.status !== 409) throw new Error(`deciding ${task.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      }
      if (decided > 0) continue;
      const next = live.pendingTimers.map((timer) => timer.until).sort()[0];
      // A decision the inbox does not show yet, or a step between timers: wait for the cycle to move.
      if (live.waitingFor.some((w) => w.kind === 'decision') || !next) await scenario.changeFrom(cycleId, cycle);
      else await stack.env.sleep(Math.max(1000, Date.parse(next) - (await stack.env.currentTimeMs()) + 1000));
    }
    const cycle = await scenario.detail(cycleId);
    expect(cycle.status).toBe('terminated');
    expect(incidentsOf(cycle)).toEqual([]);
    expect(retenders).toBe(2);
    expect(bidRounds.size).toBe(2);
    expect(cycle.contracts).toEqual([]);
    expect(cycle.payments).toEqual([]);
  });
});
