import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { tokenFor } from '../support/api-server.js';
import { calendarFilesAround } from '../support/calendars.js';
import { readModelDiscrepancies } from '../support/crash-oracles.js';
import { awardMinimalContract } from '../support/awarded-contract.js';
import { eventually } from '../support/eventually.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { type ProcurementApi, type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
const LONG_TEST_MS = 300_000;
const REASON = '任务表被误删，按流程状态重建';

interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}
interface RebuildView {
  workflowId: string;
  requestId: string;
  status: string;
  stepId: string | null;
  openTasks: string[];
}
interface StepView {
  stepId: string;
  kind: string;
  enteredAt: string;
  endedAt: string | null;
  outcome: string | null;
}
interface CycleView {
  currentStep: string | null;
  readModel: string;
  steps: StepView[];
  tasks: { open: Array<{ taskInstanceId: string }> };
}
interface InboxView {
  tasks: Array<{ id: string; taskInstanceId: string }>;
}

/**
 * `POST /ops/processes/{id}/rebuild` on the real Temporal dev server and real PostgreSQL: a read model
 * damaged behind the system's back (rows deleted and changed by the database's owner) is rewritten from
 * what the workflow holds, once per request id, audited in the cycle's chain; and the restored task can be
 * decided. Only ops staff of the process's jurisdiction may ask, with a reason.
 */
describe('ops rebuild of a read model from its workflow', () => {
  let api: ProcurementApiOnSharedServer;
  let owner: pg.Client;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    api = await startProcurementApi('ops-rebuild', { temporal: 'shared' });
    owner = new pg.Client({ connectionString: api.migrationUrl });
    await owner.connect();
    tokens['admin'] = await tokenFor({ userId: 'admin', name: '王芳', roles: ['administrator'], jurisdiction: JURISDICTION });
    tokens['drafter'] = await tokenFor({ userId: 'drafter', name: '周敏', roles: ['justice-bureau'], jurisdiction: JURISDICTION });
    tokens['finance'] = await tokenFor({ userId: 'finance', name: '李财', roles: ['finance-bureau'], jurisdiction: JURISDICTION });
    tokens['ops'] = await tokenFor({ userId: 'ops', name: '陈运维', roles: ['ops'], jurisdiction: JURISDICTION });
    tokens['otherOps'] = await tokenFor({ userId: 'otherOps', name: '林运维', roles: ['ops'], jurisdiction: 'other-county' });
    tokens['nationalAdmin'] = await tokenFor({ userId: 'nationalAdmin', name: '赵部', roles: ['administrator'], jurisdiction: 'cn' });
    expect((await call('POST', '/definitions', 'admin', { files: [{ file: 'minimal-procedure.yaml', text: MINIMAL_PROCEDURE }] })).status).toBe(201);
    expect((await call('POST', '/definitions', 'nationalAdmin', { files: calendarFilesAround() })).status).toBe(201);
  });

  afterAll(async () => {
    await owner?.end();
    await api?.close();
  });

  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown): Promise<Answer<T>> =>
    api.call<T>(method, route, tokens[who], body);
  const rebuild = (who: string, workflowId: string, body: Record<string, unknown>) =>
    call<RebuildView>('POST', `/ops/processes/${encodeURIComponent(workflowId)}/rebuild`, who, body);
  const cycle = (id: string) => call<CycleView>('GET', `/cycles/${encodeURIComponent(id)}`, 'admin');
  const inbox = (cycleId: string, who: string) => call<InboxView>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who);
  const decide = (taskRowId: string, who: string, body: Record<string, unknown>) =>
    call('POST', `/tasks/${encodeURIComponent(taskRowId)}/decision`, who, { requestId: randomUUID(), fields: {}, ...body });
  const audited = (workflowId: string) =>
    api.dataSource.query(
      `SELECT actor_id, actor_role, jurisdiction, comment, subject_type, chain_cycle_id, details ->> 'requestId' AS request_id
       FROM audit_entries WHERE action = 'ops.read-model-rebuilt' AND subject_id = $1 ORDER BY id`,
      [workflowId],
    ) as Promise<Array<Record<string, unknown>>>;
  /** What a decided task's row says beside its state: kept across a rebuild even when the row was gone. */
  const taskRow = async (id: string) =>
    ((await api.dataSource.query(`SELECT status, outcome, decided_by, decided_by_name, comment, fields, step_id, role FROM tasks WHERE id = $1`, [id])) as unknown[])[0];

  async function launch(): Promise<string> {
    const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } });
    expect(launched.status).toBe(201);
    const cycleId = launched.body['cycleId'] as string;
    await eventually(
      () => inbox(cycleId, 'drafter'),
      (answer) => answer.body.tasks.some((task) => task.taskInstanceId === 'draftBudget#1'),
    );
    return cycleId;
  }

  it(
    'rewrites deleted and changed rows from the workflow, once per request id, audited in the cycle’s chain; the restored task can be decided',
    async () => {
      const cycleId = await launch();
      expect((await decide(`${cycleId}/draftBudget#1`, 'drafter', { outcome: 'submit', fields: { justification: '按20人测算' } })).status).toBe(200);
      expect((await decide(`${cycleId}/reviewBudget#1`, 'finance', { outcome: 'return', comment: '请补充测算依据' })).status).toBe(200);
      // The workflow's answer waits for its projection: the read model equals the workflow now.
      expect(await readModelDiscrepancies(api.temporalClient, api.dataSource, cycleId)).toEqual([]);
      const healthy = (await cycle(cycleId)).body;
      expect(healthy.currentStep).toBe('budgeting');
      expect(healthy.steps.map((step) => step.stepId)).toEqual(['budgeting']);
      const reviewed = await taskRow(`${cycleId}/reviewBudget#1`);
      expect(reviewed).toMatchObject({ status: 'decided', outcome: 'return', decided_by: 'finance', decided_by_name: '李财', comment: '请补充测算依据' });

      // The damage, by the database's owner behind the system's back: an open task and a decided one gone,
      // a decided task reopened, the cycle's step changed, its step row deleted.
      await owner.query(`DELETE FROM tasks WHERE id = ANY($1)`, [[`${cycleId}/draftBudget#2`, `${cycleId}/reviewBudget#1`]]);
      await owner.query(`UPDATE tasks SET status = 'open', outcome = NULL, decided_by = NULL, decided_at = NULL WHERE id = $1`, [`${cycleId}/draftBudget#1`]);
      await owner.query(`UPDATE cycles SET current_step = 'publicNotice' WHERE id = $1`, [cycleId]);
      await owner.query(`DELETE FROM cycle_steps WHERE workflow_id = $1`, [cycleId]);

      // Users see it: the drafter's inbox has the wrong task, the cycle the wrong step and no steps.
      expect((await inbox(cycleId, 'drafter')).body.tasks.map((task) => task.taskInstanceId)).toEqual(['draftBudget#1']);
      const damaged = (await cycle(cycleId)).body;
      expect(damaged.currentStep).toBe('publicNotice');
      expect(damaged.steps).toEqual([]);
      expect(await readModelDiscrepancies(api.temporalClient, api.dataSource, cycleId)).not.toEqual([]);

      const requestId = randomUUID();
      const rebuilt = await rebuild('ops', cycleId, { reason: REASON, requestId });
      expect(rebuilt).toEqual({ status: 200, body: { workflowId: cycleId, requestId, status: 'running', stepId: 'budgeting', openTasks: ['draftBudget#2'] } });
      // A double click: the same answer, and nothing rebuilt or audited again.
      const again = await rebuild('ops', cycleId, { reason: REASON, requestId });
      expect(again).toEqual(rebuilt);

      expect(await readModelDiscrepancies(api.temporalClient, api.dataSource, cycleId)).toEqual([]);
      const repaired = (await cycle(cycleId)).body;
      expect(repaired.currentStep).toBe('budgeting');
      expect(repaired.steps).toEqual(healthy.steps);
      expect(repaired.tasks.open.map((task) => task.taskInstanceId)).toEqual(['draftBudget#2']);
      // The decided task the rebuild wrote back keeps what its decision recorded beside the state (from the audit trail).
      expect(await taskRow(`${cycleId}/reviewBudget#1`)).toEqual(reviewed);
      expect(await taskRow(`${cycleId}/draftBudget#1`)).toMatchObject({ status: 'decided', outcome: 'submit', decided_by: 'drafter', fields: { justification: '按20人测算' } });
      const restored = await inbox(cycleId, 'drafter');
      expect(restored.body.tasks.map((task) => task.taskInstanceId)).toEqual(['draftBudget#2']);

      expect(await audited(cycleId)).toEqual([
        { actor_id: 'ops', actor_role: 'ops', jurisdiction: JURISDICTION, comment: REASON, subject_type: 'workflow', chain_cycle_id: cycleId, request_id: requestId },
      ]);
      const verified = await call<{ intact: boolean; entriesChecked: number }>('GET', `/audit/verify?cycleId=${encodeURIComponent(cycleId)}`, 'admin');
      expect(verified.status).toBe(200);
      expect(verified.body.intact).toBe(true);

      // The restored task is the workflow's own: deciding it moves the cycle on, and the read model follows.
      expect((await decide(restored.body.tasks[0]?.id ?? '', 'drafter', { outcome: 'submit', fields: { justification: '补充了测算依据' } })).status).toBe(200);
      expect((await inbox(cycleId, 'finance')).body.tasks.map((task) => task.taskInstanceId)).toEqual(['reviewBudget#2']);
      expect(await readModelDiscrepancies(api.temporalClient, api.dataSource, cycleId)).toEqual([]);
    },
    LONG_TEST_MS,
  );

  it(
    'refuses callers without the ops role, of another jurisdiction or without a reason, unknown and ended processes; the CLI shows a table and --json',
    async () => {
      const cycleId = await launch();
      const forbidden = await rebuild('admin', cycleId, { reason: REASON, requestId: randomUUID() });
      expect(forbidden.status).toBe(403);
      expect((await rebuild('otherOps', cycleId, { reason: REASON, requestId: randomUUID() })).status).toBe(404);
      expect((await rebuild('ops', `cycle-${randomUUID()}`, { reason: REASON, requestId: randomUUID() })).status).toBe(404);
      const blank = await rebuild('ops', cycleId, { reason: '   ', requestId: randomUUID() });
      expect(blank.status).toBe(422);
      expect(blank.body).toMatchObject({ details: [{ field: 'reason' }] });
      const badId = await rebuild('ops', cycleId, { reason: REASON, requestId: 'not an id' });
      expect(badId.status).toBe(422);
      expect(badId.body).toMatchObject({ details: [expect.objectContaining({ field: 'requestId' })] });
      expect(await audited(cycleId)).toEqual([]);

      // Through the CLI, as ops staff use it. Without --request-id each run is a new request.
      const requestId = randomUUID();
      const cli = (...args: string[]) => runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: tokens['ops'] ?? '' }, ['ops', 'rebuild', cycleId, '--reason', REASON, '--api', api.baseUrl, ...args]);
      const json = await cli('--request-id', requestId, '--json');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({ workflowId: cycleId, requestId, status: 'running', stepId: 'budgeting', openTasks: ['draftBudget#1'] });
      const table = await cli('--request-id', requestId);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(`Rebuilt the read model of ${cycleId} from its workflow (request ${requestId}):`);
      expect(table.stdout).toMatch(/^STATUS +STEP +OPEN TASKS$/m);
      expect(table.stdout).toMatch(/^running +budgeting +draftBudget#1$/m);
      expect(await audited(cycleId)).toHaveLength(1);
      // The same request id for another process is another request: refused, naming it.
      const other = await launch();
      const reused = await rebuild('ops', other, { reason: REASON, requestId });
      expect(reused.status).toBe(200);
      const conflicting = await rebuild('ops', cycleId, { reason: '另一个原因', requestId });
      expect(conflicting.status).toBe(409);
      expect(conflicting.body).toMatchObject({ details: [{ field: 'requestId' }] });

      // An ended workflow takes no more updates: 409, saying so.
      expect((await call('POST', `/ops/processes/${encodeURIComponent(other)}/termination`, 'ops', { reason: '测试结束', requestId: randomUUID() })).status).toBe(200);
      const ended = await rebuild('ops', other, { reason: REASON, requestId: randomUUID() });
      expect(ended.status).toBe(409);
      expect(ended.body).toMatchObject({ message: expect.stringContaining('has ended') });
      expect(await audited(other)).toHaveLength(1);
    },
    LONG_TEST_MS,
  );
});

/**
 * The same for a contract and for a cycle whose contract runs, on a time-skipping server (the cycle is
 * awarded through the HTTP API): the contract's rows come back from the contract workflow, the cycle stays
 * `awarded`, and the payment the contract instructed is neither removed nor made twice.
 */
describe('ops rebuild of a contract’s read model', () => {
  let api: ProcurementApi;
  let owner: pg.Client;
  const tokens: Record<string, string> = {};
  let cycleId = '';
  let contractId = '';

  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown) => api.call<T>(method, route, tokens[who], body);
  const inbox = async (who: string) => (await call<{ tasks: Array<{ id: string; nodeId: string; taskInstanceId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who)).body.tasks;
  const rebuild = (workflowId: string, requestId: string) =>
    call<RebuildView>('POST', `/ops/processes/${encodeURIComponent(workflowId)}/rebuild`, 'ops', { reason: '合同读模型与流程不一致', requestId });
  const payments = () => api.dataSource.query(`SELECT tranche_id, amount_fen::text AS amount_fen FROM payments WHERE contract_id = $1 ORDER BY id`, [contractId]) as Promise<unknown[]>;
  const contractRow = () => api.dataSource.query(`SELECT status, current_step FROM contracts WHERE id = $1`, [contractId]) as Promise<unknown[]>;

  beforeAll(async () => {
    api = await startProcurementApi('ops_rebuild_contract');
    owner = new pg.Client({ connectionString: api.migrationUrl });
    await owner.connect();
    ({ cycleId, contractId } = await awardMinimalContract(api, tokens));
  }, LONG_TEST_MS);

  afterAll(async () => {
    await owner?.end();
    await api?.close();
  });

  it(
    'rewrites the contract’s tasks, steps and step from its workflow and keeps its payment; the cycle stays awarded',
    async () => {
      expect(await readModelDiscrepancies(api.temporalClient, api.dataSource, cycleId)).toEqual([]);
      const paid = await payments();
      expect(paid).toEqual([{ tranche_id: 'workingFunds', amount_fen: expect.any(String) }]);
      const healthySteps = await api.dataSource.query(`SELECT step_id, entered_seq, ended_seq, outcome FROM cycle_steps WHERE workflow_id = $1 ORDER BY entered_seq`, [contractId]);
      const healthyContract = await contractRow();
      const ledger = (await inbox('staff')).find((t) => t.nodeId === 'periods');

      // The damage: the vendor's ledger task gone, the contract's step changed, its first step row deleted, the cycle marked running.
      await owner.query(`DELETE FROM tasks WHERE id = $1`, [ledger?.id]);
      await owner.query(`UPDATE contracts SET current_step = 'contractFiling' WHERE id = $1`, [contractId]);
      await owner.query(`DELETE FROM cycle_steps WHERE id = (SELECT min(id) FROM cycle_steps WHERE workflow_id = $1)`, [contractId]);
      await owner.query(`UPDATE cycles SET status = 'running' WHERE id = $1`, [cycleId]);
      expect(await inbox('staff')).toEqual([]);
      expect(await readModelDiscrepancies(api.temporalClient, api.dataSource, cycleId)).not.toEqual([]);

      const ofContract = await rebuild(contractId, randomUUID());
      expect(ofContract.status).toBe(200);
      expect(ofContract.body).toMatchObject({ workflowId: contractId, status: 'running', stepId: 'performanceManagement', openTasks: [ledger?.taskInstanceId] });
      const ofCycle = await rebuild(cycleId, randomUUID());
      expect(ofCycle.status).toBe(200);
      expect(ofCycle.body).toMatchObject({ workflowId: cycleId, status: 'completed', stepId: null, openTasks: [] });

      expect(await readModelDiscrepancies(api.temporalClient, api.dataSource, cycleId)).toEqual([]);
      expect(await contractRow()).toEqual(healthyContract);
      expect(await api.dataSource.query(`SELECT step_id, entered_seq, ended_seq, outcome FROM cycle_steps WHERE workflow_id = $1 ORDER BY entered_seq`, [contractId])).toEqual(healthySteps);
      expect(await api.dataSource.query(`SELECT status FROM cycles WHERE id = $1`, [cycleId])).toEqual([{ status: 'awarded' }]);
      expect((await inbox('staff')).map((t) => t.id)).toEqual([ledger?.id]);
      expect(await payments()).toEqual(paid);
      const audited = (await api.dataSource.query(`SELECT subject_id, chain_cycle_id FROM audit_entries WHERE action = 'ops.read-model-rebuilt' ORDER BY id`)) as unknown[];
      expect(audited).toEqual([
        { subject_id: contractId, chain_cycle_id: cycleId },
        { subject_id: cycleId, chain_cycle_id: cycleId },
      ]);
      const verified = await call<{ intact: boolean }>('GET', `/audit/verify?cycleId=${encodeURIComponent(cycleId)}`, 'admin');
      expect(verified.body.intact).toBe(true);
    },
    LONG_TEST_MS,
  );
});
