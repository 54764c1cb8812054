import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { type RunningWorkers, startWorkers } from '../../apps/worker/src/worker.providers.js';
import { type AppConfig, loadConfig } from '../../src/config/config.js';
import { ensureDatabase, type PostgresHandle, startEmbeddedPostgres } from '../../src/infra/postgres/local-postgres.js';
import { startDevServer, type TemporalHandle } from '../../src/infra/temporal/local-temporal.js';
import { createLogger } from '../../src/logging/logger.js';
import { openDatabase } from '../../src/persistence/data-source.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { testDataConverter, testPayloadCodec } from '../support/payload-encryption.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { scratchDir, testLog, toolsDir } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';

/**
 * GET /ready must tell the truth about each dependency, so this suite owns its PostgreSQL and Temporal
 * servers and stops them one by one.
 */
describe('GET /ready', () => {
  let postgres: PostgresHandle;
  let temporal: TemporalHandle;
  let dataSource: DataSource;
  let connection: Connection;
  let app: INestApplication;
  let config: AppConfig;
  let baseUrl: string;
  let workers: RunningWorkers | undefined;

  beforeAll(async () => {
    postgres = await startEmbeddedPostgres({
      dataDir: path.join(await scratchDir('ready'), 'data'),
      port: await freePort(),
      persistent: false,
      log: testLog('postgres'),
    });
    ({ handle: temporal } = await startDevServer({ toolsDir: toolsDir(), namespace: 'default', log: testLog('temporal') }));
    config = loadConfig({
      TEMPORAL_TASK_QUEUE_PROCUREMENT: `ready-procurement-${randomUUID()}`,
      TEMPORAL_TASK_QUEUE_CASES: `ready-cases-${randomUUID()}`,
    });
    dataSource = await openDatabase(await ensureDatabase(postgres.url, 'procureflow'));
    connection = await Connection.connect({ address: temporal.address });
    app = await createApiApp({
      config,
      dataSource,
      temporalClient: new Client({ connection, namespace: 'default', dataConverter: testDataConverter() }),
      payloadCodec: testPayloadCodec,
      temporalAddress: temporal.address,
      logger: createLogger('silent', 'api'),
      jwtSecret: 'readiness-test-secret-of-at-least-32-characters',
    });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await workers?.shutdown().catch(() => undefined);
    await app?.close();
    await connection?.close().catch(() => undefined);
    await dataSource?.destroy().catch(() => undefined);
    await temporal?.stop();
    await postgres?.stop();
  });

  const ready = async () => {
    const response = await fetch(`${baseUrl}/ready`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, { status: string; detail: string }> } };
  };

  it('is live while anything else is down', async () => {
    const response = await fetch(`${baseUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers an unknown route with the common error body, echoing the caller\'s correlation id', async () => {
    const response = await fetch(`${baseUrl}/no-such-thing`, { headers: { 'X-Request-Id': 'ops-check-7' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('ops-check-7');
    expect(await response.json()).toMatchObject({ status: 404, code: 'not-found', correlationId: 'ops-check-7', details: [] });
  });

  it('reports the workers down while no worker polls the task queues', async () => {
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.status).toBe('not-ready');
    expect(body.checks['database']?.status).toBe('up');
    expect(body.checks['temporal']?.status).toBe('up');
    expect(body.checks['worker']).toEqual({ status: 'down', detail: expect.stringContaining(config.temporal.taskQueues.procurement) });
  });

  it('is reported the same way by `procureflow status`, for people and for scripts', async () => {
    const human = await runToCompletion(PROCUREFLOW_BIN, {}, ['status', '--api', baseUrl]);
    expect(human.code).toBe(3);
    expect(human.stdout).toContain(`procureflow at ${baseUrl}: not-ready`);
    expect(human.stdout).toMatch(/✗ worker +no worker is polling task queue/);
    const script = await runToCompletion(PROCUREFLOW_BIN, {}, ['status', '--api', baseUrl, '--json']);
    expect(script.code).toBe(3);
    expect(JSON.parse(script.stdout)).toMatchObject({ status: 'not-ready', checks: { database: { status: 'up' }, worker: { status: 'down' } } });
  });

  it('is ready once workers poll every task queue', async () => {
    workers = await startWorkers({
      config,
      temporalAddress: temporal.address,
      dataSource,
      workflowBundle: await bundleTestWorkflows('integration/fixtures/foundation.workflows.ts'),
      logger: createLogger('silent', 'worker'),
      payloadCodec: testPayloadCodec,
    });
    const { status, body } = await eventually(ready, (report) => report.status === 200);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ready',
      checks: { database: { status: 'up' }, temporal: { status: 'up' }, worker: { status: 'up' } },
    });
  });

  it('reports Temporal down when its server stops', async () => {
    await workers?.shutdown();
    workers = undefined;
    await temporal.stop();
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.checks['database']?.status).toBe('up');
    expect(body.checks['temporal']?.status).toBe('down');
    expect(body.checks['worker']?.status).toBe('down');
  });

  it('reports PostgreSQL down when its server stops', async () => {
    await postgres.stop();
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.checks['database']).toEqual({ status: 'down', detail: expect.any(String) });
  });
});
