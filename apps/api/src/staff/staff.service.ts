import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ADMINISTRATOR_ROLE, type Identity, jurisdictionAllows } from '../../../../src/identity/identity.js';
import { chinaDayStart, describeOverload, type StaffKind, workerLoad } from '../../../../src/staffing/staffing.js';
import { chinaDate } from '../../../../src/vendors/qualification.js';
import { ConflictError, type FieldProblem, ForbiddenError, NotFoundError, ValidationError } from '../common/domain-errors.js';
import {
  type AssignCaseDto,
  type CaseAssignmentDto,
  type EndMembershipDto,
  type ListStaffQueryDto,
  type RegisterStaffDto,
  type StaffDto,
  type StaffingQueryDto,
  type StaffingReportDto,
  type StaffListDto,
  toCaseAssignmentDto,
  toStaffDto,
  toStaffingReportDto,
} from './staff.dto.js';
import { StaffRepository, type StaffRow } from './staff.repository.js';

/** The judicial office (司法所): it supervises the cases of its jurisdiction and may staff them. */
export const JUDICIAL_OFFICE_ROLE = 'judicial-office';
/** Who of a jurisdiction reads a vendor's staff and staffing, and assigns its cases: besides the vendor's own staff. */
export const STAFF_OVERSEER_ROLES: readonly string[] = [JUDICIAL_OFFICE_ROLE, ADMINISTRATOR_ROLE];

const NOT_VISIBLE_VENDOR = (id: string) => `No vendor ${id} is registered (or it belongs to another jurisdiction).`;
const NOT_VISIBLE_CASE = 'No such case, or it belongs to another jurisdiction or is served by another organisation.';

/**
 * Vendors' staff (social workers and volunteers) and who serves each case.
 *
 * Writes to a vendor's staff are its own staff's (vendor-bound users); the judicial office and
 * administrators of the vendor's jurisdiction, or of a jurisdiction where it serves cases, read them;
 * another vendor's staff find no such vendor (404), other roles are refused (403).
 *
 * A case is assigned by the judicial office or an administrator of its jurisdiction, or by the serving
 * vendor's own staff (who staff their organisation's cases day to day); the ratios bind all of them alike.
 * The assignment is judged and written in one transaction holding the case's row and the members' rows,
 * so two concurrent assignments of one worker are judged one after the other and cannot both pass a ratio.
 */
@Injectable()
export class StaffService {
  constructor(private readonly repository: StaffRepository) {}

  async register(user: Identity, vendorId: string, body: RegisterStaffDto): Promise<{ created: boolean; member: StaffDto }> {
    await this.writable(user, vendorId);
    const now = new Date();
    const joinedOn = body.joinedOn ?? chinaDate(now);
    const fields = { name: body.name, kind: body.kind, qualification: body.qualification ?? null, joinedOn };
    const fingerprint = fingerprintOf({ vendorId, ...fields, joinedOn: body.joinedOn ?? null });
    return this.repository.inTransaction(async (tx) => {
      const { created, row } = await tx.register({ vendorId, ...fields, memberFrom: chinaDayStart(joinedOn), registeredBy: user.userId, at: now, requestKey: requestKeyOf(user, body.requestId), fingerprint });
      if (!created) {
        if (row.requestFingerprint !== fingerprint || row.vendorId !== vendorId) {
          throw new ConflictError(`requestId "${body.requestId}" was used for another registration (${row.name}, ${row.id}); use a fresh request id.`, [{ field: 'requestId', problem: 'was used for another request' }]);
        }
        return { created, member: toStaffDto(row, now) };
      }
      await tx.appendAudit({
        idempotencyKey: `vendor-staff:${row.id}:registered`,
        occurredAt: now.toISOString(),
        actorId: user.userId,
        actorRole: 'vendor',
        jurisdiction: user.jurisdiction,
        action: 'vendor.staff-registered',
        subjectType: 'vendor',
        subjectId: vendorId,
        details: { staffId: row.id, name: row.name, kind: row.kind, qualification: row.qualification, joinedOn: row.joinedOn },
      });
      return { created, member: toStaffDto(row, now) };
    });
  }

  async list(user: Identity, vendorId: string, query: ListStaffQueryDto): Promise<StaffListDto> {
    await this.readable(user, vendorId);
    const now = new Date();
    const rows = await this.repository.staffOf(vendorId, { kind: query.kind, currentAt: query.current === 'true' ? now : undefined });
    return { staff: rows.map((row) => toStaffDto(row, now)) };
  }

  async endMembership(user: Identity, vendorId: string, staffId: string, body: EndMembershipDto): Promise<StaffDto> {
    await this.writable(user, vendorId);
    const now = new Date();
    const key = requestKeyOf(user, body.requestId);
    const fingerprint = fingerprintOf({ staffId, leftOn: body.leftOn });
    return this.repository.inTransaction(async (tx) => {
      const [member] = await tx.lockStaff([staffId]);
      if (!member || member.vendorId !== vendorId) throw new NotFoundError(`No staff member ${staffId} of vendor ${vendorId}.`);
      if (member.leftOn !== null) {
        if (member.departureKey === key && member.departureFingerprint === fingerprint) return toStaffDto(member, now);
        throw new ConflictError(`${member.name} (${member.id}) already left on ${member.leftOn}.`, [{ field: 'leftOn', problem: `the membership already ended on ${member.leftOn}` }]);
      }
      const usedFor = await tx.departureByKey(key);
      if (usedFor !== undefined) {
        throw new ConflictError(`requestId "${body.requestId}" was used for another member’s departure; use a fresh request id.`, [{ field: 'requestId', problem: 'was used for another request' }]);
      }
      if (body.leftOn <= member.joinedOn) {
        throw new ValidationError(`${member.name} joined on ${member.joinedOn}: the day they left must come after it.`, [{ field: 'leftOn', problem: `must be after ${member.joinedOn}` }]);
      }
      const row = await tx.recordDeparture(staffId, { leftOn: body.leftOn, memberUntil: chinaDayStart(body.leftOn), key, fingerprint, by: user.userId, at: now });
      await tx.appendAudit({
        idempotencyKey: `vendor-staff:${staffId}:left`,
        occurredAt: now.toISOString(),
        actorId: user.userId,
        actorRole: 'vendor',
        jurisdiction: user.jurisdiction,
        action: 'vendor.staff-left',
        subjectType: 'vendor',
        subjectId: vendorId,
        details: { staffId, name: member.name, kind: member.kind, leftOn: body.leftOn },
      });
      return toStaffDto(row, now);
    });
  }

  async report(user: Identity, vendorId: string, query: StaffingQueryDto): Promise<StaffingReportDto> {
    await this.readable(user, vendorId);
    const at = query.at === undefined ? new Date() : new Date(query.at);
    return toStaffingReportDto(await this.repository.measure({ vendorId, contractId: query.contractId, at: at.toISOString() }));
  }

  /** The case's assignment now and its history; the caller has already been shown the case. */
  async assignmentOf(caseId: string): Promise<CaseAssignmentDto> {
    return toCaseAssignmentDto(caseId, await this.repository.assignmentsOf(caseId));
  }

  /**
   * Makes `body` the case's assignment: its social worker and its volunteers (members no longer named
   * are unassigned, kept in the history). Refused, with nothing written: a member of another vendor or
   * of the wrong kind (422, naming the field), one who has left (409), a social worker who would then
   * serve more active cases than the strictest `maxCasesEach` of their cases' lifecycles (409, naming
   * the worker, the count and the ratio with its source), a case that has ended or has no serving vendor (409).
   */
  async assign(user: Identity, caseId: string, body: AssignCaseDto): Promise<CaseAssignmentDto> {
    const volunteerIds = body.volunteerIds ?? [];
    if (volunteerIds.includes(body.socialWorkerId)) {
      throw new ValidationError('The social worker is also named as a volunteer.', [{ field: `volunteerIds.${volunteerIds.indexOf(body.socialWorkerId)}`, problem: 'is the social worker' }]);
    }
    const key = requestKeyOf(user, body.requestId);
    const fingerprint = fingerprintOf({ caseId, socialWorkerId: body.socialWorkerId, volunteerIds: [...volunteerIds].sort() });
    const now = new Date();
    return this.repository.inTransaction(async (tx) => {
      // The case first, then the members in id order: every assignment takes its locks in this order.
      const found = await tx.lockCase(caseId);
      if (!found || !jurisdictionAllows(user.jurisdiction, found.jurisdiction)) throw new NotFoundError(NOT_VISIBLE_CASE);
      if (user.vendorId !== undefined) {
        if (found.vendorId !== user.vendorId) throw new NotFoundError(NOT_VISIBLE_CASE);
      } else if (!user.roles.some((role) => STAFF_OVERSEER_ROLES.includes(role))) {
        throw new ForbiddenError(`Cases are staffed by the judicial office, an administrator or the serving vendor’s staff; you hold ${user.roles.join(', ')}.`, [{ field: 'role', problem: 'may not assign cases' }]);
      }
      const earlier = await tx.assignmentRequest(key);
      if (earlier) {
        if (earlier.caseId !== caseId || earlier.fingerprint !== fingerprint) {
          throw new ConflictError(`requestId "${body.requestId}" was used for another assignment; use a fresh request id.`, [{ field: 'requestId', problem: 'was used for another request' }]);
        }
        return toCaseAssignmentDto(caseId, await tx.assignments(caseId));
      }
      if (found.final) throw new ConflictError(`The case has ended (state "${found.state}"); it is not assigned any more.`);
      if (found.vendorId === null) throw new ConflictError('No vendor serves the case (it was enrolled without a contract): there is no staff to assign.', [{ field: 'socialWorkerId', problem: 'the case has no serving vendor' }]);
      const vendorId = found.vendorId;

      const members = new Map((await tx.lockStaff([body.socialWorkerId, ...volunteerIds])).map((m) => [m.id, m]));
      const named: Array<{ field: string; id: string; kind: StaffKind }> = [
        { field: 'socialWorkerId', id: body.socialWorkerId, kind: 'socialWorker' },
        ...volunteerIds.map((id, index) => ({ field: `volunteerIds.${index}`, id, kind: 'volunteer' as const })),
      ];
      const invalid: FieldProblem[] = [];
      const departed: Array<{ field: string; member: StaffRow }> = [];
      for (const { field, id, kind } of named) {
        const member = members.get(id);
        if (!member) invalid.push({ field, problem: `no staff member ${id} is registered` });
        else if (member.vendorId !== vendorId) invalid.push({ field, problem: `${member.name} (${id}) is staff of another organisation, not of the vendor serving the case` });
        else if (member.kind !== kind) invalid.push({ field, problem: `${member.name} (${id}) is a ${member.kind}, not a ${kind}` });
        else if (!(member.memberFrom <= now && (member.memberUntil === null || member.memberUntil > now))) departed.push({ field, member });
      }
      if (invalid.length > 0) throw new ValidationError(`The assignment names staff who may not serve the case: ${invalid.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, invalid);
      if (departed.length > 0) {
        const problems = departed.map(({ field, member }) => ({
          field,
          problem: member.leftOn !== null && member.memberUntil !== null && member.memberUntil <= now ? `${member.name} (${member.id}) left on ${member.leftOn}` : `${member.name} (${member.id}) joins on ${member.joinedOn}`,
        }));
        throw new ConflictError(`The assignment names staff who are not on the vendor’s staff now: ${problems.map((p) => p.problem).join('; ')}.`, problems);
      }

      const open = await tx.openAssignments(caseId);
      const worker = members.get(body.socialWorkerId) as StaffRow;
      if (!open.some((row) => row.staffId === worker.id)) {
        const load = workerLoad([...(await tx.activeCasesOf(worker.id)), await tx.staffedCase(caseId)]);
        if (load.over && load.ratio) {
          throw new ConflictError(`The assignment would break a staffing ratio: ${describeOverload(worker, load)}.`, [
            { field: 'socialWorkerId', problem: `${worker.name} would serve ${load.cases} cases; ${load.ratio.key} is ${load.ratio.value}` },
          ]);
        }
      }
      const wanted = new Set(named.map((n) => n.id));
      const end = open.filter((row) => !wanted.has(row.staffId)).map((row) => row.staffId);
      const start = named.filter((n) => !open.some((row) => row.staffId === n.id)).map((n) => ({ staffId: n.id, kind: n.kind }));
      if (!(await tx.reassign({ caseId, requestKey: key, fingerprint, by: user.userId, at: now, end, start }))) {
        throw new ConflictError(`requestId "${body.requestId}" was used for another assignment; use a fresh request id.`, [{ field: 'requestId', problem: 'was used for another request' }]);
      }
      await tx.appendAudit({
        idempotencyKey: `case-assignment:${key}`,
        occurredAt: now.toISOString(),
        actorId: user.userId,
        actorRole: user.vendorId !== undefined ? 'vendor' : (user.roles.find((role) => STAFF_OVERSEER_ROLES.includes(role)) ?? ''),
        jurisdiction: found.jurisdiction,
        action: 'case.assigned',
        subjectType: 'case',
        subjectId: caseId,
        details: { vendorId, socialWorkerId: worker.id, volunteerIds, unassigned: end },
      });
      return toCaseAssignmentDto(caseId, await tx.assignments(caseId));
    });
  }

  /** Only the vendor's own staff write to its staff; others who may see it are refused, the rest find no such vendor. */
  private async writable(user: Identity, vendorId: string): Promise<void> {
    if (user.vendorId === vendorId) {
      if (!(await this.repository.vendor(vendorId))) throw new NotFoundError(NOT_VISIBLE_VENDOR(vendorId));
      return;
    }
    await this.readable(user, vendorId);
    throw new ForbiddenError('Only the vendor’s own staff register its social workers and volunteers.', [{ field: 'role', problem: 'is not staff of this vendor' }]);
  }

  private async readable(user: Identity, vendorId: string): Promise<void> {
    const vendor = await this.repository.vendor(vendorId);
    if (!vendor) throw new NotFoundError(NOT_VISIBLE_VENDOR(vendorId));
    if (user.vendorId !== undefined) {
      if (user.vendorId !== vendorId) throw new NotFoundError(NOT_VISIBLE_VENDOR(vendorId));
      return;
    }
    const overseesVendor = jurisdictionAllows(user.jurisdiction, vendor.jurisdiction) || (await this.repository.servesIn(vendorId, user.jurisdiction));
    if (!overseesVendor) throw new NotFoundError(NOT_VISIBLE_VENDOR(vendorId));
    if (!user.roles.some((role) => STAFF_OVERSEER_ROLES.includes(role))) {
      throw new ForbiddenError(`A vendor’s staff are read by the judicial office and administrators; you hold ${user.roles.join(', ')}.`, [{ field: 'role', problem: 'may not read vendor staff' }]);
    }
  }
}

/** One key per caller and request id, so two callers' ids never collide. */
function requestKeyOf(user: Identity, requestId: string): string {
  return createHash('sha256').update(`${user.userId}\n${requestId}`).digest('hex');
}

function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
