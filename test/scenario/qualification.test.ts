import { incidentsOf, ProcedureScenario, ScenarioStack } from './http-driver.js';

const JURISDICTION = 'nm-baotou';
const PROCEDURE = 'baotou-people-mediation';

/**
 * Qualification as Baotou's mediation procedure states it, through the HTTP API on a time-skipping
 * Temporal server and a real PostgreSQL: its criteria are verified by the role it names (the justice
 * bureau, not civil affairs); a vendor missing a criterion, or whose evidence expired, cannot bid; and a
 * vendor suspended after bidding cannot be awarded.
 */
describe('vendor qualification in the Baotou mediation procedure, through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('scenario_qualify');
  let scenario: ProcedureScenario;
  let criteria: string[] = [];

  beforeAll(async () => {
    scenario = await ProcedureScenario.deploy(stack, JURISDICTION, PROCEDURE);
    criteria = scenario.qualificationCriteria;
    expect(criteria.length).toBeGreaterThan(1);
  });

  const verify = (vendorId: string, role = 'justice-bureau') => scenario.verify(vendorId, role);

  it('lets only the role the procedure names verify: civil affairs is refused 403 naming role, the justice bureau verifies', async () => {
    const vendorId = await scenario.registerVendor('包头公正调解中心');
    const wrong = await verify(vendorId, 'civil-affairs');
    expect(wrong.status).toBe(403);
    expect(wrong.body['details']).toEqual([expect.objectContaining({ field: 'role' })]);
    // A role the caller does not hold is refused too, whatever the procedure says.
    const notHeld = await stack.call('POST', `/vendors/${vendorId}/verification`, await scenario.as('civil-affairs'), { decision: 'verified', role: 'justice-bureau' });
    expect(notHeld.status).toBe(403);
    expect(notHeld.body['details']).toEqual([expect.objectContaining({ field: 'role' })]);
    const vendor = (await stack.call('GET', `/vendors/${vendorId}`, await scenario.as('administrator'))).body;
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
      const id = await scenario.registerVendor(name, criteria.map((criterionId) => ({ criterionId, document: `${criterionId}证明材料`, validUntil: '2099-12-31' })));
      expect((await verify(id)).status).toBe(200);
      qualified.push(id);
    }
    const lacking = await scenario.registerVendor('包头缺项调解社', others.map((criterionId) => ({ criterionId, document: `${criterionId}证明材料` })));
    expect((await verify(lacking)).status).toBe(200);
    // Valid until the last day of 2020: expired whatever day the API runs on.
    const expired = await scenario.registerVendor('包头过期调解社', criteria.map((criterionId) => ({ criterionId, document: `${criterionId}证明材料`, ...(criterionId === missing ? { validUntil: '2020-12-31' } : {}) })));
    expect((await verify(expired)).status).toBe(200);

    const { cycleId, planner } = await scenario.launch();
    await scenario.driveTo(cycleId, planner);
    const before = await scenario.detail(cycleId);

    const noCriterion = await scenario.bid(cycleId, lacking, 900_000);
    expect(noCriterion.status).toBe(422);
    expect(noCriterion.body['details']).toEqual([{ field: 'vendorId', problem: expect.stringContaining(`missing: criterion "${missing}"`) }]);
    const outOfDate = await scenario.bid(cycleId, expired, 900_000);
    expect(outOfDate.status).toBe(422);
    expect(outOfDate.body['details']).toEqual([{ field: 'vendorId', problem: expect.stringContaining(`expired: criterion "${missing}"`) }]);
    const after = await scenario.detail(cycleId);
    expect(after.bids).toEqual(before.bids);
    expect(after.audit.length).toBe(before.audit.length);

    for (const [index, vendorId] of qualified.entries()) expect((await scenario.bid(cycleId, vendorId, 900_000 - index * 10_000)).status).toBe(201);
    const [suspendedId, winnerId] = qualified as [string, string];
    const suspended = await stack.call('POST', `/vendors/${suspendedId}/suspension`, await scenario.as('administrator'), { reason: '开标后发现提供虚假材料' });
    expect(suspended.status).toBe(200);

    const award = (await scenario.driveTo(cycleId, planner, 'award'))!;
    const cycle = await scenario.detail(cycleId);
    const bids = cycle.bids.filter((b) => b.qualified);
    expect(bids.map((b) => b.vendorId).sort()).toEqual([...qualified].sort());
    const scores = scenario.awardScores(bids);
    const suspendedBid = bids.find((b) => b.vendorId === suspendedId)!;
    const winnerBid = bids.find((b) => b.vendorId === winnerId)!;

    const refused = await scenario.decide(award, { outcome: 'approve', payload: { kind: 'award', scores, winners: [{ bidId: suspendedBid.bidId, amountFen: suspendedBid.priceFen }] } });
    expect(refused.status).toBe(409);
    expect(refused.body['details']).toEqual([{ field: 'payload.winners.0.bidId', problem: expect.stringContaining(suspendedId) }]);
    expect(String(refused.body['message'])).toContain('开标后发现提供虚假材料');
    const unchanged = await scenario.detail(cycleId);
    expect(unchanged.tasks.open.map((t) => t.id)).toContain(award.id);
    expect(unchanged.contracts).toEqual([]);
    expect(unchanged.audit.length).toBe(cycle.audit.length);

    const awarded = await scenario.decide(award, { outcome: 'approve', payload: { kind: 'award', scores, winners: [{ bidId: winnerBid.bidId, amountFen: winnerBid.priceFen }] } });
    expect(awarded.status).toBe(200);
    expect(incidentsOf(await scenario.detail(cycleId))).toEqual([]);
  });
});
