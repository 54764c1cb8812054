/**
 * `npm start`: the whole system in one command. Starts (or joins) PostgreSQL and Temporal, runs the
 * migrations, starts the workers and the API, prints where everything is, and stops it all on Ctrl-C.
 */
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { createApiApp } from '../../api/src/create-api-app.js';
import { DefinitionsRepository } from '../../api/src/definitions/definitions.repository.js';
import { DefinitionsService } from '../../api/src/definitions/definitions.service.js';
import { deployShippedDefinitions } from '../../api/src/definitions/shipped-definitions.js';
import { loadWorkflowBundle } from '../../worker/src/workflow-bundle.js';
import { startWorkers } from '../../worker/src/worker.providers.js';
import { type AppConfig, loadConfig } from '../../../src/config/config.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { codecEndpoint, provideServices } from '../../../src/infra/local-services.js';
import { ensurePrivateDirectory } from '../../../src/infra/private-directory.js';
import { signAccessToken } from '../../../src/identity/access-tokens.js';
import { NATIONAL_JURISDICTION } from '../../../src/identity/identity.js';
import { resolveJwtSecret } from '../../../src/identity/jwt-secret.js';
import { EncryptionCodec, encryptingDataConverter } from '../../../src/payload-encryption/encryption-codec.js';
import { resolvePayloadKeyring } from '../../../src/payload-encryption/payload-keys-file.js';
import { createLogger } from '../../../src/logging/logger.js';
import { correlationClientInterceptor } from '../../../src/observability/correlation.js';
import { installTemporalRuntime } from '../../../src/observability/temporal-logs.js';
import { openDatabase } from '../../../src/persistence/data-source.js';
import { onShutdownSignal, runMain } from '../../../src/runtime/process-lifecycle.js';
import { DEV_TOKEN_LIFETIME_SECONDS, renderDevTokens, signDevTokens } from './dev-tokens.js';
import { ensureDevVendors } from './dev-vendors.js';
import { DevSignIn } from '../../api/src/session/dev-sign-in.js';
import { VendorsService } from '../../api/src/vendors/vendors.service.js';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'stack');
  // This process handles SIGINT and SIGTERM itself (see onShutdownSignal) so it can stop things in order.
  installTemporalRuntime(logger, { stopsWorkersItself: true });
  const progress = (component: string, line: string) => logger.debug({ component }, line);

  // The token secret, the embedded servers' state and the treasury files: for this user's eyes only.
  await ensurePrivateDirectory(config.dataDir);
  logger.info(config.databaseUrl ? 'using PostgreSQL at DATABASE_URL' : 'starting embedded PostgreSQL');
  const say = (line: string) => logger.info(line);
  const services = await provideServices(config, (component, line) =>
    component === 'temporal' ? say(line) : progress(component, line),
  );
  // Stopped in reverse order of starting: the API, the workers, the database pool, then the servers.
  const cleanups: Array<{ name: string; stop: () => Promise<void> }> = [{ name: 'servers', stop: () => services.stop() }];
  const stopAll = async () => {
    for (const { name, stop } of cleanups.reverse()) {
      logger.debug(`stopping ${name}`);
      await stop().catch((error: unknown) => logger.error({ err: error }, `stopping ${name} failed`));
    }
  };
  onShutdownSignal(stopAll, say);

  try {
    // PROCUREFLOW_PAYLOAD_KEYS, or a key generated on the first start and kept in the data directory.
    const payloadKeys = await resolvePayloadKeyring(config);
    const payloadCodec = new EncryptionCodec(payloadKeys.keyring);
    const dataSource = await openDatabase(services.databaseUrl, {
      migrationUrl: services.databaseMigrationUrl,
      warn: (message) => logger.warn(message),
    });
    cleanups.push({ name: 'database pool', stop: () => dataSource.destroy() });

    say('bundling workflows and starting workers');
    const workers = await startWorkers({
      config,
      temporalAddress: services.temporal.address,
      dataSource,
      workflowBundle: await loadWorkflowBundle(),
      logger: createLogger(config.logLevel, 'worker'),
      payloadCodec,
    });
    cleanups.push({ name: 'workers', stop: () => workers.shutdown() });

    // PROCUREFLOW_JWT_SECRET, or one generated on the first start and kept in the data directory,
    // where `procureflow dev token` finds it too.
    const jwtSecret = await resolveJwtSecret(config);
    const connection = await Connection.connect({ address: services.temporal.address });
    cleanups.push({ name: 'Temporal client', stop: () => connection.close() });
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
      temporalAddress: services.temporal.address,
      logger: createLogger(config.logLevel, 'api'),
      jwtSecret: jwtSecret.secret,
    });
    await app.listen(config.http.port, config.http.host);
    cleanups.push({ name: 'API', stop: () => app.close() });

    // A newcomer can launch a cycle at once: the shipped definitions are deployed (when new) and every
    // role of the development jurisdiction gets a token.
    const shipped = await deployShipped(app, say);
    const devVendors = await ensureDevVendors(app.get(VendorsService, { strict: false }), config.devJurisdiction);
    const tokens = await signDevTokens(jwtSecret.secret, config.devJurisdiction, await procedureRoles(app, config), devVendors);
    // Decoding shows every jurisdiction's data, so the Web UI's reader is a national operator.
    const codecIdentity = { userId: 'dev.ops', name: '运维（开发）', roles: ['ops'], jurisdiction: NATIONAL_JURISDICTION };
    const codecToken = await signAccessToken(
      codecIdentity,
      jwtSecret.secret,
      { expiresInSeconds: DEV_TOKEN_LIFETIME_SECONDS },
    );
    const codec = codecEndpoint(config);
    // The console's sign-in page offers exactly the users whose tokens are printed below.
    app.get(DevSignIn, { strict: false }).offer([
      ...tokens.map((t) => ({ identity: t.identity, token: t.token, expiresAt: t.expiresAt, ...(t.vendor ? { vendorName: t.vendor.name } : {}) })),
      { identity: codecIdentity, token: codecToken.token, expiresAt: codecToken.expiresAt },
    ]);

    const apiUrl = `http://${config.http.host}:${config.http.port}`;
    process.stdout.write(
      [
        '',
        'procureflow is running:',
        `  Console          ${apiUrl}/ (sign in as any development user below)`,
        `  API              ${apiUrl}`,
        `  OpenAPI docs     ${apiUrl}/docs`,
        `  Readiness        ${apiUrl}/ready`,
        `  Temporal         ${services.temporal.address} (namespace ${config.temporal.namespace})`,
        `  Temporal Web UI  ${
          services.temporal.uiUrl
            ? `${services.temporal.uiUrl} (decodes payloads through ${codec})`
            : `(the Temporal server at TEMPORAL_ADDRESS serves its own UI; give it the codec endpoint ${codec} and its origin PROCUREFLOW_CODEC_ORIGINS)`
        }`,
        `  PostgreSQL       ${embeddedPostgresData(services.postgres.clusterDir, config.dataDir)}`,
        `  Token secret     ${jwtSecret.source} (\`npx procureflow dev token --help\` signs tokens with it)`,
        `  Payload keys     ${payloadKeys.source} (payloads on the Temporal server are encrypted with key ${payloadKeys.keyring.activeKeyId})`,
        `  Definitions      ${shipped}`,
        '',
        renderDevTokens(config.devJurisdiction, tokens),
        '',
        `To read workflow data in the Temporal Web UI, sign your browser in at ${codec}/session with this national`,
        `operator's token (dev.ops, role ops, jurisdiction ${NATIONAL_JURISDICTION}), then tick "Include cross-origin credentials" in the UI's codec settings:`,
        `  ${codecToken.token}`,
        '',
        'Press Ctrl-C to stop everything.',
        '',
      ].join('\n'),
    );
    await workers.done;
  } catch (error) {
    await stopAll();
    throw error;
  }
});

/** Where the embedded cluster keeps its data; as root that is outside the data directory, which links to it. */
function embeddedPostgresData(clusterDir: string | undefined, dataDir: string): string {
  if (clusterDir === undefined) return 'DATABASE_URL';
  const link = path.join(dataDir, 'postgres');
  return clusterDir === link ? `embedded, data in ${clusterDir}` : `embedded, data in ${clusterDir} (linked from ${link})`;
}

/** Deploys the shipped definitions that are new; says what it did in one line. Never stops the start. */
async function deployShipped(app: INestApplication, say: (line: string) => void): Promise<string> {
  try {
    const result = await deployShippedDefinitions(
      path.join(PROJECT_ROOT, 'definitions'),
      app.get(DefinitionsService, { strict: false }),
      app.get(DefinitionsRepository, { strict: false }),
    );
    for (const { file, problem } of result.invalid) say(`not deployed: ${file} does not compile: ${problem}`);
    const deployed = result.deployed.map((d) => `${d.key} v${d.version}`);
    return deployed.length > 0
      ? `deployed ${deployed.join(', ')} (shipped under definitions/)${result.unchanged.length > 0 ? `; ${result.unchanged.length} already deployed` : ''}`
      : `the ${result.unchanged.length} shipped under definitions/ are deployed`;
  } catch (error) {
    say(`deploying the shipped definitions failed: ${error instanceof Error ? error.message : String(error)}`);
    return 'shipped definitions not deployed (see the log above)';
  }
}

/** Roles the deployed procedures of the development jurisdiction declare, with their Chinese titles. */
async function procedureRoles(app: INestApplication, config: AppConfig): Promise<Array<{ role: string; title: string }>> {
  const procedures = await app.get(DefinitionsRepository, { strict: false }).latestCompiledOfKind('Procedure');
  return procedures
    .filter((procedure) => procedure.jurisdiction === config.devJurisdiction)
    .flatMap((procedure) => (procedure.compiled as unknown as ProcedureDefinition).roles.map((role) => ({ role: role.id, title: role.title.zh })));
}
