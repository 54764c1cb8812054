import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import type { ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';
import type { TaskInstance } from '../../workflows/engine/types.js';
import { ProcedureDriver } from '../support/procedure-driver.js';
import { freshCreditCode } from '../support/procurement-fixtures.js';
import { eventually } from '../support/eventually.js';
import { type CycleDetail, incidentsOf, ScenarioStack, TEST_CALENDARS, type TaskView } from './http-driver.js';

const JURISDICTION = 'zj-deqing';

/**
 * Deqing cycles that do not go to plan, driven through the HTTP API on real Temporal and PostgreSQL:
 * a budget returned for revision, and bidding that never attracts enough bidders.
 */
describe('a Deqing cycle that breaks the rules, through the HTTP API', () => {
  let stack: ScenarioStack;
  let definition: ProcedureDefinition;
  let vendorId: string;
  const as = (role: string, second = false) => stack.token(`${second ? 'second' : 'first'}.${role}`, role, JURISDICTION);

  beforeAll(async () => {
    stack = await ScenarioStack.start('scenario_rules');
    const admin = await as('administrator');
    const file = 'deqing-community-correction.yaml';
    const deployed = await stack.call('POST', '/definitions', admin, { files: [{ file, text: readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', file), 'utf8') }] });
    expect(deployed.status).toBe(201);
    await stack.deployCalendars();
    const version = await stack.call<{ definition: ProcedureDefinition }>('GET', '/definitions/deqing-community-correction/versions/1', admin);
    definition = version.body.definition;
    const selection = definition.steps.find((step) => step.kind === 'vendorSelection');
    const criteria = selection?.kind === 'vendorSelection' ? selection.selection.qualification.criteria.map((c) => c.id) : [];
    const registered = await stack.call('POST', '/vendors', admin, {
      name: '德清孤雁社工服务中心',
      creditCode: freshCreditCode(),
      registrationType: 'socialServiceAgency',
      evidence: criteria.map((criterionId) => ({ criterionId, document: `${criterionId}证明材料` })),
    });
    vendorId = registered.body['id'] as string;
    expect((await stack.call('POST', `/vendors/${vendorId}/verification`, await as('civil-affairs'), { decision: 'verified' })).status).toBe(200);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const launch = async () => {
    const launched = await stack.call('POST', '/cycles', await as('administrator'), { definitionKey: 'deqing-community-correction', inputs: {} });
    expect(launched.status).toBe(201);
    return launched.body['cycleId'] as string;
  };
  const detail = async (cycleId: string) => (await stack.call<CycleDetail>('GET', `/cycles/${encodeURIComponent(cycleId)}`, await as('administrator'))).body;
  const inbox = async (cycleId: string, role: string) =>
    (await stack.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await as(role))).body.tasks.filter((t) => t.status === 'open' && t.role === role);
  const decide = (task: TaskView, role: string, body: Record<string, unknown>, second = false) =>
    as(role, second).then((token) => stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, token, { requestId: randomUUID(), fields: {}, ...body }));
  /** Waits for the read model to show a role's open task of `nodeId`. */
  const taskOf = async (cycleId: string, role: string, nodeId: string) => {
    const tasks = await eventually(
      () => inbox(cycleId, role),
      (open) => open.some((t) => t.nodeId === nodeId),
    );
    return tasks.find((t) => t.nodeId === nodeId)!;
  };
  /** Waits until the cycle shows anything other than `seen`: a workflow step, a projection, a timer. */
  const changeFrom = async (cycleId: string, seen: CycleDetail) => {
    const before = JSON.stringify(seen);
    await eventually(() => detail(cycleId), (now) => JSON.stringify(now) !== before);
  };

  it('loops back for revision when finance returns the budget, and insists on a reason', async () => {
    const cycleId = await launch();
    const planner = new ProcedureDriver({ definition, calendars: TEST_CALENDARS, jurisdiction: JURISDICTION });
    const draft = await taskOf(cycleId, 'justice-bureau', 'draftBudget');
    const { fields } = planner.happyDecision(draft as unknown as TaskInstance, { bids: [], budgetTotal: 0 });
    expect((await decide(draft, 'justice-bureau', { outcome: 'submit', fields })).status).toBe(200);

    const confirm = await taskOf(cycleId, 'finance-bureau', 'confirmBudget');
    const silent = await decide(confirm, 'finance-bureau', { outcome: 'return' });
    expect(silent.status).toBe(422);
    expect(silent.body['details']).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'comment' })]));

    const returned = await decide(confirm, 'finance-bureau', { outcome: 'return', comment: '服务对象人数与矫正系统不一致，请核实后重报' });
    expect(returned.status).toBe(200);
    const redraft = await taskOf(cycleId, 'justice-bureau', 'draftBudget');
    expect(redraft.id).not.toBe(draft.id);
    const cycle = await detail(cycleId);
    expect(cycle.audit.some((entry) => entry.action === 'task.returned' && entry.actorRole === 'finance-bureau')).toBe(true);
    expect(incidentsOf(cycle)).toEqual([]);
  });

  it('re-tenders when too few bid, and ends the cycle when the rounds allowed are used up', async () => {
    const cycleId = await launch();
    const planner = new ProcedureDriver({ definition, calendars: TEST_CALENDARS, jurisdiction: JURISDICTION });
    // Vendor staff decide only their own contract's tasks, and this cycle never reaches a contract.
    const roles = [...new Set(definition.roles.map((role) => role.id))].filter((role) => role !== 'vendor');
    const bidRounds = new Set<string>();
    let retenders = 0;
    for (let round = 0; round < 300; round++) {
      const cycle = await detail(cycleId);
      if (cycle.status !== 'running') break;
      const live = cycle.live;
      if (!live) {
        await changeFrom(cycleId, cycle);
        continue;
      }
      const biddingTimer = live.pendingTimers.find((timer) => timer.purpose === 'bidding')?.timerId;
      if (live.biddingOpen && biddingTimer && !bidRounds.has(biddingTimer)) {
        bidRounds.add(biddingTimer);
        const bid = await stack.call('POST', `/cycles/${encodeURIComponent(cycleId)}/bids`, await as('procurement-centre'), { requestId: randomUUID(), vendorId, priceFen: 1_000_000 });
        expect(bid.status).toBe(201);
        continue;
      }
      let decided = 0;
      for (const role of roles) {
        for (const task of await inbox(cycleId, role)) {
          // One bidder is too few: the justice bureau sends the procurement back to be tendered again.
          const body =
            task.nodeId === 'failedProcurement'
              ? { outcome: 'return', comment: '有效投标人不足，重新组织采购' }
              : (({ outcome, fields }) => ({ outcome, fields }))(planner.happyDecision(task as unknown as TaskInstance, { bids: [], budgetTotal: 0 }));
          let answer = await decide(task, role, body);
          if (answer.status === 403 && /four-eyes/i.test(String(answer.body['message']))) answer = await decide(task, role, body, true);
          if (answer.status === 200) {
            decided++;
            if (task.nodeId === 'failedProcurement') retenders++;
          } else if (answer.status !== 409) throw new Error(`deciding ${task.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      }
      if (decided > 0) continue;
      const next = live.pendingTimers.map((timer) => timer.until).sort()[0];
      // A decision the inbox does not show yet, or a step between timers: wait for the cycle to move.
      if (live.waitingFor.some((w) => w.kind === 'decision') || !next) await changeFrom(cycleId, cycle);
      else await stack.env.sleep(Math.max(1000, Date.parse(next) - (await stack.env.currentTimeMs()) + 1000));
    }
    const cycle = await detail(cycleId);
    expect(cycle.status).toBe('terminated');
    expect(incidentsOf(cycle)).toEqual([]);
    expect(retenders).toBe(2);
    expect(bidRounds.size).toBe(2);
    expect(cycle.contracts).toEqual([]);
    expect(cycle.payments).toEqual([]);
  });
});
