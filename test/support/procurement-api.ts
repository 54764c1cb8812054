import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { loadWorkflowBundle } from '../../apps/worker/src/workflow-bundle.js';
import { startWorkers } from '../../apps/worker/src/worker.providers.js';
import { type AppConfig, loadConfig } from '../../src/config/config.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { createLogger } from '../../src/logging/logger.js';
import { TEST_JWT_SECRET } from './api-server.js';
import { freshDatabase } from './databases.js';
import { freePort } from './free-port.js';
import { scratchDir, sharedTemporalAddress, testLog, toolsDir } from './test-environment.js';
import { testDataConverter, testPayloadCodec } from './payload-encryption.js';

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

type Method = 'GET' | 'POST';

/**
 * The whole system as a user reaches it: the API and the workers on a time-skipping Temporal server of
 * their own (which `env` moves through comment periods and bidding windows) and a fresh database.
 */
export interface ProcurementApi {
  readonly env: TestWorkflowEnvironment;
  /** The runtime role's connection, as the API and the workers use it. */
  readonly dataSource: DataSource;
  /** The owner role's URL: what only the owner may do (triggers, bypassing the append-only audit trail). */
  readonly migrationUrl: string;
  /** The configuration the API and the workers run with (their own task queues and data directory). */
  readonly config: AppConfig;
  /** The Temporal client the API uses, with the encrypting data converter. */
  readonly temporalClient: Client;
  readonly baseUrl: string;
  /** A request to the API, with the token (when given) as bearer and `body` as JSON. */
  send(method: Method, route: string, token: string | undefined, body?: unknown): Promise<Response>;
  /** `send`, and the answer's JSON body. */
  call<T = Record<string, unknown>>(method: Method, route: string, token: string | undefined, body?: unknown): Promise<ApiAnswer<T>>;
  /** Stops the API, the workers and the servers it started, and closes the database. */
  close(): Promise<void>;
}

/** The same on the Temporal dev server every test file shares: real time, so no `env` to skip it. */
export type ProcurementApiOnSharedServer = Omit<ProcurementApi, 'env'>;

/**
 * Starts the API and the workers on a fresh PostgreSQL database named after `label`, with task queues and
 * a data directory of their own, on a time-skipping Temporal server (the default) or, with
 * `{ temporal: 'shared' }`, on the dev server of the test run (tests that need real time or its
 * visibility queries). When starting fails, what had started is stopped again.
 */
export function startProcurementApi(label: string, options?: { temporal: 'time-skipping' }): Promise<ProcurementApi>;
export function startProcurementApi(label: string, options: { temporal: 'shared' | { readonly address: string } }): Promise<ProcurementApiOnSharedServer>;
export async function startProcurementApi(
  label: string,
  options: { temporal: 'time-skipping' | 'shared' | { readonly address: string } } = { temporal: 'time-skipping' },
): Promise<ProcurementApi | ProcurementApiOnSharedServer> {
  // Stopped in reverse order of starting, by close() or when a later step fails; each once.
  const started: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of started.splice(0).reverse()) await stop();
  };
  try {
    let env: TestWorkflowEnvironment | undefined;
    let connection: Connection;
    let temporalAddress: string;
    if (options.temporal === 'time-skipping') {
      env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('time-skipping'), dataConverter: testDataConverter() });
      const running = env;
      started.push(() => running.teardown());
      connection = env.connection;
      temporalAddress = env.address;
    } else {
      temporalAddress = options.temporal === 'shared' ? sharedTemporalAddress() : options.temporal.address;
      connection = await Connection.connect({ address: temporalAddress });
      const own = connection;
      started.push(() => own.close());
    }
    const { dataSource, migrationUrl } = await freshDatabase(label);
    started.push(() => dataSource.destroy());
    const config = loadConfig({
      TEMPORAL_TASK_QUEUE_PROCUREMENT: `${label}-procurement-${randomUUID()}`,
      TEMPORAL_TASK_QUEUE_CASES: `${label}-cases-${randomUUID()}`,
      PROCUREFLOW_DATA_DIR: await scratchDir(label),
    });
    const workers = await startWorkers({
      config,
      temporalAddress,
      dataSource,
      workflowBundle: await loadWorkflowBundle(),
      logger: createLogger('silent', 'worker'),
      payloadCodec: testPayloadCodec,
    });
    started.push(() => workers.shutdown());
    const temporalClient = new Client({ connection, namespace: config.temporal.namespace, dataConverter: testDataConverter() });
    const app = await createApiApp({
      config,
      dataSource,
      temporalClient,
      temporalAddress,
      logger: createLogger('silent', 'api'),
      jwtSecret: TEST_JWT_SECRET,
      payloadCodec: testPayloadCodec,
    });
    started.push(() => app.close());
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${port}`;

    const send = (method: Method, route: string, token: string | undefined, body?: unknown) =>
      fetch(`${baseUrl}${route}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const system: ProcurementApiOnSharedServer = {
      dataSource,
      migrationUrl,
      config,
      temporalClient,
      baseUrl,
      send,
      async call<T>(method: Method, route: string, token: string | undefined, body?: unknown): Promise<ApiAnswer<T>> {
        const response = await send(method, route, token, body);
        return { status: response.status, body: (await response.json()) as T };
      },
      close: stopAll,
    };
    return env ? { ...system, env } : system;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
