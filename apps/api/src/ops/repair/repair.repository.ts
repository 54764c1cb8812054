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
