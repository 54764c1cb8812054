import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities/index.js';
import type { CalendarDefinition } from '../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import type { EngineContext } from '../../workflows/engine/types.js';
import { decideTaskUpdate, submitBidUpdate, workflowSnapshotQuery, type WorkflowSnapshot } from '../../workflows/procurement/messages.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { actorFor, formFor, ProcedureDriver } from '../support/procedure-driver.js';
import { scratchDir, testLog, toolsDir } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';

function load<T>(file: string): T {
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, 'definitions', file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as T;
}

/**
 * A whole Deqing cycle on the real time-skipping server, with real activities writing the real
 * PostgreSQL read model: months of ledger periods pass in seconds.
 */
describe('the procurement workflows (Deqing, time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let dataSource: DataSource;
  let workflowBundle: { code: string };
  const definition = load<ProcedureDefinition>('procedures/deqing-community-correction.yaml');
  const calendars = [load<CalendarDefinition>('calendars/cn-2026.yaml')];
  const context: EngineContext = { definition, calendars, jurisdiction: 'zj-deqing' };
  // Reused only for its knowledge of what a complete, happy decision of each task kind looks like.
  const planner = new ProcedureDriver(context);

  beforeAll(async () => {
    env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('time-skipping') });
    ({ dataSource } = await freshDatabase('procurement_workflow'));
    workflowBundle = await bundleTestWorkflows('../workflows/index.ts');
  });

  afterAll(async () => {
    await env?.teardown();
    await dataSource?.destroy();
  });

  it('runs from launch to the last payment, paying each tranche exactly once', async () => {
    const taskQueue = `procurement-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createActivities({ dataSource, exportDir: path.join(await scratchDir('treasury'), 'exports') }),
    });
    const cycleId = `cycle-${randomUUID()}`;
    const client = env.client;

    await worker.runUntil(async () => {
      const cycle = await client.workflow.start('procurementCycleWorkflow', {
        taskQueue,
        workflowId: cycleId,
        args: [
          {
            cycleId,
            definition,
            definitionRef: { key: definition.metadata.key, version: 1, contentHash: '0'.repeat(64) },
            calendars,
            jurisdiction: 'zj-deqing',
            inputs: formFor(definition.inputs),
            launchedBy: { userId: 'admin', name: '管理员', roles: ['administrator'], jurisdiction: 'zj-deqing' },
          },
        ],
      });

      /** Decides every open task of a workflow as its role would, a second person where four-eyes demands it. */
      const decideOpenTasks = async (workflowId: string, snapshot: WorkflowSnapshot) => {
        for (const task of snapshot.openTasks) {
          const { outcome, fields, payload } = planner.happyDecision(task, { bids: snapshot.bids, budgetTotal: snapshot.values.budget?.['total'] ?? 0 });
          for (const second of [false, true]) {
            const requestId = randomUUID();
            try {
              await client.workflow.getHandle(workflowId).executeUpdate(decideTaskUpdate, {
                updateId: requestId,
                args: [{ requestId, actor: actorFor(task.role, 'zj-deqing', second), taskId: task.id, outcome, fields, ...(payload ? { payload } : {}) }],
              });
              break;
            } catch (error) {
              if (second || !JSON.stringify(error, Object.getOwnPropertyNames(error)).includes('four-eyes') && !String((error as { cause?: unknown }).cause).includes('four-eyes')) throw error;
            }
          }
        }
      };

      /** Runs one workflow until it stops running: decide, bid, or let time pass to its next timer. */
      const drive = async (workflowId: string) => {
        const handle = client.workflow.getHandle(workflowId);
        let bidsSubmitted = false;
        for (let round = 0; round < 300; round++) {
          // A child workflow is queryable a moment after the cycle names it.
          const snapshot: WorkflowSnapshot = await eventually(
            () => handle.query(workflowSnapshotQuery).catch((error: unknown) => (error instanceof WorkflowNotFoundError ? undefined : Promise.reject(error))),
            (found) => found !== undefined,
          ).then((found) => found as WorkflowSnapshot);
          if (snapshot.status !== 'running') return snapshot;
          if (snapshot.biddingOpen && !bidsSubmitted) {
            bidsSubmitted = true;
            for (let i = 1; i <= 3; i++) {
              const requestId = randomUUID();
              await handle.executeUpdate(submitBidUpdate, {
                updateId: requestId,
                args: [{ requestId, actor: actorFor('procurement-centre', 'zj-deqing'), bidId: `bid-${i}`, vendorId: `vendor-${i}`, vendorName: `德清社工机构${i}`, priceFen: 3_000_000, qualified: true }],
              });
            }
            continue;
          }
          if (snapshot.openTasks.length > 0) {
            await decideOpenTasks(workflowId, snapshot);
            continue;
          }
          const next = Object.values(snapshot.pendingTimers).sort()[0];
          if (!next) throw new Error(`${workflowId} is stuck at node ${snapshot.nodeId}`);
          await env.sleep(Math.max(1000, Date.parse(next) - (await env.currentTimeMs()) + 1000));
        }
        throw new Error(`${workflowId} did not end`);
      };

      const cycleEnd = await drive(cycleId);
      expect(cycleEnd.status).toBe('awaitingContracts');
      for (const contract of cycleEnd.contracts) {
        const end = await drive(contract.contractId);
        expect([contract.contractId, end.status, end.endReason]).toEqual([contract.contractId, 'completed', undefined]);
      }
      const result = await cycle.result();
      expect(result.status).toBe('completed');

      // The read model: one payment per tranche per contract, in fen, with an outbox row each.
      const payments: Array<{ contract_id: string; tranche_id: string; amount_fen: string }> = await dataSource.query(
        'SELECT contract_id, tranche_id, amount_fen FROM payments WHERE cycle_id = $1 ORDER BY contract_id, tranche_id',
        [cycleId],
      );
      expect(payments).toHaveLength(cycleEnd.contracts.length * 2);
      const outbox: Array<{ count: string }> = await dataSource.query('SELECT count(*) FROM payment_outbox');
      expect(Number(outbox[0]?.count)).toBe(payments.length);
      const notices: Array<{ kind: string }> = await dataSource.query('SELECT kind FROM public_notices WHERE cycle_id = $1', [cycleId]);
      expect(notices.map((n) => n.kind)).toEqual(expect.arrayContaining(['purchaseNotice', 'awardResult']));
      const cycles: Array<{ status: string }> = await dataSource.query('SELECT status FROM cycles WHERE id = $1', [cycleId]);
      expect(cycles[0]?.status).toBe('completed');
    });
  });
});
