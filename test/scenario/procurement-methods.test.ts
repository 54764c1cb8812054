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

const JURISDICTION = 'nm-baotou';
const PROCEDURE = 'baotou-people-mediation';

/**
 * Baotou's procurement methods through the HTTP API, on a time-skipping Temporal server and a real
 * PostgreSQL: an open tender with too few bidders falls back to single source, which opens only once
 * finance has approved the switch and then awards its one bid; and an invited tender, whose invitation
 * list the justice bureau decides, refuses a bid from a vendor it did not invite.
 */
describe('procurement methods of the Baotou mediation procedure, through the HTTP API', () => {
  let stack: ScenarioStack;
  let definition: ProcedureDefinition;
  const vendorIds: string[] = [];
  const as = (role: string, second = false) => stack.token(`${second ? 'second' : 'first'}.${role}`, role, JURISDICTION);

  beforeAll(async () => {
    stack = await ScenarioStack.start('scenario_methods');
    const admin = await as('administrator');
    const file = `${PROCEDURE}.yaml`;
    const deployed = await stack.call('POST', '/definitions', admin, { files: [{ file, text: readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', file), 'utf8') }] });
    expect(deployed.status).toBe(201);
    await stack.deployCalendars();
    definition = (await stack.call<{ definition: ProcedureDefinition }>('GET', `/definitions/${PROCEDURE}/versions/1`, admin)).body.definition;
    const selection = definition.steps.find((step) => step.kind === 'vendorSelection');
    const criteria = selection?.kind === 'vendorSelection' ? selection.selection.qualification.criteria.map((c) => c.id) : [];
    for (const name of ['包头和事佬调解中心', '包头明理调解服务社', '包头安和社会工作服务中心', '包头邻里调解工作室']) {
      const registered = await stack.call('POST', '/vendors', admin, {
        name,
        creditCode: freshCreditCode(),
        registrationType: 'socialServiceAgency',
        evidence: criteria.map((criterionId) => ({ criterionId, document: `${criterionId}证明材料` })),
      });
      expect(registered.status).toBe(201);
      const id = registered.body['id'] as string;
      expect((await stack.call('POST', `/vendors/${id}/verification`, await as('justice-bureau'), { decision: 'verified' })).status).toBe(200);
      vendorIds.push(id);
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const launch = async () => {
    const planner = new ProcedureDriver({ definition, calendars: TEST_CALENDARS, jurisdiction: JURISDICTION });
    const launched = await stack.call('POST', '/cycles', await as('administrator'), { definitionKey: PROCEDURE, inputs: formFor(definition.inputs) });
    expect(launched.status).toBe(201);
    return { cycleId: launched.body['cycleId'] as string, planner };
  };
  const detail = async (cycleId: string) => (await stack.call<CycleDetail>('GET', `/cycles/${encodeURIComponent(cycleId)}`, await as('administrator'))).body;
  const openTasks = async (cycleId: string, role: string) =>
    (await stack.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await as(role))).body.tasks.filter((t) => t.status === 'open' && t.role === role);
  /** Decides a task, by a second person of the role when four-eyes asks for one. */
  const decide = async (task: TaskView, body: Record<string, unknown>) => {
    const send = async (second: boolean) => stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await as(task.role, second), { requestId: randomUUID(), fields: {}, ...body });
    const first = await send(false);
    return first.status === 403 && /four-eyes/i.test(String(first.body['message'])) ? send(true) : first;
  };
  const bid = async (cycleId: string, vendorId: string, priceFen: number) =>
    stack.call('POST', `/cycles/${encodeURIComponent(cycleId)}/bids`, await as('procurement-centre'), { requestId: randomUUID(), vendorId, priceFen });
  /**
   * Decides every open task happily until the cycle shows `nodeId`'s task open (returned) or, when
   * `nodeId` is undefined, bidding open; time skips to the next timer whenever nobody has anything to do.
   */
  const driveTo = async (cycleId: string, planner: ProcedureDriver, nodeId?: string): Promise<TaskView | undefined> => {
    const roles = definition.roles.map((role) => role.id).filter((role) => role !== 'vendor');
    for (let round = 0; round < 200; round++) {
      const cycle = await detail(cycleId);
      expect(cycle.status).toBe('running');
      if (nodeId === undefined && cycle.live?.biddingOpen) return undefined;
      const open = (await Promise.all(roles.map((role) => openTasks(cycleId, role)))).flat();
      const wanted = open.find((task) => task.nodeId === nodeId);
      if (wanted) return wanted;
      if (open[0]) {
        const { outcome, fields } = planner.happyDecision(open[0] as unknown as TaskInstance, { bids: [], budgetTotal: 0 });
        const answer = await decide(open[0], { outcome, fields });
        if (answer.status !== 200 && answer.status !== 409) throw new Error(`deciding ${open[0].id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        continue;
      }
      const next = cycle.live?.pendingTimers.map((timer) => timer.until).sort()[0];
      if (cycle.live?.waitingFor.some((w) => w.kind === 'decision') || !next) {
        const before = JSON.stringify(cycle);
        await eventually(() => detail(cycleId), (now) => JSON.stringify(now) !== before);
      } else await stack.env.sleep(Math.max(1000, Date.parse(next) - (await stack.env.currentTimeMs()) + 1000));
    }
    throw new Error(`cycle ${cycleId} never reached ${nodeId ?? 'bidding'}`);
  };
  /** The proposal of the method, with its market assessment filled in as the planner would. */
  const proposal = (planner: ProcedureDriver, task: TaskView, method: string) => ({ outcome: 'submit', fields: { ...planner.happyDecision(task as unknown as TaskInstance, { bids: [], budgetTotal: 0 }).fields, method } });

  it('falls back from an open tender with one bid to single source, which bids only after finance approved the switch and awards its one bid', async () => {
    const { cycleId, planner } = await launch();
    const [first, second, third] = vendorIds as [string, string, string];

    // Round 1, open tender: one qualified bid, three needed (minimumBidders 3).
    await driveTo(cycleId, planner);
    expect((await bid(cycleId, first, 900_000)).status).toBe(201);
    const failed = (await driveTo(cycleId, planner, 'failedBidding'))!;
    expect((await decide(failed, { outcome: 'return', comment: '合格供应商不足三家，申请改为单一来源采购' })).status).toBe(200);

    const propose = (await driveTo(cycleId, planner, 'proposeMethod'))!;
    expect((await decide(propose, proposal(planner, propose, 'singleSource'))).status).toBe(200);
    const approve = (await driveTo(cycleId, planner, 'approveMethod'))!;

    // Before finance approves the switch, nobody may bid: nothing is written.
    const before = await detail(cycleId);
    const early = await bid(cycleId, second, 880_000);
    expect(early.status).toBe(409);
    expect(early.body['message']).toEqual(expect.stringContaining('not open'));
    expect((await detail(cycleId)).bids).toEqual(before.bids);

    expect((await decide(approve, { outcome: 'approve' })).status).toBe(200);
    await driveTo(cycleId, planner);
    expect((await bid(cycleId, second, 880_000)).status).toBe(201);
    // A single-source round takes one supplier's offer.
    const another = await bid(cycleId, third, 870_000);
    expect(another.status).toBe(409);
    expect(another.body['details']).toEqual([expect.objectContaining({ field: 'vendorId' })]);

    // Round 2, single source: one qualified bid is enough, and the panel awards it.
    const award = (await driveTo(cycleId, planner, 'award'))!;
    const cycle = await detail(cycleId);
    const single = cycle.bids.filter((b) => b.round === 2);
    expect(single.map((b) => [b.vendorId, b.qualified])).toEqual([[second, true]]);
    const selection = definition.steps.find((step) => step.kind === 'vendorSelection');
    const criteria = selection?.kind === 'vendorSelection' ? selection.selection.evaluation.criteria : [];
    const scores = { [single[0]!.bidId]: Object.fromEntries(criteria.map((c) => [c.id, 90])) };
    const awarded = await decide(award, { outcome: 'approve', payload: { kind: 'award', scores, winners: [{ bidId: single[0]!.bidId, amountFen: 880_000 }] } });
    expect(awarded.status).toBe(200);
    const confirm = (await driveTo(cycleId, planner, 'confirmAward'))!;
    expect((await decide(confirm, { outcome: 'approve' })).status).toBe(200);
    const contracted = await eventually(
      () => detail(cycleId),
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
    const { cycleId, planner } = await launch();
    const [first, second, third, uninvited] = vendorIds as [string, string, string, string];
    const propose = (await driveTo(cycleId, planner, 'proposeMethod'))!;

    const unregistered = await decide(propose, { ...proposal(planner, propose, 'invitedTender'), payload: { kind: 'invitations', vendorIds: [first, second, randomUUID()] } });
    expect(unregistered.status).toBe(422);
    expect(unregistered.body['details']).toEqual([expect.objectContaining({ field: 'payload.vendorIds.2' })]);
    const tooFew = await decide(propose, { ...proposal(planner, propose, 'invitedTender'), payload: { kind: 'invitations', vendorIds: [first, second] } });
    expect(tooFew.status).toBe(422);
    expect(tooFew.body['details']).toEqual([expect.objectContaining({ field: 'payload.vendorIds' })]);
    const invited = await decide(propose, { ...proposal(planner, propose, 'invitedTender'), payload: { kind: 'invitations', vendorIds: [first, second, third] } });
    expect(invited.status).toBe(200);

    const approve = (await driveTo(cycleId, planner, 'approveMethod'))!;
    expect((await decide(approve, { outcome: 'approve' })).status).toBe(200);
    await driveTo(cycleId, planner);

    const before = await detail(cycleId);
    const refused = await bid(cycleId, uninvited, 800_000);
    expect(refused.status).toBe(403);
    expect(refused.body['details']).toEqual([expect.objectContaining({ field: 'vendorId' })]);
    const after = await detail(cycleId);
    expect(after.bids).toEqual(before.bids);
    expect(after.audit.length).toBe(before.audit.length);
    expect((await bid(cycleId, first, 800_000)).status).toBe(201);

    // The invitation list is a decision of the audit trail: who invited whom.
    const decision = after.audit.find((entry) => entry.action === 'task.submitted' && entry.details['nodeId'] === 'proposeMethod');
    expect(decision?.actorRole).toBe('justice-bureau');
    expect((decision?.details['fields'] as Record<string, unknown> | undefined)?.['invitedVendorIds']).toBe([first, second, third].join(','));
    expect(incidentsOf(after)).toEqual([]);
  });
});
