import { homedir } from 'node:os';
import path from 'node:path';
import { IDENTIFIER_PATTERN } from '../identity/identity.js';
import { keyringOf, PAYLOAD_KEY_ID_PATTERN, type PayloadKey, type PayloadKeyring, parsePayloadKeys } from '../payload-encryption/keyring.js';

/**
 * The whole configuration of a procureflow process, validated once at start.
 * Nothing else in the code base reads `process.env`.
 */
export interface AppConfig {
  /** PostgreSQL connection string of the runtime role; absent means "start an embedded PostgreSQL". */
  readonly databaseUrl: string | undefined;
  /**
   * Connection string of the role that owns the schema and runs the migrations, on the same server and
   * database as `databaseUrl`; absent, the role of `databaseUrl` runs them (and then owns the tables).
   */
  readonly databaseMigrationUrl: string | undefined;
  readonly embeddedPostgresPort: number;
  readonly temporal: {
    /** host:port of a Temporal frontend; absent means "start a local dev server". */
    readonly address: string | undefined;
    readonly namespace: string;
    readonly devServerPort: number;
    readonly devServerUiPort: number;
    readonly taskQueues: TaskQueues;
    /** Workflows each worker keeps in memory between tasks (sticky execution); 0 replays every task from history; unset: the SDK's default. */
    readonly workflowCacheSize: number | undefined;
  };
  readonly http: { readonly host: string; readonly port: number };
  /** Where the CLI finds the API: PROCUREFLOW_API_URL, or the address this configuration listens on. */
  readonly apiUrl: string;
  /** Persistent state of the embedded servers (PostgreSQL data, the dev server's SQLite file). */
  readonly dataDir: string;
  /** Cache of installed Temporal binaries, shared by every checkout on the machine. */
  readonly toolsDir: string;
  readonly logLevel: LogLevel;
  /**
   * HS256 secret that signs and verifies access tokens. Absent: `npm start` and the CLI use the one
   * kept in `<dataDir>/jwt-secret`; a standalone API refuses to start (see requireStandaloneApi).
   */
  readonly jwtSecret: string | undefined;
  /** The access token the CLI sends to the API (PROCUREFLOW_TOKEN), unless `--token` is given. */
  readonly token: string | undefined;
  /** The jurisdiction of the development tokens `npm start` prints (PROCUREFLOW_DEV_JURISDICTION). */
  readonly devJurisdiction: string;
  /**
   * Keys that encrypt Temporal payloads (PROCUREFLOW_PAYLOAD_KEYS). Absent: `npm start` uses the ones
   * kept in `<dataDir>/payload-keys`; a standalone API or worker refuses to start.
   */
  readonly payloadKeys: readonly PayloadKey[] | undefined;
  /** The key new payloads are encrypted with (PROCUREFLOW_PAYLOAD_KEY_ID); absent: the last key listed. */
  readonly payloadKeyId: string | undefined;
  /** Origins of Temporal Web UIs whose pages may call the API's codec endpoint (CORS, with credentials). */
  readonly codecOrigins: readonly string[];
  /**
   * How long the API lets one definition file compile (off its event loop) before it stops the
   * compile and refuses the request (PROCUREFLOW_DEFINITION_COMPILE_TIMEOUT_MS).
   */
  readonly definitionCompileTimeoutMs: number;
  /**
   * The bearer secret a Prometheus scrape must send to `/metrics` (PROCUREFLOW_METRICS_TOKEN); absent,
   * `/metrics` is open to anyone who reaches the API.
   */
  readonly metricsToken: string | undefined;
  /** Where a worker running in its own process serves its `/metrics` (PROCUREFLOW_WORKER_METRICS_PORT); absent, it serves none. */
  readonly workerMetricsPort: number | undefined;
  /**
   * How many days ahead of today every jurisdiction's deployed business calendars must reach before
   * `/ready` and the ops summary warn (PROCUREFLOW_CALENDAR_HORIZON_DAYS).
   */
  readonly calendarHorizonDays: number;
}

export interface TaskQueues {
  /** Procurement-cycle and contract workflows and their activities. */
  readonly procurement: string;
  /** Supervised persons' case workflows and their activities. */
  readonly cases: string;
}

/** An HS256 key shorter than this can be guessed; RFC 7518 §3.2 asks for at least 256 bits. */
export const MIN_JWT_SECRET_LENGTH = 32;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every variable the configuration reads, with what it means; the README and docker-compose use these names. */
export const CONFIG_VARIABLES = {
  DATABASE_URL: 'PostgreSQL connection string (postgres://user:password@host:port/database) of the role the API and worker run as',
  DATABASE_MIGRATION_URL: 'PostgreSQL connection string of the role that owns the schema and runs the migrations (same server and database)',
  EMBEDDED_POSTGRES_PORT: 'port of the embedded PostgreSQL started when DATABASE_URL is unset',
  TEMPORAL_ADDRESS: 'host:port of the Temporal frontend',
  TEMPORAL_NAMESPACE: 'Temporal namespace',
  TEMPORAL_DEV_SERVER_PORT: 'port of the local Temporal dev server started when TEMPORAL_ADDRESS is unset',
  TEMPORAL_DEV_SERVER_UI_PORT: 'port of the local Temporal dev server Web UI',
  TEMPORAL_TASK_QUEUE_PROCUREMENT: 'task queue of the procurement-cycle workflows',
  TEMPORAL_TASK_QUEUE_CASES: 'task queue of the supervision-case workflows',
  TEMPORAL_WORKFLOW_CACHE_SIZE: 'workflows a worker keeps cached between tasks (0 disables sticky execution)',
  HOST: 'interface the HTTP API listens on',
  PORT: 'port the HTTP API listens on',
  PROCUREFLOW_DATA_DIR: 'directory of the embedded servers’ data',
  PROCUREFLOW_TOOLS_DIR: 'cache directory of the installed Temporal binaries',
  PROCUREFLOW_API_URL: 'base URL of the API, for the procureflow CLI',
  LOG_LEVEL: `log level (${LOG_LEVELS.join(', ')})`,
  PROCUREFLOW_JWT_SECRET: `secret (at least ${MIN_JWT_SECRET_LENGTH} characters) signing and verifying access tokens`,
  PROCUREFLOW_TOKEN: 'access token the procureflow CLI sends to the API',
  PROCUREFLOW_DEV_JURISDICTION: 'jurisdiction code of the development tokens `npm start` prints',
  PROCUREFLOW_PAYLOAD_KEYS: 'keys encrypting Temporal payloads: <id>:<base64 of 32 bytes>, comma-separated',
  PROCUREFLOW_PAYLOAD_KEY_ID: 'id of the payload key that encrypts new payloads (default: the last one listed)',
  PROCUREFLOW_CODEC_ORIGINS: 'origins of Temporal Web UIs allowed to call the codec endpoint, comma-separated',
  PROCUREFLOW_DEFINITION_COMPILE_TIMEOUT_MS: 'milliseconds the API lets one definition file compile before it refuses the request',
  PROCUREFLOW_METRICS_TOKEN: 'bearer secret a Prometheus scrape must send to /metrics',
  PROCUREFLOW_WORKER_METRICS_PORT: 'port on which a worker running in its own process serves /metrics',
  PROCUREFLOW_CALENDAR_HORIZON_DAYS: 'days ahead of today the deployed business calendars must reach before /ready warns (default 120)',
} as const;

export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

/** Variables whose values never appear in messages: a bad secret is reported without being shown. */
const SECRET_VARIABLES: ReadonlySet<ConfigVariable> = new Set(['PROCUREFLOW_JWT_SECRET', 'PROCUREFLOW_TOKEN', 'PROCUREFLOW_PAYLOAD_KEYS', 'PROCUREFLOW_METRICS_TOKEN']);
export type Environment = Readonly<Record<string, string | undefined>>;

export interface ConfigProblem {
  readonly variable: ConfigVariable;
  readonly value: string;
  readonly problem: string;
}

/** Thrown when the environment holds invalid values; its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      [
        `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
        ...problems.map((p) => `  ${p.variable}=${JSON.stringify(p.value)}: ${p.problem}`),
      ].join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration from `env`.
 * Guarantees: either returns a complete, valid configuration or throws one `ConfigError` listing
 * every invalid variable (not only the first).
 */
export function loadConfig(env: Environment = process.env, cwd: string = process.cwd()): AppConfig {
  const problems: ConfigProblem[] = [];
  const reader = new EnvReader(env, problems);

  const databaseUrl = reader.optional('DATABASE_URL', parseDatabaseUrl);
  const databaseMigrationUrl = reader.optional('DATABASE_MIGRATION_URL', parseDatabaseUrl);
  const embeddedPostgresPort = reader.withDefault('EMBEDDED_POSTGRES_PORT', 54329, parsePort);
  const address = reader.optional('TEMPORAL_ADDRESS', parseHostPort);
  const namespace = reader.withDefault('TEMPORAL_NAMESPACE', 'default', parseName);
  const devServerPort = reader.withDefault('TEMPORAL_DEV_SERVER_PORT', 7233, parsePort);
  const devServerUiPort = reader.withDefault('TEMPORAL_DEV_SERVER_UI_PORT', 8233, parsePort);
  const procurement = reader.withDefault('TEMPORAL_TASK_QUEUE_PROCUREMENT', 'procureflow-procurement', parseName);
  const cases = reader.withDefault('TEMPORAL_TASK_QUEUE_CASES', 'procureflow-cases', parseName);
  // Unset: the SDK's default, which follows the heap limit. A cap of 500 was measured against it at 1,000
  // cases (docs/benchmarks.md) and lowered no memory, while every eviction costs a replay of the history.
  const workflowCacheSize = reader.optional('TEMPORAL_WORKFLOW_CACHE_SIZE', parseCount);
  const host = reader.withDefault('HOST', '127.0.0.1', parseName);
  const port = reader.withDefault('PORT', 3000, parsePort);
  const dataDir = reader.withDefault('PROCUREFLOW_DATA_DIR', path.join(cwd, '.data'), (v) => path.resolve(cwd, v));
  const defaultToolsDir = path.join(env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'procureflow');
  const toolsDir = reader.withDefault('PROCUREFLOW_TOOLS_DIR', defaultToolsDir, (v) => path.resolve(cwd, v));
  const logLevel = reader.withDefault('LOG_LEVEL', 'info', parseLogLevel);
  const apiUrl = reader.optional('PROCUREFLOW_API_URL', parseHttpUrl) ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  const jwtSecret = reader.optional('PROCUREFLOW_JWT_SECRET', parseJwtSecret);
  const token = reader.optional('PROCUREFLOW_TOKEN', parseToken);
  const devJurisdiction = reader.withDefault('PROCUREFLOW_DEV_JURISDICTION', 'zj-deqing', parseJurisdiction);
  const payloadKeys = reader.optional('PROCUREFLOW_PAYLOAD_KEYS', parsePayloadKeys);
  const payloadKeyId = reader.optional('PROCUREFLOW_PAYLOAD_KEY_ID', parsePayloadKeyId);
  // The local dev server's Web UI, when npm start runs one; a Web UI elsewhere must be named.
  const localUiOrigins = address ? [] : [`http://127.0.0.1:${devServerUiPort}`, `http://localhost:${devServerUiPort}`];
  const codecOrigins = reader.withDefault('PROCUREFLOW_CODEC_ORIGINS', localUiOrigins, parseOrigins);
  const definitionCompileTimeoutMs = reader.withDefault('PROCUREFLOW_DEFINITION_COMPILE_TIMEOUT_MS', 10_000, parseMilliseconds);
  const metricsToken = reader.optional('PROCUREFLOW_METRICS_TOKEN', parseMetricsToken);
  const workerMetricsPort = reader.optional('PROCUREFLOW_WORKER_METRICS_PORT', parsePort);
  const calendarHorizonDays = reader.withDefault('PROCUREFLOW_CALENDAR_HORIZON_DAYS', 120, parseHorizonDays);

  if (devServerPort === devServerUiPort) {
    problems.push({
      variable: 'TEMPORAL_DEV_SERVER_UI_PORT',
      value: String(devServerUiPort),
      problem: 'must differ from TEMPORAL_DEV_SERVER_PORT',
    });
  }
  if (databaseMigrationUrl !== undefined) {
    const problem = migrationUrlProblem(databaseMigrationUrl, databaseUrl, env['DATABASE_URL']);
    if (problem) problems.push({ variable: 'DATABASE_MIGRATION_URL', value: redactPassword(databaseMigrationUrl), problem });
  }
  if (procurement === cases) {
    problems.push({ variable: 'TEMPORAL_TASK_QUEUE_CASES', value: cases, problem: 'must differ from TEMPORAL_TASK_QUEUE_PROCUREMENT' });
  }
  if (payloadKeys && payloadKeyId !== undefined && !payloadKeys.some((key) => key.id === payloadKeyId)) {
    problems.push({
      variable: 'PROCUREFLOW_PAYLOAD_KEY_ID',
      value: payloadKeyId,
      problem: `is not among the keys of PROCUREFLOW_PAYLOAD_KEYS (${payloadKeys.map((key) => `"${key.id}"`).join(', ')})`,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    databaseUrl,
    databaseMigrationUrl,
    embeddedPostgresPort,
    temporal: { address, namespace, devServerPort, devServerUiPort, taskQueues: { procurement, cases }, workflowCacheSize },
    http: { host, port },
    apiUrl,
    dataDir,
    toolsDir,
    logLevel,
    jwtSecret,
    token,
    devJurisdiction,
    payloadKeys,
    payloadKeyId,
    codecOrigins,
    definitionCompileTimeoutMs,
    metricsToken,
    workerMetricsPort,
    calendarHorizonDays,
  };
}

/** A parser returns the parsed value or throws an Error whose message says what is wrong. */
type Parser<T> = (raw: string) => T;

class EnvReader {
  constructor(
    private readonly env: Environment,
    private readonly problems: ConfigProblem[],
  ) {}

  optional<T>(variable: ConfigVariable, parse: Parser<T>): T | undefined {
    const raw = this.env[variable];
    if (raw === undefined || raw.trim() === '') return undefined;
    try {
      return parse(raw.trim());
    } catch (error) {
      this.problems.push({ variable, value: SECRET_VARIABLES.has(variable) ? '[hidden]' : raw, problem: (error as Error).message });
      return undefined;
    }
  }

  withDefault<T>(variable: ConfigVariable, fallback: T, parse: Parser<T>): T {
    return this.optional(variable, parse) ?? fallback;
  }
}

function parseDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('is not a URL; expected postgres://user:password@host:port/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`has scheme "${url.protocol.replace(/:$/, '')}"; expected postgres or postgresql`);
  }
  if (url.hostname === '') throw new Error('names no host; expected postgres://user:password@host:port/database');
  if (url.pathname.replace(/^\//, '') === '') throw new Error('names no database; add /<database> after the host');
  return raw;
}

/** Why DATABASE_MIGRATION_URL cannot go with DATABASE_URL, or undefined when it can. */
function migrationUrlProblem(migrationUrl: string, databaseUrl: string | undefined, rawDatabaseUrl: string | undefined): string | undefined {
  if (databaseUrl === undefined) {
    return rawDatabaseUrl?.trim()
      ? undefined // DATABASE_URL is reported bad on its own
      : 'needs DATABASE_URL as well (the embedded PostgreSQL sets up both roles itself)';
  }
  const place = (raw: string) => {
    const url = new URL(raw);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  };
  if (place(migrationUrl) !== place(databaseUrl)) {
    return `must name the same server and database as DATABASE_URL (${place(databaseUrl)}), not ${place(migrationUrl)}`;
  }
  return undefined;
}

/** A connection string as messages may show it: the password replaced by `***`. */
function redactPassword(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '***';
  return url.toString();
}

function parseHttpUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('is not a URL; expected http://host:port');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('must be an http or https URL');
  return raw.replace(/\/+$/, '');
}

/** Not trimmed further than the reader does: every character of a secret counts. */
export function parseJwtSecret(raw: string): string {
  if (raw.length < MIN_JWT_SECRET_LENGTH) {
    throw new Error(`is ${raw.length} characters long; use at least ${MIN_JWT_SECRET_LENGTH} random characters, e.g. \`openssl rand -base64 48\``);
  }
  return raw;
}

/** A scrape secret: long enough not to be guessed, and sendable in an HTTP header as it is. */
function parseMetricsToken(raw: string): string {
  if (raw.length < 16) throw new Error(`is ${raw.length} characters long; use at least 16 random characters, e.g. \`openssl rand -hex 24\``);
  if (!/^[\x21-\x7e]+$/.test(raw)) throw new Error('may hold only printable ASCII characters without spaces');
  return raw;
}

function parseToken(raw: string): string {
  const token = raw.replace(/^Bearer\s+/i, '');
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
    throw new Error('is not a JSON Web Token (three base64url parts joined by dots); `procureflow dev token` makes one');
  }
  return token;
}

function parsePayloadKeyId(raw: string): string {
  if (!PAYLOAD_KEY_ID_PATTERN.test(raw)) throw new Error('must be a key id: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  return raw;
}

/** Browsers send an Origin of scheme, host and port only; anything more could never match one. */
function parseOrigins(raw: string): string[] {
  return raw
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .map((entry) => {
      let url: URL | undefined;
      try {
        url = new URL(entry);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== entry.replace(/\/$/, '')) {
        throw new Error(`"${entry}" is not an origin; expected scheme, host and port only, e.g. http://localhost:8080`);
      }
      return url.origin;
    });
}

function parseJurisdiction(raw: string): string {
  if (!IDENTIFIER_PATTERN.test(raw)) throw new Error('must be a jurisdiction code: lower-case words joined by hyphens, e.g. zj-deqing');
  return raw;
}

function parseHostPort(raw: string): string {
  const match = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d+)$/.exec(raw);
  if (!match?.[2]) throw new Error('must be host:port, for example localhost:7233');
  parsePort(match[2]);
  return raw;
}

function parseCount(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new Error('must be a whole number of at least 0');
  return Number(raw);
}

function parseMilliseconds(raw: string): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= 600_000)) throw new Error('must be a whole number of milliseconds from 1 to 600000 (10 minutes)');
  return value;
}

function parseHorizonDays(raw: string): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 0 && value <= 3660)) throw new Error('must be a whole number of days from 0 to 3660 (ten years)');
  return value;
}

function parsePort(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new Error('must be a whole number from 1 to 65535');
  const port = Number(raw);
  if (port < 1 || port > 65535) throw new Error('must be a whole number from 1 to 65535');
  return port;
}

function parseName(raw: string): string {
  if (!/^[A-Za-z0-9._:-]+$/.test(raw)) throw new Error('may contain only letters, digits, ".", "_", ":" and "-"');
  return raw;
}

function parseLogLevel(raw: string): LogLevel {
  const level = LOG_LEVELS.find((l) => l === raw.toLowerCase());
  if (!level) throw new Error(`must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/**
 * A standalone API or worker process (as in docker-compose) joins servers someone else runs; only the
 * all-in-one `npm start` starts embedded ones. Both need the payload keys, which every API and worker
 * must share. Throws a `ConfigError` naming each missing variable.
 */
export function requireExternalServices(config: AppConfig): { databaseUrl: string; temporalAddress: string; payloadKeyring: PayloadKeyring } {
  const problems = missingExternalServices(config);
  if (problems.length > 0 || !config.databaseUrl || !config.temporal.address || !config.payloadKeys) throw new ConfigError(problems);
  return { databaseUrl: config.databaseUrl, temporalAddress: config.temporal.address, payloadKeyring: keyringOf(config.payloadKeys, config.payloadKeyId) };
}

/**
 * The standalone API needs the servers and the token secret: it cannot keep a secret of its own, since
 * every replica and the CLI must share it. Throws one `ConfigError` naming everything missing.
 */
export function requireStandaloneApi(config: AppConfig): { databaseUrl: string; temporalAddress: string; jwtSecret: string; payloadKeyring: PayloadKeyring } {
  const problems = missingExternalServices(config);
  if (!config.jwtSecret) {
    problems.push({
      variable: 'PROCUREFLOW_JWT_SECRET',
      value: '',
      problem: `is required when the API runs on its own: give it at least ${MIN_JWT_SECRET_LENGTH} random characters, the same for the API and the CLI (npm start keeps one in <PROCUREFLOW_DATA_DIR>/jwt-secret instead)`,
    });
  }
  if (problems.length > 0 || !config.databaseUrl || !config.temporal.address || !config.jwtSecret || !config.payloadKeys) throw new ConfigError(problems);
  return {
    databaseUrl: config.databaseUrl,
    temporalAddress: config.temporal.address,
    jwtSecret: config.jwtSecret,
    payloadKeyring: keyringOf(config.payloadKeys, config.payloadKeyId),
  };
}

function missingExternalServices(config: AppConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!config.databaseUrl) {
    problems.push({ variable: 'DATABASE_URL', value: '', problem: 'is required when the API or worker runs on its own (npm start starts an embedded PostgreSQL instead)' });
  }
  if (!config.temporal.address) {
    problems.push({ variable: 'TEMPORAL_ADDRESS', value: '', problem: 'is required when the API or worker runs on its own (npm start starts a Temporal dev server instead)' });
  }
  if (!config.payloadKeys) {
    problems.push({
      variable: 'PROCUREFLOW_PAYLOAD_KEYS',
      value: '',
      problem:
        'is required when the API or worker runs on its own: the same keys for every API and worker, e.g. k1:$(openssl rand -base64 32) ' +
        '(npm start keeps them in <PROCUREFLOW_DATA_DIR>/payload-keys instead)',
    });
  }
  return problems;
}
