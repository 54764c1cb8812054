import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { loadWorkflowBundle } from '../../apps/worker/src/workflow-bundle.js';
import { type RunningWorkers, startWorkers } from '../../apps/worker/src/worker.providers.js';
import { type AppConfig, loadConfig } from '../../src/config/config.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { createLogger } from '../../src/logging/logger.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/api-server.js';
import { calendarFilesAround } from '../support/calendars.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { testDataConverter, testPayloadCodec } from '../support/payload-encryption.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { scratchDir, sharedTemporalAddress } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';
import { refuseWrites } from '../support/refused-writes.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
/** Ten years: whatever day the test runs, the calendars it deploys (this year and the next) end inside it. */
const HORIZON_DAYS = 3660;
/**
 * A projection's retries back off up to a minute apart, and a stopped worker's last poll stays fresh for
 * 90 s: the polls below allow minutes for what happens by itself, never a fixed wait.
 */
const SLOW = { attempts: 600, pauseMs: 500 } as const;
const LONG_TEST_MS = 420_000;

interface Cause {
  cause: string;
  words: string;
  activity: string | null;
  attempt: number | null;
  message: string | null;
}
interface StuckList {
  processes: Array<{ workflowId: string; kind: string; jurisdiction: string; causes: Cause[] }>;
  nextCursor: string | null;
}
interface Readiness {
  status: string;
  checks: Record<string, { status: string; detail: string }>;
  warnings: Array<{ kind: string; message: string; jurisdiction: string | null; file: string | null }>;
}
interface CycleView {
  readModel: string;
  currentStep: string | null;
  tasks: { open: Array<{ id: string; taskInstanceId: string }> };
  live: { stepId: string | null; waitingFor: Array<{ kind: string; description: string }> } | null;
}

/**
 * Stuck detection and the calendar horizon through the HTTP API, on the shared Temporal dev server and a
 * fresh PostgreSQL database, with workers this suite stops and starts (and one whose workflow code is broken).
 * Faults are put in the way an operator meets them: a database that refuses a row, a worker that is gone.
 */
describe('GET /ops/stuck, GET /ops/summary and the calendar warning of /ready', () => {
  let config: AppConfig;
  let dataSource: DataSource;
  let owner: pg.Client;
  let connection: Connection;
  let app: INestApplication;
  let baseUrl: string;
  let workers: RunningWorkers | undefined;
  const temporalAddress = sharedTemporalAddress();
  const tokens: Record<string, string> = {};

  const startRealWorkers = async () => {
    workers = await startWorkers({ config, temporalAddress, dataSource, workflowBundle: await loadWorkflowBundle(), logger: createLogger('silent', 'worker'), payloadCodec: testPayloadCodec });
  };
  const stopWorkers = async () => {
    await workers?.shutdown();
    workers = undefined;
  };

  beforeAll(async () => {
    const database = await freshDatabase('ops-stuck');
    dataSource = database.dataSource;
    owner = new pg.Client({ connectionString: database.migrationUrl });
    await owner.connect();
    config = loadConfig({
      TEMPORAL_TASK_QUEUE_PROCUREMENT: `ops-stuck-procurement-${randomUUID()}`,
      TEMPORAL_TASK_QUEUE_CASES: `ops-stuck-cases-${randomUUID()}`,
      PROCUREFLOW_DATA_DIR: await scratchDir('ops-stuck'),
      PROCUREFLOW_CALENDAR_HORIZON_DAYS: String(HORIZON_DAYS),
    });
    connection = await Connection.connect({ address: temporalAddress });
    app = await createApiApp({
      config,
      dataSource,
      temporalClient: new Client({ connection, namespace: config.temporal.namespace, dataConverter: testDataConverter() }),
      temporalAddress,
      logger: createLogger('silent', 'api'),
      jwtSecret: TEST_JWT_SECRET,
      payloadCodec: testPayloadCodec,
    });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${port}`;
    await startRealWorkers();

    tokens['admin'] = await tokenFor({ userId: 'admin', name: '王芳', roles: ['administrator'], jurisdiction: JURISDICTION });
    tokens['ops'] = await tokenFor({ userId: 'ops', name: '陈运维', roles: ['ops'], jurisdiction: JURISDICTION });
    tokens['drafter'] = await tokenFor({ userId: 'drafter', name: '周敏', roles: ['justice-bureau'], jurisdiction: JURISDICTION });
    tokens['nationalAdmin'] = await tokenFor({ userId: 'nationalAdmin', name: '赵部', roles: ['administrator'], jurisdiction: 'cn' });
    expect((await call('POST', '/definitions', 'admin', { files: [{ file: 'minimal-procedure.yaml', text: MINIMAL_PROCEDURE }] })).status).toBe(201);
    expect((await call('POST', '/definitions', 'nationalAdmin', { files: calendarFilesAround() })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await workers?.shutdown().catch(() => undefined);
    await app?.close();
    await connection?.close().catch(() => undefined);
    await owner?.end();
    await dataSource?.destroy().catch(() => undefined);
  });

  async function call<T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string | undefined, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }
  const stuck = (query = '') => call<StuckList>('GET', `/ops/stuck${query}`, 'ops');
  const causesOf = (list: StuckList, workflowId: string) => list.processes.find((process) => process.workflowId === workflowId)?.causes ?? [];
  const cycle = (id: string) => call<CycleView>('GET', `/cycles/${encodeURIComponent(id)}`, 'admin');
  const launch = async () => {
    const answer = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } });
    expect(answer.status).toBe(201);
    const cycleId = answer.body['cycleId'] as string;
    const drafted = await eventually(() => cycle(cycleId), (view) => view.status === 200 && view.body.tasks.open.some((task) => task.taskInstanceId === 'draftBudget#1'));
    return { cycleId, draftId: drafted.body.tasks.open[0]?.id ?? '' };
  };
  const submitDraft = (draftId: string) =>
    call('POST', `/tasks/${encodeURIComponent(draftId)}/decision`, 'drafter', { requestId: randomUUID(), outcome: 'submit', fields: { justification: '按人数编制' } });

  it('warns in /ready, without turning it unready, when the calendars end within the horizon, naming the year and file to deploy', async () => {
    const year = new Date().getUTCFullYear();
    const ready = await eventually(() => call<Readiness>('GET', '/ready', undefined), (answer) => answer.status === 200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.warnings).toContainEqual({
      kind: 'calendarHorizon',
      jurisdiction: JURISDICTION,
      file: `definitions/calendars/cn-${year + 2}.yaml`,
      message: `the business calendars of ${JURISDICTION} end on ${year + 1}-12-31, less than ${HORIZON_DAYS} days after today: deploy definitions/calendars/cn-${year + 2}.yaml (year ${year + 2})`,
    });
    const status = await runToCompletion(PROCUREFLOW_BIN, {}, ['status', '--api', baseUrl]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`! the business calendars of ${JURISDICTION} end on ${year + 1}-12-31`);
    const summary = await runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: tokens['ops'] ?? '' }, ['ops', 'summary', '--api', baseUrl, '--json']);
    expect(summary.code).toBe(0);
    const parsed = JSON.parse(summary.stdout) as { calendarWarnings: Readiness['warnings']; stuck: number; complete: boolean };
    expect(parsed).toMatchObject({ stuck: 0, complete: true });
    expect(parsed.calendarWarnings.map((warning) => warning.file)).toEqual([`definitions/calendars/cn-${year + 2}.yaml`]);
  });

  it('needs the ops or administrator role, and names a bad filter', async () => {
    expect((await call('GET', '/ops/stuck', 'drafter')).status).toBe(403);
    expect((await call('GET', '/ops/summary', 'drafter')).status).toBe(403);
    const bad = await call<{ details: Array<{ field: string }> }>('GET', '/ops/stuck?cause=sleepy', 'ops');
    expect(bad.status).toBe(422);
    expect(bad.body.details.map((detail) => detail.field)).toEqual(['cause']);
  });

  it(
    'lists a cycle whose projection fails as "read model behind" with the failure, and drops it once the read model has caught up',
    async () => {
      const { cycleId, draftId } = await launch();
      const repairTasks = await refuseWrites(owner, { name: 'test_refuse_tasks', table: 'tasks', when: `NEW.cycle_id = '${cycleId}'`, message: `'tasks are read-only during maintenance'` });
      const answered = submitDraft(draftId);

      const listed = await eventually(() => stuck('?cause=readModelBehind'), (answer) => causesOf(answer.body, cycleId).length > 0);
      const [cause] = causesOf(listed.body, cycleId);
      expect(cause).toMatchObject({ cause: 'readModelBehind', activity: 'applyCommands', message: expect.stringContaining('PostgreSQL 23514, table tasks') });
      expect(cause?.words).toMatch(/^read model behind: projection applyCommands keeps failing \(attempt \d+\): .*tasks are read-only during maintenance/);
      expect(cause?.attempt).toBeGreaterThanOrEqual(2);
      const human = await runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: tokens['ops'] ?? '' }, ['ops', 'stuck', '--api', baseUrl, '--cause', 'readModelBehind']);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(new RegExp(`${cycleId} +cycle +${JURISDICTION} +readModelBehind`));
      expect((await answered).status).toBe(503);

      await repairTasks();
      await eventually(() => stuck(), (answer) => causesOf(answer.body, cycleId).length === 0, SLOW.attempts, SLOW.pauseMs);
      // Caught up: the read model holds what the workflow holds.
      const caughtUp = await eventually(() => cycle(cycleId), (view) => view.body.readModel === 'current');
      expect(caughtUp.body.currentStep).toBe(caughtUp.body.live?.stepId);
      expect(caughtUp.body.tasks.open.map((task) => task.taskInstanceId)).toEqual(['reviewBudget#1']);
      expect(caughtUp.body.live?.waitingFor.filter((wait) => wait.kind === 'decision')).toHaveLength(1);
    },
    LONG_TEST_MS,
  );

  it(
    'reports the unpolled task queue in readiness and for each open cycle while the worker is stopped; once started, the cycle moves on',
    async () => {
      const { cycleId, draftId } = await launch();
      await stopWorkers();
      const unpolled = await eventually(() => stuck('?cause=taskQueueUnpolled&kind=cycle'), (answer) => causesOf(answer.body, cycleId).length > 0, SLOW.attempts, SLOW.pauseMs);
      expect(causesOf(unpolled.body, cycleId)).toEqual([
        expect.objectContaining({ cause: 'taskQueueUnpolled', words: `no worker polls task queue "${config.temporal.taskQueues.procurement}": nothing of this cycle runs until one starts` }),
      ]);
      const ready = await call<Readiness>('GET', '/ready', undefined);
      expect(ready.status).toBe(503);
      expect(ready.body.checks['worker']?.detail).toContain(config.temporal.taskQueues.procurement);
      const summary = await call<{ stuckByCause: Array<{ cause: string; count: number }>; open: Array<{ kind: string; status: string; count: number }> }>('GET', '/ops/summary', 'ops');
      // Every open cycle of this suite waits on the same silent task queue.
      const openCycles = summary.body.open.filter((row) => row.kind === 'cycle').reduce((sum, row) => sum + row.count, 0);
      expect(openCycles).toBeGreaterThanOrEqual(2);
      expect(summary.body.stuckByCause.find((row) => row.cause === 'taskQueueUnpolled')?.count).toBe(openCycles);

      await startRealWorkers();
      const decided = await submitDraft(draftId);
      expect(decided.status).toBe(200);
      expect((await cycle(cycleId)).body.tasks.open.map((task) => task.taskInstanceId)).toEqual(['reviewBudget#1']);
      await eventually(() => stuck(), (answer) => causesOf(answer.body, cycleId).length === 0, SLOW.attempts, SLOW.pauseMs);
    },
    LONG_TEST_MS,
  );

  it(
    'names a workflow task that keeps failing, with the error the workflow code throws',
    async () => {
      const { cycleId, draftId } = await launch();
      await stopWorkers();
      workers = await startWorkers({
        config,
        temporalAddress,
        dataSource,
        workflowBundle: await bundleTestWorkflows('integration/fixtures/broken-cycle.workflows.ts'),
        logger: createLogger('silent', 'worker'),
        payloadCodec: testPayloadCodec,
      });
      // Anything that needs a workflow task makes the new build replay the cycle, and fail.
      const answered = submitDraft(draftId);
      const failing = await eventually(() => stuck('?cause=workflowTaskFailing'), (answer) => causesOf(answer.body, cycleId).length > 0, SLOW.attempts, SLOW.pauseMs);
      const [cause] = causesOf(failing.body, cycleId);
      expect(cause?.words).toMatch(/^the workflow's own code keeps failing \(workflow task attempt \d+\): procurementCycleWorkflow broke: this build cannot run a cycle$/);
      expect(cause?.message).toBe('procurementCycleWorkflow broke: this build cannot run a cycle');

      await stopWorkers();
      await startRealWorkers();
      await answered;
      await eventually(() => stuck('?cause=workflowTaskFailing'), (answer) => causesOf(answer.body, cycleId).length === 0, SLOW.attempts, SLOW.pauseMs);
    },
    LONG_TEST_MS,
  );
});
