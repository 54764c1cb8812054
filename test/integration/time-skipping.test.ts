import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { testDataConverter } from '../support/payload-encryption.js';
import { testLog, toolsDir } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('the real time-skipping test server', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('time-skipping'), dataConverter: testDataConverter() });
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow that sleeps 30 days to completion', async () => {
    const taskQueue = `sleep-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleTestWorkflows('integration/fixtures/foundation.workflows.ts'),
      dataConverter: testDataConverter(),
    });

    const { startedAt, wokeAt } = await worker.runUntil(
      env.client.workflow.execute('sleepThirtyDaysWorkflow', { taskQueue, workflowId: `sleep-${randomUUID()}` }),
    );

    expect(env.supportsTimeSkipping).toBe(true);
    expect(wokeAt - startedAt).toBeGreaterThanOrEqual(30 * DAY_MS);
    expect(wokeAt - startedAt).toBeLessThan(31 * DAY_MS);
  });
});

