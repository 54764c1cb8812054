import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { tokenFor } from '../support/api-server.js';
import { calendarFilesAround } from '../support/calendars.js';
import { readModelDiscrepancies } from '../support/crash-oracles.js';
import { eventually } from '../support/eventually.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
/** The minimal procedure with its budgeting and vendor-selection steps resettable (a test-local definition). */
const RESETTABLE_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8')
  .replace('    kind: budgeting\n', '    kind: budgeting\n    resettable: true\n')
  .replace('    kind: vendorSelection\n', '    kind: vendorSelection\n    resettable: true\n');
const LONG_TEST_MS = 300_000;
const REASON = '预算审核依据有误，退回预算编制重新开始';

interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}
interface ResetView {
  workflowId: string;
  requestId: string;
  step: string;
  resetNow: boolean;
  status: string;
  stepId: string | null;
  openTasks: string[];
}

/**
 * `POST /ops/processes/{id}/reset` on the real Temporal dev server and real PostgreSQL: a cycle is reset to
 * the start of a resettable step, the read model loses the undone part's rows and equals the workflow again,
 * the audit trail keeps the undone decisions and records the reset, and the cycle goes on from there. A reset
 * past a published notice, to a step that is not resettable or never entered, or by anyone but ops is refused.
 */
describe('ops reset of a cycle to the start of a step', () => {
  let api: ProcurementApiOnSharedServer;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    api = await startProcurementApi('ops-reset', { temporal: 'shared' });
    tokens['admin'] = await tokenFor({ userId: 'admin', name: '王芳', roles: ['administrator'], jurisdiction: JURISDICTION });
    tokens['drafter'] = await tokenFor({ userId: 'drafter', name: '周敏', roles: ['justice-bureau'], jurisdiction: JURISDICTION });
    tokens['finance'] = await tokenFor({ userId: 'finance', name: '李财', roles: ['finance-bureau'], jurisdiction: JURISDICTION });
    tokens['ops'] = await tokenFor({ userId: 'ops', name: '陈运维', roles: ['ops'], jurisdiction: JURISDICTION });
    tokens['otherOps'] = await tokenFor({ userId: 'otherOps', name: '林运维', roles: ['ops'], jurisdiction: 'other-county' });
    tokens['nationalAdmin'] = await tokenFor({ userId: 'nationalAdmin', name: '赵部', roles: ['administrator'], jurisdiction: 'cn' });
    expect((await call('POST', '/definitions', 'admin', { files: [{ file: 'minimal-procedure.yaml', text: RESETTABLE_PROCEDURE }] })).status).toBe(201);
    expect((await call('POST', '/definitions', 'nationalAdmin', { files: calendarFilesAround() })).status).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
  });

  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown): Promise<Answer<T>> =>
    api.call<T>(method, route, tokens[who], body);
  const reset = (who: string, workflowId: string, body: Record<string, unknown>) => call<ResetView>('POST', `/ops/processes/${encodeURIComponent(workflowId)}/reset`, who, body);
  const inbox = async (cycleId: string, who: string) =>
    (await call<{ tasks: Array<{ id: string; taskInstanceId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who)).body.tasks;
  const decide = (taskRowId: string, who: string, body: Record<string, unknown>) =>
    call('POST', `/tasks/${encodeURIComponent(taskRowId)}/decision`, who, { requestId: randomUUID(), fields: {}, ...body });
  const actions = async (cycleId: string) =>
    ((await api.dataSource.query(`SELECT action, subject_id FROM audit_entries WHERE chain_cycle_id = $1 ORDER BY id`, [cycleId])) as Array<{ action: string; subject_id: string }>).map(
      (entry) => `${entry.action} ${entry.subject_id.replace(`${cycleId}/`, '')}`,
    );

  async function launch(): Promise<string> {
    const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } });
    expect(launched.status).toBe(201);
    const cycleId = launched.body['cycleId'] as string;
    await eventually(
      () => inbox(cycleId, 'drafter'),
      (tasks) => tasks.some((task) => task.taskInstanceId === 'draftBudget#1'),
    );
    return cycleId;
  }

  it(
    'undoes what followed the step’s start, rebuilds the read model without it, keeps the undone decisions in the audit trail, and goes on from there',
    async () => {
      const cycleId = await launch();
      expect((await decide(`${cycleId}/draftBudget#1`, 'drafter', { outcome: 'submit', fields: { justification: '按20人测算' } })).status).toBe(200);
      expect((await decide(`${cycleId}/reviewBudget#1`, 'finance', { outcome: 'return', comment: '请补充测算依据' })).status).toBe(200);
      expect((await inbox(cycleId, 'drafter')).map((task) => task.taskInstanceId)).toEqual(['draftBudget#2']);

      const requestId = randomUUID();
      const answer = await reset('ops', cycleId, { step: 'budgeting', reason: REASON, requestId });
      expect(answer).toEqual({ status: 200, body: { workflowId: cycleId, requestId, step: 'budgeting', resetNow: true, status: 'running', stepId: 'budgeting', openTasks: ['draftBudget#1'] } });
      // A double click answers the same and resets nothing again.
      expect(await reset('ops', cycleId, { step: 'budgeting', reason: REASON, requestId })).toEqual({ status: 200, body: { ...answer.body, resetNow: false } });

      expect(await readModelDiscrepancies(api.temporalClient, api.dataSource, cycleId)).toEqual([]);
      expect(await api.dataSource.query(`SELECT task_instance_id, status, comment, fields FROM tasks WHERE cycle_id = $1 ORDER BY id`, [cycleId])).toEqual([
        { task_instance_id: 'draftBudget#1', status: 'open', comment: null, fields: null },
      ]);
      expect(await api.dataSource.query(`SELECT step_id, ended_at FROM cycle_steps WHERE workflow_id = $1`, [cycleId])).toEqual([{ step_id: 'budgeting', ended_at: null }]);
      expect((await inbox(cycleId, 'drafter')).map((task) => task.taskInstanceId)).toEqual(['draftBudget#1']);
      expect(await inbox(cycleId, 'finance')).toEqual([]);
      // The undone decisions stay in the audit trail; the reset is recorded after them.
      expect(await actions(cycleId)).toEqual(['cycle.launched ' + cycleId, 'task.submitted draftBudget#1', 'task.returned reviewBudget#1', `ops.process-reset ${cycleId}`]);
      const [resetEntry] = (await api.dataSource.query(`SELECT actor_id, actor_role, comment, details -> 'reset' ->> 'step' AS step FROM audit_entries WHERE action = 'ops.process-reset'`)) as unknown[];
      expect(resetEntry).toEqual({ actor_id: 'ops', actor_role: 'ops', comment: REASON, step: 'budgeting' });

      // The cycle goes on from the start of the step: the decision is made again, and audited again.
      expect((await decide(`${cycleId}/draftBudget#1`, 'drafter', { outcome: 'submit', fields: { justification: '按22人测算' } })).status).toBe(200);
      expect((await inbox(cycleId, 'finance')).map((task) => task.taskInstanceId)).toEqual(['reviewBudget#1']);
      expect(await readModelDiscrepancies(api.temporalClient, api.dataSource, cycleId)).toEqual([]);
      expect((await actions(cycleId)).slice(-1)).toEqual(['task.submitted draftBudget#1']);
      const verified = await call<{ intact: boolean }>('GET', `/audit/verify?cycleId=${encodeURIComponent(cycleId)}`, 'admin');
      expect(verified.body.intact).toBe(true);

      // Through the CLI: once the budget is approved the notice is published, and a reset past it is refused.
      expect((await decide(`${cycleId}/reviewBudget#1`, 'finance', { outcome: 'approve' })).status).toBe(200);
      const cli = await runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: tokens['ops'] ?? '' }, ['ops', 'reset', cycleId, '--step', 'budgeting', '--reason', REASON, '--api', api.baseUrl]);
      expect(cli.code).not.toBe(0);
      expect(cli.stderr).toContain('published notices are public record');
      expect((await reset('ops', cycleId, { step: 'budgeting', reason: REASON })).status).toBe(409);
    },
    LONG_TEST_MS,
  );

  it(
    'refuses callers without the ops role or of another jurisdiction, steps not resettable or never entered, and a blank reason, changing nothing',
    async () => {
      const cycleId = await launch();
      expect((await decide(`${cycleId}/draftBudget#1`, 'drafter', { outcome: 'submit', fields: { justification: '按20人测算' } })).status).toBe(200);
      expect((await reset('admin', cycleId, { step: 'budgeting', reason: REASON })).status).toBe(403);
      expect((await reset('otherOps', cycleId, { step: 'budgeting', reason: REASON })).status).toBe(404);
      const notResettable = await reset('ops', cycleId, { step: 'publicNotice', reason: REASON });
      expect(notResettable.status).toBe(422);
      expect(notResettable.body).toMatchObject({ details: [{ field: 'step', problem: 'not resettable' }] });
      const neverEntered = await reset('ops', cycleId, { step: 'vendorSelection', reason: REASON });
      expect(neverEntered.status).toBe(422);
      expect(neverEntered.body).toMatchObject({ details: [{ field: 'step', problem: 'never entered' }] });
      const unknown = await reset('ops', cycleId, { step: 'noSuchStep', reason: REASON });
      expect(unknown.status).toBe(422);
      expect(unknown.body).toMatchObject({ details: [{ field: 'step' }] });
      const blank = await reset('ops', cycleId, { step: 'budgeting', reason: ' ' });
      expect(blank.status).toBe(422);
      expect(blank.body).toMatchObject({ details: [{ field: 'reason' }] });
      expect(await actions(cycleId)).toEqual(['cycle.launched ' + cycleId, 'task.submitted draftBudget#1']);
      // A request id a rebuild used is another request's: refused before Temporal is asked to reset anything.
      const requestId = randomUUID();
      expect((await call('POST', `/ops/processes/${encodeURIComponent(cycleId)}/rebuild`, 'ops', { reason: REASON, requestId })).status).toBe(200);
      const reused = await reset('ops', cycleId, { step: 'budgeting', reason: REASON, requestId });
      expect(reused.status).toBe(409);
      expect(reused.body).toMatchObject({ details: [{ field: 'requestId' }] });
      expect((await actions(cycleId)).slice(-1)).toEqual([`ops.read-model-rebuilt ${cycleId}`]);
      expect((await inbox(cycleId, 'finance')).map((task) => task.taskInstanceId)).toEqual(['reviewBudget#1']);
    },
    LONG_TEST_MS,
  );
});
