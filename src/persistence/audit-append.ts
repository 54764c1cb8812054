import type { AuditEntryInput } from '../../activities/audit.js';

/** Anything that runs SQL: a TypeORM EntityManager, QueryRunner or DataSource. */
export interface SqlExecutor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Appends one entry to the audit trail through `executor` (typically inside the caller's transaction,
 * so the entry lands with the change it records, or not at all). A repeated idempotency key changes
 * nothing; returns whether this call wrote the entry.
 *
 * The database numbers the entry and chains it to its predecessors (migration 1764036000000-audit-hash-chain),
 * holding every other append until the caller's transaction ends: transactions that append should be
 * short, and take their other row locks before appending where they can.
 */
export async function appendAuditEntry(executor: SqlExecutor, entry: AuditEntryInput): Promise<boolean> {
  const inserted = (await executor.query(
    `INSERT INTO audit_entries
       (idempotency_key, occurred_at, actor_id, actor_role, jurisdiction, action, subject_type, subject_id, comment, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id`,
    [
      entry.idempotencyKey,
      new Date(entry.occurredAt),
      entry.actorId,
      entry.actorRole,
      entry.jurisdiction,
      entry.action,
      entry.subjectType,
      entry.subjectId,
      entry.comment ?? null,
      JSON.stringify(entry.details ?? {}),
    ],
  )) as unknown[];
  return inserted.length > 0;
}
