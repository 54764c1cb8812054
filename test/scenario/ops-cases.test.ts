import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCaseEvidenceActivities } from '../../activities/case-evidence.js';
import { caseWorkflowId } from '../../workflows/cases/messages.js';
import { eventually } from '../support/eventually.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { insertVendor, launchCycle, startContract } from '../support/procurement-fixtures.js';
import { ScenarioStack } from './http-driver.js';

const LIFECYCLE = readFileSync(fileURLToPath(new URL('../integration/fixtures/case-lifecycle.yaml', import.meta.url)), 'utf8');
const JURISDICTION = 'zj-deqing';

interface CaseView {
  id: string;
  state: string;
  final: boolean;
  status: string;
  endedAt: string | null;
  endReason: string | null;
  tasks: Array<{ id: string; status: string }>;
}
interface Repaired {
  workflowId: string;
  kind: string;
  action: string;
  outcome: string;
  status: string;
  reason: string;
  requestId: string;
}
interface AuditRow {
  action: string;
  actor_id: string;
  actor_role: string;
  comment: string;
  details: Record<string, unknown>;
}

/**
 * Ops end supervised persons' cases through the HTTP API, on the time-skipping server (a missed
 * half-month visit raises the task a cancellation must withdraw) and real PostgreSQL: cancel through the
 * case workflow, terminate through Temporal, and a bulk cancel of cases acting on exactly its dry run.
 */
describe('ops: cancelling and terminating cases', () => {
  const stack = ScenarioStack.forThisFile('ops-cases');
  let officer: string;
  let staff: string;
  let ops: string;
  let otherOps: string;
  let admin: string;
  let contractId: string;

  beforeAll(async () => {
    const national = await stack.token('national.administrator', 'administrator', 'cn');
    expect((await stack.call('POST', '/definitions', national, { files: [{ file: 'test-case-lifecycle.yaml', text: LIFECYCLE }] })).status).toBe(201);
    const vendor = await insertVendor(stack.dataSource, { name: '德清县阳光社工服务中心' });
    contractId = await startContract(stack.dataSource, await launchCycle(stack.dataSource, { jurisdiction: JURISDICTION }), { vendorId: vendor.id, vendorName: '德清县阳光社工服务中心' });
    officer = await stack.token('officer.1', 'judicial-office', JURISDICTION);
    staff = await stack.token('staff.1', 'vendor', JURISDICTION, vendor.id);
    ops = await stack.token('ops.1', 'ops', JURISDICTION);
    otherOps = await stack.token('ops.far', 'ops', 'gd-shenzhen');
    admin = await stack.token('admin.1', 'administrator', JURISDICTION);
  });

  const enrol = async (attributes: Record<string, unknown> = { isKeyPerson: true }): Promise<string> => {
    const enrolled = await stack.call<{ caseId: string }>('POST', '/cases', officer, { lifecycleKey: 'test-case-lifecycle', attributes, contractId });
    expect(enrolled.status).toBe(201);
    const { caseId } = enrolled.body;
    await eventually(() => stack.call<CaseView>('GET', `/cases/${caseId}`, officer), (answer) => answer.status === 200);
    return caseId;
  };
  const show = async (caseId: string) => (await stack.call<CaseView>('GET', `/cases/${caseId}`, officer)).body;
  const event = (caseId: string, token: string, type: string, payload: Record<string, unknown> = {}) =>
    stack.call<{ message?: string; state?: string }>('POST', `/cases/${caseId}/events`, token, { type, payload, requestId: randomUUID() });
  const repair = (caseId: string, action: 'cancellation' | 'termination', token: string, body: Record<string, unknown>) =>
    stack.call<Repaired & { details?: Array<{ field: string }> }>('POST', `/ops/processes/${encodeURIComponent(caseWorkflowId(caseId))}/${action}`, token, body);
  const audit = (caseId: string, action: string) =>
    stack.dataSource.query(`SELECT action, actor_id, actor_role, comment, details FROM audit_entries WHERE subject_type = 'case' AND subject_id = $1 AND action = $2`, [
      caseId,
      action,
    ]) as Promise<AuditRow[]>;
  const temporalStatus = async (caseId: string) => (await stack.env.client.workflow.getHandle(caseWorkflowId(caseId)).describe()).status.name;

  it('cancels a case through its workflow: its task withdrawn, its end audited once, its later evidence refused', async () => {
    const caseId = await enrol();
    expect((await event(caseId, officer, 'intake.completed')).body).toMatchObject({ state: 'supervision' });
    // The first half-month ends 2054-03-16 00:00 +08:00 without a visit: a breach, and the task it raises.
    await stack.skipTo('2054-03-15T16:00:01.000Z');
    const breached = await eventually(() => show(caseId), (view) => view.tasks.some((task) => task.status === 'open'));
    const taskId = breached.tasks.find((task) => task.status === 'open')?.id as string;
    expect(await served()).toBe(1);

    // Refusals first, each changing nothing: no ops role, another jurisdiction's ops, no reason.
    const reason = '当事人已收监执行，终止本案社区矫正服务';
    expect((await repair(caseId, 'cancellation', admin, { reason })).status).toBe(403);
    expect((await repair(caseId, 'cancellation', otherOps, { reason })).status).toBe(404);
    const blank = await repair(caseId, 'cancellation', ops, { reason: ' ' });
    expect([blank.status, blank.body.details?.map((d) => d.field)]).toEqual([422, ['reason']]);
    expect(await show(caseId)).toMatchObject({ status: 'running', final: false, state: 'supervision' });
    expect(await audit(caseId, 'case.cancelled')).toEqual([]);

    // A double click: two requests with one request id, at once; one effect, the same answer twice.
    const requestId = randomUUID();
    const [first, second] = await Promise.all([repair(caseId, 'cancellation', ops, { reason, requestId }), repair(caseId, 'cancellation', ops, { reason, requestId })]);
    const expected = { workflowId: caseWorkflowId(caseId), kind: 'case', action: 'cancel', outcome: 'done', status: 'cancelled', reason, requestId };
    expect([first.status, first.body]).toEqual([200, expected]);
    expect([second.status, second.body]).toEqual([200, expected]);

    const cancelled = await show(caseId);
    expect(cancelled).toMatchObject({ status: 'cancelled', endReason: reason, state: 'supervision', final: false });
    expect(cancelled.tasks.find((task) => task.id === taskId)).toMatchObject({ status: 'withdrawn' });
    expect(cancelled.tasks.filter((task) => task.status === 'open')).toEqual([]);
    expect(await audit(caseId, 'case.cancelled')).toEqual([
      {
        action: 'case.cancelled',
        actor_id: 'ops.1',
        actor_role: 'ops',
        comment: reason,
        details: { state: 'supervision', requestId, withdrawnTaskIds: [taskId], repair: 'cancel' },
      },
    ]);
    expect(await eventually(() => temporalStatus(caseId), (status) => status === 'COMPLETED')).toBe('COMPLETED');
    const listed = await stack.call<{ processes: Array<{ workflowId: string; status: string }> }>('GET', '/ops/processes?kind=case&status=cancelled', ops);
    expect(listed.body.processes.map((p) => p.workflowId)).toEqual([caseWorkflowId(caseId)]);

    // After its end: a repeat of the same request answers as the first did; any other cancel or terminate is 409.
    expect((await repair(caseId, 'cancellation', ops, { reason, requestId })).body).toEqual(expected);
    expect((await repair(caseId, 'cancellation', ops, { reason })).status).toBe(409);
    expect((await repair(caseId, 'termination', ops, { reason })).status).toBe(409);
    expect(await audit(caseId, 'case.cancelled')).toHaveLength(1);
    expect(await audit(caseId, 'case.terminated')).toEqual([]);

    // Evidence after the end: refused, and the ledger no longer counts the person as served.
    const visit = await event(caseId, staff, 'visit.recorded', { date: '2054-03-16' });
    expect([visit.status, visit.body.message]).toEqual([409, 'The case was cancelled; it takes no more events.']);
    expect((await stack.call('POST', `/cases/${caseId}/tasks/${taskId}`, officer, { comment: '已补做走访', requestId: randomUUID() })).status).toBe(409);
    expect(await served(new Date(Date.parse(cancelled.endedAt as string) + 1).toISOString())).toBe(0);
  });

  it('terminates a case in Temporal, and records its end and audit entry once', async () => {
    const caseId = await enrol({ isKeyPerson: false });
    const reason = '工作流无法继续运行，由运维终止';
    const requestId = randomUUID();
    expect((await repair(caseId, 'termination', admin, { reason, requestId })).status).toBe(403);
    const terminated = await repair(caseId, 'termination', ops, { reason, requestId });
    expect([terminated.status, terminated.body]).toEqual([200, { workflowId: caseWorkflowId(caseId), kind: 'case', action: 'terminate', outcome: 'done', status: 'terminated', reason, requestId }]);
    expect(await temporalStatus(caseId)).toBe('TERMINATED');
    expect(await show(caseId)).toMatchObject({ status: 'terminated', endReason: reason, state: 'intake' });
    expect((await audit(caseId, 'case.terminated')).map(({ actor_id, comment, details }) => ({ actor_id, comment, requestId: details['requestId'] }))).toEqual([
      { actor_id: 'ops.1', comment: reason, requestId },
    ]);

    expect((await repair(caseId, 'termination', ops, { reason, requestId })).body).toMatchObject({ outcome: 'done', status: 'terminated' });
    expect((await repair(caseId, 'termination', ops, { reason })).status).toBe(409);
    expect((await repair(caseId, 'cancellation', ops, { reason })).status).toBe(409);
    expect(await audit(caseId, 'case.terminated')).toHaveLength(1);
    expect((await event(caseId, officer, 'intake.completed')).status).toBe(409);
  });

  it('cancels by bulk exactly the cases of its dry run, and the CLI cancels one', async () => {
    const [one, two] = [await enrol(), await enrol()];
    const dryRun = await stack.call<{ selectionId: string; count: number; workflowIds: string[] }>('POST', '/ops/bulk', ops, {
      action: 'cancel',
      dryRun: true,
      reason: '服务合同提前终止',
      filter: { kind: 'case', definition: 'test-case-lifecycle', step: 'intake' },
    });
    expect(dryRun.status).toBe(201);
    expect(dryRun.body.workflowIds).toEqual([caseWorkflowId(one), caseWorkflowId(two)].sort());
    // Enrolled after the dry run: it matches the filter, but the execution must not touch it.
    const late = await enrol();
    const executed = await stack.call<{ count: number; done: number; outcomes: Array<{ workflowId: string; outcome: string }> }>(
      'POST',
      `/ops/bulk/${dryRun.body.selectionId}/execution`,
      ops,
      { reason: '服务合同提前终止', requestId: randomUUID() },
    );
    expect([executed.status, executed.body.count, executed.body.done]).toEqual([200, 2, 2]);
    expect(executed.body.outcomes.map((o) => o.workflowId)).toEqual(dryRun.body.workflowIds);
    expect([(await show(one)).status, (await show(two)).status, (await show(late)).status]).toEqual(['cancelled', 'cancelled', 'running']);

    const cli = await runToCompletion(PROCUREFLOW_BIN, {}, ['ops', 'cancel', caseWorkflowId(late), '--reason', '重复登记', '--json', '--api', stack.baseUrl, '--token', ops]);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ kind: 'case', outcome: 'done', status: 'cancelled' });
    expect(await show(late)).toMatchObject({ status: 'cancelled', endReason: '重复登记' });
  });

  /** The persons the contract's ledger counts as served from `from` to the server's now (only this case is on the contract so far). */
  async function served(from = '2054-01-01T00:00:00.000Z'): Promise<number> {
    const through = new Date(await stack.env.currentTimeMs()).toISOString();
    const evidence = await createCaseEvidenceActivities({ dataSource: stack.dataSource }).compileCaseEvidence({ contractId, from, through, lines: [{ id: 'served', metric: 'served' }] });
    return evidence.lines['served'] as number;
  }
});
