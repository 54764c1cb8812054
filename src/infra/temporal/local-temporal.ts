import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { PROJECT_ROOT } from '../../config/project-root.js';
import { PROCUREFLOW_SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_CLI_TYPES } from '../../../workflows/search-attributes.js';

/** A Temporal server procureflow can use, and how to let go of it. */
export interface TemporalHandle {
  readonly address: string;
  readonly namespace: string;
  /** The Web UI, when this process started a dev server with one. */
  readonly uiUrl: string | undefined;
  /** True when this process started the server (and so must stop it). */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

export interface InstalledTemporalBinaries {
  readonly cli: string;
  readonly testServer: string;
}

export interface LocalServerOptions {
  readonly toolsDir: string;
  readonly log: (line: string) => void;
  /** The data converter of the environment's client (`env.client`): procureflow's encrypts payloads. */
  readonly dataConverter?: DataConverter;
}

export interface DevServerOptions extends LocalServerOptions {
  readonly namespace: string;
  /** Omit for a free port. */
  readonly port?: number;
  /** Omit for no Web UI. */
  readonly uiPort?: number;
  /** SQLite file that keeps workflows across restarts; omit for an in-memory server. */
  readonly dbFile?: string;
  /** The codec endpoint (Temporal's codec-server protocol) the Web UI decodes payloads through. */
  readonly uiCodecEndpoint?: string;
  /**
   * Server settings to override (`--dynamic-config-value key=value`), e.g. a low
   * `limit.historyCount.suggestContinueAsNew` to exercise continue-as-new in a test.
   */
  readonly dynamicConfig?: Readonly<Record<string, number | string | boolean>>;
}

const INSTALL_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'install-temporal.sh');

/**
 * Server settings every embedded dev server runs with. Eager activity execution: when a workflow task
 * schedules an activity on the worker's own task queue (every projection of a decision), the server hands
 * the activity back in its answer to that workflow task instead of through a poll of the activity queue;
 * the history is the same. The headline bench measured a first decision at one approver at p50 51 ms with
 * it against 100 ms without (docs/benchmarks.md). Temporal ships it switched off; a server procureflow
 * does not start should switch it on too (README, "Temporal").
 */
export const DEV_SERVER_SETTINGS: Readonly<Record<string, boolean>> = { 'system.enableActivityEagerExecution': true };

/**
 * Starts a real Temporal dev server (the Temporal CLI's `server start-dev`).
 * Prefers binaries installed by `scripts/install-temporal.sh`; otherwise lets the SDK download the CLI,
 * and where that is impossible runs the install script and uses what it built.
 */
export async function startDevServer(options: DevServerOptions): Promise<{ env: TestWorkflowEnvironment; handle: TemporalHandle }> {
  const server = {
    namespace: options.namespace,
    ip: '127.0.0.1',
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.uiPort !== undefined ? { ui: true, uiPort: options.uiPort } : {}),
    ...(options.dbFile !== undefined ? { dbFilename: options.dbFile } : {}),
    extraArgs: [
      '--log-level',
      'error',
      ...(options.uiCodecEndpoint !== undefined ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
      // The search attributes ops staff filter workflows by, registered before any workflow starts.
      ...PROCUREFLOW_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${SEARCH_ATTRIBUTE_CLI_TYPES[key.type] ?? key.type}`]),
      ...Object.entries({ ...DEV_SERVER_SETTINGS, ...options.dynamicConfig }).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
    ],
  };
  const env = await withLocalBinary(options, 'cli', (executable) =>
    TestWorkflowEnvironment.createLocal({ server: { ...server, executable }, ...clientOptions(options) }),
  );
  return {
    env,
    handle: {
      address: env.address,
      namespace: options.namespace,
      uiUrl: options.uiPort !== undefined ? `http://127.0.0.1:${options.uiPort}` : undefined,
      embedded: true,
      stop: once(() => env.teardown()),
    },
  };
}

/** Starts the real time-skipping test server, for workflows whose timers span days or months. */
export async function startTimeSkippingServer(options: LocalServerOptions): Promise<TestWorkflowEnvironment> {
  return withLocalBinary(options, 'testServer', (executable) =>
    retrySlowStart(options, () => TestWorkflowEnvironment.createTimeSkipping({ server: { executable }, ...clientOptions(options) })),
  );
}

/** Starts before the SDK gives up on a slow server; see retrySlowStart. */
const SLOW_START_ATTEMPTS = 3;

/**
 * The SDK waits a fixed 5 s for a server's port. The time-skipping server is a JVM, which on a busy machine
 * can take longer to open it; the SDK then stops that process, so starting again is safe.
 */
async function retrySlowStart(options: LocalServerOptions, start: () => Promise<TestWorkflowEnvironment>): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const slow = /did not start within/.test((error as Error).message);
      if (!slow || attempt >= SLOW_START_ATTEMPTS) throw error;
      options.log(`the time-skipping server did not open its port in time (attempt ${attempt} of ${SLOW_START_ATTEMPTS}); starting it again`);
    }
  }
}

function clientOptions(options: LocalServerOptions): { client?: { dataConverter: DataConverter } } {
  return options.dataConverter ? { client: { dataConverter: options.dataConverter } } : {};
}

type Executable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

async function withLocalBinary(
  options: LocalServerOptions,
  binary: keyof InstalledTemporalBinaries,
  start: (executable: Executable) => Promise<TestWorkflowEnvironment>,
): Promise<TestWorkflowEnvironment> {
  const installed = await findInstalledBinaries(options.toolsDir);
  if (installed?.[binary]) return start({ type: 'existing-path', path: installed[binary] });

  try {
    return await start({ type: 'cached-download' });
  } catch (error) {
    options.log(`the Temporal SDK could not download the server (${(error as Error).message}); installing it from package registries`);
  }
  const built = await installTemporalBinaries(options);
  return start({ type: 'existing-path', path: built[binary] });
}

/** What the install script has already put in the cache, without installing anything. */
export async function findInstalledBinaries(toolsDir: string): Promise<Partial<InstalledTemporalBinaries> | undefined> {
  const result = await runInstallScript(toolsDir, ['--check'], () => undefined);
  return {
    ...(result.cli && existsSync(result.cli) ? { cli: result.cli } : {}),
    ...(result.testServer && existsSync(result.testServer) ? { testServer: result.testServer } : {}),
  };
}

/** Runs `scripts/install-temporal.sh`, relaying its progress to `log`. */
export async function installTemporalBinaries(options: LocalServerOptions): Promise<InstalledTemporalBinaries> {
  options.log('installing the Temporal servers (scripts/install-temporal.sh); the first run builds the CLI and takes minutes');
  const result = await runInstallScript(options.toolsDir, [], options.log);
  if (!result.ok || !result.cli || !result.testServer) {
    throw new Error('the Temporal servers could not be installed (see the messages above); set TEMPORAL_ADDRESS to use a server you run yourself');
  }
  return { cli: result.cli, testServer: result.testServer };
}

interface InstallScriptResult {
  cli: string;
  testServer: string;
  ok: boolean;
}

function runInstallScript(toolsDir: string, args: string[], log: (line: string) => void): Promise<InstallScriptResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'bash',
      [INSTALL_SCRIPT, ...args],
      // The script inherits this process's environment (PATH, GOPATH, Maven settings), not configuration.
      // eslint-disable-next-line no-restricted-properties
      { env: { ...process.env, PROCUREFLOW_TOOLS_DIR: toolsDir }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        const lastLine = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(lastLine) as InstallScriptResult);
        } catch {
          reject(new Error(`scripts/install-temporal.sh failed${error ? `: ${error.message}` : ''}`));
        }
      },
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(line);
    });
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
