/**
 * The worker process on its own (as docker-compose runs it): joins the PostgreSQL and Temporal servers
 * named by DATABASE_URL and TEMPORAL_ADDRESS, loads the prebuilt workflow bundle and polls until SIGTERM.
 * Payloads are encrypted with PROCUREFLOW_PAYLOAD_KEYS, which every API and worker must share.
 */
import { loadConfig, requireExternalServices } from '../../../src/config/config.js';
import { createLogger } from '../../../src/logging/logger.js';
import { serveProcessMetrics } from '../../../src/observability/metrics-server.js';
import { installTemporalRuntime } from '../../../src/observability/temporal-logs.js';
import { EncryptionCodec } from '../../../src/payload-encryption/encryption-codec.js';
import { openDatabase } from '../../../src/persistence/data-source.js';
import { onShutdownSignal, runMain } from '../../../src/runtime/process-lifecycle.js';
import { loadWorkflowBundle } from './workflow-bundle.js';
import { startWorkers } from './worker.providers.js';

runMain(async () => {
  const config = loadConfig();
  const { databaseUrl, temporalAddress, payloadKeyring } = requireExternalServices(config);
  const logger = createLogger(config.logLevel, 'worker');
  installTemporalRuntime(logger, { stopsWorkersItself: false });
  const dataSource = await openDatabase(databaseUrl, { migrationUrl: config.databaseMigrationUrl, warn: (message) => logger.warn(message) });
  const workers = await startWorkers({
    config,
    temporalAddress,
    dataSource,
    workflowBundle: await loadWorkflowBundle(),
    logger,
    payloadCodec: new EncryptionCodec(payloadKeyring),
  });
  const metrics = config.workerMetricsPort === undefined ? undefined : await serveProcessMetrics({ host: config.http.host, port: config.workerMetricsPort, token: config.metricsToken });
  if (metrics) logger.info(`metrics at http://${config.http.host}:${config.workerMetricsPort}/metrics`);
  onShutdownSignal(async () => {
    metrics?.close();
    await workers.shutdown();
    await dataSource.destroy();
  }, (message) => logger.info(message));
  await workers.done;
});
