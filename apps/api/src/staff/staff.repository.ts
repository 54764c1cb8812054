import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditEntryInput } from '../../../../activities/audit.js';
import { readStaffingSnapshot, type StaffingQuery } from '../../../../activities/staffing.js';
import { appendAuditEntry } from '../../../../src/persistence/audit-append.js';
import type { StaffedCase, StaffingMeasure, StaffKind } from '../../../../src/staffing/staffing.js';

/** A member of a vendor's staff, as the registry holds them. */
export interface StaffRow {
  readonly id: string;
  readonly vendorId: string;
  readonly name: string;
  readonly kind: StaffKind;
  readonly qualification: string | null;
  readonly joinedOn: string;
  readonly leftOn: string | null;
  readonly memberFrom: Date;
  readonly memberUntil: Date | null;
  readonly registeredBy: string;
  readonly registeredAt: Date;
  readonly requestFingerprint: string;
  readonly departureKey: string | null;
  readonly departureFingerprint: string | null;
  /** Active cases (not ended) the member is assigned to now. */
  readonly activeCases: number;
}

/** One assignment of a member to a case, open or ended. */
export interface AssignmentRow {
  readonly staffId: string;
  readonly name: string;
  readonly kind: StaffKind;
  readonly leftOn: string | null;
  readonly assignedAt: Date;
  readonly assignedBy: string;
  readonly endedAt: Date | null;
  readonly endedBy: string | null;
}

/** The case as an assignment needs it, read under a row lock. */
export interface LockedCase {
  readonly id: string;
  readonly jurisdiction: string;
  readonly vendorId: string | null;
  readonly final: boolean;
  readonly state: string;
}

const STAFF_COLUMNS = `s.id, s.vendor_id AS "vendorId", s.name, s.kind, s.qualification, to_char(s.joined_on, 'YYYY-MM-DD') AS "joinedOn",
  to_char(s.left_on, 'YYYY-MM-DD') AS "leftOn", s.member_from AS "memberFrom", s.member_until AS "memberUntil", s.registered_by AS "registeredBy",
  s.registered_at AS "registeredAt", s.request_fingerprint AS "requestFingerprint", s.departure_key AS "departureKey", s.departure_fingerprint AS "departureFingerprint",
  (SELECT count(*)::int FROM case_assignments a JOIN cases c ON c.id = a.case_id WHERE a.staff_id = s.id AND a.ended_at IS NULL AND NOT c.final) AS "activeCases"`;

/** What one staff or assignment decision may do inside its transaction; the rules are the services'. */
export interface StaffTransaction {
  /** Inserts a member unless the request key is taken; answers the row holding the key either way. */
  register(member: {
    vendorId: string;
    name: string;
    kind: StaffKind;
    qualification: string | null;
    joinedOn: string;
    memberFrom: Date;
    registeredBy: string;
    at: Date;
    requestKey: string;
    fingerprint: string;
  }): Promise<{ created: boolean; row: StaffRow }>;
  /** Reads members by id and holds them against concurrent decisions (in id order, so two decisions never deadlock). */
  lockStaff(ids: readonly string[]): Promise<StaffRow[]>;
  /** The member whose departure was recorded under `key`, if any. */
  departureByKey(key: string): Promise<string | undefined>;
  recordDeparture(id: string, departure: { leftOn: string; memberUntil: Date; key: string; fingerprint: string; by: string; at: Date }): Promise<StaffRow>;
  /** Reads the case and holds it against concurrent assignments until the transaction ends. */
  lockCase(id: string): Promise<LockedCase | undefined>;
  /** The request made under `key` before, if any. */
  assignmentRequest(key: string): Promise<{ caseId: string; fingerprint: string } | undefined>;
  /** The active cases (not ended) a member is assigned to now, with their lifecycles' ratios. */
  activeCasesOf(staffId: string): Promise<StaffedCase[]>;
  /** The ratios binding one case. */
  staffedCase(caseId: string): Promise<StaffedCase>;
  openAssignments(caseId: string): Promise<AssignmentRow[]>;
  /** Every assignment of the case, oldest first, as this transaction sees them. */
  assignments(caseId: string): Promise<AssignmentRow[]>;
  /**
   * Records the request, ends the open assignments of `end`, opens assignments for `start`; answers false,
   * writing nothing, when the request key was taken meanwhile (the same request id sent for another case at once).
   */
  reassign(change: { caseId: string; requestKey: string; fingerprint: string; by: string; at: Date; end: readonly string[]; start: ReadonlyArray<{ staffId: string; kind: StaffKind }> }): Promise<boolean>;
  appendAudit(entry: AuditEntryInput): Promise<void>;
}

/** The staff registry and case assignments in PostgreSQL (migration 1764600100000-staff-and-assignments). */
@Injectable()
export class StaffRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction: everything it wrote is committed together, or nothing is if it throws. */
  inTransaction<T>(work: (transaction: StaffTransaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(staffTransaction(manager)));
  }

  async vendor(id: string): Promise<{ id: string; name: string; jurisdiction: string } | undefined> {
    const rows = (await this.dataSource.query(`SELECT id, name, jurisdiction FROM vendors WHERE id = $1`, [id])) as Array<{ id: string; name: string; jurisdiction: string }>;
    return rows[0];
  }

  /** Whether the vendor serves a case of `jurisdiction`. */
  async servesIn(vendorId: string, jurisdiction: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM cases WHERE vendor_id = $1 AND jurisdiction = $2 LIMIT 1`, [vendorId, jurisdiction])) as unknown[];
    return rows.length > 0;
  }

  async staffOf(vendorId: string, filter: { kind?: StaffKind | undefined; currentAt?: Date | undefined }): Promise<StaffRow[]> {
    const parameters: unknown[] = [vendorId];
    let where = 's.vendor_id = $1';
    if (filter.kind !== undefined) {
      parameters.push(filter.kind);
      where += ` AND s.kind = $${parameters.length}`;
    }
    if (filter.currentAt !== undefined) {
      parameters.push(filter.currentAt);
      where += ` AND s.member_from <= $${parameters.length} AND (s.member_until IS NULL OR s.member_until > $${parameters.length})`;
    }
    return (await this.dataSource.query(`SELECT ${STAFF_COLUMNS} FROM vendor_staff s WHERE ${where} ORDER BY s.kind, s.name, s.id`, parameters)) as StaffRow[];
  }

  async member(id: string): Promise<StaffRow | undefined> {
    const rows = (await this.dataSource.query(`SELECT ${STAFF_COLUMNS} FROM vendor_staff s WHERE s.id = $1`, [id])) as StaffRow[];
    return rows[0];
  }

  /** Every assignment of the case, oldest first. */
  async assignmentsOf(caseId: string): Promise<AssignmentRow[]> {
    return assignments(this.dataSource, caseId, false);
  }

  measure(query: StaffingQuery): Promise<StaffingMeasure> {
    return readStaffingSnapshot(this.dataSource, query);
  }
}

async function assignments(executor: DataSource | EntityManager, caseId: string, openOnly: boolean): Promise<AssignmentRow[]> {
  return (await executor.query(
    `SELECT a.staff_id AS "staffId", s.name, a.kind, to_char(s.left_on, 'YYYY-MM-DD') AS "leftOn", a.assigned_at AS "assignedAt", a.assigned_by AS "assignedBy",
            a.ended_at AS "endedAt", a.ended_by AS "endedBy"
       FROM case_assignments a JOIN vendor_staff s ON s.id = a.staff_id
      WHERE a.case_id = $1 ${openOnly ? 'AND a.ended_at IS NULL' : ''}
      ORDER BY a.id`,
    [caseId],
  )) as AssignmentRow[];
}

const STAFFED_CASE = `SELECT c.id AS "caseId", c.contract_id AS "contractId", c.lifecycle_key AS "lifecycleKey", c.lifecycle_version AS "lifecycleVersion",
  d.compiled -> 'staffing' AS staffing
  FROM cases c JOIN definition_versions d ON d.key = c.lifecycle_key AND d.version = c.lifecycle_version`;

function staffTransaction(manager: EntityManager): StaffTransaction {
  const member = async (id: string) => ((await manager.query(`SELECT ${STAFF_COLUMNS} FROM vendor_staff s WHERE s.id = $1`, [id])) as StaffRow[])[0] as StaffRow;
  return {
    async register(m) {
      // ON CONFLICT rather than a prior lookup: the same request sent twice at once still makes one member.
      const inserted = (await manager.query(
        `INSERT INTO vendor_staff (vendor_id, name, kind, qualification, joined_on, member_from, registered_by, registered_at, request_key, request_fingerprint)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (request_key) DO NOTHING RETURNING id`,
        [m.vendorId, m.name, m.kind, m.qualification, m.joinedOn, m.memberFrom, m.registeredBy, m.at, m.requestKey, m.fingerprint],
      )) as Array<{ id: string }>;
      const id = inserted[0]?.id;
      if (id) return { created: true, row: await member(id) };
      const [existing] = (await manager.query(`SELECT ${STAFF_COLUMNS} FROM vendor_staff s WHERE s.request_key = $1`, [m.requestKey])) as StaffRow[];
      return { created: false, row: existing as StaffRow };
    },
    async lockStaff(ids) {
      if (ids.length === 0) return [];
      await manager.query(`SELECT id FROM vendor_staff WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
      return (await manager.query(`SELECT ${STAFF_COLUMNS} FROM vendor_staff s WHERE s.id = ANY($1::uuid[]) ORDER BY s.id`, [ids])) as StaffRow[];
    },
    async departureByKey(key) {
      const rows = (await manager.query(`SELECT id FROM vendor_staff WHERE departure_key = $1`, [key])) as Array<{ id: string }>;
      return rows[0]?.id;
    },
    async recordDeparture(id, d) {
      await manager.query(
        `UPDATE vendor_staff SET left_on = $2, member_until = $3, departure_key = $4, departure_fingerprint = $5, departure_recorded_by = $6, departure_recorded_at = $7 WHERE id = $1`,
        [id, d.leftOn, d.memberUntil, d.key, d.fingerprint, d.by, d.at],
      );
      return member(id);
    },
    async lockCase(id) {
      const rows = (await manager.query(`SELECT id, jurisdiction, vendor_id AS "vendorId", final, state FROM cases WHERE id = $1 FOR UPDATE`, [id])) as LockedCase[];
      return rows[0];
    },
    async assignmentRequest(key) {
      const rows = (await manager.query(`SELECT case_id AS "caseId", fingerprint FROM case_assignment_requests WHERE request_key = $1`, [key])) as Array<{ caseId: string; fingerprint: string }>;
      return rows[0];
    },
    async activeCasesOf(staffId) {
      // A fresh statement after the member's row lock: under READ COMMITTED it sees every assignment committed before the lock was granted.
      return (await manager.query(`${STAFFED_CASE} JOIN case_assignments a ON a.case_id = c.id WHERE a.staff_id = $1 AND a.ended_at IS NULL AND NOT c.final AND c.status = 'running' ORDER BY c.id`, [staffId])) as StaffedCase[];
    },
    async staffedCase(caseId) {
      return ((await manager.query(`${STAFFED_CASE} WHERE c.id = $1`, [caseId])) as StaffedCase[])[0] as StaffedCase;
    },
    async openAssignments(caseId) {
      return assignments(manager, caseId, true);
    },
    async assignments(caseId) {
      return assignments(manager, caseId, false);
    },
    async reassign(change) {
      const recorded = (await manager.query(
        `INSERT INTO case_assignment_requests (request_key, case_id, fingerprint, made_by, made_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_key) DO NOTHING RETURNING request_key`,
        [change.requestKey, change.caseId, change.fingerprint, change.by, change.at],
      )) as unknown[];
      if (recorded.length === 0) return false;
      if (change.end.length > 0) {
        await manager.query(
          `UPDATE case_assignments SET ended_at = $3, ended_by = $4, ended_request = $5 WHERE case_id = $1 AND staff_id = ANY($2::uuid[]) AND ended_at IS NULL`,
          [change.caseId, change.end, change.at, change.by, change.requestKey],
        );
      }
      for (const start of change.start) {
        await manager.query(
          `INSERT INTO case_assignments (case_id, staff_id, kind, assigned_at, assigned_by, assigned_request) VALUES ($1, $2, $3, $4, $5, $6)`,
          [change.caseId, start.staffId, start.kind, change.at, change.by, change.requestKey],
        );
      }
      return true;
    },
    async appendAudit(entry) {
      await appendAuditEntry(manager, entry);
    },
  };
}
