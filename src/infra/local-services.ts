import path from 'node:path';
import type { AppConfig } from '../config/config.js';
import { ensureDatabase, externalPostgres, type PostgresHandle, startEmbeddedPostgres } from './postgres/local-postgres.js';
import { startDevServer, type TemporalHandle } from './temporal/local-temporal.js';

/** The database procureflow keeps its registry, read model and audit trail in. */
export const APPLICATION_DATABASE = 'procureflow';

export interface Services {
  /** Connection string of the application database (created when missing). */
  readonly databaseUrl: string;
  readonly postgres: PostgresHandle;
  readonly temporal: TemporalHandle;
  /** Stops what this process started, Temporal first so no activity writes to a stopped database. */
  stop(): Promise<void>;
}

/**
 * The PostgreSQL and Temporal servers named by the configuration, or, where it names none, embedded
 * ones whose state persists under the data directory across restarts.
 */
export async function provideServices(config: AppConfig, log: (component: string, line: string) => void): Promise<Services> {
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
  const databaseUrl = config.databaseUrl ?? (await ensureDatabase(postgres.url, APPLICATION_DATABASE));
  return {
    databaseUrl,
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
