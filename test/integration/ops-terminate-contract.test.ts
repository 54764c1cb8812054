import { awardMinimalContract } from '../support/awarded-contract.js';
import { type ProcurementApi, startProcurementApi } from '../support/procurement-api.js';


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
  const inbox = async (who: string) => (await call<{ tasks: Array<{ id: string; nodeId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who)).body.tasks;

  beforeAll(async () => {
    api = await startProcurementApi('ops_terminate_contract');
    ({ cycleId, contractId } = await awardMinimalContract(api, tokens));
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
