import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { signAccessToken, MAX_TOKEN_LIFETIME_SECONDS } from '../../src/identity/access-tokens.js';
import { resolveJwtSecret } from '../../src/identity/jwt-secret.js';
import { provideServices, type Services } from '../../src/infra/local-services.js';

/** `npm start`'s entry: the API and the workers in one process, as users run them. */
const STACK_ENTRY = path.join(PROJECT_ROOT, 'dist', 'apps', 'stack', 'src', 'main.js');
/** What the stack prints once it serves requests. */
const STACK_READY_LINE = 'Press Ctrl-C to stop everything.';
/** How long the stack may take to stop on SIGTERM before it is killed. */
const STACK_STOP_GRACE_MS = 30_000;

/**
 * The variables of the person's environment the bench honours: servers they run themselves, where the
 * Temporal binaries are cached, and the worker's workflow cache (to compare cache sizes). Everything else (secrets, ports, task queues, data directory) is the
 * bench's own, so a run never touches a running `npm start` or the user's `.data`.
 */
const PASSED_THROUGH = ['DATABASE_URL', 'DATABASE_MIGRATION_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'PROCUREFLOW_TOOLS_DIR', 'XDG_CACHE_HOME', 'TEMPORAL_WORKFLOW_CACHE_SIZE'] as const;

/** Who a bench token is for (the API's Identity without the display name, which the bench sets to the user id). */
export interface BenchIdentity {
  readonly userId: string;
  readonly roles: string[];
  readonly jurisdiction: string;
  readonly vendorId?: string;
}

/** The system under measurement: servers, and the stack process serving HTTP on loopback. */
export interface RunningSystem {
  readonly apiUrl: string;
  readonly temporalAddress: string;
  readonly namespace: string;
  /** PostgreSQL as the schema owner (the runtime role where the owner is not separate). */
  readonly databaseOwnerUrl: string;
  /** Whether this process started PostgreSQL and Temporal itself (else it uses DATABASE_URL / TEMPORAL_ADDRESS). */
  readonly embedded: { readonly postgres: boolean; readonly temporal: boolean };
  readonly toolsDir: string;
  /** The `npm start` child's process id. */
  readonly stackPid: number | undefined;
  sign(identity: BenchIdentity): Promise<string>;
  /** Stops the stack, then the servers this process started, and removes their data. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the system to measure. PostgreSQL and Temporal: those at DATABASE_URL / TEMPORAL_ADDRESS when
 * set, otherwise embedded ones started in this process (`provideServices`, as `npm start` does) on free
 * loopback ports with their data in a fresh directory under the system's temporary directory. Then the
 * real `npm start` entry runs as a child process against them, on its own port and task queues, so the
 * API and worker are measured from outside over HTTP as a user meets them.
 * Guarantees: resolves once the stack serves requests; on any failure, everything started is stopped
 * before the error is thrown.
 */
export async function startSystem(log: (line: string) => void): Promise<RunningSystem> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'procureflow-bench-'));
  const run = randomUUID().slice(0, 8);
  // The bench reads its own environment here only, and hands the rest on through the configuration.
  const outside = Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : []))) as Record<string, string>;
  const env: Record<string, string> = {
    ...outside,
    PROCUREFLOW_DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
    TEMPORAL_DEV_SERVER_UI_PORT: String(await freePort()),
    TEMPORAL_TASK_QUEUE_PROCUREMENT: `bench-${run}-procurement`,
    TEMPORAL_TASK_QUEUE_CASES: `bench-${run}-cases`,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env);

  let services: Services | undefined;
  let stack: StackProcess | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await stack?.stop().catch((error: unknown) => log(`stopping the stack failed: ${String(error)}`));
      await services?.stop().catch((error: unknown) => log(`stopping the servers failed: ${String(error)}`));
      // As root the embedded cluster lives outside the data directory (see README, PostgreSQL): remove it too.
      const cluster = services?.postgres.embedded ? services.postgres.clusterDir : undefined;
      if (cluster && !cluster.startsWith(dataDir)) await rm(cluster, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    })());

  try {
    log(config.databaseUrl ? 'using PostgreSQL at DATABASE_URL' : 'starting embedded PostgreSQL');
    log(config.temporal.address ? `using Temporal at ${config.temporal.address}` : 'starting the Temporal dev server');
    // PostgreSQL's own log is noise here (npm start keeps it at debug); a failure to start is thrown anyway.
    services = await provideServices(config, (component, line) => component !== 'postgres' && log(`[${component}] ${line}`));
    log('starting the stack (npm start entry) as a child process');
    stack = await startStack({
      ...env,
      DATABASE_URL: services.databaseUrl,
      ...(services.databaseMigrationUrl ? { DATABASE_MIGRATION_URL: services.databaseMigrationUrl } : {}),
      TEMPORAL_ADDRESS: services.temporal.address,
    });
    const { secret } = await resolveJwtSecret(config);
    const ready = services;
    return {
      apiUrl: `http://127.0.0.1:${config.http.port}`,
      temporalAddress: ready.temporal.address,
      namespace: config.temporal.namespace,
      databaseOwnerUrl: ready.databaseMigrationUrl ?? ready.databaseUrl,
      embedded: { postgres: ready.postgres.embedded, temporal: ready.temporal.embedded },
      toolsDir: config.toolsDir,
      stackPid: stack.pid,
      sign: (identity) => signToken(identity, secret),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function signToken(identity: BenchIdentity, secret: string): Promise<string> {
  const { token } = await signAccessToken(
    {
      userId: identity.userId,
      name: identity.userId,
      roles: identity.roles,
      jurisdiction: identity.jurisdiction,
      ...(identity.vendorId === undefined ? {} : { vendorId: identity.vendorId }),
    },
    secret,
    // The longest the API accepts: a full run with 100,000 cases takes a while.
    { expiresInSeconds: MAX_TOKEN_LIFETIME_SECONDS },
  );
  return token;
}

interface StackProcess {
  /** The stack's process id: its memory is the API's and the workers'. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Spawns the stack and resolves once it says it is running; rejects with its output when it exits first. */
function startStack(env: Record<string, string>): Promise<StackProcess> {
  // Its own process group: the terminal's Ctrl-C reaches the bench, which stops the stack in order.
  const child: ChildProcess = spawn(process.execPath, [STACK_ENTRY], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    // The last lines are enough to say why it failed; the stack logs warnings and errors only.
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // The child has its own process group, so it outlives the bench unless told: whatever way the bench
  // exits (a second Ctrl-C, an uncaught error), the stack goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STACK_STOP_GRACE_MS);
    await closed;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (!output.includes(STACK_READY_LINE)) return;
      child.stdout?.off('data', onData);
      child.off('close', onEarlyClose);
      resolve({ pid: child.pid, stop });
    };
    const onEarlyClose = (code: number | null) => reject(new Error(`the stack exited with ${code} before it was running:\n${output}`));
    child.stdout?.on('data', onData);
    child.once('close', onEarlyClose);
    child.once('error', reject);
  });
}

/** A TCP port on loopback that nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
