import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditEntryInput } from '../../../../../activities/audit.js';
import { appendAuditEntry } from '../../../../../src/persistence/audit-append.js';

/** A repair's audit entry as it was first recorded: a repeated requestId answers with it. */
export interface RecordedRepair {
  readonly subjectId: string;
  readonly action: string;
  readonly details: Record<string, unknown>;
}

/** What a reset depends on (see `RepairRepository.resetFacts`). */
export interface ResetFacts {
  readonly status: string;
  readonly steps: ReadonlyArray<{ readonly id: string; readonly resettable: boolean }>;
  readonly entry: { readonly enteredSeq: number; readonly enteredAt: Date } | undefined;
  readonly contracts: number;
  readonly payments: number;
  readonly bidsSinceEntry: number;
  readonly lastSeq: number;
}

/** What one repair may do inside its transaction. */
export interface RepairTransaction {
  appendAudit(entry: AuditEntryInput): Promise<boolean>;
}

/** The read model and audit trail as repairs use them. */
@Injectable()
export class RepairRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The cycle a cycle or contract workflow belongs to and its jurisdiction, from the read model; undefined
   * before the read model has the process.
   */
  async ownerOf(workflowId: string): Promise<{ readonly cycleId: string; readonly jurisdiction: string } | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT id AS cycle_id, jurisdiction FROM cycles WHERE id = $1
       UNION ALL
       SELECT c.id, c.jurisdiction FROM contracts k JOIN cycles c ON c.id = k.cycle_id WHERE k.id = $1
       LIMIT 1`,
      [workflowId],
    )) as Array<{ cycle_id: string; jurisdiction: string }>;
    const row = rows[0];
    return row ? { cycleId: row.cycle_id, jurisdiction: row.jurisdiction } : undefined;
  }

  /**
   * What a reset of cycle `cycleId` to `step` depends on, from the read model and the registry: the steps
   * of its pinned definition, its status, the step's latest entry, whether contracts or payments exist, the
   * bids submitted since the entry, and the highest seq projected of the cycle. Undefined when it is no cycle.
   */
  async resetFacts(cycleId: string, step: string): Promise<ResetFacts | undefined> {
    const [cycle] = (await this.dataSource.query(
      `SELECT c.status, d.compiled -> 'steps' AS steps,
              (SELECT count(*)::int FROM contracts WHERE cycle_id = c.id) AS contracts,
              (SELECT count(*)::int FROM payments WHERE cycle_id = c.id) AS payments,
              (SELECT max(seq) FROM projection_log WHERE workflow_id = c.id) AS last_seq
       FROM cycles c JOIN definition_versions d ON d.key = c.definition_key AND d.version = c.definition_version
       WHERE c.id = $1`,
      [cycleId],
    )) as Array<{ status: string; steps: Array<{ id: string; resettable?: boolean }>; contracts: number; payments: number; last_seq: number | null }>;
    if (!cycle) return undefined;
    const [entry] = (await this.dataSource.query(
      `SELECT entered_seq, entered_at FROM cycle_steps WHERE workflow_id = $1 AND step_id = $2 ORDER BY entered_seq DESC LIMIT 1`,
      [cycleId, step],
    )) as Array<{ entered_seq: number; entered_at: Date }>;
    const bids = entry
      ? ((await this.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE cycle_id = $1 AND submitted_at >= $2`, [cycleId, entry.entered_at])) as Array<{ n: number }>)[0]?.n ?? 0
      : 0;
    return {
      status: cycle.status,
      steps: cycle.steps.map((candidate) => ({ id: candidate.id, resettable: candidate.resettable === true })),
      entry: entry ? { enteredSeq: entry.entered_seq, enteredAt: entry.entered_at } : undefined,
      contracts: cycle.contracts,
      payments: cycle.payments,
      bidsSinceEntry: bids,
      lastSeq: cycle.last_seq ?? -1,
    };
  }

  /** How many public notices the workflow published with a seq above `seq`. */
  async noticesAfter(workflowId: string, seq: number): Promise<number> {
    const rows = (await this.dataSource.query(`SELECT count(*)::int AS n FROM public_notices WHERE workflow_id = $1 AND seq > $2`, [workflowId, seq])) as Array<{ n: number }>;
    return rows[0]?.n ?? 0;
  }

  /** The repair recorded under `idempotencyKey`, if one was. */
  async recorded(idempotencyKey: string): Promise<RecordedRepair | undefined> {
    const rows = (await this.dataSource.query(`SELECT subject_id, action, details FROM audit_entries WHERE idempotency_key = $1`, [idempotencyKey])) as Array<{
      subject_id: string;
      action: string;
      details: Record<string, unknown>;
    }>;
    const row = rows[0];
    return row ? { subjectId: row.subject_id, action: row.action, details: row.details } : undefined;
  }

  /** Runs `work` in one transaction: its audit entry lands only if `work` completes. */
  transaction<T>(work: (repair: RepairTransaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager: EntityManager) => work({ appendAudit: (entry) => appendAuditEntry(manager, entry) }));
  }
}
