import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { loadConfig } from '../../src/config/config.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { ensureApplicationDatabase } from '../../src/infra/postgres/database-roles.js';
import { ensureDatabase } from '../../src/infra/postgres/local-postgres.js';
import { createLogger } from '../../src/logging/logger.js';
import { appendAuditEntry } from '../../src/persistence/audit-append.js';
import { ENTITIES, MIGRATIONS, openDatabase } from '../../src/persistence/data-source.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/api-server.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';
import { sharedPostgresUrl } from '../support/test-environment.js';
import { testPayloadCodec } from '../support/payload-encryption.js';
import { calendarFilesAround } from '../support/calendars.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');

interface Verification {
  intact: boolean;
  cycleId: string | null;
  entriesChecked: number;
  head: { entryId: string | null; hash: string };
  firstBreak: { entryId: string | null; chain: string; link: string; expected: string; found: string; message: string } | null;
}

interface StoredEntry {
  id: string;
  chain_cycle_id: string | null;
  action: string;
  comment: string | null;
  hash: string;
  prev_hash: string;
}

/**
 * The audit trail is tamper-evident and the runtime role cannot rewrite history: entries appended through
 * the API (deployments, launches, decisions) are hash-chained by the database; `procureflow audit verify`
 * finds them intact, and names exactly the entry that the owner of the tables altered, removed or added
 * behind the append. Real PostgreSQL with its two roles, the real workflows on the Temporal dev server.
 */
describe('the tamper-evident audit trail', () => {
  let api: ProcurementApiOnSharedServer;
  let owner: pg.Client;
  let cycleA: string;
  let cycleB: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    api = await startProcurementApi('audit-chain', { temporal: 'shared' });
    owner = new pg.Client({ connectionString: api.migrationUrl });
    await owner.connect();

    const people: Record<string, { roles: string[]; jurisdiction?: string }> = {
      admin: { roles: ['administrator'] },
      drafter: { roles: ['justice-bureau'] },
      reviewer: { roles: ['finance-bureau'] },
      otherAdmin: { roles: ['administrator'], jurisdiction: 'zj-anji' },
      nationalAdmin: { roles: ['administrator'], jurisdiction: 'cn' },
    };
    for (const [who, person] of Object.entries(people)) {
      tokens[who] = await tokenFor({ userId: who, name: who, roles: person.roles, jurisdiction: person.jurisdiction ?? JURISDICTION });
    }

    // Entries about no cycle (deployments), and two cycles' entries interleaved in the trail.
    const deployed = await call('POST', '/definitions', 'admin', { files: [{ file: 'minimal-procedure.yaml', text: MINIMAL_PROCEDURE }] });
    expect(deployed.status).toBe(201);
    // Holiday calendars apply to every jurisdiction: only a national administrator deploys them.
    const calendar = await call('POST', '/definitions', 'nationalAdmin', { files: calendarFilesAround() });
    expect(calendar.status).toBe(201);
    cycleA = await launch();
    cycleB = await launch();
    await decide(`${cycleA}/draftBudget#1`, 'drafter', { outcome: 'submit', fields: { justification: '按在册人数编制' } });
    await decide(`${cycleB}/draftBudget#1`, 'drafter', { outcome: 'submit', fields: { justification: '按上年人数编制' } });
    await decide(`${cycleA}/reviewBudget#1`, 'reviewer', { outcome: 'approve', comment: '同意' });
    await decide(`${cycleB}/reviewBudget#1`, 'reviewer', { outcome: 'return', comment: '人数有误，请核实' });
  });

  afterAll(async () => {
    await owner?.end();
    await api?.close();
  });

  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown) => api.call<T>(method, route, tokens[who], body);

  async function launch(): Promise<string> {
    const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40 } });
    expect(launched.status).toBe(201);
    const cycleId = launched.body['cycleId'] as string;
    // The first task reaches the read model after the launch is recorded.
    await eventually(
      () => call<{ tasks: unknown[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, 'drafter'),
      (answer) => answer.body.tasks.length === 1,
    );
    return cycleId;
  }

  async function decide(taskId: string, who: string, body: Record<string, unknown>): Promise<void> {
    const answer = await call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, who, { requestId: randomUUID(), fields: {}, ...body });
    expect([taskId, answer.status]).toEqual([taskId, 200]);
  }

  /** `procureflow audit verify …` as an administrator (or `who`) runs it. */
  const verify = (args: string[] = [], who = 'admin') =>
    runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_JWT_SECRET: TEST_JWT_SECRET }, ['audit', 'verify', '--api', api.baseUrl, '--token', tokens[who] ?? '', ...args]);
  const verifyJson = async (args: string[] = []) => {
    const result = await verify(['--json', ...args]);
    return { code: result.code, report: JSON.parse(result.stdout) as Verification };
  };

  const entries = async (): Promise<StoredEntry[]> =>
    (await owner.query<StoredEntry>(`SELECT id, chain_cycle_id, action, comment, hash, prev_hash FROM audit_entries ORDER BY id`)).rows;

  /** What only the owner of the tables can do: switch the append-only trigger off for one statement. */
  async function asOwnerBehindTheTrigger(trigger: 'audit_entries_append_only' | 'audit_entries_chain', sql: string, parameters: unknown[]): Promise<void> {
    await owner.query('BEGIN');
    try {
      await owner.query(`ALTER TABLE audit_entries DISABLE TRIGGER ${trigger}`);
      await owner.query(sql, parameters);
      await owner.query(`ALTER TABLE audit_entries ENABLE TRIGGER ${trigger}`);
      await owner.query('COMMIT');
    } catch (error) {
      await owner.query('ROLLBACK');
      throw error;
    }
  }

  /** Deletes an entry as the owner, keeping a copy in the owner's session to put back exactly as it was (to the microsecond). */
  async function deleteKeepingCopy(id: string): Promise<() => Promise<void>> {
    const copy = `removed_${id}`;
    await owner.query(`CREATE TEMPORARY TABLE ${copy} AS SELECT * FROM audit_entries WHERE id = $1`, [id]);
    await asOwnerBehindTheTrigger('audit_entries_append_only', `DELETE FROM audit_entries WHERE id = $1`, [id]);
    return () => asOwnerBehindTheTrigger('audit_entries_chain', `INSERT INTO audit_entries SELECT * FROM ${copy}`, []);
  }

  it('finds the trail and each cycle’s chain intact, and says so with exit code 0', async () => {
    const stored = await entries();
    expect(stored.map((e) => e.action)).toEqual([
      // One per calendar deployed, and the procedure.
      ...calendarFilesAround().map(() => 'definition.deployed'),
      'definition.deployed',
      'cycle.launched',
      'cycle.launched',
      'task.submitted',
      'task.submitted',
      'task.approved',
      'task.returned',
    ]);
    const newest = stored[stored.length - 1]!;

    const readable = await verify();
    expect(readable.code).toBe(0);
    expect(readable.stdout).toContain(`Intact: the audit trail, ${stored.length} entries checked.`);
    expect(readable.stdout).toContain(`newest entry  ${newest.id}`);
    expect(readable.stdout).toContain(`its hash      ${newest.hash}`);

    const json = await verifyJson();
    expect(json).toEqual({
      code: 0,
      report: { intact: true, cycleId: null, entriesChecked: stored.length, head: { entryId: newest.id, hash: newest.hash }, firstBreak: null, verifiedAt: expect.any(String) },
    });
    const ofA = stored.filter((e) => e.chain_cycle_id === cycleA);
    expect(ofA).toHaveLength(3);
    expect((await verifyJson(['--cycle', cycleA])).report).toMatchObject({ intact: true, cycleId: cycleA, entriesChecked: 3, head: { entryId: ofA[2]?.id } });
  });

  it('is for administrators, and verifies a cycle only for its own jurisdiction', async () => {
    expect((await verify([], 'drafter')).code).toBe(4);
    const other = await verify(['--cycle', cycleA], 'otherAdmin');
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`There is no cycle "${cycleA}"`);
    const empty = await call('GET', '/audit/verify?cycleId=', 'admin');
    expect(empty.status).toBe(422);
    expect(empty.body['details']).toEqual([expect.objectContaining({ field: 'cycleId' })]);
  });

  it('leaves the runtime role no way to update, delete or truncate audit entries or payments, nor to move a chain head', async () => {
    const refused: Array<[string, RegExp]> = [
      [`UPDATE audit_entries SET comment = 'edited'`, /permission denied for table audit_entries/],
      [`DELETE FROM audit_entries`, /permission denied for table audit_entries/],
      [`TRUNCATE audit_entries`, /permission denied for table audit_entries/],
      [`UPDATE payments SET amount_fen = 1`, /permission denied for table payments/],
      [`UPDATE payments SET status = 'exported', exported_at = now()`, /permission denied for table payments/],
      [`DELETE FROM payments`, /permission denied for table payments/],
      [`TRUNCATE payments CASCADE`, /permission denied for table payments/],
      [`DELETE FROM payment_outbox`, /permission denied for table payment_outbox/],
      [`UPDATE payment_outbox SET payload = '{}'`, /permission denied for table payment_outbox/],
      [`UPDATE audit_chain_heads SET length = 0`, /permission denied for table audit_chain_heads/],
      [`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`, /must be owner of table audit_entries/],
    ];
    for (const [sql, error] of refused) await expect(api.dataSource.query(sql)).rejects.toThrow(error);
    // Even the owner is stopped by the triggers until it switches them off (which the chain then shows).
    await expect(owner.query(`UPDATE audit_entries SET comment = 'edited'`)).rejects.toThrow(/audit_entries is append-only: UPDATE refused/);
    await expect(owner.query(`TRUNCATE audit_entries`)).rejects.toThrow(/audit_entries is append-only: TRUNCATE refused/);
  });

  it('names the entry the owner altered, in the trail and in its cycle’s chain only, and is intact again once it is restored', async () => {
    const stored = await entries();
    const altered = stored.find((e) => e.action === 'task.approved' && e.chain_cycle_id === cycleA)!;
    await asOwnerBehindTheTrigger('audit_entries_append_only', `UPDATE audit_entries SET comment = $2 WHERE id = $1`, [altered.id, '不同意']);

    const readable = await verify();
    expect(readable.code).toBe(1);
    expect(readable.stdout).toContain(`BROKEN: the audit trail, first broken link at entry ${altered.id} (content link of the cycle:${cycleA} chain).`);
    expect(readable.stdout).toContain(`entry ${altered.id} was changed after it was written`);
    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.intact).toBe(false);
    expect(report.firstBreak).toMatchObject({ entryId: altered.id, chain: `cycle:${cycleA}`, link: 'content', expected: altered.hash });
    expect(report.firstBreak?.found).toMatch(/^[0-9a-f]{64}$/);
    expect(report.firstBreak?.found).not.toBe(altered.hash);
    expect((await verifyJson(['--cycle', cycleA])).report.firstBreak).toMatchObject({ entryId: altered.id, link: 'content' });
    // The other cycle's chain does not run through the altered entry, and its anchors still hold.
    expect(await verifyJson(['--cycle', cycleB])).toMatchObject({ code: 0, report: { intact: true } });

    await asOwnerBehindTheTrigger('audit_entries_append_only', `UPDATE audit_entries SET comment = $2 WHERE id = $1`, [altered.id, altered.comment]);
    expect(await verifyJson()).toMatchObject({ code: 0, report: { intact: true } });
  });

  it('names the entry after one the owner deleted, and in the cycle’s chain the next entry of that cycle', async () => {
    const stored = await entries();
    const index = stored.findIndex((e) => e.action === 'cycle.launched' && e.chain_cycle_id === cycleB);
    const deleted = stored[index]!;
    const before = stored[index - 1]!;
    const after = stored[index + 1]!;
    const nextOfCycle = stored.slice(index + 1).find((e) => e.chain_cycle_id === cycleB)!;
    const putBack = await deleteKeepingCopy(deleted.id);

    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.firstBreak).toMatchObject({ entryId: after.id, chain: 'global', link: 'previous', expected: before.hash, found: deleted.hash });
    expect(report.firstBreak?.message).toContain(`other than entry ${before.id}`);
    const cycleChain = await verifyJson(['--cycle', cycleB]);
    expect(cycleChain.code).toBe(1);
    expect(cycleChain.report.firstBreak).toMatchObject({
      entryId: nextOfCycle.id,
      chain: `cycle:${cycleB}`,
      link: 'cycle-previous',
      expected: '0'.repeat(64),
      found: deleted.hash,
    });

    await putBack();
    expect(await verifyJson()).toMatchObject({ code: 0, report: { intact: true } });
  });

  it('notices the newest entry removed, through the recorded head of the trail', async () => {
    const stored = await entries();
    const newest = stored[stored.length - 1]!;
    const putBack = await deleteKeepingCopy(newest.id);

    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.firstBreak).toMatchObject({ entryId: newest.id, chain: 'global', link: 'head' });
    expect(report.firstBreak?.message).toContain('entries were removed');

    await putBack();
    expect(await verifyJson()).toMatchObject({ code: 0, report: { intact: true } });
  });

  it('notices an entry the owner added behind the append, even with correct links', async () => {
    const stored = await entries();
    const newest = stored[stored.length - 1]!;
    const [{ id }] = (await owner.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('audit_entries', 'id'))::text AS id`)).rows as [{ id: string }];
    // A careful forger: links the entry to the newest one and hashes it as the database would.
    await asOwnerBehindTheTrigger(
      'audit_entries_chain',
      `INSERT INTO audit_entries (id, idempotency_key, occurred_at, actor_id, actor_role, jurisdiction, action, subject_type, subject_id, details, prev_hash, hash)
       VALUES ($1, 'forged', now(), 'admin', 'administrator', $2, 'payment.instructed', 'payment', 'p-1', '{}', $3, repeat('0', 64))`,
      [id, JURISDICTION, newest.hash],
    );
    await asOwnerBehindTheTrigger('audit_entries_append_only', `UPDATE audit_entries a SET hash = audit_entry_hash(a) WHERE id = $1`, [id]);

    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.firstBreak).toMatchObject({ entryId: newest.id, chain: 'global', link: 'head', found: expect.stringContaining(`entry ${id}`) });
    expect(report.firstBreak?.message).toContain('entries were added or changed outside');
  });
});

/** The API on `dataSource` alone (no Temporal behind it), and a national administrator's audit verification through it. */
async function withVerifyingApi(dataSource: DataSource, work: (check: (query?: string) => Promise<Verification>) => Promise<void>): Promise<void> {
  const app = await createApiApp({
    config: loadConfig({}),
    dataSource,
    temporalClient: new Client(),
    temporalAddress: '127.0.0.1:1',
    logger: createLogger('silent', 'api'),
    jwtSecret: TEST_JWT_SECRET,
    payloadCodec: testPayloadCodec,
  });
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  try {
    const token = await tokenFor({ roles: ['administrator'], jurisdiction: 'cn' });
    await work(async (query = '') => {
      const response = await fetch(`http://127.0.0.1:${port}/audit/verify${query}`, { headers: { authorization: `Bearer ${token}` } });
      return (await response.json()) as Verification;
    });
  } finally {
    await app.close();
  }
}

const entryAbout = (key: string, cycleId: string | null) => ({
  idempotencyKey: key,
  occurredAt: new Date().toISOString(),
  actorId: 'li.ming',
  actorRole: 'finance-bureau',
  jurisdiction: 'zj-deqing',
  action: 'task.approved',
  subjectType: cycleId === null ? 'vendor' : 'task',
  subjectId: cycleId === null ? 'v-1' : `${cycleId}/reviewBudget#1`,
  details: cycleId === null ? {} : { cycleId },
});

describe('concurrent appends', () => {
  it('serialise into one chain: sixty appends at once, some repeated and some rolled back, leave every chain intact', async () => {
    const { dataSource } = await freshDatabase('audit_concurrency');
    try {
      const cycles = [null, 'cycle-a', 'cycle-b'];
      const appends = Array.from({ length: 60 }, (_, i) => async () => {
        const entry = entryAbout(`concurrent-${i % 50}`, cycles[i % 3] ?? null);
        if (i % 7 !== 3) return appendAuditEntry(dataSource, entry);
        // Appended inside a transaction that then fails: neither the entry nor a link to it remains.
        await dataSource
          .transaction(async (manager) => {
            await appendAuditEntry(manager, { ...entry, idempotencyKey: `rolled-back-${i}` });
            throw new Error('rolled back on purpose');
          })
          .catch(() => undefined);
        return false;
      });
      await Promise.all(appends.map((append) => append()));
      // Each idempotency key once, except those only ever appended in a rolled-back transaction.
      const expected = new Set([...appends.keys()].filter((i) => i % 7 !== 3).map((i) => i % 50)).size;
      const heads = (await dataSource.query(`SELECT chain, length::int FROM audit_chain_heads ORDER BY chain`)) as Array<{ chain: string; length: number }>;
      expect(heads.map((head) => head.chain)).toEqual(['cycle:cycle-a', 'cycle:cycle-b', 'global']);
      expect(heads.find((head) => head.chain === 'global')?.length).toBe(expected);
      await withVerifyingApi(dataSource, async (check) => {
        expect(await check()).toMatchObject({ intact: true, entriesChecked: expected, firstBreak: null });
      });
    } finally {
      await dataSource.destroy();
    }
  });
});

/**
 * A database from before the chain: created by the superuser, as earlier versions of `npm start` did,
 * with entries already in it. The owner role takes it over, the migration hashes the entries, and the
 * trail goes on from them.
 */
describe('an audit trail written before the hash chain', () => {
  it('is handed to the owner role, chained in id order by the migration, and extended by later appends', async () => {
    const name = `test_audit_upgrade_${randomUUID().slice(0, 8)}`;
    const superuserUrl = await ensureDatabase(sharedPostgresUrl(), name);
    const before = new DataSource({ type: 'postgres', url: superuserUrl, entities: ENTITIES, migrations: MIGRATIONS.slice(0, 3), migrationsTableName: 'schema_migrations' });
    await before.initialize();
    await before.runMigrations({ transaction: 'each' });
    for (const [key, subjectType, subjectId, details] of [
      ['old-1', 'cycle', 'cycle-old', {}],
      ['old-2', 'vendor', 'v-1', {}],
      ['old-3', 'task', 'cycle-old/draftBudget#1', { cycleId: 'cycle-old' }],
    ] as const) {
      await before.query(
        `INSERT INTO audit_entries (idempotency_key, occurred_at, actor_id, actor_role, jurisdiction, action, subject_type, subject_id, details)
         VALUES ($1, now(), 'wang.fang', 'administrator', 'zj-deqing', 'old.action', $2, $3, $4)`,
        [key, subjectType, subjectId, JSON.stringify(details)],
      );
    }
    await before.destroy();

    const { url, migrationUrl } = await ensureApplicationDatabase(sharedPostgresUrl(), name);
    const dataSource = await openDatabase(url, { migrationUrl });
    try {
      await withVerifyingApi(dataSource, async (check) => {
        expect(await check()).toMatchObject({ intact: true, entriesChecked: 3 });
        const chained = (await dataSource.query(`SELECT idempotency_key, chain_cycle_id FROM audit_entries ORDER BY id`)) as unknown[];
        expect(chained).toEqual([
          { idempotency_key: 'old-1', chain_cycle_id: 'cycle-old' },
          { idempotency_key: 'old-2', chain_cycle_id: null },
          { idempotency_key: 'old-3', chain_cycle_id: 'cycle-old' },
        ]);

        await appendAuditEntry(dataSource, entryAbout('new-1', 'cycle-old'));
        expect(await check()).toMatchObject({ intact: true, entriesChecked: 4 });
        const heads = (await dataSource.query(`SELECT chain, length::int FROM audit_chain_heads ORDER BY chain`)) as unknown[];
        expect(heads).toEqual([
          { chain: 'cycle:cycle-old', length: 3 },
          { chain: 'global', length: 4 },
        ]);
        await expect(dataSource.query(`DELETE FROM audit_entries`)).rejects.toThrow(/permission denied for table audit_entries/);
      });
    } finally {
      await dataSource.destroy();
    }
  });
});
