import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { tokenFor } from '../support/api-server.js';
import pg from 'pg';
import { eventually } from '../support/eventually.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';
import { calendarFilesAround } from '../support/calendars.js';
import { refuseWrites } from '../support/refused-writes.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
/** A decision's text that names a person: it must never show up in what the API says about a failure. */
const PERSONAL = '矫正对象张三（身份证号330521199001011234）情况说明';
/**
 * The projection's retries back off up to a minute apart, so catching up can take that long after the
 * fault is gone: the polls below allow three minutes, and the tests the time that needs.
 */
const CATCH_UP = { attempts: 360, pauseMs: 500 } as const;
const LONG_TEST_MS = 300_000;

interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}
interface LagView {
  workflowId: string;
  activity: string;
  attempt: number;
  lastFailure: string | null;
  since: string | null;
  lastFailedAt: string | null;
  nextAttemptAt: string | null;
}
interface TaskView {
  id: string;
  taskInstanceId: string;
  openedAt: string;
  status: string;
  decision: { outcome: string; comment: string | null; fields: Record<string, unknown> | null } | null;
}
interface CycleView {
  id: string;
  readModel: string;
  readModelLag: LagView | null;
  currentStep: string | null;
  tasks: { open: TaskView[]; closed: TaskView[] };
  live: { stepId: string | null } | null;
}

/**
 * A read model that cannot take a projection, on real PostgreSQL and the real Temporal dev server with
 * the real workflows, activities and API: the fault is injected in the database as its owner would (a
 * trigger that raises), never through a hook in the product. The workflow keeps retrying, the API says
 * the cycle's read model is behind and why, and once the fault is removed everything lands by itself,
 * once.
 */
describe('a read model that falls behind its workflow', () => {
  let api: ProcurementApiOnSharedServer;
  let owner: pg.Client;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    api = await startProcurementApi('read-model-lag', { temporal: 'shared' });
    // The fault is put in by the database's owner: the runtime role may not create triggers.
    owner = new pg.Client({ connectionString: api.migrationUrl });
    await owner.connect();

    tokens['admin'] = await tokenFor({ userId: 'admin', name: '王芳', roles: ['administrator'], jurisdiction: JURISDICTION });
    tokens['drafter'] = await tokenFor({ userId: 'drafter', name: '周敏', roles: ['justice-bureau'], jurisdiction: JURISDICTION });
    tokens['reviewer'] = await tokenFor({ userId: 'reviewer', name: '李明', roles: ['finance-bureau'], jurisdiction: JURISDICTION });
    tokens['nationalAdmin'] = await tokenFor({ userId: 'nationalAdmin', name: '赵部', roles: ['administrator'], jurisdiction: 'cn' });
    const deployed = await call('POST', '/definitions', 'admin', { files: [{ file: 'minimal-procedure.yaml', text: MINIMAL_PROCEDURE }] });
    expect(deployed.status).toBe(201);
    // Holiday calendars apply to every jurisdiction: only a national administrator deploys them.
    const calendar = await call('POST', '/definitions', 'nationalAdmin', { files: calendarFilesAround() });
    expect(calendar.status).toBe(201);
  });

  afterAll(async () => {
    await owner?.end();
    await api?.close();
  });

  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown): Promise<Answer<T>> =>
    api.call<T>(method, route, tokens[who], body);
  const cycle = (id: string) => call<CycleView>('GET', `/cycles/${encodeURIComponent(id)}`, 'admin');
  const inbox = (who: string, cycleId: string) => call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who);
  const launch = async () => {
    const answer = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } });
    expect(answer.status).toBe(201);
    return answer.body['cycleId'] as string;
  };

  /** The fault: PostgreSQL refuses every write to `table` (of one cycle, when named) as a violated CHECK would, quoting the row. */
  const repairs = new Map<string, () => Promise<void>>();
  const refuseTableWrites = async (table: 'tasks' | 'cycles', cycleId?: string) => {
    const column = table === 'tasks' ? 'cycle_id' : 'id';
    repairs.set(
      table,
      await refuseWrites(owner, {
        name: `test_refuse_${table}`,
        table,
        when: cycleId ? `NEW.${column} = '${cycleId}'` : 'true',
        message: `format('${table} are read-only during maintenance (row "%s")', row_to_json(NEW)::text)`,
      }),
    );
  };
  const repair = async (table: 'tasks' | 'cycles') => {
    await repairs.get(table)?.();
    repairs.delete(table);
  };

  it(
    'answers 503 to a decision it cannot project, shows the cycle behind with the cause, and catches up once the fault is gone',
    async () => {
      const cycleId = await launch();
      const draft = await eventually(
        () => inbox('drafter', cycleId),
        (answer) => answer.body.tasks.some((task) => task.taskInstanceId === 'draftBudget#1'),
      );
      const draftId = draft.body.tasks[0]?.id ?? '';
      const draftOpenedAt = draft.body.tasks[0]?.openedAt ?? '';

      await refuseTableWrites('tasks', cycleId);
      const decision = { requestId: randomUUID(), outcome: 'submit', fields: { justification: PERSONAL }, comment: PERSONAL };
      const answered = call('POST', `/tasks/${encodeURIComponent(draftId)}/decision`, 'drafter', decision);

      // While the decision waits: the workflow has taken it, the read model has not, and the detail says why.
      const behind = await eventually(() => cycle(cycleId), (answer) => answer.body.readModel === 'behind');
      expect(behind.status).toBe(200);
      const lag = behind.body.readModelLag;
      expect(lag).toMatchObject({
        workflowId: cycleId,
        activity: 'applyCommands',
        lastFailure: expect.stringContaining('PostgreSQL 23514, table tasks'),
        since: expect.any(String),
        lastFailedAt: expect.any(String),
      });
      expect(Object.keys(lag ?? {}).sort()).toEqual(['activity', 'attempt', 'lastFailedAt', 'lastFailure', 'nextAttemptAt', 'since', 'workflowId']);
      expect(lag?.attempt).toBeGreaterThanOrEqual(2);
      // PostgreSQL's message up to the quoted row, which is left out: it holds the decision's text.
      expect(lag?.lastFailure).toMatch(/: tasks are read-only during maintenance \(row "…"$/);
      expect(JSON.stringify(lag)).not.toContain('330521199001011234');
      // The lag began with this decision's projection: after the draft opened, by the workflow's own clock.
      expect(Date.parse(lag?.since ?? '')).toBeGreaterThanOrEqual(Date.parse(draftOpenedAt));
      expect(Date.parse(lag?.since ?? '')).toBeLessThanOrEqual(Date.parse(lag?.lastFailedAt ?? ''));
      // The workflow itself is past the draft; the read model still shows it open and nobody has the review.
      expect(behind.body.tasks.open.map((task) => task.taskInstanceId)).toEqual(['draftBudget#1']);
      expect((await inbox('reviewer', cycleId)).body.tasks).toEqual([]);

      const first = await answered;
      expect(first.status).toBe(503);
      expect(first.body).toMatchObject({ code: 'service-unavailable', message: expect.stringContaining(`same requestId "${decision.requestId}"`) });
      expect((await cycle(cycleId)).body.readModel).toBe('behind');

      await repair('tasks');
      const review = await eventually(
        () => inbox('reviewer', cycleId),
        (answer) => answer.body.tasks.some((task) => task.taskInstanceId === 'reviewBudget#1'),
        CATCH_UP.attempts,
        CATCH_UP.pauseMs,
      );
      expect(review.body.tasks.map((task) => task.taskInstanceId)).toEqual(['reviewBudget#1']);
      const caughtUp = await eventually(() => cycle(cycleId), (answer) => answer.body.readModel === 'current');
      expect(caughtUp.body.readModelLag).toBeNull();
      expect(caughtUp.body.tasks.open.map((task) => task.taskInstanceId)).toEqual(['reviewBudget#1']);
      expect(caughtUp.body.tasks.closed).toMatchObject([{ taskInstanceId: 'draftBudget#1', status: 'decided', decision: { outcome: 'submit', comment: PERSONAL } }]);
      expect((await inbox('drafter', cycleId)).body.tasks).toEqual([]);

      // The same request again learns the first outcome; the decision took effect once.
      const again = await call('POST', `/tasks/${encodeURIComponent(draftId)}/decision`, 'drafter', decision);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ requestId: decision.requestId, taskId: draftId, stepId: 'budgeting', openTasks: [{ id: `${cycleId}/reviewBudget#1` }] });
      const submitted = await api.dataSource.query(`SELECT count(*)::int AS n FROM audit_entries WHERE action = 'task.submitted' AND subject_id = $1`, [draftId]);
      expect(submitted).toEqual([{ n: 1 }]);
      expect(await api.dataSource.query(`SELECT count(*)::int AS n FROM tasks WHERE cycle_id = $1`, [cycleId])).toEqual([{ n: 2 }]);

      // Later projections of the same workflow still land: the failed one did not break the chain.
      const approved = await call('POST', `/tasks/${encodeURIComponent(`${cycleId}/reviewBudget#1`)}/decision`, 'reviewer', { requestId: randomUUID(), outcome: 'approve', fields: {} });
      expect(approved.status).toBe(200);
      const after = await cycle(cycleId);
      expect(after.body).toMatchObject({ readModel: 'current', readModelLag: null, currentStep: 'publicNotice', tasks: { open: [] } });
    },
    LONG_TEST_MS,
  );

  it(
    'shows a launch whose recording fails as behind, not merely pending, until it lands',
    async () => {
      await refuseTableWrites('cycles');
      let cycleId = '';
      try {
        cycleId = await launch();
        const behind = await eventually(() => cycle(cycleId), (answer) => answer.body.readModel === 'behind');
        expect(behind.body.readModelLag).toMatchObject({ workflowId: cycleId, activity: 'recordCycleLaunched', lastFailure: expect.stringContaining('PostgreSQL 23514, table cycles') });
        expect(behind.body.live).toMatchObject({ stepId: 'budgeting' });
        expect((await inbox('drafter', cycleId)).body.tasks).toEqual([]);
        const shown = await runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: tokens['admin'] ?? '' }, ['cycles', 'show', cycleId, '--api', api.baseUrl]);
        expect(shown.code).toBe(0);
        expect(shown.stdout).toMatch(new RegExp(`^Read model behind since .*: recordCycleLaunched of ${cycleId} is on attempt \\d+`, 'm'));
        expect(shown.stdout).toMatch(/^ {2}last failure: the read model could not take this projection \(PostgreSQL 23514, table cycles\)/m);
      } finally {
        await repair('cycles');
      }
      const caughtUp = await eventually(() => cycle(cycleId), (answer) => answer.body.readModel === 'current' && answer.body.tasks.open.length === 1, CATCH_UP.attempts, CATCH_UP.pauseMs);
      expect(caughtUp.body).toMatchObject({ readModelLag: null, currentStep: 'budgeting', tasks: { open: [{ taskInstanceId: 'draftBudget#1' }] } });
      expect((await inbox('drafter', cycleId)).body.tasks.map((task) => task.taskInstanceId)).toEqual(['draftBudget#1']);
    },
    LONG_TEST_MS,
  );
});
