/**
 * `npm run replay:record`: drives one whole cycle of every shipped procedure — the cycle workflow and
 * every contract it starts, to their ends — on the time-skipping server with the real activities and a
 * fresh database, and writes each run's history under test/replay/histories/<set>/. Payloads are
 * encrypted with the fixed test key, as the replay test decodes them. Run through Jest (its own config,
 * test/replay/jest.record.config.js) because the drivers it reuses are TypeScript test support; it is no
 * part of `npm test`. README.md ("Replaying recorded histories") says when to run it.
 */
import { readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { freshDatabase } from '../support/databases.js';
import { pinClock, TEST_CALENDARS } from '../support/pinned-time.js';
import { testDataConverter } from '../support/payload-encryption.js';
import { testLog, toolsDir } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';
import { procurementWorker, shippedDefinition, WorkflowDriver } from '../support/workflow-driver.js';
import { encodeHistory, eventsOf, eventTypes, HISTORIES_DIR, type History, historyFileName, type RecordedHistory } from './recorded-histories.js';

/** The set this recording writes (default: the day it is recorded); an existing set of that name is replaced. */
const SET = process.env['PROCUREFLOW_REPLAY_SET'] ?? new Date().toISOString().slice(0, 10);
const PROCEDURES = readdirSync(path.join(PROJECT_ROOT, 'definitions', 'procedures'))
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => `procedures/${name}`);

describe(`recording the histories of set ${SET}`, () => {
  let env: TestWorkflowEnvironment;
  let dataSource: DataSource;
  let workflowBundle: { code: string };
  const setDir = path.join(HISTORIES_DIR, SET);

  beforeAll(async () => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(SET)) throw new Error(`PROCUREFLOW_REPLAY_SET must be a plain directory name, not ${JSON.stringify(SET)}`);
    ({ dataSource } = await freshDatabase('replay_record'));
    workflowBundle = await bundleTestWorkflows('../workflows/index.ts');
    await rm(setDir, { recursive: true, force: true });
  });

  // A server of its own per procedure, its clock pinned to the scenarios' start (not years after the
  // previous procedure's last timer, nor today), so every recording runs on the same dates, in years the
  // test calendars cover.
  beforeEach(async () => {
    env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('time-skipping'), dataConverter: testDataConverter() });
    await pinClock(env);
  });

  afterEach(async () => {
    await env?.teardown();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it.each(PROCEDURES)('records a whole cycle of %s', async (file) => {
    const definition = shippedDefinition(file);
    const taskQueue = `replay-record-${definition.metadata.key}`;
    const worker = await procurementWorker(env, { taskQueue, workflowBundle, dataSource });
    const driver = new WorkflowDriver(env, definition, undefined, TEST_CALENDARS);
    const written = await worker.runUntil(async () => {
      const cycleId = await driver.launch(taskQueue);
      const { cycle } = await driver.driveCycle(cycleId);
      // A full cycle: the cycle workflow itself has returned, after its last contract ended.
      await env.client.workflow.getHandle(cycleId).result();
      // A recording is of a cycle that went to plan: not one deadline fell outside the calendars.
      const incidents: unknown[] = await dataSource.query(`SELECT comment FROM audit_entries WHERE action = 'cycle.incident' AND details->>'cycleId' = $1`, [cycleId]);
      expect(incidents).toEqual([]);
      const dir = path.join(setDir, definition.metadata.key);
      await mkdir(dir, { recursive: true });
      const files = await writeRuns(env.client, dir, cycleId, 'procurement-cycle');
      for (const contract of cycle.contracts) files.push(...(await writeRuns(env.client, dir, contract.contractId, `contract-${contract.vendorId}`)));
      return files;
    });
    expect(written.length).toBeGreaterThan(1);
  });
});

/** Writes every run of one workflow, first to last, following continue-as-new; returns the files written. */
async function writeRuns(client: Client, dir: string, workflowId: string, kind: Parameters<typeof historyFileName>[0]): Promise<string[]> {
  const latest = (await client.workflow.getHandle(workflowId).fetchHistory()) as History;
  let runId: string | null | undefined = eventsOf(latest)[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId;
  const files: string[] = [];
  for (let run = 1; runId; run++) {
    const history = (await client.workflow.getHandle(workflowId, runId).fetchHistory()) as History;
    const workflowType = eventsOf(history)[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
    const recorded: RecordedHistory = { workflowId, workflowType, run, events: eventTypes(history), history: encodeHistory(history) };
    const file = path.join(dir, historyFileName(kind, run));
    await writeFile(file, `${JSON.stringify(recorded, null, 1)}\n`);
    files.push(file);
    runId = eventsOf(history).at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return files;
}
