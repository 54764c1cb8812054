import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ProcessKind } from './stuck-rules.js';

/** An open process as the read model lists it. */
export interface OpenProcessRow {
  readonly workflowId: string;
  readonly kind: ProcessKind;
  readonly jurisdiction: string;
  readonly status: string;
  readonly definitionKey: string;
  readonly definitionVersion: number;
  /** The process's pending deadlines (open tasks' due times; a case's next period end). */
  readonly deadlines: readonly string[];
  /** When the read model last took one of its projections, or when it began. */
  readonly lastEventAt: string | null;
}

export interface OpenProcessFilter {
  readonly jurisdiction?: string;
  readonly kind?: ProcessKind;
  /** Only processes whose workflow id sorts after this one (the cursor). */
  readonly after?: string;
  readonly limit: number;
}

/**
 * Open cycles, contracts and cases in one ordering (by workflow id), with what the stuck rules read of
 * each. One statement, so a page is one snapshot of the read model.
 */
const OPEN_PROCESSES = `
  WITH open AS (
    SELECT c.id AS workflow_id, 'cycle' AS kind, c.jurisdiction, c.status, c.definition_key, c.definition_version, c.launched_at AS began
      FROM cycles c WHERE c.ended_at IS NULL AND c.status NOT IN ('completed', 'terminated', 'cancelled', 'failed')
    UNION ALL
    SELECT k.id, 'contract', c.jurisdiction, k.status, c.definition_key, c.definition_version, k.started_at
      FROM contracts k JOIN cycles c ON c.id = k.cycle_id WHERE k.ended_at IS NULL AND k.status = 'running'
    UNION ALL
    SELECT s.workflow_id, 'case', s.jurisdiction, s.state, s.lifecycle_key, s.lifecycle_version, s.enrolled_at
      FROM cases s WHERE s.status = 'running'
  )
  SELECT o.workflow_id AS "workflowId", o.kind, o.jurisdiction, o.status, o.definition_key AS "definitionKey",
         o.definition_version AS "definitionVersion",
         COALESCE((SELECT array_agg(t.due_at ORDER BY t.due_at) FROM tasks t WHERE t.workflow_id = o.workflow_id AND t.status = 'open' AND t.due_at IS NOT NULL), '{}')
           || COALESCE((SELECT array_agg(s.next_due_at) FROM cases s WHERE s.workflow_id = o.workflow_id AND s.next_due_at IS NOT NULL), '{}') AS deadlines,
         GREATEST(o.began,
                  (SELECT max(p.applied_at) FROM projection_log p WHERE p.workflow_id = o.workflow_id),
                  (SELECT s.updated_at FROM cases s WHERE s.workflow_id = o.workflow_id)) AS "lastEventAt"
    FROM open o
   WHERE ($1::text IS NULL OR o.jurisdiction = $1) AND ($2::text IS NULL OR o.kind = $2) AND ($3::text IS NULL OR o.workflow_id > $3)
   ORDER BY o.workflow_id
   LIMIT $4`;

@Injectable()
export class StuckRepository {
  constructor(private readonly dataSource: DataSource) {}

  async openProcesses(filter: OpenProcessFilter): Promise<OpenProcessRow[]> {
    const rows: Array<Omit<OpenProcessRow, 'deadlines' | 'lastEventAt'> & { deadlines: Date[]; lastEventAt: Date | null }> = await this.dataSource.query(OPEN_PROCESSES, [
      filter.jurisdiction ?? null,
      filter.kind ?? null,
      filter.after ?? null,
      filter.limit,
    ]);
    return rows.map((row) => ({
      ...row,
      deadlines: row.deadlines.map((deadline) => new Date(deadline).toISOString()),
      lastEventAt: row.lastEventAt ? new Date(row.lastEventAt).toISOString() : null,
    }));
  }

  /** Open processes counted by kind and status (jurisdiction-scoped when given). */
  async openCounts(jurisdiction: string | undefined): Promise<Array<{ kind: ProcessKind; status: string; count: number }>> {
    const rows: Array<{ kind: ProcessKind; status: string; count: string }> = await this.dataSource.query(
      `SELECT kind, status, count(*)::text AS count FROM (
         SELECT 'cycle' AS kind, status, jurisdiction FROM cycles WHERE ended_at IS NULL AND status NOT IN ('completed', 'terminated', 'cancelled', 'failed')
         UNION ALL SELECT 'contract', k.status, c.jurisdiction FROM contracts k JOIN cycles c ON c.id = k.cycle_id WHERE k.ended_at IS NULL AND k.status = 'running'
         UNION ALL SELECT 'case', state, jurisdiction FROM cases WHERE status = 'running'
       ) o WHERE ($1::text IS NULL OR jurisdiction = $1) GROUP BY kind, status ORDER BY kind, status`,
      [jurisdiction ?? null],
    );
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  /** The incidents the engine recorded for these processes (a deadline it could not compute), oldest first. */
  async incidents(workflowIds: readonly string[]): Promise<Array<{ workflowId: string; message: string; at: string }>> {
    if (workflowIds.length === 0) return [];
    const rows: Array<{ workflowId: string; message: string | null; at: Date }> = await this.dataSource.query(
      `SELECT subject_id AS "workflowId", comment AS message, occurred_at AS at FROM audit_entries
        WHERE action = 'cycle.incident' AND subject_id = ANY($1) ORDER BY occurred_at, id`,
      [workflowIds],
    );
    return rows.map((row) => ({ workflowId: row.workflowId, message: row.message ?? '', at: new Date(row.at).toISOString() }));
  }
}
