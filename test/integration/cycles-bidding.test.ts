import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { tokenFor } from '../support/api-server.js';
import { eventually } from '../support/eventually.js';
import { type PendingTimerView, skipPastTimer } from '../support/time-skipping.js';
import { type ProcurementApi, startProcurementApi } from '../support/procurement-api.js';
import { freshCreditCode, readModelChangedOnlyBy, readModelSnapshot } from '../support/procurement-fixtures.js';
import { calendarFilesAround } from '../support/calendars.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';

interface TaskView {
  id: string;
  taskInstanceId: string;
  workflowId: string;
  contractId: string | null;
}

/**
 * Bids and awards through the API, on the real time-skipping server (the minimal procedure's comment
 * period is ten days and its bidding window twenty): qualified vendors' bids are taken once per
 * request, unqualified ones refused, the award is decided through the API, and the awarded contract's
 * task is decided through the same endpoint, which sends it to the contract's own workflow.
 */
describe('bidding and awarding through the API (time-skipping)', () => {
  let api: ProcurementApi;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    api = await startProcurementApi('cycles-bidding');
    const people: Record<string, string[]> = {
      admin: ['administrator'],
      drafter: ['justice-bureau'],
      panel: ['justice-bureau'],
      reviewer: ['finance-bureau'],
      civil: ['civil-affairs'],
      centre: ['procurement-centre'],
    };
    for (const [who, roles] of Object.entries(people)) tokens[who] = await tokenFor({ userId: who, name: who, roles, jurisdiction: JURISDICTION });
    // Holiday calendars apply to every jurisdiction: only a national administrator deploys them.
    tokens['nationalAdmin'] = await tokenFor({ userId: 'nationalAdmin', name: 'nationalAdmin', roles: ['administrator'], jurisdiction: 'cn' });
  });

  afterAll(async () => {
    await api?.close();
  });

  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown) => api.call<T>(method, route, tokens[who], body);
  /** The cycle's pending timers, as its live state lists them. */
  const pendingTimers = (id: string) => async () =>
    (await call<{ live: { pendingTimers: PendingTimerView[] } | null }>('GET', `/cycles/${encodeURIComponent(id)}`, 'admin')).body.live?.pendingTimers ?? [];
  const openTask = async (cycleId: string, nodeId: string, who: string) => {
    const { body } = await eventually(
      () => call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who),
      (answer) => answer.body.tasks.some((task) => task.taskInstanceId.startsWith(`${nodeId}#`)),
    );
    return body.tasks.find((task) => task.taskInstanceId.startsWith(`${nodeId}#`)) as TaskView;
  };
  const decide = (taskId: string, who: string, body: Record<string, unknown>) =>
    call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, who, { requestId: randomUUID(), fields: {}, ...body });
  const register = async (name: string, verify: boolean) => {
    const answer = await call('POST', '/vendors', 'admin', {
      name,
      creditCode: freshCreditCode(),
      registrationType: 'socialServiceAgency',
      evidence: [{ criterionId: 'registered', document: `${name}登记证书` }],
    });
    const id = answer.body['id'] as string;
    if (verify) expect((await call('POST', `/vendors/${id}/verification`, 'drafter', { decision: 'verified' })).status).toBe(200);
    return id;
  };

  it('takes qualified bids once per request, awards them, and decides the contract’s task in the contract workflow', async () => {
    const deployed = await call('POST', '/definitions', 'admin', {
      files: [{ file: 'minimal-procedure.yaml', text: readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8') }],
    });
    expect(deployed.status).toBe(201);
    const calendar = await call('POST', '/definitions', 'nationalAdmin', {
      files: calendarFilesAround(),
    });
    expect(calendar.status).toBe(201);
    const sunshine = await register('测试县阳光社会工作服务中心', true);
    const harmony = await register('测试县和谐社工事务所', true);
    const suspended = await register('测试县旧城服务社', true);
    const unverified = await register('测试县新星社工事务所', false);
    expect((await call('POST', `/vendors/${suspended}/suspension`, 'admin', { reason: '年度绩效评价不合格' })).status).toBe(200);

    const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } });
    expect(launched.status).toBe(201);
    const cycleId = launched.body['cycleId'] as string;

    const draft = await openTask(cycleId, 'draftBudget', 'drafter');
    expect((await decide(draft.id, 'drafter', { outcome: 'submit', fields: { justification: '按在册人数编制' } })).status).toBe(200);
    expect((await decide(`${cycleId}/reviewBudget#1`, 'reviewer', { outcome: 'approve' })).status).toBe(200);

    // The ten-day comment period passes; bidding opens.
    await skipPastTimer(api.env, pendingTimers(cycleId), 'wait');
    await eventually(
      () => call<{ live: { biddingOpen: boolean } | null }>('GET', `/cycles/${cycleId}`, 'admin'),
      (answer) => answer.body.live?.biddingOpen === true,
    );

    const click = { requestId: randomUUID(), vendorId: sunshine, priceFen: 1_800_000 };
    const [first, second] = await Promise.all([
      call('POST', `/cycles/${cycleId}/bids`, 'centre', click),
      call('POST', `/cycles/${cycleId}/bids`, 'centre', click),
    ]);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body).toEqual(first.body);
    expect(first.body).toMatchObject({ cycleId, vendorId: sunshine, vendorName: '测试县阳光社会工作服务中心', priceFen: 1_800_000, stepId: 'vendorSelection' });
    const again = await call('POST', `/cycles/${cycleId}/bids`, 'centre', { ...click, requestId: randomUUID() });
    expect(again.status).toBe(409);
    expect(again.body['message']).toContain('has already bid in this round');

    const before = await readModelSnapshot(api.dataSource);
    const refused = await call('POST', `/cycles/${cycleId}/bids`, 'centre', { requestId: randomUUID(), vendorId: suspended, priceFen: 1_000_000 });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ message: expect.stringContaining('was suspended'), details: [{ field: 'vendorId', problem: expect.stringMatching(/^suspended: /) }] });
    // Nothing is written but the refusal's own audit entry.
    const { rest, entries } = await readModelChangedOnlyBy(api.dataSource, 'bid.refused');
    expect(rest).toEqual(before);
    expect(entries).toEqual([expect.objectContaining({ actor_id: 'centre', subject_type: 'vendor', subject_id: suspended, details: expect.objectContaining({ cycleId, reason: 'suspended' }) })]);
    // An unverified vendor: 422 with one problem per criterion not met, and its audit entry beside the first.
    const unqualified = await call('POST', `/cycles/${cycleId}/bids`, 'centre', { requestId: randomUUID(), vendorId: unverified, priceFen: 1_000_000 });
    expect(unqualified.status).toBe(422);
    expect(unqualified.body).toMatchObject({ message: expect.stringContaining('"registered" (依法设立) is not verified by justice-bureau'), details: [{ field: 'vendorId', problem: expect.stringMatching(/^unverified: /) }] });
    const afterUnqualified = await readModelChangedOnlyBy(api.dataSource, 'bid.refused');
    expect(afterUnqualified.rest).toEqual(before);
    // The trail is ordered by its idempotency keys, which end in random request ids: compare without order.
    expect(afterUnqualified.entries).toHaveLength(2);
    expect(afterUnqualified.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ subject_id: suspended }),
        expect.objectContaining({ actor_id: 'centre', subject_type: 'vendor', subject_id: unverified, details: expect.objectContaining({ cycleId, reason: 'unqualified', unmet: [expect.stringContaining('"registered" (依法设立) is not verified')] }) }),
      ]),
    );
    const unknown = await call('POST', `/cycles/${cycleId}/bids`, 'centre', { requestId: randomUUID(), vendorId: randomUUID(), priceFen: 1_000_000 });
    expect(unknown.status).toBe(422);
    expect(unknown.body['details']).toEqual([{ field: 'vendorId', problem: 'no such vendor in the registry' }]);
    // While bidding is open, a finance-bureau officer, and a national administrator (who sees the cycle but bids
    // in no jurisdiction's), are refused before the registry is asked: 403, and no refusal is audited.
    const beforeForbidden = await readModelSnapshot(api.dataSource);
    for (const who of ['reviewer', 'nationalAdmin']) {
      const forbidden = await call('POST', `/cycles/${cycleId}/bids`, who, { requestId: randomUUID(), vendorId: suspended, priceFen: 1_000_000 });
      expect(forbidden.status).toBe(403);
    }
    expect(await readModelSnapshot(api.dataSource)).toEqual(beforeForbidden);
    expect((await call('POST', `/cycles/${cycleId}/bids`, 'admin', { requestId: randomUUID(), vendorId: harmony, priceFen: 1_900_000 })).status).toBe(201);

    // The twenty-day window closes with two qualified bids: the panel awards.
    await skipPastTimer(api.env, pendingTimers(cycleId), 'bidding');
    const award = await openTask(cycleId, 'award', 'panel');
    const detail = await call<{ bids: Array<{ bidId: string; vendorId: string; qualified: boolean }> }>('GET', `/cycles/${cycleId}`, 'admin');
    const bids = detail.body.bids;
    expect(bids.map((bid) => [bid.vendorId, bid.qualified]).sort()).toEqual([[harmony, true], [sunshine, true]].sort());
    const sunshineBid = bids.find((bid) => bid.vendorId === sunshine)?.bidId ?? '';
    const scores = Object.fromEntries(bids.map((bid) => [bid.bidId, { price: 85, plan: 90 }]));
    const harmonyBid = bids.find((bid) => bid.vendorId === harmony)?.bidId ?? '';
    // Both vendors at their own prices: 1,800,000 + 1,900,000 = 3,700,000 fen, above the 2,000,000 fen budget.
    const badAward = await decide(award.id, 'panel', {
      outcome: 'approve',
      payload: { kind: 'award', scores, winners: [{ bidId: sunshineBid, amountFen: 1_800_000 }, { bidId: harmonyBid, amountFen: 1_900_000 }] },
    });
    expect(badAward.status).toBe(422);
    expect(badAward.body['message']).toContain('add up to 3700000 fen, above the approved budget of 2000000 fen');
    const awarded = await decide(award.id, 'panel', { outcome: 'approve', payload: { kind: 'award', scores, winners: [{ bidId: sunshineBid, amountFen: 1_800_000 }] } });
    expect(awarded.status).toBe(200);
    expect(awarded.body).toMatchObject({ status: 'completed', openTasks: [] });

    // The contract runs in its own workflow; its task is decided through the same endpoint.
    const contractId = `${cycleId}/contract/${sunshine}`;
    const sign = await openTask(cycleId, 'signContract', 'drafter');
    expect(sign).toMatchObject({ id: `${contractId}/signContract#1`, workflowId: contractId, contractId });
    const signed = await decide(sign.id, 'drafter', { outcome: 'submit', comment: '合同已签订并报财政备案' });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ cycleId, workflowId: contractId, stepId: 'performanceManagement' });

    const shown = await eventually(
      () =>
        call<{
          status: string;
          contracts: Array<{ id: string; status: string; currentStep: string | null }>;
          bids: Array<{ vendorId: string; won: boolean }>;
          payments: Array<{ contractId: string; trancheId: string; amountFen: number }>;
          live: { status: string; contracts: Array<{ contractId: string; stepId: string | null }> } | null;
        }>('GET', `/cycles/${cycleId}`, 'admin'),
      (answer) => answer.body.payments.length === 1 && answer.body.contracts[0]?.currentStep === 'performanceManagement',
    );
    expect(shown.body).toMatchObject({
      status: 'awarded',
      contracts: [{ id: contractId, status: 'running', currentStep: 'performanceManagement' }],
      // Half the contract amount is working funds, paid at signing.
      payments: [{ contractId, trancheId: 'workingFunds', amountFen: 900_000 }],
      live: { status: 'awaitingContracts', contracts: [{ contractId, stepId: 'performanceManagement' }] },
    });
    expect(shown.body.bids.filter((bid) => bid.won).map((bid) => bid.vendorId)).toEqual([sunshine]);
    // Both bids were entered on the vendors' behalf (by the procurement centre and an administrator).
    const bidAudits = await api.dataSource.query(`SELECT count(*)::int AS n FROM audit_entries WHERE action = 'bid.enteredOnBehalf' AND details->>'cycleId' = $1`, [cycleId]);
    expect(bidAudits).toEqual([{ n: 2 }]);
  });
});
