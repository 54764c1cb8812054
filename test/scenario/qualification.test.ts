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
 * Qualification as Baotou's mediation procedure states it, through the HTTP API on a time-skipping
 * Temporal server and a real PostgreSQL: its criteria are verified by the role it names (the justice
 * bureau, not civil affairs); a vendor missing a criterion, or whose evidence expired, cannot bid; and a
 * vendor suspended after bidding cannot be awarded.
 */
describe('vendor qualification in the Baotou mediation procedure, through the HTTP API', () => {
  let stack: ScenarioStack;
  let definition: ProcedureDefinition;
  let criteria: string[] = [];
  const as = (role: string, second = false) => stack.token(`${second ? 'second' : 'first'}.${role}`, role, JURISDICTION);
  const register = async (name: string, evidence: Array<Record<string, unknown>>) => {
    const registered = await stack.call('POST', '/vendors', await as('administrator'), { name, creditCode: freshCreditCode(), registrationType: 'socialServiceAgency', evidence });
    expect(registered.status).toBe(201);
    return registered.body['id'] as string;
  };
  const verify = async (vendorId: string, role = 'justice-bureau') => stack.call('POST', `/vendors/${vendorId}/verification`, await as(role), { decision: 'verified', role });

  beforeAll(async () => {
    stack = await ScenarioStack.start('scenario_qualify');
    const admin = await as('administrator');
    const file = `${PROCEDURE}.yaml`;
    const deployed = await stack.call('POST', '/definitions', admin, { files: [{ file, text: readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', file), 'utf8') }] });
    expect(deployed.status).toBe(201);
    await stack.deployCalendars();
    definition = (await stack.call<{ definition: ProcedureDefinition }>('GET', `/definitions/${PROCEDURE}/versions/1`, admin)).body.definition;
    const selection = definition.steps.find((step) => step.kind === 'vendorSelection');
    criteria = selection?.kind === 'vendorSelection' ? selection.selection.qualification.criteria.map((c) => c.id) : [];
    expect(criteria.length).toBeGreaterThan(1);
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

  it('lets only the role the procedure names verify: civil affairs is refused 403 naming role, the justice bureau verifies', async () => {
    const vendorId = await register('包头公正调解中心', criteria.map((criterionId) => ({ criterionId, document: `${criterionId}证明材料` })));
    const wrong = await verify(vendorId, 'civil-affairs');
    expect(wrong.status).toBe(403);
    expect(wrong.body['details']).toEqual([expect.objectContaining({ field: 'role' })]);
    // A role the caller does not hold is refused too, whatever the procedure says.
    const notHeld = await stack.call('POST', `/vendors/${vendorId}/verification`, await as('civil-affairs'), { decision: 'verified', role: 'justice-bureau' });
    expect(notHeld.status).toBe(403);
    expect(notHeld.body['details']).toEqual([expect.objectContaining({ field: 'role' })]);
    const vendor = (await stack.call('GET', `/vendors/${vendorId}`, await as('administrator'))).body;
    expect((vendor['evidence'] as Array<{ verifications: unknown[] }>).every((item) => item.verifications.length === 0)).toBe(true);

    const right = await verify(vendorId);
    expect(right.status).toBe(200);
    expect(right.body['verificationStatus']).toBe('verified');
    expect((right.body['evidence'] as Array<{ criterionId: string; verifications: Array<{ role: string }> }>).map((item) => [item.criterionId, item.verifications.map((v) => v.role)])).toEqual(
      criteria.map((criterionId) => [criterionId, ['justice-bureau']]),
    );
  });

  it('refuses a bid from a vendor missing one criterion or with expired evidence (422 naming the criterion), and a vendor suspended after bidding cannot be awarded', async () => {
    const [missing, ...others] = criteria as [string, ...string[]];
    const qualified: string[] = [];
    for (const name of ['包头和事佬调解中心', '包头明理调解服务社', '包头安和社会工作服务中心', '包头邻里调解工作室']) {
      const id = await register(name, criteria.map((criterionId) => ({ criterionId, document: `${criterionId}证明材料`, validUntil: '2099-12-31' })));
      expect((await verify(id)).status).toBe(200);
      qualified.push(id);
    }
    const lacking = await register('包头缺项调解社', others.map((criterionId) => ({ criterionId, document: `${criterionId}证明材料` })));
    expect((await verify(lacking)).status).toBe(200);
    // Valid until the last day of 2020: expired whatever day the API runs on.
    const expired = await register('包头过期调解社', criteria.map((criterionId) => ({ criterionId, document: `${criterionId}证明材料`, ...(criterionId === missing ? { validUntil: '2020-12-31' } : {}) })));
    expect((await verify(expired)).status).toBe(200);

    const { cycleId, planner } = await launch();
    await driveTo(cycleId, planner);
    const before = await detail(cycleId);

    const noCriterion = await bid(cycleId, lacking, 900_000);
    expect(noCriterion.status).toBe(422);
    expect(noCriterion.body['details']).toEqual([{ field: 'vendorId', problem: expect.stringContaining(`missing: criterion "${missing}"`) }]);
    const outOfDate = await bid(cycleId, expired, 900_000);
    expect(outOfDate.status).toBe(422);
    expect(outOfDate.body['details']).toEqual([{ field: 'vendorId', problem: expect.stringContaining(`expired: criterion "${missing}"`) }]);
    const after = await detail(cycleId);
    expect(after.bids).toEqual(before.bids);
    expect(after.audit.length).toBe(before.audit.length);

    for (const [index, vendorId] of qualified.entries()) expect((await bid(cycleId, vendorId, 900_000 - index * 10_000)).status).toBe(201);
    const [suspendedId, winnerId] = qualified as [string, string];
    const suspended = await stack.call('POST', `/vendors/${suspendedId}/suspension`, await as('administrator'), { reason: '开标后发现提供虚假材料' });
    expect(suspended.status).toBe(200);

    const award = (await driveTo(cycleId, planner, 'award'))!;
    const cycle = await detail(cycleId);
    const bids = cycle.bids.filter((b) => b.qualified);
    expect(bids.map((b) => b.vendorId).sort()).toEqual([...qualified].sort());
    const selection = definition.steps.find((step) => step.kind === 'vendorSelection');
    const evaluation = selection?.kind === 'vendorSelection' ? selection.selection.evaluation.criteria : [];
    const scores = Object.fromEntries(bids.map((b) => [b.bidId, Object.fromEntries(evaluation.map((c) => [c.id, 90]))]));
    const suspendedBid = bids.find((b) => b.vendorId === suspendedId)!;
    const winnerBid = bids.find((b) => b.vendorId === winnerId)!;

    const refused = await decide(award, { outcome: 'approve', payload: { kind: 'award', scores, winners: [{ bidId: suspendedBid.bidId, amountFen: suspendedBid.priceFen }] } });
    expect(refused.status).toBe(409);
    expect(refused.body['details']).toEqual([{ field: 'payload.winners.0.bidId', problem: expect.stringContaining(suspendedId) }]);
    expect(String(refused.body['message'])).toContain('开标后发现提供虚假材料');
    const unchanged = await detail(cycleId);
    expect(unchanged.tasks.open.map((t) => t.id)).toContain(award.id);
    expect(unchanged.contracts).toEqual([]);
    expect(unchanged.audit.length).toBe(cycle.audit.length);

    const awarded = await decide(award, { outcome: 'approve', payload: { kind: 'award', scores, winners: [{ bidId: winnerBid.bidId, amountFen: winnerBid.priceFen }] } });
    expect(awarded.status).toBe(200);
    expect(incidentsOf(await detail(cycleId))).toEqual([]);
  });
});
