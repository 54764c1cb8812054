import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { freshDatabase } from '../support/databases.js';
import { testDataConverter } from '../support/payload-encryption.js';
import { testLog, toolsDir } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';
import { procurementWorker, shippedDefinition, WorkflowDriver } from '../support/workflow-driver.js';

/**
 * Whole cycles on the real time-skipping server, with real activities writing the real PostgreSQL
 * read model: months of comment periods, bidding windows and ledger periods pass in seconds.
 */
describe.each([
  'procedures/deqing-community-correction.yaml',
  'procedures/xiamen-community-correction.yaml',
  'procedures/baotou-people-mediation.yaml',
  'procedures/baotou-resettlement.yaml',
])('the procurement workflows running %s', (file) => {
  let env: TestWorkflowEnvironment;
  let dataSource: DataSource;
  let workflowBundle: { code: string };

  beforeAll(async () => {
    env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('time-skipping'), dataConverter: testDataConverter() });
    ({ dataSource } = await freshDatabase('procurement_workflow'));
    workflowBundle = await bundleTestWorkflows('../workflows/index.ts');
  });

  afterAll(async () => {
    await env?.teardown();
    await dataSource?.destroy();
  });

  it('go from launch to the last payment, paying each tranche exactly once', async () => {
    const definition = shippedDefinition(file);
    const taskQueue = `procurement-${randomUUID()}`;
    const worker = await procurementWorker(env, { taskQueue, workflowBundle, dataSource });
    const driver = new WorkflowDriver(env, definition);

    await worker.runUntil(async () => {
      const cycleId = await driver.launch(taskQueue);
      const { cycle, contracts } = await driver.driveCycle(cycleId);
      expect(cycle.status).toBe('awaitingContracts');
      expect(contracts.map((c) => [c.status, c.endReason])).toEqual(cycle.contracts.map(() => ['completed', undefined]));
      expect(await env.client.workflow.getHandle(cycleId).result()).toMatchObject({ status: 'completed' });

      const release = definition.steps.find((step) => step.kind === 'paymentRelease');
      const tranches = release?.kind === 'paymentRelease' ? release.payment.tranches.length : 0;
      const payments: Array<{ contract_id: string; tranche_id: string; amount_fen: string }> = await dataSource.query(
        'SELECT contract_id, tranche_id, amount_fen FROM payments WHERE cycle_id = $1',
        [cycleId],
      );
      expect(payments).toHaveLength(cycle.contracts.length * tranches);
      for (const contract of cycle.contracts) {
        const paid = payments.filter((p) => p.contract_id === contract.contractId).reduce((sum, p) => sum + Number(p.amount_fen), 0);
        expect(paid).toBeLessThanOrEqual(contract.amountFen);
      }
      const [row] = await dataSource.query('SELECT status FROM cycles WHERE id = $1', [cycleId]);
      expect(row.status).toBe('completed');
      const notices: Array<{ kind: string }> = await dataSource.query('SELECT kind FROM public_notices WHERE cycle_id = $1', [cycleId]);
      expect(notices.length).toBeGreaterThan(0);
      const decisions: Array<{ count: string }> = await dataSource.query(`SELECT count(*) FROM audit_entries WHERE action LIKE 'task.%' AND details->>'cycleId' = $1`, [cycleId]);
      expect(Number(decisions[0]?.count)).toBeGreaterThan(0);
    });
  });
});
