import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment as Environment } from '@temporalio/testing';
import { compileDefinition } from '../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';
import { freshDatabase } from '../support/databases.js';
import { TEST_PAYLOAD_KEYS_ENV, testDataConverter } from '../support/payload-encryption.js';
import { compiledEntry, spawnNode } from '../support/processes.js';
import { scratchDir, sharedTemporalAddress } from '../support/test-environment.js';
import { WorkflowDriver } from '../support/workflow-driver.js';

/**
 * The minimal procedure with its waits shortened to seconds, so a whole cycle runs on the real dev
 * server (which, unlike the time-skipping server, hands a dead worker's work to a new one).
 */
function quickProcedure(): ProcedureDefinition {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'unit', 'definitions', 'fixtures', 'minimal-procedure.yaml');
  const text = readFileSync(file, 'utf8').replace('duration: P10D', 'duration: PT1S').replace('window: P20D', 'window: PT3S').replace('periods: "12"', 'periods: "1"');
  const result = compileDefinition(text, 'quick-procedure.yaml');
  if (!result.ok || result.compiled.kind !== 'Procedure') throw new Error('the quick procedure does not compile');
  return JSON.parse(JSON.stringify(result.compiled.definition)) as ProcedureDefinition;
}

/**
 * Durability: the worker process is killed (SIGKILL, no goodbye) several times while a cycle runs on
 * the real Temporal dev server. A new worker picks up where the old one stopped; the cycle still ends
 * with every tranche paid once and no projection or notice written twice.
 */
describe('a worker killed during a cycle', () => {
  let env: Environment;
  let dataSource: DataSource;
  let databaseUrl: string;
  let worker: ChildProcess | undefined;
  let restarts = 0;

  beforeAll(async () => {
    env = await Environment.createFromExistingServer({ address: sharedTemporalAddress(), client: { dataConverter: testDataConverter() } });
    ({ url: databaseUrl, dataSource } = await freshDatabase('worker_crash'));
  });

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await env?.teardown();
    await dataSource?.destroy();
  });

  it('loses nothing and does nothing twice', async () => {
    const taskQueue = `crash-${randomUUID()}`;
    const dataDir = await scratchDir('crash');
    const startWorker = async () => {
      const child = spawnNode(compiledEntry('apps/worker/src/main.js'), {
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: sharedTemporalAddress(),
        TEMPORAL_TASK_QUEUE_PROCUREMENT: taskQueue,
        TEMPORAL_TASK_QUEUE_CASES: `${taskQueue}-cases`,
        PROCUREFLOW_DATA_DIR: dataDir,
        PROCUREFLOW_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV,
        LOG_LEVEL: 'info',
      });
      await new Promise<void>((resolve, reject) => {
        let output = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (output.includes('"msg":"workers polling"')) resolve();
        });
        child.on('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before polling: ${output}`)));
      });
      worker = child;
    };
    const killWorker = () =>
      new Promise<void>((resolve) => {
        const dying = worker;
        if (!dying || dying.exitCode !== null) return resolve();
        dying.once('exit', () => resolve());
        dying.kill('SIGKILL');
      });

    await startWorker();
    const driver = new WorkflowDriver(env, quickProcedure());
    driver.beforeMessage = async (count) => {
      // Kills spread over the cycle: in budgeting, bidding, the award and a contract's ledgers.
      if (![2, 5, 9].includes(count)) return;
      await killWorker();
      restarts++;
      await startWorker();
    };

    const cycleId = await driver.launch(taskQueue);
    const { cycle, contracts } = await driver.driveCycle(cycleId);
    expect(restarts).toBe(3);
    expect(contracts.map((c) => c.status)).toEqual(cycle.contracts.map(() => 'completed'));
    expect(await env.client.workflow.getHandle(cycleId).result()).toMatchObject({ status: 'completed' });

    const payments: Array<{ contract_id: string; tranche_id: string }> = await dataSource.query('SELECT contract_id, tranche_id FROM payments WHERE cycle_id = $1', [cycleId]);
    expect(payments).toHaveLength(cycle.contracts.length * 2);
    expect(new Set(payments.map((p) => `${p.contract_id}/${p.tranche_id}`)).size).toBe(payments.length);
    const outbox: Array<{ count: string }> = await dataSource.query('SELECT count(*) FROM payment_outbox');
    expect(Number(outbox[0]?.count)).toBe(payments.length);
    const notices: Array<{ workflow_id: string; notice_id: string; count: string }> = await dataSource.query(
      'SELECT workflow_id, notice_id, count(*) FROM public_notices WHERE cycle_id = $1 GROUP BY workflow_id, notice_id HAVING count(*) > 1',
      [cycleId],
    );
    expect(notices).toEqual([]);
    const decided: Array<{ count: string }> = await dataSource.query(`SELECT count(*) FROM tasks WHERE cycle_id = $1 AND status = 'open'`, [cycleId]);
    expect(Number(decided[0]?.count)).toBe(0);
  }, 600_000);
});
