import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createProcurementProjectionActivities } from '../../activities/procurement-projections.js';
import { creditCodeCheckCharacter } from '../../src/vendors/unified-social-credit-code.js';
import type { Actor, TaskInstance } from '../../workflows/engine/types.js';

/** A sha256 in hex, as a deployed definition version carries. */
export const CONTENT_HASH = 'a'.repeat(64);

export const LAUNCHER: Actor = { userId: 'wang.fang', name: '王芳', roles: ['administrator'], jurisdiction: 'zj-deqing' };
export const DRAFTER: Actor = { userId: 'zhou.min', name: '周敏', roles: ['justice-bureau'], jurisdiction: 'zj-deqing' };
export const REVIEWER: Actor = { userId: 'li.ming', name: '李明', roles: ['finance-bureau'], jurisdiction: 'zj-deqing' };

/** A valid unified social credit code: the 17 characters given, and their check character. */
export function creditCode(first17: string): string {
  return `${first17}${creditCodeCheckCharacter(first17)}`;
}

/** A fresh, valid credit code of a civil-affairs-registered social service agency (category 52) in Deqing (330521). */
export function freshCreditCode(): string {
  const digits = Array.from({ length: 9 }, () => '0123456789ABCDEFGHJKLMNPQRTUWXY'.charAt(Math.floor(Math.random() * 31))).join('');
  return creditCode(`52330521${digits}`);
}

/** A task instance as the interpreter opens it. */
export function openTask(overrides: Partial<TaskInstance> & Pick<TaskInstance, 'id' | 'nodeId'>): TaskInstance {
  return {
    stepId: 'budgeting',
    kind: 'form',
    role: 'justice-bureau',
    escalatedTo: [],
    title: { zh: '编制项目预算', en: 'Draft the project budget' },
    openedAt: '2026-03-02T01:00:00.000Z',
    status: 'open',
    ...overrides,
  };
}

/** The same task, decided by `actor` with `outcome` at `at`. */
export function decided(task: TaskInstance, actor: Actor, outcome: NonNullable<TaskInstance['outcome']>, at: string): TaskInstance {
  return { ...task, status: 'decided', outcome, decidedBy: actor.userId, decidedAt: at };
}

/** Records a running cycle of `jurisdiction` and returns its id. */
export async function launchCycle(dataSource: DataSource, options: { jurisdiction?: string; cycleId?: string } = {}): Promise<string> {
  const cycleId = options.cycleId ?? `cycle-${randomUUID()}`;
  const jurisdiction = options.jurisdiction ?? 'zj-deqing';
  await createProcurementProjectionActivities({ dataSource }).recordCycleLaunched({
    cycleId,
    definition: { key: `${jurisdiction}-correction-2026`, version: 1, contentHash: CONTENT_HASH },
    jurisdiction,
    title: { zh: '2026年社区矫正服务采购', en: 'Community-correction services 2026' },
    inputs: { supervisedPersons: 120, pricePerPersonYearFen: 100_000 },
    launchedBy: { ...LAUNCHER, jurisdiction },
    launchedAt: '2026-03-01T00:00:00.000Z',
  });
  return cycleId;
}

/** Records a contract of `cycleId` with a vendor, and returns the contract's (workflow) id. */
export async function startContract(
  dataSource: DataSource,
  cycleId: string,
  vendor: { vendorId: string; vendorName: string; amountFen?: number },
): Promise<string> {
  const contractId = `${cycleId}/contract/${vendor.vendorId}`;
  await createProcurementProjectionActivities({ dataSource }).recordContractStarted({
    contractId,
    cycleId,
    winner: { bidId: `bid-${vendor.vendorId}`, vendorId: vendor.vendorId, vendorName: vendor.vendorName, amountFen: vendor.amountFen ?? 12_000_000, score: 88.5 },
    startedAt: '2026-06-01T00:00:00.000Z',
  });
  return contractId;
}

/** Inserts a registry vendor directly, as the vendors API would have, and returns its id. */
export async function insertVendor(
  dataSource: DataSource,
  vendor: { name: string; jurisdiction?: string; creditCode?: string; verified?: boolean },
): Promise<{ id: string; creditCode: string }> {
  const code = vendor.creditCode ?? freshCreditCode();
  const verified = vendor.verified ?? true;
  const rows = (await dataSource.query(
    `INSERT INTO vendors (name, credit_code, jurisdiction, registration_type, evidence, registered_by, verification_status, verified_by, verified_at)
     VALUES ($1, $2, $3, 'socialServiceAgency', '[]', 'wang.fang', $4, $5, $6) RETURNING id`,
    [vendor.name, code, vendor.jurisdiction ?? 'zj-deqing', verified ? 'verified' : 'pending', verified ? 'qian.hui' : null, verified ? new Date() : null],
  )) as Array<{ id: string }>;
  return { id: rows[0]!.id, creditCode: code };
}

/**
 * The read model after `before` with the audit entries of `action` taken out, and those entries: a
 * refusal that is audited (e.g. `bid.refused`) must change nothing but add its one entry.
 */
export async function readModelChangedOnlyBy(dataSource: DataSource, action: string): Promise<{ rest: Record<string, unknown[]>; entries: unknown[] }> {
  const snapshot = await readModelSnapshot(dataSource);
  const audit = (snapshot['audit_entries'] ?? []) as Array<{ action: string }>;
  return { rest: { ...snapshot, audit_entries: audit.filter((entry) => entry.action !== action) }, entries: audit.filter((entry) => entry.action === action) };
}

/** Every row of the read model, the registry and the audit trail, in a stable order, for before/after comparisons. */
export async function readModelSnapshot(dataSource: DataSource): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    cycles: 'id',
    cycle_steps: 'workflow_id, entered_seq',
    tasks: 'id',
    contracts: 'id',
    bids: 'cycle_id, bid_id',
    payments: 'idempotency_key',
    payment_outbox: 'payment_id',
    public_notices: 'workflow_id, seq',
    vendors: 'credit_code',
    projection_log: 'workflow_id, seq',
    audit_entries: 'idempotency_key',
  };
  const snapshot: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(tables)) snapshot[table] = (await dataSource.query(`SELECT * FROM ${table} ORDER BY ${order}`)) as unknown[];
  return snapshot;
}
