import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config.js';
import type { SignOptions } from '../../src/identity/access-tokens.js';
import type { Identity } from '../../src/identity/identity.js';
import { resolveJwtSecret } from '../../src/identity/jwt-secret.js';
import { tokenFor } from './api-server.js';
import { freshDatabase } from './databases.js';
import { freePort } from './free-port.js';
import { compiledEntry, spawnNode, untilStackRuns } from './processes.js';
import { scratchDir, sharedTemporalAddress } from './test-environment.js';

/** `npm start`'s entry: the API and the workers in one process. */
const STACK = 'apps/stack/src/main.js';

export interface StackOptions {
  /** The process's LOG_LEVEL. */
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn';
  /** More environment for the process (e.g. a metrics token). */
  readonly env?: Record<string, string>;
}

export interface RunningStack {
  /** The environment the process runs with. */
  readonly env: Record<string, string>;
  /** The test's own connection to the stack's fresh database. */
  readonly dataSource: DataSource;
  readonly baseUrl: string;
  /** What the process has written to stdout so far (its log lines). */
  stdout(): string;
  /** Everything the process has printed so far: stdout, then stderr. */
  printed(): string;
  /** A token signed with the secret the stack resolved from its data directory (valid an hour unless `lifetime` says otherwise). */
  sign(identity: Partial<Identity> & Pick<Identity, 'roles' | 'jurisdiction'>, lifetime?: SignOptions): Promise<string>;
  /** A Temporal client on the stack's namespace; connected on first use, closed with the stack. */
  temporal(): Promise<Client>;
  /** Stops the process (SIGTERM, waiting for it to exit), then closes the connections. */
  close(): Promise<void>;
}

/**
 * Starts the whole stack as `npm start` does, on a fresh database, the shared Temporal dev server and
 * task queues of its own, and resolves once it says it is running. `name` tells this test's database,
 * data directory and task queues apart from every other test's.
 */
export async function startStack(name: string, options: StackOptions): Promise<RunningStack> {
  const database = await freshDatabase(name.replace(/-/g, '_'));
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    DATABASE_MIGRATION_URL: database.migrationUrl,
    TEMPORAL_ADDRESS: sharedTemporalAddress(),
    TEMPORAL_TASK_QUEUE_PROCUREMENT: `${name}-procurement-${randomUUID()}`,
    TEMPORAL_TASK_QUEUE_CASES: `${name}-cases-${randomUUID()}`,
    PORT: String(await freePort()),
    PROCUREFLOW_DATA_DIR: await scratchDir(name),
    LOG_LEVEL: options.logLevel,
    ...options.env,
  };
  let stdout = '';
  let stderr = '';
  let connection: Connection | undefined;
  const child: ChildProcess = spawnNode(compiledEntry(STACK), env);
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await untilStackRuns(child);
  } catch (error) {
    await database.dataSource.destroy();
    throw error;
  }
  const config = loadConfig(env);
  const { secret } = await resolveJwtSecret(config);
  return {
    env,
    dataSource: database.dataSource,
    baseUrl: `http://127.0.0.1:${env['PORT']}`,
    stdout: () => stdout,
    printed: () => `${stdout}\n${stderr}`,
    sign: (identity, lifetime) => tokenFor(identity, secret, lifetime),
    temporal: async () => {
      connection ??= await Connection.connect({ address: env['TEMPORAL_ADDRESS'] as string });
      return new Client({ connection, namespace: config.temporal.namespace });
    },
    close: async () => {
      await stop();
      await connection?.close();
      await database.dataSource.destroy();
    },
  };
}
