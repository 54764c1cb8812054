import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OPS_ROLE } from '../../../../../src/identity/identity.js';
import { appendAuditEntry } from '../../../../../src/persistence/audit-append.js';
import { type BulkFilter, type BulkProcessKind, selectionSql } from '../processes/process-filter.js';
import type { BulkAction, ProcessOutcomeDto } from './bulk.dto.js';

/** A cycle, contract or case as the read model holds it, for deciding what a repair may do. */
export interface ProcessRow {
  readonly workflowId: string;
  readonly kind: BulkProcessKind;
  /** A cycle's or contract's cycle; a case's own id (cases belong to no cycle). */
  readonly cycleId: string;
  readonly jurisdiction: string;
  readonly status: string;
  /** The request that cancelled or terminated a case (a repeat of it answers as the first did); null otherwise. */
  readonly endRequestId: string | null;
}

export interface SelectionRow {
  readonly id: string;
  readonly action: BulkAction;
  readonly filter: BulkFilter;
  readonly reason: string;
  readonly workflowIds: string[];
  readonly jurisdiction: string;
  readonly selectedBy: string;
  readonly selectedAt: Date;
  readonly expiresAt: Date;
  readonly executionRequestId: string | null;
  readonly executionReason: string | null;
  readonly outcomes: ProcessOutcomeDto[] | null;
}

export interface TerminationRecord {
  readonly process: ProcessRow;
  readonly actorId: string;
  readonly reason: string;
  readonly requestId: string;
  readonly at: Date;
  readonly selectionId?: string;
}

/** The read model as ops repairs read it, the bulk selections, and the one write the API makes for a process: a termination. */
@Injectable()
export class BulkRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findProcess(workflowId: string): Promise<ProcessRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT id AS "workflowId", 'cycle' AS kind, id AS "cycleId", jurisdiction, status, NULL::text AS "endRequestId" FROM cycles WHERE id = $1
       UNION ALL
       SELECT k.id, 'contract', k.cycle_id, c.jurisdiction, k.status, NULL FROM contracts k JOIN cycles c ON c.id = k.cycle_id WHERE k.id = $1
       UNION ALL
       SELECT s.workflow_id, 'case', s.id, s.jurisdiction, s.status, s.end_request_id FROM cases s WHERE s.workflow_id = $1`,
      [workflowId],
    )) as ProcessRow[];
    return rows[0];
  }

  /** The ids `filter` selects at `now`, within the caller's reach (`only` a jurisdiction, or all), in id order; at most `limit`. */
  async select(filter: BulkFilter, only: string | undefined, now: Date, limit: number): Promise<string[]> {
    const { sql, params } = selectionSql(filter, { jurisdiction: only }, now, limit);
    const rows = (await this.dataSource.query(sql, params)) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  async insertSelection(selection: Omit<SelectionRow, 'executionRequestId' | 'executionReason' | 'outcomes'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ops_bulk_selections (id, action, filter, reason, workflow_ids, jurisdiction, selected_by, selected_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        selection.id,
        selection.action,
        JSON.stringify(selection.filter),
        selection.reason,
        selection.workflowIds,
        selection.jurisdiction,
        selection.selectedBy,
        selection.selectedAt,
        selection.expiresAt,
      ],
    );
  }

  async findSelection(id: string): Promise<SelectionRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT id, action, filter, reason, workflow_ids AS "workflowIds", jurisdiction, selected_by AS "selectedBy", selected_at AS "selectedAt",
              expires_at AS "expiresAt", execution_request_id AS "executionRequestId", execution_reason AS "executionReason", outcomes
         FROM ops_bulk_selections WHERE id = $1`,
      [id],
    )) as SelectionRow[];
    return rows[0];
  }

  /**
   * Claims the selection for one execution: true when this request is the first to execute it before it
   * expires; a second execution (of any request id) never claims it again.
   */
  async claimExecution(id: string, requestId: string, reason: string, executedBy: string, at: Date): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `UPDATE ops_bulk_selections SET execution_request_id = $2, execution_reason = $3, executed_by = $4, executed_at = $5
        WHERE id = $1 AND execution_request_id IS NULL AND expires_at > $5 RETURNING id`,
      [id, requestId, reason, executedBy, at],
    )) as [Array<{ id: string }>, number] | Array<{ id: string }>;
    const returned = Array.isArray(rows[0]) ? (rows[0] as Array<{ id: string }>) : (rows as Array<{ id: string }>);
    return returned.length > 0;
  }

  async storeOutcomes(id: string, outcomes: readonly ProcessOutcomeDto[]): Promise<void> {
    await this.dataSource.query(`UPDATE ops_bulk_selections SET outcomes = $2 WHERE id = $1`, [id, JSON.stringify(outcomes)]);
  }

  /**
   * Records, in one transaction, a termination Temporal has carried out: the process (and for a cycle
   * its running contracts) `terminated`, their open tasks withdrawn, and the audit entry with the reason
   * (a case's in the case's own trail, like everything its workflow projects).
   * The workflow can no longer project its own end, so this is the one place the API writes the
   * procurement read model. Returns whether this call changed it (a repeat changes nothing).
   */
  async recordTermination(record: TerminationRecord): Promise<boolean> {
    const { process } = record;
    return this.dataSource.transaction(async (manager) => {
      let changed: number;
      if (process.kind === 'cycle') {
        const [, cycles] = (await manager.query(
          `UPDATE cycles SET status = 'terminated', ended_at = $2, end_reason = $3, current_step = NULL
            WHERE id = $1 AND status IN ('running', 'awarded')`,
          [process.workflowId, record.at, record.reason],
        )) as [unknown, number];
        changed = cycles;
        await manager.query(`UPDATE contracts SET status = 'terminated', ended_at = $2, end_reason = $3 WHERE cycle_id = $1 AND status = 'running'`, [
          process.workflowId,
          record.at,
          record.reason,
        ]);
        await manager.query(`UPDATE tasks SET status = 'withdrawn' WHERE cycle_id = $1 AND status = 'open'`, [process.workflowId]);
      } else if (process.kind === 'case') {
        const [, cases] = (await manager.query(
          `UPDATE cases SET status = 'terminated', ended_at = $2, end_reason = $3, end_request_id = $4, next_due_at = NULL, updated_at = $2
            WHERE workflow_id = $1 AND status = 'running'`,
          [process.workflowId, record.at, record.reason, record.requestId],
        )) as [unknown, number];
        changed = cases;
        await manager.query(`UPDATE case_tasks SET status = 'withdrawn' WHERE case_id = $1 AND status = 'open'`, [process.cycleId]);
      } else {
        const [, contracts] = (await manager.query(
          `UPDATE contracts SET status = 'terminated', ended_at = $2, end_reason = $3, current_step = NULL WHERE id = $1 AND status = 'running'`,
          [process.workflowId, record.at, record.reason],
        )) as [unknown, number];
        changed = contracts;
        await manager.query(`UPDATE tasks SET status = 'withdrawn' WHERE workflow_id = $1 AND status = 'open'`, [process.workflowId]);
      }
      // One termination per process: a repeat (another request id, a bulk run again) finds the key taken.
      await appendAuditEntry(manager, {
        idempotencyKey: `ops.terminate:${process.workflowId}`,
        occurredAt: record.at.toISOString(),
        actorId: record.actorId,
        actorRole: OPS_ROLE,
        jurisdiction: process.jurisdiction,
        action: `${process.kind}.terminated`,
        subjectType: process.kind,
        subjectId: process.kind === 'case' ? process.cycleId : process.workflowId,
        comment: record.reason,
        details: {
          ...(process.kind === 'case' ? { workflowId: process.workflowId } : { cycleId: process.cycleId }),
          requestId: record.requestId,
          repair: 'terminate',
          ...(record.selectionId === undefined ? {} : { selectionId: record.selectionId }),
        },
      });
      return changed > 0;
    });
  }
}
