import type { DataSource } from 'typeorm';
import type { SqlExecutor } from '../src/persistence/audit-append.js';
import { type CaseStaffingAt, type LifecycleStaffing, measureStaffing, type StaffingMeasure, type StaffKind } from '../src/staffing/staffing.js';

/** Whose staffing to measure, and when. */
export interface StaffingQuery {
  readonly vendorId: string;
  /** Only this contract's cases; a worker's load still counts all the vendor's cases. */
  readonly contractId?: string | undefined;
  /** ISO-8601 instant. */
  readonly at: string;
}

/**
 * Reads a vendor's staff and active cases at `query.at` from the read model and measures them against
 * the ratios of each case's lifecycle version (src/staffing/staffing.ts).
 *
 * At that instant: a member is staff from the start of the day they joined until the start of the day
 * they left (+08:00); a case is active from its enrolment until the case accepted its final event; an
 * assignment counts from when it was made until it was ended, and only while its member is staff.
 * Runs its three reads through `executor` (a caller's transaction, e.g. a ledger compile's, so the
 * measure agrees with what else it reads); `readStaffingSnapshot` reads in a snapshot of its own.
 * Read-only: calling it twice at one instant gives the same measure, whatever happens later (unless the
 * read model still lags the instant asked for).
 */
export async function readStaffing(executor: SqlExecutor, query: StaffingQuery): Promise<StaffingMeasure> {
  const at = new Date(query.at);
  const staff = (await executor.query(
    `SELECT id, name, kind FROM vendor_staff
      WHERE vendor_id = $1 AND member_from <= $2 AND (member_until IS NULL OR member_until > $2)
      ORDER BY id`,
    [query.vendorId, at],
  )) as Array<{ id: string; name: string; kind: StaffKind }>;
  const cases = (await executor.query(
    `SELECT c.id AS "caseId", c.contract_id AS "contractId", c.lifecycle_key AS "lifecycleKey", c.lifecycle_version AS "lifecycleVersion",
            d.compiled -> 'staffing' AS staffing
       FROM cases c
       JOIN definition_versions d ON d.key = c.lifecycle_key AND d.version = c.lifecycle_version
      WHERE c.vendor_id = $1 AND c.enrolled_at <= $2
        AND NOT (c.final AND (SELECT max(e.recorded_at) FROM case_events e WHERE e.case_id = c.id) <= $2)
        AND NOT (c.ended_at IS NOT NULL AND c.ended_at <= $2)
      ORDER BY c.id`,
    [query.vendorId, at],
  )) as Array<{ caseId: string; contractId: string | null; lifecycleKey: string; lifecycleVersion: number; staffing: LifecycleStaffing | null }>;
  const assigned = (await executor.query(
    `SELECT a.case_id AS "caseId", a.staff_id AS "staffId", a.kind
       FROM case_assignments a JOIN vendor_staff s ON s.id = a.staff_id
      WHERE s.vendor_id = $1 AND a.assigned_at <= $2 AND (a.ended_at IS NULL OR a.ended_at > $2)
        AND s.member_from <= $2 AND (s.member_until IS NULL OR s.member_until > $2)`,
    [query.vendorId, at],
  )) as Array<{ caseId: string; staffId: string; kind: StaffKind }>;
  const of = (caseId: string, kind: StaffKind) => assigned.filter((a) => a.caseId === caseId && a.kind === kind).map((a) => a.staffId);
  const snapshot: CaseStaffingAt[] = cases.map((c) => ({ ...c, socialWorkerIds: of(c.caseId, 'socialWorker'), volunteerIds: of(c.caseId, 'volunteer') }));
  return measureStaffing({ vendorId: query.vendorId, contractId: query.contractId, at: at.toISOString(), staff, cases: snapshot });
}

/** `readStaffing` in one REPEATABLE READ snapshot, so staff, cases and assignments are read as of one moment. */
export function readStaffingSnapshot(dataSource: DataSource, query: StaffingQuery): Promise<StaffingMeasure> {
  return dataSource.transaction('REPEATABLE READ', (manager) => readStaffing(manager, query));
}

export interface StaffingActivityDependencies {
  readonly dataSource: DataSource;
}

/**
 * The staffing measure as an activity, for a workflow that records it in its history (a ledger period's
 * close): read-only, so a retry is harmless.
 */
export function createStaffingActivities({ dataSource }: StaffingActivityDependencies) {
  return {
    async measureStaffing(query: StaffingQuery): Promise<StaffingMeasure> {
      return readStaffingSnapshot(dataSource, query);
    },
  };
}
