import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { caseWorkflowId } from '../../workflows/cases/messages.js';
import { PROCUREFLOW_KIND, PROCUREFLOW_NEXT_DUE, PROCUREFLOW_STATUS, PROCUREFLOW_STEP } from '../../workflows/search-attributes.js';
import { tokenFor } from '../support/api-server.js';
import { eventually } from '../support/eventually.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';

const LIFECYCLE = readFileSync(fileURLToPath(new URL('./fixtures/case-lifecycle.yaml', import.meta.url)), 'utf8');
// The shared dev server outlives this file: a jurisdiction of its own keeps its queries to this run's cases.
const JURISDICTION = `case-search-${randomUUID().replace(/-/g, '').slice(0, 8)}`;

/**
 * A case workflow keeps its step (the lifecycle state), status and next due time in its Temporal search
 * attributes, on the real dev server: Temporal's list query and the ops process list find it where it is
 * now, and a cancellation leaves it `cancelled` with nothing due.
 */
describe('case search attributes kept current', () => {
  let api: ProcurementApiOnSharedServer;
  const tokens: Record<string, string> = {};

  const call = async <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown) => {
    const response = await api.send(method, route, tokens[who] as string, body);
    return { status: response.status, body: (await response.json()) as T };
  };
  const attributesOf = async (caseId: string) => {
    const { typedSearchAttributes } = await api.temporalClient.workflow.getHandle(caseWorkflowId(caseId)).describe();
    return {
      kind: typedSearchAttributes.get(PROCUREFLOW_KIND),
      step: typedSearchAttributes.get(PROCUREFLOW_STEP),
      status: typedSearchAttributes.get(PROCUREFLOW_STATUS),
      nextDue: typedSearchAttributes.get(PROCUREFLOW_NEXT_DUE)?.toISOString() ?? null,
    };
  };
  const listed = async (query: string) => {
    const workflowIds: string[] = [];
    for await (const workflow of api.temporalClient.workflow.list({ query: `ProcureflowJurisdiction="${JURISDICTION}" AND ${query}` })) workflowIds.push(workflow.workflowId);
    return workflowIds;
  };
  const processes = async (query: string) =>
    (await call<{ processes: Array<{ workflowId: string; step: string; status: string }> }>('GET', `/ops/processes?kind=case&${query}`, 'ops')).body.processes;

  beforeAll(async () => {
    api = await startProcurementApi('case-search-attributes', { temporal: 'shared' });
    const people = { admin: ['administrator', 'cn'], officer: ['judicial-office', JURISDICTION], ops: ['ops', JURISDICTION] } as const;
    for (const [who, [role, jurisdiction]] of Object.entries(people)) tokens[who] = await tokenFor({ userId: who, name: who, roles: [role], jurisdiction });
    expect((await call('POST', '/definitions', 'admin', { files: [{ file: 'test-case-lifecycle.yaml', text: LIFECYCLE }] })).status).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('moves the step, status and next due time with the case, and the process list and Temporal queries follow', async () => {
    const enrolled = await call<{ caseId: string }>('POST', '/cases', 'officer', { lifecycleKey: 'test-case-lifecycle', attributes: { isKeyPerson: true } });
    expect(enrolled.status).toBe(201);
    const { caseId } = enrolled.body;
    const workflowId = caseWorkflowId(caseId);
    expect(await eventually(() => attributesOf(caseId), (a) => a.step === 'intake')).toEqual({ kind: 'case', step: 'intake', status: 'running', nextDue: null });

    const intake = await call('POST', `/cases/${caseId}/events`, 'officer', { type: 'intake.completed', payload: {}, requestId: randomUUID() });
    expect(intake.body).toMatchObject({ state: 'supervision' });
    // The key person's half-month visit now runs: its period end is the case's next due time, as the read model has it.
    const supervising = await eventually(() => attributesOf(caseId), (a) => a.step === 'supervision');
    const [row] = (await api.dataSource.query(`SELECT next_due_at AS "nextDueAt" FROM cases WHERE id = $1`, [caseId])) as Array<{ nextDueAt: Date }>;
    expect(supervising).toEqual({ kind: 'case', step: 'supervision', status: 'running', nextDue: row?.nextDueAt.toISOString() });
    expect(supervising.nextDue).not.toBeNull();

    expect(await eventually(() => listed('ProcureflowStep="supervision" AND ProcureflowKind="case"'), (ids) => ids.length > 0)).toEqual([workflowId]);
    expect((await processes('step=supervision')).map((p) => [p.workflowId, p.status])).toEqual([[workflowId, 'running']]);
    expect(await processes('step=intake')).toEqual([]);

    const cancelled = await call('POST', `/ops/processes/${encodeURIComponent(workflowId)}/cancellation`, 'ops', { reason: '迁出本辖区，移交接收地', requestId: randomUUID() });
    expect(cancelled.body).toMatchObject({ outcome: 'done', status: 'cancelled' });
    expect(await eventually(() => attributesOf(caseId), (a) => a.status === 'cancelled')).toEqual({ kind: 'case', step: 'supervision', status: 'cancelled', nextDue: null });
    expect(await eventually(() => listed('ProcureflowStatus="cancelled"'), (ids) => ids.length > 0)).toEqual([workflowId]);
    expect((await processes('status=cancelled')).map((p) => [p.workflowId, p.step])).toEqual([[workflowId, 'supervision']]);
  });
});
