import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { tokenFor } from '../support/api-server.js';
import { calendarFilesAround } from '../support/calendars.js';
import { eventually } from '../support/eventually.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';
import { refuseWrites } from '../support/refused-writes.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
const LONG_TEST_MS = 300_000;
/** Polls for a projection that backs off several times before it is looked at again. */
const CATCH_UP = { attempts: 300, pauseMs: 200 } as const;
const REASON = '维护窗口结束，任务表已恢复写入';

interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}
interface RetryView {
  workflowId: string;
  requestId: string;
  retriedNow: boolean;
  activities: Array<{ activityId: string; activity: string; attempt: number; lastFailure: string | null }>;
}
interface CycleView {
  readModel: string;
  readModelLag: { attempt: number } | null;
  tasks: { open: Array<{ taskInstanceId: string }> };
}

/**
 * `POST /ops/processes/{id}/retry` on the real Temporal dev server and real PostgreSQL: a projection the
 * database refuses keeps failing with its message; once the fault is removed, the retry runs it at once
 * and the read model lands, once. Only the ops role of the process's jurisdiction may ask, with a reason,
 * and each retry is audited.
 */
describe('ops retry of a failing activity', () => {
  let api: ProcurementApiOnSharedServer;
  let owner: pg.Client;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    api = await startProcurementApi('ops-repair', { temporal: 'shared' });
    owner = new pg.Client({ connectionString: api.migrationUrl });
    await owner.connect();
    tokens['admin'] = await tokenFor({ userId: 'admin', name: '王芳', roles: ['administrator'], jurisdiction: JURISDICTION });
    tokens['drafter'] = await tokenFor({ userId: 'drafter', name: '周敏', roles: ['justice-bureau'], jurisdiction: JURISDICTION });
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
  const retry = (who: string, workflowId: string, body: Record<string, unknown>) =>
    call<RetryView>('POST', `/ops/processes/${encodeURIComponent(workflowId)}/retry`, who, body);
  const cycle = (id: string) => call<CycleView>('GET', `/cycles/${encodeURIComponent(id)}`, 'admin');

  /** The fault, put in by the database's owner: PostgreSQL refuses every write to this cycle's tasks. */
  let repairTasks = async (): Promise<void> => undefined;
  const refuseTasks = async (cycleId: string) => {
    repairTasks = await refuseWrites(owner, { name: 'test_refuse_tasks', table: 'tasks', when: `NEW.cycle_id = '${cycleId}'`, message: `'tasks are read-only during maintenance'` });
  };
  const audited = (workflowId: string) =>
    api.dataSource.query(`SELECT actor_id, actor_role, jurisdiction, comment, subject_type, chain_cycle_id FROM audit_entries WHERE action = 'ops.activity-retried' AND subject_id = $1 ORDER BY id`, [
      workflowId,
    ]) as Promise<Array<Record<string, unknown>>>;

  it(
    'retries a failing projection now once the fault is fixed, and it lands once; refuses when nothing fails',
    async () => {
      const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } });
      expect(launched.status).toBe(201);
      const cycleId = launched.body['cycleId'] as string;
      const draft = await eventually(
        () => call<{ tasks: Array<{ id: string; taskInstanceId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, 'drafter'),
        (answer) => answer.body.tasks.some((task) => task.taskInstanceId === 'draftBudget#1'),
      );

      // Nothing fails yet: there is nothing to retry, and nothing is audited.
      const idle = await retry('ops', cycleId, { reason: REASON, requestId: randomUUID() });
      expect(idle.status).toBe(409);
      expect(idle.body).toMatchObject({ message: expect.stringContaining('Nothing in') });

      await refuseTasks(cycleId);
      let faulty = true;
      try {
        const decision = call('POST', `/tasks/${encodeURIComponent(draft.body.tasks[0]?.id ?? '')}/decision`, 'drafter', {
          requestId: randomUUID(),
          outcome: 'submit',
          fields: { justification: '预算说明' },
        });
        await eventually(() => cycle(cycleId), (answer) => answer.body.readModel === 'behind');

        // While the fault is there, a retry is accepted, names the failing projection and its message, and fails again.
        const early = await retry('ops', cycleId, { reason: '先试一次', requestId: randomUUID() });
        expect(early.status).toBe(200);
        expect(early.body.activities).toEqual([
          { activityId: expect.any(String), activity: 'applyCommands', attempt: expect.any(Number), lastFailure: expect.stringContaining('tasks are read-only during maintenance') },
        ]);
        expect(early.body.activities[0]?.attempt).toBeGreaterThanOrEqual(2);
        // The retried attempt starts afresh and meets the same fault. Wait until its backoff is long (attempt 4
        // waits 8 s for the next), so the retry below, not Temporal's own schedule, is what runs it after the fix.
        await eventually(
          () => cycle(cycleId),
          (answer) => answer.body.readModel === 'behind' && (answer.body.readModelLag?.attempt ?? 0) >= 4,
          CATCH_UP.attempts,
          CATCH_UP.pauseMs,
        );
        expect((await decision).status).toBe(503);

        await repairTasks();
        faulty = false;
        const fixed = await retry('ops', cycleId, { reason: REASON, requestId: randomUUID() });
        expect(fixed.status).toBe(200);
        expect(fixed.body).toMatchObject({ workflowId: cycleId, retriedNow: true, activities: [{ activity: 'applyCommands', attempt: expect.any(Number) }] });
        expect(fixed.body.activities[0]?.attempt).toBeGreaterThanOrEqual(4);
        // A reset attempt starts at 1 with no failure on record, so `readModel` may read current while it runs:
        // wait for what the projection writes.
        const caughtUp = await eventually(
          () => cycle(cycleId),
          (answer) => answer.body.readModel === 'current' && answer.body.tasks.open.some((task) => task.taskInstanceId === 'reviewBudget#1'),
        );
        expect(caughtUp.body.tasks.open.map((task) => task.taskInstanceId)).toEqual(['reviewBudget#1']);
        expect(await api.dataSource.query(`SELECT count(*)::int AS n FROM tasks WHERE cycle_id = $1`, [cycleId])).toEqual([{ n: 2 }]);
        expect(await api.dataSource.query(`SELECT count(*)::int AS n FROM audit_entries WHERE action = 'task.submitted' AND subject_id = $1`, [draft.body.tasks[0]?.id])).toEqual([{ n: 1 }]);

        // Once current, nothing is failing again.
        expect((await retry('ops', cycleId, { reason: REASON, requestId: randomUUID() })).status).toBe(409);
        const entries = await audited(cycleId);
        expect(entries.map((entry) => entry['comment'])).toEqual(['先试一次', REASON]);
        expect(entries[0]).toEqual({ actor_id: 'ops', actor_role: 'ops', jurisdiction: JURISDICTION, comment: '先试一次', subject_type: 'workflow', chain_cycle_id: cycleId });
      } finally {
        if (faulty) await repairTasks();
      }
    },
    LONG_TEST_MS,
  );

  it(
    'answers a repeated requestId with its first answer, and refuses callers without the ops role, of another jurisdiction, or without a reason',
    async () => {
      const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } });
      const cycleId = launched.body['cycleId'] as string;
      const draft = await eventually(
        () => call<{ tasks: Array<{ id: string; taskInstanceId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, 'drafter'),
        (answer) => answer.body.tasks.some((task) => task.taskInstanceId === 'draftBudget#1'),
      );
      await refuseTasks(cycleId);
      try {
        const decision = call('POST', `/tasks/${encodeURIComponent(draft.body.tasks[0]?.id ?? '')}/decision`, 'drafter', {
          requestId: randomUUID(),
          outcome: 'submit',
          fields: { justification: '预算说明' },
        });
        await eventually(() => cycle(cycleId), (answer) => answer.body.readModel === 'behind');

        const forbidden = await retry('admin', cycleId, { reason: REASON, requestId: randomUUID() });
        expect(forbidden.status).toBe(403);
        const elsewhere = await retry('otherOps', cycleId, { reason: REASON, requestId: randomUUID() });
        expect(elsewhere.status).toBe(404);
        const blank = await retry('ops', cycleId, { reason: '   ', requestId: randomUUID() });
        expect(blank.status).toBe(422);
        expect(blank.body).toMatchObject({ details: [{ field: 'reason' }] });
        const missing = await retry('ops', cycleId, { requestId: randomUUID() });
        expect(missing.status).toBe(422);
        expect(missing.body).toMatchObject({ details: [expect.objectContaining({ field: 'reason' })] });
        expect(await audited(cycleId)).toEqual([]);

        // Through the CLI, as ops staff use it: `--json` for scripts, a table for people.
        const requestId = randomUUID();
        const cli = (...args: string[]) => runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: tokens['ops'] ?? '' }, ['ops', 'retry', cycleId, '--reason', REASON, '--request-id', requestId, '--api', api.baseUrl, ...args]);
        const first = await cli('--json');
        expect(first.code).toBe(0);
        const firstBody = JSON.parse(first.stdout) as RetryView;
        expect(firstBody).toMatchObject({ workflowId: cycleId, requestId, retriedNow: true, activities: [{ activity: 'applyCommands' }] });
        const shown = await cli();
        expect(shown.code).toBe(0);
        expect(shown.stdout).toContain(`Request ${requestId} had already retried in ${cycleId}:`);
        expect(shown.stdout).toMatch(/^ACTIVITY +ID +ATTEMPT +LAST FAILURE/m);
        expect(shown.stdout).toMatch(/^applyCommands .*tasks are read-only during maintenance/m);
        const again = await retry('ops', cycleId, { reason: REASON, requestId });
        expect(again.status).toBe(200);
        expect(again.body).toEqual({ ...firstBody, retriedNow: false });
        const reused = await retry('ops', `${cycleId}-other`, { reason: REASON, requestId });
        expect(reused.status).toBe(409);
        expect(await audited(cycleId)).toHaveLength(1);
        expect((await decision).status).toBe(503);
      } finally {
        await repairTasks();
      }
    },
    LONG_TEST_MS,
  );
});
