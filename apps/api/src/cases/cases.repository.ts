import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CaseStatus, CaseTaskStatus } from '../../../../src/procurement/read-model.js';

/** A case row of the read model. */
export interface CaseRow {
  readonly id: string;
  readonly lifecycleKey: string;
  readonly lifecycleVersion: number;
  readonly jurisdiction: string;
  readonly vendorId: string | null;
  readonly contractId: string | null;
  readonly state: string;
  readonly final: boolean;
  readonly status: CaseStatus;
  readonly endedAt: Date | null;
  readonly endReason: string | null;
  readonly attributes: Record<string, unknown>;
  readonly enrolledAt: Date;
  readonly enrolledBy: string;
  readonly openBreaches: number;
}

export interface CaseEventRow {
  readonly seq: number;
  readonly type: string;
  readonly occurredAt: Date;
  readonly recordedAt: Date;
  readonly actorId: string;
  readonly actorName: string;
  readonly role: string;
  readonly payload: Record<string, unknown>;
  readonly stateBefore: string;
  readonly stateAfter: string;
  readonly confidential: Array<{ field: string; value: unknown; readableBy: string[] }>;
}

export interface CaseFilter {
  readonly jurisdiction?: string;
  readonly vendorId?: string;
  readonly state?: string;
  readonly openBreach?: boolean;
  readonly dueBefore?: Date;
  readonly caseIds?: readonly string[];
  /** Only cases this staff member is assigned to now. */
  readonly workerId?: string;
  readonly limit: number;
  readonly offset: number;
}

const CASE_COLUMNS = `c.id, c.lifecycle_key AS "lifecycleKey", c.lifecycle_version AS "lifecycleVersion", c.jurisdiction, c.vendor_id AS "vendorId",
  c.contract_id AS "contractId", c.state, c.final, c.status, c.ended_at AS "endedAt", c.end_reason AS "endReason", c.attributes, c.enrolled_at AS "enrolledAt", c.enrolled_by AS "enrolledBy",
  (SELECT count(*)::int FROM case_breaches b JOIN case_tasks t ON t.case_id = b.case_id AND t.id = b.task_id WHERE b.case_id = c.id AND t.status = 'open') AS "openBreaches"`;

/** The case read model, read only: the case projections (activities/case-projections.ts) are its one writer. */
@Injectable()
export class CasesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(id: string): Promise<CaseRow | undefined> {
    const rows = (await this.dataSource.query(`SELECT ${CASE_COLUMNS} FROM cases c WHERE c.id = $1`, [id])) as CaseRow[];
    return rows[0];
  }

  async list(filter: CaseFilter): Promise<{ rows: CaseRow[]; total: number }> {
    const where: string[] = [];
    const parameters: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown) => {
      parameters.push(value);
      where.push(clause(`$${parameters.length}`));
    };
    if (filter.jurisdiction !== undefined) add((p) => `c.jurisdiction = ${p}`, filter.jurisdiction);
    if (filter.vendorId !== undefined) add((p) => `c.vendor_id = ${p}`, filter.vendorId);
    if (filter.state !== undefined) add((p) => `c.state = ${p}`, filter.state);
    if (filter.dueBefore !== undefined) add((p) => `c.status = 'running' AND c.next_due_at < ${p}`, filter.dueBefore);
    if (filter.caseIds !== undefined) add((p) => `c.id = ANY(${p})`, filter.caseIds);
    if (filter.workerId !== undefined) add((p) => `EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id AND a.staff_id = ${p}::uuid AND a.ended_at IS NULL)`, filter.workerId);
    if (filter.openBreach !== undefined) {
      where.push(
        `${filter.openBreach ? '' : 'NOT '}EXISTS (SELECT 1 FROM case_breaches b JOIN case_tasks t ON t.case_id = b.case_id AND t.id = b.task_id WHERE b.case_id = c.id AND t.status = 'open')`,
      );
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM cases c ${clause}`, parameters)) as [{ total: number }];
    const rows = (await this.dataSource.query(
      `SELECT ${CASE_COLUMNS} FROM cases c ${clause} ORDER BY c.enrolled_at DESC, c.id LIMIT $${parameters.length + 1} OFFSET $${parameters.length + 2}`,
      [...parameters, filter.limit, filter.offset],
    )) as CaseRow[];
    return { rows, total };
  }

  /** The case's timeline, periods, breaches and tasks, read in one snapshot. */
  async records(id: string) {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const events = (await manager.query(
        `SELECT e.seq, e.type, e.occurred_at AS "occurredAt", e.recorded_at AS "recordedAt", e.actor_id AS "actorId", e.actor_name AS "actorName", e.role,
                e.payload, e.state_before AS "stateBefore", e.state_after AS "stateAfter",
                COALESCE((SELECT json_agg(json_build_object('field', f.field, 'value', f.value, 'readableBy', f.readable_by)) FROM case_confidential f
                           WHERE f.workflow_id = e.workflow_id AND f.seq = e.seq), '[]'::json) AS confidential
           FROM case_events e WHERE e.case_id = $1 ORDER BY e.seq`,
        [id],
      )) as CaseEventRow[];
      const periods = (await manager.query(
        `SELECT obligation, state, period, started_at AS "startedAt", ended_at AS "endedAt", total, required, met, partial FROM case_obligation_periods WHERE case_id = $1 ORDER BY seq`,
        [id],
      )) as Array<{ obligation: string; state: string; period: number | null; startedAt: Date | null; endedAt: Date | null; total: number; required: number; met: boolean; partial: boolean }>;
      const breaches = (await manager.query(
        `SELECT obligation, state, period, started_at AS "startedAt", ended_at AS "endedAt", total, required, task_id AS "taskId" FROM case_breaches WHERE case_id = $1 ORDER BY seq`,
        [id],
      )) as Array<{ obligation: string; state: string; period: number | null; startedAt: Date | null; endedAt: Date | null; total: number; required: number; taskId: string | null }>;
      const tasks = (await manager.query(
        `SELECT id, kind, title, role, obligation, status, opened_at AS "openedAt", due_at AS "dueAt", decided_by AS "decidedBy", decided_at AS "decidedAt", comment
           FROM case_tasks WHERE case_id = $1 ORDER BY opened_at, id`,
        [id],
      )) as Array<{ id: string; kind: string; title: { zh: string; en: string }; role: string; obligation: string; status: CaseTaskStatus; openedAt: Date; dueAt: Date | null; decidedBy: string | null; decidedAt: Date | null; comment: string | null }>;
      return { events, periods, breaches, tasks };
    });
  }

  /** The vendor of a contract and the jurisdiction of its cycle; undefined when there is no such contract. */
  async contract(id: string): Promise<{ vendorId: string; jurisdiction: string; definitionKey: string; definitionVersion: number } | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT k.vendor_id AS "vendorId", c.jurisdiction, c.definition_key AS "definitionKey", c.definition_version AS "definitionVersion"
         FROM contracts k JOIN cycles c ON c.id = k.cycle_id WHERE k.id = $1`,
      [id],
    )) as Array<{ vendorId: string; jurisdiction: string; definitionKey: string; definitionVersion: number }>;
    return rows[0];
  }
}
