import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { freshDatabase } from '../support/databases.js';
import { compiledEntry, spawnNode } from '../support/processes.js';
import { scratchDir, testLog, toolsDir } from '../support/test-environment.js';
import { shippedDefinition, WorkflowDriver } from '../support/workflow-driver.js';

/**
 * Durability: the worker process is killed (SIGKILL, no goodbye) again and again while a Deqing
 * cycle runs, often while a decision is in flight. A new worker picks up where the old one stopped;
 * the cycle still ends with every tranche paid once, no projection or notice written twice.
 */
describe('a worker killed during a cycle', () => {
  let env: TestWorkflowEnvironment;
  let dataSource: DataSource;
  let databaseUrl: string;
  let worker: ChildProcess | undefined;
  let restarts = 0;

  beforeAll(async () => {
    env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('time-skipping') });
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
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE_PROCUREMENT: taskQueue,
        TEMPORAL_TASK_QUEUE_CASES: `${taskQueue}-cases`,
        PROCUREFLOW_DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        // The time-skipping test server does not move work off a dead worker's sticky queue; without a
        // cache every task goes through the normal queue, as it would after the real server's timeout.
        TEMPORAL_WORKFLOW_CACHE_SIZE: '0',
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
    const driver = new WorkflowDriver(env, shippedDefinition('procedures/deqing-community-correction.yaml'));
    const restarting: Promise<void> = Promise.resolve();
    driver.beforeMessage = async (count) => {
      // Kills spread over the cycle: in budgeting, bidding, the award and a contract's ledgers.
      if (![2, 6, 9, 16, 24].includes(count)) return;
      await killWorker();
      restarts++;
      await startWorker();
    };

    const cycleId = await driver.launch(taskQueue);
    const { cycle, contracts } = await driver.driveCycle(cycleId);
    await restarting;
    expect(restarts).toBeGreaterThan(3);
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
