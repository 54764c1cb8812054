import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { tokenFor } from '../support/api-server.js';
import { calendarFilesAround } from '../support/calendars.js';
import { eventually } from '../support/eventually.js';
import { type ProcurementApi, startProcurementApi } from '../support/procurement-api.js';
import { freshCreditCode } from '../support/procurement-fixtures.js';
import { type PendingTimerView, skipPastTimer } from '../support/time-skipping.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';

/**
 * Ops staff terminate a running contract whose workflow cannot go on: Temporal terminates it, and the API
 * records the end, withdraws its tasks and audits the reason. A cycle awarded through the HTTP API on a
 * time-skipping Temporal server.
 */
describe('ops terminate a contract', () => {
  let api: ProcurementApi;
  const tokens: Record<string, string> = {};
  let cycleId = '';
  let contractId = '';

  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown) => api.call<T>(method, route, tokens[who], body);
  const pendingTimers = (id: string) => async () =>
    (await call<{ live: { pendingTimers: PendingTimerView[] } | null }>('GET', `/cycles/${encodeURIComponent(id)}`, 'admin')).body.live?.pendingTimers ?? [];
  const inbox = async (who: string) => (await call<{ tasks: Array<{ id: string; nodeId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who)).body.tasks;
  const decide = (taskId: string, who: string, body: Record<string, unknown>) => call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, who, { requestId: randomUUID(), fields: {}, ...body });

  beforeAll(async () => {
    api = await startProcurementApi('ops_terminate_contract');
    const people: Record<string, { roles: string[]; jurisdiction?: string }> = {
      admin: { roles: ['administrator'] },
      justice: { roles: ['justice-bureau'] },
      finance: { roles: ['finance-bureau'] },
      ops: { roles: ['ops'] },
      national: { roles: ['administrator'], jurisdiction: 'cn' },
    };
    for (const [who, person] of Object.entries(people)) tokens[who] = await tokenFor({ userId: who, name: who, roles: person.roles, jurisdiction: person.jurisdiction ?? JURISDICTION });
    const procedure = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
    expect((await call('POST', '/definitions', 'national', { files: calendarFilesAround() })).status).toBe(201);
    expect((await call('POST', '/definitions', 'admin', { files: [{ file: 'minimal-procedure.yaml', text: procedure }] })).status).toBe(201);

    const register = async (name: string) => {
      const created = await call('POST', '/vendors', 'admin', {
        name,
        creditCode: freshCreditCode(),
        registrationType: 'socialServiceAgency',
        evidence: [{ criterionId: 'registered', document: `${name}登记证书` }],
        jurisdiction: JURISDICTION,
      });
      expect(created.status).toBe(201);
      const id = created.body['id'] as string;
      expect((await call('POST', `/vendors/${id}/verification`, 'justice', { decision: 'verified' })).status).toBe(200);
      return id;
    };
    // The procedure wants two bids: one wins, the other is scored.
    const vendorId = await register('测试县阳光社会工作服务中心');
    const otherId = await register('测试县和谐社工事务所');
    tokens['staff'] = await tokenFor({ userId: 'staff', name: '阳光职员', roles: ['vendor'], jurisdiction: JURISDICTION, vendorId });
    tokens['otherStaff'] = await tokenFor({ userId: 'other.staff', name: '和谐职员', roles: ['vendor'], jurisdiction: JURISDICTION, vendorId: otherId });

    cycleId = (await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } })).body['cycleId'] as string;
    const draft = await eventually(() => inbox('justice'), (tasks) => tasks.some((t) => t.nodeId === 'draftBudget'));
    expect((await decide(draft[0]?.id ?? '', 'justice', { outcome: 'submit', fields: { justification: '按在册人数编制' } })).status).toBe(200);
    expect((await decide(`${cycleId}/reviewBudget#1`, 'finance', { outcome: 'approve' })).status).toBe(200);
    await skipPastTimer(api.env, pendingTimers(cycleId), 'wait');
    await eventually(() => call<{ selection: { biddingOpen: boolean } }>('GET', `/cycles/${cycleId}`, 'admin'), (answer) => answer.body.selection.biddingOpen);
    const bid = await call('POST', `/cycles/${cycleId}/bids`, 'staff', { requestId: randomUUID(), vendorId, priceFen: 1_800_000 });
    expect(bid.status).toBe(201);
    const other = await call('POST', `/cycles/${cycleId}/bids`, 'otherStaff', { requestId: randomUUID(), vendorId: otherId, priceFen: 1_900_000 });
    expect(other.status).toBe(201);
    await skipPastTimer(api.env, pendingTimers(cycleId), 'bidding');
    const award = await eventually(() => inbox('justice'), (tasks) => tasks.some((t) => t.nodeId === 'award'));
    const awarded = await decide(award.find((t) => t.nodeId === 'award')?.id ?? '', 'justice', {
      outcome: 'approve',
      payload: { kind: 'award', scores: { [bid.body['bidId'] as string]: { price: 80, plan: 80 }, [other.body['bidId'] as string]: { price: 80, plan: 80 } }, winners: [{ bidId: bid.body['bidId'], amountFen: 1_800_000 }] },
    });
    expect(awarded.status).toBe(200);
    const sign = await eventually(() => inbox('justice'), (tasks) => tasks.some((t) => t.nodeId === 'signContract'));
    expect((await decide(sign.find((t) => t.nodeId === 'signContract')?.id ?? '', 'justice', { outcome: 'submit' })).status).toBe(200);
    await eventually(() => inbox('staff'), (tasks) => tasks.some((t) => t.nodeId === 'periods'));
    contractId = `${cycleId}/contract/${vendorId}`;
  });

  afterAll(async () => {
    await api?.close();
  });

  it('terminates it in Temporal, records the end and the reason; cancelling a contract alone is refused', async () => {
    const reason = '合同工作流无法继续运行，终止后线下处理';
    const route = `/ops/processes/${encodeURIComponent(contractId)}/termination`;
    expect((await call('POST', route, 'admin', { reason })).status).toBe(403);
    expect((await call('POST', `/ops/processes/${encodeURIComponent(contractId)}/cancellation`, 'ops', { reason })).body).toMatchObject({ details: [{ field: 'workflowId' }] });

    const answer = await call('POST', route, 'ops', { reason, requestId: 'terminate-contract-1' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ workflowId: contractId, kind: 'contract', action: 'terminate', outcome: 'done', status: 'terminated', reason, requestId: 'terminate-contract-1' });
    expect((await api.temporalClient.workflow.getHandle(contractId).describe()).status.name).toBe('TERMINATED');

    const contract = (await api.dataSource.query(`SELECT status, end_reason FROM contracts WHERE id = $1`, [contractId])) as unknown[];
    expect(contract).toEqual([{ status: 'terminated', end_reason: reason }]);
    expect(await inbox('staff')).toEqual([]);
    const audit = (await api.dataSource.query(`SELECT actor_id, actor_role, comment, details FROM audit_entries WHERE action = 'contract.terminated' AND subject_id = $1`, [contractId])) as unknown[];
    expect(audit).toEqual([{ actor_id: 'ops', actor_role: 'ops', comment: reason, details: { cycleId, requestId: 'terminate-contract-1', repair: 'terminate' } }]);

    // What the cycle does next (it concludes `terminated`, patch `cycle-survives-terminated-contract`) is not
    // asserted here: the time-skipping test server never tells a parent that its child was terminated
    // (temporalio/sdk-java#2921), and this cycle needs time skipped to be awarded at all.
  });
});
