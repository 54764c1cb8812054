/**
 * The API process on its own (as docker-compose runs it): joins the PostgreSQL and Temporal servers
 * named by DATABASE_URL and TEMPORAL_ADDRESS and serves HTTP until SIGTERM. Access tokens are verified
 * with PROCUREFLOW_JWT_SECRET, which every API replica and the CLI must share; payloads sent to Temporal are
 * encrypted with PROCUREFLOW_PAYLOAD_KEYS, which every API and worker must share.
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfig, requireStandaloneApi } from '../../../src/config/config.js';
import { createLogger } from '../../../src/logging/logger.js';
import { EncryptionCodec, encryptingDataConverter } from '../../../src/payload-encryption/encryption-codec.js';
import { openDatabase } from '../../../src/persistence/data-source.js';
import { onShutdownSignal, runMain } from '../../../src/runtime/process-lifecycle.js';
import { createApiApp } from './create-api-app.js';
import { correlationClientInterceptor } from '../../../src/observability/correlation.js';

runMain(async () => {
  const config = loadConfig();
  const { databaseUrl, temporalAddress, jwtSecret, payloadKeyring } = requireStandaloneApi(config);
  const logger = createLogger(config.logLevel, 'api');
  const dataSource = await openDatabase(databaseUrl, { migrationUrl: config.databaseMigrationUrl, warn: (message) => logger.warn(message) });
  const connection = Connection.lazy({ address: temporalAddress });
  const payloadCodec = new EncryptionCodec(payloadKeyring);
  const app = await createApiApp({
    config,
    dataSource,
    temporalClient: new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: encryptingDataConverter(payloadCodec),
      interceptors: { workflow: [correlationClientInterceptor()] },
    }),
    payloadCodec,
    temporalAddress,
    logger,
    jwtSecret,
  });
  await app.listen(config.http.port, config.http.host);
  logger.info({ url: `http://${config.http.host}:${config.http.port}` }, 'API listening');
  onShutdownSignal(async () => {
    await app.close();
    await connection.close();
    await dataSource.destroy();
  }, (message) => logger.info(message));
});
