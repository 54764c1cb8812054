import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { verifyAccessToken } from '../../src/identity/access-tokens.js';
import { resolveJwtSecret } from '../../src/identity/jwt-secret.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/persistence/data-source.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { compiledEntry, spawnNode, untilStackRuns } from '../support/processes.js';
import { scratchDir, sharedTemporalAddress } from '../support/test-environment.js';

const STACK = 'apps/stack/src/main.js';
const ROLES = ['administrator', 'justice-bureau', 'finance-bureau', 'procurement-centre', 'civil-affairs', 'judicial-office', 'third-party-evaluator'];

/**
 * `npm start` as a newcomer meets it: the shipped definitions are deployed on the first start (and
 * only then), and one development token per role is printed for the development jurisdiction, good
 * enough to launch a Deqing cycle at once.
 */
describe('npm start (the whole stack in one process)', () => {
  let env: Record<string, string>;
  let databaseUrl: string;
  let running: ChildProcess | undefined;

  beforeAll(async () => {
    const { url, migrationUrl, dataSource } = await freshDatabase('stack_start');
    await dataSource.destroy();
    databaseUrl = url;
    env = {
      DATABASE_URL: url,
      DATABASE_MIGRATION_URL: migrationUrl,
      TEMPORAL_ADDRESS: sharedTemporalAddress(),
      TEMPORAL_TASK_QUEUE_PROCUREMENT: `stack-procurement-${randomUUID()}`,
      TEMPORAL_TASK_QUEUE_CASES: `stack-cases-${randomUUID()}`,
      PORT: String(await freePort()),
      PROCUREFLOW_DATA_DIR: await scratchDir('stack-start'),
      LOG_LEVEL: 'warn',
    };
  });

  afterEach(async () => {
    await stop();
  });

  /** Starts the stack and resolves with what it printed once it says it is running. */
  async function start(): Promise<string> {
    const child = spawnNode(compiledEntry(STACK), env);
    running = child;
    return untilStackRuns(child);
  }

  async function stop(): Promise<void> {
    const child = running;
    running = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  const api = async (method: 'GET' | 'POST', route: string, token: string, body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${env['PORT']}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const tokensIn = (stdout: string) =>
    Object.fromEntries([...stdout.matchAll(/^ {2}([a-z-]+) +(dev\.[a-z-]+) +- +(\S+)$/gm)].map((match) => [match[1] ?? '', { user: match[2] ?? '', token: match[3] ?? '' }]));
  const vendorTokensIn = (stdout: string) =>
    [...stdout.matchAll(/^ {2}vendor +(dev\.vendor\.\d+) +([0-9a-f-]{36}) +(\S+)$/gm)].map((match) => ({ user: match[1] ?? '', vendorId: match[2] ?? '', token: match[3] ?? '' }));

  it('deploys the shipped definitions and prints a token per role of Deqing, with which a cycle can be launched at once', async () => {
    const stdout = await start();
    expect(stdout).toMatch(/Definitions +deployed .*cn-2026 v1, .*deqing-community-correction v1, .*community-correction-case v1 \(shipped under definitions\/\)/);
    expect(stdout).toContain('Development tokens for zj-deqing');
    const tokens = tokensIn(stdout);
    // Every seeded role, and the roles Deqing's procedure declares besides (its public resource trading office).
    expect(Object.keys(tokens).sort()).toEqual([...ROLES, 'public-resource-office'].sort());
    const { secret } = await resolveJwtSecret(loadConfig(env));
    for (const [role, { user, token }] of Object.entries(tokens)) {
      expect(await verifyAccessToken(token, secret)).toEqual({ userId: user, name: expect.stringContaining('（开发）'), roles: [role], jurisdiction: 'zj-deqing' });
    }
    // One token per development vendor, bound to it: registered and verified through the registry, so they may bid.
    const vendorTokens = vendorTokensIn(stdout);
    expect(vendorTokens.map((t) => t.user)).toEqual(['dev.vendor.1', 'dev.vendor.2', 'dev.vendor.3']);
    expect(new Set(vendorTokens.map((t) => t.vendorId)).size).toBe(3);
    for (const { user, vendorId, token } of vendorTokens) {
      expect(await verifyAccessToken(token, secret)).toEqual({ userId: user, name: expect.stringContaining('职员'), roles: ['vendor'], jurisdiction: 'zj-deqing', vendorId });
      const own = await api('GET', `/vendors/${vendorId}`, token);
      expect(own.body).toMatchObject({ id: vendorId, verificationStatus: 'verified', suspended: false });
    }

    const admin = tokens['administrator']?.token ?? '';
    const definitions = await api('GET', '/definitions', admin);
    expect((definitions.body['definitions'] as Array<{ key: string; deployedBy: string }>).map((d) => [d.key, d.deployedBy])).toEqual(
      expect.arrayContaining([
        ['deqing-community-correction', 'procureflow'],
        ['cn-2026', 'procureflow'],
        ['community-correction-case', 'procureflow'],
      ]),
    );
    // The Web UI's reader: a national operator whose token the codec endpoint takes.
    const codecToken = /sign your browser in at \S+\/codec\/session with this national\n.*\n {2}(\S+)\n/.exec(stdout)?.[1] ?? '';
    expect(await verifyAccessToken(codecToken, secret)).toEqual({ userId: 'dev.ops', name: expect.any(String), roles: ['ops'], jurisdiction: 'cn' });
    expect(await api('POST', '/codec/decode', codecToken, { payloads: [] })).toEqual({ status: 200, body: { payloads: [] } });
    expect(stdout).toMatch(/Payload keys +\S+payload-keys \(payloads on the Temporal server are encrypted with key local-\d{8}-[0-9a-f]{6}\)/);

    const launched = await api('POST', '/cycles', admin, { definitionKey: 'deqing-community-correction', inputs: {} });
    expect(launched.status).toBe(201);
    const cycleId = launched.body['cycleId'] as string;
    const inbox = await eventually(
      () => api('GET', `/tasks?cycleId=${cycleId}`, tokens['justice-bureau']?.token ?? ''),
      (answer) => (answer.body['tasks'] as unknown[]).length > 0,
    );
    expect(inbox.body['tasks']).toMatchObject([{ taskInstanceId: 'draftBudget#1', role: 'justice-bureau' }]);
  });

  it('deploys nothing again on the next start, not even an audit entry', async () => {
    const dataSource = await openDatabase(databaseUrl);
    const count = async () => (await dataSource.query(`SELECT (SELECT count(*) FROM definition_versions)::int AS versions, (SELECT count(*) FROM audit_entries WHERE action = 'definition.deployed')::int AS audits`)) as unknown[];
    const before = await count();
    const stdout = await start();
    expect(stdout).toMatch(/Definitions +the \d+ shipped under definitions\/ are deployed/);
    expect(await count()).toEqual(before);
    await dataSource.destroy();
  });
});
