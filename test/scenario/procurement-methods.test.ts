import { randomUUID } from 'node:crypto';
import type { ProcedureDriver } from '../support/procedure-driver.js';
import { eventually } from '../support/eventually.js';
import { incidentsOf, ProcedureScenario, ScenarioStack, type TaskView } from './http-driver.js';

const JURISDICTION = 'nm-baotou';
const PROCEDURE = 'baotou-people-mediation';

/**
 * Baotou's procurement methods through the HTTP API, on a time-skipping Temporal server and a real
 * PostgreSQL: an open tender with too few bidders falls back to single source, which opens only once
 * finance has approved the switch and then awards its one bid; and an invited tender, whose invitation
 * list the justice bureau decides, refuses a bid from a vendor it did not invite.
 */
describe('procurement methods of the Baotou mediation procedure, through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('scenario_methods');
  let scenario: ProcedureScenario;
  let vendorIds: string[] = [];

  beforeAll(async () => {
    scenario = await ProcedureScenario.deploy(stack, JURISDICTION, PROCEDURE);
    vendorIds = await scenario.verifiedVendors(['包头和事佬调解中心', '包头明理调解服务社', '包头安和社会工作服务中心', '包头邻里调解工作室'], 'justice-bureau');
  });

  /** The proposal of the method, with its market assessment filled in as the planner would. */
  const proposal = (planner: ProcedureDriver, task: TaskView, method: string) => ({ outcome: 'submit', fields: { ...scenario.happyFields(planner, task), method } });

  it('falls back from an open tender with one bid to single source, which bids only after finance approved the switch and awards its one bid', async () => {
    const { cycleId, planner } = await scenario.launch();
    const [first, second, third] = vendorIds as [string, string, string];

    // Round 1, open tender: one qualified bid, three needed (minimumBidders 3).
    await scenario.driveTo(cycleId, planner);
    expect((await scenario.bid(cycleId, first, 900_000)).status).toBe(201);
    const failed = (await scenario.driveTo(cycleId, planner, 'failedBidding'))!;
    expect((await scenario.decide(failed, { outcome: 'return', comment: '合格供应商不足三家，申请改为单一来源采购' })).status).toBe(200);

    const propose = (await scenario.driveTo(cycleId, planner, 'proposeMethod'))!;
    expect((await scenario.decide(propose, proposal(planner, propose, 'singleSource'))).status).toBe(200);
    const approve = (await scenario.driveTo(cycleId, planner, 'approveMethod'))!;

    // Before finance approves the switch, nobody may bid: nothing is written.
    const before = await scenario.detail(cycleId);
    const early = await scenario.bid(cycleId, second, 880_000);
    expect(early.status).toBe(409);
    expect(early.body['message']).toEqual(expect.stringContaining('not open'));
    expect((await scenario.detail(cycleId)).bids).toEqual(before.bids);

    expect((await scenario.decide(approve, { outcome: 'approve' })).status).toBe(200);
    await scenario.driveTo(cycleId, planner);
    expect((await scenario.bid(cycleId, second, 880_000)).status).toBe(201);
    // A single-source round takes one supplier's offer.
    const another = await scenario.bid(cycleId, third, 870_000);
    expect(another.status).toBe(409);
    expect(another.body['details']).toEqual([expect.objectContaining({ field: 'vendorId' })]);

    // Round 2, single source: one qualified bid is enough, and the panel awards it.
    const award = (await scenario.driveTo(cycleId, planner, 'award'))!;
    const cycle = await scenario.detail(cycleId);
    const single = cycle.bids.filter((b) => b.round === 2);
    expect(single.map((b) => [b.vendorId, b.qualified])).toEqual([[second, true]]);
    const scores = scenario.awardScores(single);
    const awarded = await scenario.decide(award, { outcome: 'approve', payload: { kind: 'award', scores, winners: [{ bidId: single[0]!.bidId, amountFen: 880_000 }] } });
    expect(awarded.status).toBe(200);
    const confirm = (await scenario.driveTo(cycleId, planner, 'confirmAward'))!;
    expect((await scenario.decide(confirm, { outcome: 'approve' })).status).toBe(200);
    const contracted = await eventually(
      () => scenario.detail(cycleId),
      (now) => now.contracts.length > 0,
    );
    expect(contracted.contracts.map((c) => [c.vendorId, c.amountFen])).toEqual([[second, 880_000]]);

    // The audit trail shows finance approving the switch before the single-source bid was handed in.
    const approval = contracted.audit.find((entry) => entry.action === 'task.approved' && entry.details['nodeId'] === 'approveMethod' && entry.actorRole === 'finance-bureau' && entry.occurredAt >= approve.openedAt);
    const singleBid = contracted.audit.find((entry) => entry.subjectType === 'bid' && entry.details['bidId'] === single[0]!.bidId);
    expect(approval).toBeDefined();
    expect(singleBid).toBeDefined();
    expect(approval!.occurredAt <= singleBid!.occurredAt).toBe(true);
    expect(incidentsOf(contracted)).toEqual([]);
  });

  it('invites the vendors the justice bureau names, and refuses a bid from any other with 403 naming vendorId', async () => {
    const { cycleId, planner } = await scenario.launch();
    const [first, second, third, uninvited] = vendorIds as [string, string, string, string];
    const propose = (await scenario.driveTo(cycleId, planner, 'proposeMethod'))!;

    const unregistered = await scenario.decide(propose, { ...proposal(planner, propose, 'invitedTender'), payload: { kind: 'invitations', vendorIds: [first, second, randomUUID()] } });
    expect(unregistered.status).toBe(422);
    expect(unregistered.body['details']).toEqual([expect.objectContaining({ field: 'payload.vendorIds.2' })]);
    const tooFew = await scenario.decide(propose, { ...proposal(planner, propose, 'invitedTender'), payload: { kind: 'invitations', vendorIds: [first, second] } });
    expect(tooFew.status).toBe(422);
    expect(tooFew.body['details']).toEqual([expect.objectContaining({ field: 'payload.vendorIds' })]);
    const invited = await scenario.decide(propose, { ...proposal(planner, propose, 'invitedTender'), payload: { kind: 'invitations', vendorIds: [first, second, third] } });
    expect(invited.status).toBe(200);

    const approve = (await scenario.driveTo(cycleId, planner, 'approveMethod'))!;
    expect((await scenario.decide(approve, { outcome: 'approve' })).status).toBe(200);
    await scenario.driveTo(cycleId, planner);

    const before = await scenario.detail(cycleId);
    const refused = await scenario.bid(cycleId, uninvited, 800_000);
    expect(refused.status).toBe(403);
    expect(refused.body['details']).toEqual([expect.objectContaining({ field: 'vendorId' })]);
    const after = await scenario.detail(cycleId);
    expect(after.bids).toEqual(before.bids);
    expect(after.audit.length).toBe(before.audit.length);
    expect((await scenario.bid(cycleId, first, 800_000)).status).toBe(201);

    // The invitation list is a decision of the audit trail: who invited whom.
    const decision = after.audit.find((entry) => entry.action === 'task.submitted' && entry.details['nodeId'] === 'proposeMethod');
    expect(decision?.actorRole).toBe('justice-bureau');
    expect((decision?.details['fields'] as Record<string, unknown> | undefined)?.['invitedVendorIds']).toBe([first, second, third].join(','));
    expect(incidentsOf(after)).toEqual([]);
  });
});
