import type { DataSource, EntityManager } from 'typeorm';
import { OPS_ROLE } from '../src/identity/identity.js';
import { appendAuditEntry } from '../src/persistence/audit-append.js';
import type { CaseTask, LifecycleRef } from '../workflows/cases/messages.js';
import type { Actor } from '../workflows/engine/types.js';
import type { AttributeValue, ObligationRecord } from '../workflows/machines/supervision-case.machine.js';

/**
 * The case read model's writers. The case workflow is the source of truth; these project what it
 * decided into PostgreSQL. Every record is applied at most once, keyed by (workflow id, seq) in
 * projection_log, in the same transaction as its effects and its audit entry, so a retried activity or
 * a replayed workflow changes nothing. Failures are all retryable (see procurement-projections.ts):
 * the workflow has already committed to what it asks to project.
 *
 * Events, confidential fields, closed periods and breaches are evidence: only ever inserted (the runtime
 * role may not change them, see runtime-privileges.ts).
 *
 * Confidential payload fields arrive apart from the payload and land only in case_confidential, which
 * the API shows to the roles the definition names; the audit trail names the event, never its fields.
 */
export type CaseRecord =
  | {
      readonly kind: 'enrolled';
      readonly seq: number;
      readonly at: string;
      readonly actor: Actor;
      readonly lifecycle: LifecycleRef;
      readonly vendorId?: string;
      readonly contractId?: string;
      readonly state: string;
      readonly attributes: Readonly<Record<string, AttributeValue>>;
      /** When the earliest running obligation period ends, after this record; null when none runs. */
      readonly nextDueAt: string | null;
    }
  | {
      readonly kind: 'eventAccepted';
      readonly seq: number;
      /** When it happened, as the recorder said. */
      readonly at: string;
      /** When the case accepted it (workflow time). */
      readonly recordedAt: string;
      readonly requestId: string;
      readonly actor: Actor;
      readonly role: string;
      readonly type: string;
      /** The payload without its confidential fields. */
      readonly payload: Readonly<Record<string, unknown>>;
      readonly confidential: ReadonlyArray<{ readonly field: string; readonly value: unknown; readonly readableBy: readonly string[] }>;
      readonly stateBefore: string;
      readonly stateAfter: string;
      /** The case reached a final state. */
      readonly final: boolean;
      readonly attributes: Readonly<Record<string, AttributeValue>>;
      readonly nextDueAt: string | null;
    }
  | { readonly kind: 'periodClosed'; readonly seq: number; readonly record: ObligationRecord; readonly breach: boolean; readonly taskId: string | null; readonly nextDueAt: string | null }
  | { readonly kind: 'taskOpened'; readonly seq: number; readonly task: CaseTask }
  | { readonly kind: 'taskDecided'; readonly seq: number; readonly at: string; readonly task: CaseTask; readonly actor: Actor; readonly requestId: string }
  | {
      /** Ops cancelled the case: it stopped in `state`, its open tasks were withdrawn. */
      readonly kind: 'cancelled';
      readonly seq: number;
      readonly at: string;
      readonly actor: Actor;
      readonly reason: string;
      readonly requestId: string;
      readonly state: string;
      readonly withdrawnTaskIds: readonly string[];
    };

export interface RecordCaseChangesInput {
  readonly workflowId: string;
  readonly caseId: string;
  readonly jurisdiction: string;
  readonly records: readonly CaseRecord[];
}

export interface CaseProjectionDependencies {
  readonly dataSource: DataSource;
}

const SYSTEM = { actorId: 'system', actorRole: 'system' } as const;

export function createCaseProjectionActivities({ dataSource }: CaseProjectionDependencies) {
  return {
    /** Applies a batch of one case's records in seq order, in one transaction; those applied before are skipped. */
    async recordCaseChanges(input: RecordCaseChangesInput): Promise<{ applied: number[]; skipped: number[] }> {
      const records = [...input.records].sort((a, b) => a.seq - b.seq);
      return dataSource.transaction(async (manager) => {
        const applied: number[] = [];
        const skipped: number[] = [];
        for (const record of records) {
          const fresh = (await manager.query(
            `INSERT INTO projection_log (workflow_id, seq, command_type) VALUES ($1, $2, $3)
             ON CONFLICT (workflow_id, seq) DO NOTHING RETURNING seq`,
            [input.workflowId, record.seq, `case.${record.kind}`],
          )) as unknown[];
          if (fresh.length === 0) {
            skipped.push(record.seq);
            continue;
          }
          await project(manager, input, record);
          applied.push(record.seq);
        }
        return { applied, skipped };
      });
    },
  };
}

async function project(sql: EntityManager, input: RecordCaseChangesInput, record: CaseRecord): Promise<void> {
  const { workflowId, caseId, jurisdiction } = input;
  const audit = (entry: { at: string; actorId: string; actorRole: string; action: string; comment?: string; details?: Record<string, unknown> }) =>
    appendAuditEntry(sql, {
      idempotencyKey: `${workflowId}:${record.seq}`,
      occurredAt: entry.at,
      actorId: entry.actorId,
      actorRole: entry.actorRole,
      jurisdiction,
      action: entry.action,
      subjectType: 'case',
      subjectId: caseId,
      ...(entry.comment !== undefined ? { comment: entry.comment } : {}),
      ...(entry.details ? { details: entry.details } : {}),
    });
  switch (record.kind) {
    case 'enrolled': {
      await sql.query(
        `INSERT INTO cases (id, workflow_id, lifecycle_key, lifecycle_version, lifecycle_hash, jurisdiction, vendor_id, contract_id, state, final, attributes, enrolled_at, enrolled_by, last_seq, updated_at, next_due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, false, $10, $11, $12, $13, $11, $14)`,
        [
          caseId,
          workflowId,
          record.lifecycle.key,
          record.lifecycle.version,
          record.lifecycle.contentHash,
          jurisdiction,
          record.vendorId ?? null,
          record.contractId ?? null,
          record.state,
          JSON.stringify(record.attributes),
          new Date(record.at),
          record.actor.userId,
          record.seq,
          instant(record.nextDueAt),
        ],
      );
      await audit({
        at: record.at,
        actorId: record.actor.userId,
        actorRole: record.actor.roles[0] ?? 'unknown',
        action: 'case.enrolled',
        details: { lifecycle: record.lifecycle, vendorId: record.vendorId ?? null, contractId: record.contractId ?? null },
      });
      return;
    }
    case 'eventAccepted': {
      await sql.query(
        `INSERT INTO case_events (workflow_id, seq, case_id, type, occurred_at, recorded_at, actor_id, actor_name, role, vendor_id, request_id, payload, state_before, state_after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          workflowId,
          record.seq,
          caseId,
          record.type,
          new Date(record.at),
          new Date(record.recordedAt),
          record.actor.userId,
          record.actor.name,
          record.role,
          record.actor.vendorId ?? null,
          record.requestId,
          JSON.stringify(record.payload),
          record.stateBefore,
          record.stateAfter,
        ],
      );
      for (const field of record.confidential) {
        await sql.query(`INSERT INTO case_confidential (workflow_id, seq, case_id, field, value, readable_by) VALUES ($1, $2, $3, $4, $5, $6)`, [
          workflowId,
          record.seq,
          caseId,
          field.field,
          JSON.stringify(field.value),
          field.readableBy,
        ]);
      }
      await sql.query(
        `UPDATE cases SET state = $2, final = $3, attributes = $4, last_seq = $5, updated_at = $6, next_due_at = $7,
                status = CASE WHEN $3 AND status = 'running' THEN 'completed' ELSE status END,
                ended_at = CASE WHEN $3 AND status = 'running' THEN $6 ELSE ended_at END
          WHERE id = $1 AND last_seq < $5`,
        [caseId, record.stateAfter, record.final, JSON.stringify(record.attributes), record.seq, new Date(record.recordedAt), instant(record.nextDueAt)],
      );
      await audit({
        at: record.recordedAt,
        actorId: record.actor.userId,
        actorRole: record.role,
        action: `case.event.${record.type}`,
        details: { type: record.type, occurredAt: record.at, stateBefore: record.stateBefore, stateAfter: record.stateAfter, requestId: record.requestId },
      });
      return;
    }
    case 'periodClosed': {
      const r = record.record;
      await sql.query(
        `INSERT INTO case_obligation_periods (workflow_id, seq, case_id, state, stay, obligation, period, started_at, ended_at, total, required, met, partial, closed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [workflowId, record.seq, caseId, r.state, r.stay, r.obligation, r.period, instant(r.startedAt), instant(r.endedAt), r.total, r.required, r.met, r.partial, r.closedBy],
      );
      await sql.query(`UPDATE cases SET next_due_at = $2, last_seq = $3 WHERE id = $1 AND last_seq < $3`, [caseId, instant(record.nextDueAt), record.seq]);
      if (record.breach) {
        await sql.query(
          `INSERT INTO case_breaches (workflow_id, seq, case_id, vendor_id, state, obligation, period, started_at, ended_at, total, required, task_id)
           SELECT $1, $2, $3, vendor_id, $4, $5, $6, $7, $8, $9, $10, $11 FROM cases WHERE id = $3`,
          [workflowId, record.seq, caseId, r.state, r.obligation, r.period, instant(r.startedAt), instant(r.endedAt), r.total, r.required, record.taskId],
        );
        await audit({
          at: r.endedAt ?? new Date(0).toISOString(),
          ...SYSTEM,
          action: 'case.breach',
          details: { obligation: r.obligation, period: r.period, total: r.total, required: r.required },
        });
      }
      return;
    }
    case 'taskOpened': {
      const t = record.task;
      await sql.query(
        `INSERT INTO case_tasks (case_id, id, kind, title, role, obligation, period, status, opened_at, due_at, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10)`,
        [caseId, t.id, t.kind, JSON.stringify(t.title), t.role, t.obligation, t.period, new Date(t.openedAt), instant(t.dueAt), record.seq],
      );
      return;
    }
    case 'cancelled': {
      // Only a running case: should ops have terminated it while this projection was in flight, the
      // termination the API recorded stays its end (a late final event likewise leaves it terminated).
      await sql.query(
        `UPDATE cases SET status = 'cancelled', ended_at = $2, end_reason = $3, end_request_id = $4, next_due_at = NULL, last_seq = $5, updated_at = $2
          WHERE id = $1 AND last_seq < $5 AND status = 'running'`,
        [caseId, new Date(record.at), record.reason, record.requestId, record.seq],
      );
      await sql.query(`UPDATE case_tasks SET status = 'withdrawn', last_seq = $3 WHERE case_id = $1 AND id = ANY($2) AND status = 'open'`, [caseId, record.withdrawnTaskIds, record.seq]);
      await audit({
        at: record.at,
        actorId: record.actor.userId,
        actorRole: OPS_ROLE,
        action: 'case.cancelled',
        comment: record.reason,
        details: { state: record.state, requestId: record.requestId, withdrawnTaskIds: record.withdrawnTaskIds, repair: 'cancel' },
      });
      return;
    }
    case 'taskDecided': {
      const t = record.task;
      await sql.query(
        `UPDATE case_tasks SET status = 'done', decided_by = $3, decided_at = $4, comment = $5, last_seq = $6 WHERE case_id = $1 AND id = $2 AND last_seq < $6`,
        [caseId, t.id, record.actor.userId, new Date(record.at), t.comment ?? null, record.seq],
      );
      await audit({
        at: record.at,
        actorId: record.actor.userId,
        actorRole: t.role,
        action: 'case.task.done',
        comment: t.comment ?? '',
        details: { taskId: t.id, requestId: record.requestId },
      });
      return;
    }
  }
}

const instant = (value: string | null | undefined): Date | null => (value ? new Date(value) : null);
