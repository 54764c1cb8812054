import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { loadWorkflowBundle } from '../../apps/worker/src/workflow-bundle.js';
import { type RunningWorkers, startWorkers } from '../../apps/worker/src/worker.providers.js';
import { loadConfig } from '../../src/config/config.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { createLogger } from '../../src/logging/logger.js';
import { TEST_JWT_SECRET } from './api-server.js';
import { freshDatabase } from './databases.js';
import { freePort } from './free-port.js';
import { scratchDir, testLog, toolsDir } from './test-environment.js';
import { testDataConverter, testPayloadCodec } from './payload-encryption.js';

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** The whole system as a user reaches it: the API and a worker on the time-skipping server and a fresh database. */
export interface ProcurementApi {
  readonly env: TestWorkflowEnvironment;
  readonly dataSource: DataSource;
  readonly baseUrl: string;
  call<T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, token: string | undefined, body?: unknown): Promise<ApiAnswer<T>>;
  close(): Promise<void>;
}

/**
 * Starts the API and the workers on a time-skipping Temporal server (so a test moves through comment
 * periods and bidding windows with `env.sleep`) and a fresh PostgreSQL database named after `label`.
 */
export async function startProcurementApi(label: string): Promise<ProcurementApi> {
  const env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('time-skipping') });
  const { dataSource } = await freshDatabase(label);
  const config = loadConfig({
    TEMPORAL_TASK_QUEUE_PROCUREMENT: `${label}-procurement-${randomUUID()}`,
    TEMPORAL_TASK_QUEUE_CASES: `${label}-cases-${randomUUID()}`,
    PROCUREFLOW_DATA_DIR: await scratchDir(label),
  });
  const workers: RunningWorkers = await startWorkers({
    config,
    temporalAddress: env.address,
    dataSource,
    workflowBundle: await loadWorkflowBundle(),
    logger: createLogger('silent', 'worker'), payloadCodec: testPayloadCodec,
  });
  const app: INestApplication = await createApiApp({
    config,
    dataSource,
    temporalClient: new Client({ connection: env.connection, namespace: config.temporal.namespace, dataConverter: testDataConverter() }),
    temporalAddress: env.address,
    logger: createLogger('silent', 'api'),
    jwtSecret: TEST_JWT_SECRET,
    payloadCodec: testPayloadCodec,
  });
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    env,
    dataSource,
    baseUrl,
    async call<T>(method: 'GET' | 'POST', route: string, token: string | undefined, body?: unknown): Promise<ApiAnswer<T>> {
      const response = await fetch(`${baseUrl}${route}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T };
    },
    async close() {
      await app.close();
      await workers.shutdown();
      await dataSource.destroy();
      await env.teardown();
    },
  };
}
