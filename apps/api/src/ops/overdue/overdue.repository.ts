import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ProcessKind } from '../processes/process-filter.js';

/** An open item past its due time, as the read model holds it. */
export interface OverdueRow {
  readonly id: string;
  readonly processKind: ProcessKind;
  readonly processId: string;
  readonly cycleId: string | null;
  readonly contractId: string | null;
  readonly caseId: string | null;
  readonly taskInstanceId: string;
  readonly jurisdiction: string;
  readonly definitionKey: string;
  readonly definitionVersion: number;
  readonly step: string | null;
  readonly dueKind: string;
  readonly title: { zh: string; en: string };
  readonly dueAt: Date;
  readonly role: string;
  readonly escalatedTo: string[];
  readonly escalateTo: string | null;
  readonly vendorId: string | null;
  readonly vendorName: string | null;
}

export interface OverdueFilter {
  readonly at: Date;
  /** Only this jurisdiction; every one when absent (national callers). */
  readonly jurisdiction?: string;
  readonly role?: string;
  readonly definition?: string;
  readonly kind?: ProcessKind;
}

/** Where a page of the list starts: after this item in the order (due time, then id by code unit). */
export interface OverdueAfter {
  readonly dueAt: Date;
  readonly id: string;
}

/** The order of the list, most late first: due time, then id compared by code unit (SQL: COLLATE "C"). */
export function compareOverdue(a: { dueAt: Date; id: string }, b: { dueAt: Date; id: string }): number {
  return a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Far more than any jurisdiction has late at once: the bound of the counts by holder, which read every item. */
const MAX_ROWS = 10_000;

/** Open tasks of cycles, contracts and cases past their due time (tables tasks, cycles, contracts, case_tasks, cases), read only. */
@Injectable()
export class OverdueRepository {
  constructor(private readonly dataSource: DataSource) {}

  async overdue(filter: OverdueFilter): Promise<OverdueRow[]> {
    const rows: OverdueRow[] = [];
    if (filter.kind !== 'case') rows.push(...(await this.procurementTasks(filter, undefined, MAX_ROWS)));
    if (filter.kind === undefined || filter.kind === 'case') rows.push(...(await this.caseTasks(filter, undefined, MAX_ROWS)));
    return rows;
  }

  /**
   * The first `limit` items after `after` in the list's order, tasks and case tasks merged. Each source
   * is read in that order through its index and stops at `limit` rows, so a page costs the same whether
   * the country has a hundred items overdue or a hundred thousand; the first `limit` of the merge are the
   * first `limit` of the whole list, for each of them is among the first `limit` of its own source.
   */
  async overduePage(filter: OverdueFilter, after: OverdueAfter | undefined, limit: number): Promise<OverdueRow[]> {
    const rows: OverdueRow[] = [];
    if (filter.kind !== 'case') rows.push(...(await this.procurementTasks(filter, after, limit)));
    if (filter.kind === undefined || filter.kind === 'case') rows.push(...(await this.caseTasks(filter, after, limit)));
    return rows.sort(compareOverdue).slice(0, limit);
  }

  private async procurementTasks(filter: OverdueFilter, after: OverdueAfter | undefined, limit: number): Promise<OverdueRow[]> {
    const raw = (await this.dataSource.query(
      `SELECT t.id, t.workflow_id, t.task_instance_id, t.cycle_id, t.contract_id, t.step_id, t.kind, t.role, t.escalated_to, t.escalate_to,
              t.title, t.due_at, c.jurisdiction, c.definition_key, c.definition_version, k.vendor_id, k.vendor_name
         FROM tasks t
         JOIN cycles c ON c.id = t.cycle_id
         LEFT JOIN contracts k ON k.id = t.contract_id
        WHERE t.status = 'open' AND t.due_at IS NOT NULL AND t.due_at < $1
          AND ($2::text IS NULL OR c.jurisdiction = $2)
          AND ($3::text IS NULL OR t.role = $3 OR $3 = ANY(t.escalated_to) OR t.escalate_to = $3)
          AND ($4::text IS NULL OR c.definition_key = $4)
          AND ($5::text IS NULL OR ($5 = 'contract') = (t.contract_id IS NOT NULL))
          AND ($6::timestamptz IS NULL OR (t.due_at, t.id COLLATE "C") > ($6, $7::text))
        ORDER BY t.due_at, t.id COLLATE "C"
        LIMIT $8`,
      [filter.at, filter.jurisdiction ?? null, filter.role ?? null, filter.definition ?? null, filter.kind ?? null, after?.dueAt ?? null, after?.id ?? null, limit],
    )) as Array<Record<string, unknown>>;
    return raw.map((row) => {
      const role = String(row['role']);
      const contractId = (row['contract_id'] as string | null) ?? null;
      // Only a vendor's own task is held by the vendor; the others of its contract are the offices'.
      const vendorTask = role === 'vendor' && contractId !== null;
      return {
        id: String(row['id']),
        processKind: contractId ? 'contract' : 'cycle',
        processId: String(row['workflow_id']),
        cycleId: String(row['cycle_id']),
        contractId,
        caseId: null,
        taskInstanceId: String(row['task_instance_id']),
        jurisdiction: String(row['jurisdiction']),
        definitionKey: String(row['definition_key']),
        definitionVersion: Number(row['definition_version']),
        step: (row['step_id'] as string | null) ?? null,
        dueKind: String(row['kind']),
        title: row['title'] as { zh: string; en: string },
        dueAt: row['due_at'] as Date,
        role,
        escalatedTo: (row['escalated_to'] as string[] | null) ?? [],
        escalateTo: (row['escalate_to'] as string | null) ?? null,
        vendorId: vendorTask ? ((row['vendor_id'] as string | null) ?? null) : null,
        vendorName: vendorTask ? ((row['vendor_name'] as string | null) ?? null) : null,
      } satisfies OverdueRow;
    });
  }

  private async caseTasks(filter: OverdueFilter, after: OverdueAfter | undefined, limit: number): Promise<OverdueRow[]> {
    // A case task's id in the list is `<case>/<task>`: ordered and compared as that text, as the list is.
    const raw = (await this.dataSource.query(
      `SELECT ct.case_id, ct.id, ct.kind, ct.title, ct.role, ct.due_at, cs.workflow_id, cs.jurisdiction, cs.lifecycle_key, cs.lifecycle_version,
              cs.state, cs.contract_id
         FROM case_tasks ct
         JOIN cases cs ON cs.id = ct.case_id
        WHERE ct.status = 'open' AND ct.due_at IS NOT NULL AND ct.due_at < $1
          AND ($2::text IS NULL OR cs.jurisdiction = $2)
          AND ($3::text IS NULL OR ct.role = $3)
          AND ($4::text IS NULL OR cs.lifecycle_key = $4)
          AND ($5::timestamptz IS NULL OR (ct.due_at, (ct.case_id || '/' || ct.id) COLLATE "C") > ($5, $6::text))
        ORDER BY ct.due_at, (ct.case_id || '/' || ct.id) COLLATE "C"
        LIMIT $7`,
      [filter.at, filter.jurisdiction ?? null, filter.role ?? null, filter.definition ?? null, after?.dueAt ?? null, after?.id ?? null, limit],
    )) as Array<Record<string, unknown>>;
    return raw.map((row) => ({
      id: `${String(row['case_id'])}/${String(row['id'])}`,
      processKind: 'case',
      processId: String(row['workflow_id']),
      cycleId: null,
      contractId: (row['contract_id'] as string | null) ?? null,
      caseId: String(row['case_id']),
      taskInstanceId: String(row['id']),
      jurisdiction: String(row['jurisdiction']),
      definitionKey: String(row['lifecycle_key']),
      definitionVersion: Number(row['lifecycle_version']),
      step: (row['state'] as string | null) ?? null,
      dueKind: String(row['kind']),
      title: row['title'] as { zh: string; en: string },
      dueAt: row['due_at'] as Date,
      role: String(row['role']),
      escalatedTo: [],
      escalateTo: null,
      vendorId: null,
      vendorName: null,
    }));
  }
}
