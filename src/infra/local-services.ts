import path from 'node:path';
import type { AppConfig } from '../config/config.js';
import { ensureApplicationDatabase } from './postgres/database-roles.js';
import { externalPostgres, type PostgresHandle, startEmbeddedPostgres } from './postgres/local-postgres.js';
import { ensurePrivateDirectory } from './private-directory.js';
import { startDevServer, type TemporalHandle } from './temporal/local-temporal.js';

/** The database procureflow keeps its registry, read model and audit trail in. */
export const APPLICATION_DATABASE = 'procureflow';

export interface Services {
  /** Connection string of the application database (created when missing), as the runtime role. */
  readonly databaseUrl: string;
  /** Connection string of the role that owns the schema and runs the migrations, when it is another. */
  readonly databaseMigrationUrl: string | undefined;
  readonly postgres: PostgresHandle;
  readonly temporal: TemporalHandle;
  /** Stops what this process started, Temporal first so no activity writes to a stopped database. */
  stop(): Promise<void>;
}

/**
 * The PostgreSQL and Temporal servers named by the configuration, or, where it names none, embedded
 * ones whose state persists under the data directory (mode 0700) across restarts; as root, the embedded
 * PostgreSQL cluster lives where its own user can reach it, linked from `<data directory>/postgres`.
 */
export async function provideServices(config: AppConfig, log: (component: string, line: string) => void): Promise<Services> {
  // Both servers keep their state in the data directory (the dev server's SQLite file lies in it directly).
  if (!config.databaseUrl || !config.temporal.address) await ensurePrivateDirectory(config.dataDir);
  const postgres = config.databaseUrl
    ? externalPostgres(config.databaseUrl)
    : await startEmbeddedPostgres({
        dataDir: path.join(config.dataDir, 'postgres'),
        port: config.embeddedPostgresPort,
        persistent: true,
        log: (line) => log('postgres', line),
      });
  let temporal: TemporalHandle;
  try {
    temporal = config.temporal.address
      ? externalTemporal(config.temporal.address, config.temporal.namespace)
      : (
          await startDevServer({
            toolsDir: config.toolsDir,
            namespace: config.temporal.namespace,
            port: config.temporal.devServerPort,
            uiPort: config.temporal.devServerUiPort,
            dbFile: path.join(config.dataDir, 'temporal.sqlite'),
            // Payloads are encrypted; the Web UI has them decrypted by the API, for people allowed to read them.
            uiCodecEndpoint: codecEndpoint(config),
            log: (line) => log('temporal', line),
          })
        ).handle;
  } catch (error) {
    await postgres.stop();
    throw error;
  }
  // The embedded server gets an owner role for the migrations and a runtime role that cannot rewrite history.
  const database = config.databaseUrl
    ? { url: config.databaseUrl, migrationUrl: config.databaseMigrationUrl }
    : await ensureApplicationDatabase(postgres.url, APPLICATION_DATABASE);
  return {
    databaseUrl: database.url,
    databaseMigrationUrl: database.migrationUrl,
    postgres,
    temporal,
    async stop() {
      await temporal.stop();
      await postgres.stop();
    },
  };
}

/** Where the API serves Temporal's codec-server protocol (see apps/api/src/codec). */
export function codecEndpoint(config: Pick<AppConfig, 'apiUrl'>): string {
  return `${config.apiUrl}/codec`;
}

function externalTemporal(address: string, namespace: string): TemporalHandle {
  return { address, namespace, uiUrl: undefined, embedded: false, stop: async () => undefined };
}
