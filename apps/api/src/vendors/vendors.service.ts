import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ADMINISTRATOR_ROLE, type Identity, jurisdictionAllows, NATIONAL_JURISDICTION, OPS_ROLE, VENDOR_ROLE } from '../../../../src/identity/identity.js';
import { chinaDate, type QualificationRequirement, type UnmetCriterion, unmetCriteria } from '../../../../src/vendors/qualification.js';
import { type QualificationEvidence, type RegistrationType, SUSPENDER_ROLES, type VerificationStatus } from '../../../../src/vendors/vendor.js';
import {
  ConflictError,
  DomainError,
  type FieldProblem,
  ForbiddenError,
  InvalidTransitionError,
  NotFoundError,
  ValidationError,
} from '../common/domain-errors.js';
import type { VendorPerformanceRecordEntity } from '../../../../src/persistence/entities/vendor-performance-record.entity.js';
import { type PerformanceSummary, summarizeHistory } from '../../../../src/vendors/performance-history.js';
import type {
  CreateVendorDto,
  EvidenceDto,
  ListVendorsQueryDto,
  QualificationEvidenceDto,
  ReinstateVendorDto,
  SuspendVendorDto,
  VendorDto,
  VendorEvaluationDto,
  VendorHistoryDto,
  VendorListDto,
  VerifyVendorDto,
} from './vendors.dto.js';
import { type VendorRecord, VendorsRepository, type VendorTransaction } from './vendors.repository.js';

/** Why a vendor may not take part in a cycle. */
export type IneligibilityReason = 'other-jurisdiction' | 'unverified' | 'rejected' | 'suspended' | 'unqualified';

/** The vendor may not bid or be awarded: `reason` says which rule, the message says what to do. */
export class VendorIneligibleError extends DomainError {
  readonly status = 409;
  readonly code = 'vendor-ineligible';

  constructor(
    message: string,
    readonly reason: IneligibilityReason,
    details: readonly FieldProblem[] = [],
    /** For `unqualified`: the criteria of the procedure the vendor does not meet. */
    readonly unmet: readonly UnmetCriterion[] = [],
  ) {
    super(message, details);
  }
}

/** What a bid records about the vendor that made it, at the moment it was eligible. */
export interface VendorSnapshot {
  readonly vendorId: string;
  readonly name: string;
  readonly creditCode: string;
  readonly jurisdiction: string;
  readonly registrationType: RegistrationType;
  /** Who took the latest verification decision on the vendor, and when (empty when none was taken). */
  readonly verifiedBy: string;
  readonly verifiedAt: string;
}

const DEFAULT_PAGE_SIZE = 100;

/**
 * The vendor registry's rules. Administrators register vendors with their evidence per qualification
 * criterion (each document valid until a day, or for good) and file new documents later; a holder of the
 * role a deployed procedure names in `qualification.verifiedBy` verifies or rejects the criteria that
 * procedure lists (seed 001 §二(七) names civil affairs; other procedures name the justice bureau) —
 * never the person who registered the vendor; administrators or the finance bureau suspend vendors
 * (seed 003's exit mechanism). Callers see
 * their own jurisdiction's vendors and national ones, and act only on their own jurisdiction's (national
 * users on all); what they may not see looks like it does not exist. Every decision is audited in the
 * transaction that makes it.
 */
@Injectable()
export class VendorsService {
  constructor(private readonly repository: VendorsRepository) {}

  async register(user: Identity, body: CreateVendorDto): Promise<VendorDto> {
    refuseRepeatedCriteria(body);
    const jurisdiction = body.jurisdiction ?? user.jurisdiction;
    if (jurisdiction !== user.jurisdiction && user.jurisdiction !== NATIONAL_JURISDICTION) {
      throw new ForbiddenError(`You may register vendors only in your own jurisdiction "${user.jurisdiction}", not in "${jurisdiction}".`, [
        { field: 'jurisdiction', problem: `"${jurisdiction}" is not your jurisdiction "${user.jurisdiction}"` },
      ]);
    }
    const evidence = body.evidence.map(newEvidence);
    return this.repository.inTransaction(async (registry) => {
      const result = await registry.insert({
        name: body.name,
        creditCode: body.creditCode,
        jurisdiction,
        registrationType: body.registrationType,
        evidence,
        registeredBy: user.userId,
      });
      if ('duplicate' in result) {
        const existing = result.duplicate;
        const where = jurisdictionAllows(user.jurisdiction, existing.jurisdiction) ? `as vendor "${existing.name}" (${existing.id})` : 'in another jurisdiction';
        throw new ConflictError(`The unified social credit code ${body.creditCode} is already registered ${where}: an organisation is registered once.`, [
          { field: 'creditCode', problem: `${body.creditCode} is already registered` },
        ]);
      }
      const vendor = result.created;
      await audit(registry, user, 'administrator', vendor, 'vendor.registered', null, {
        name: vendor.name,
        creditCode: vendor.creditCode,
        registrationType: vendor.registrationType,
        criteria: evidence.map((item) => item.criterionId),
      });
      return toDto(vendor);
    });
  }

  async list(user: Identity, query: ListVendorsQueryDto): Promise<VendorListDto> {
    // Vendor staff see their own organisation's record, not their competitors'.
    if (user.vendorId !== undefined) {
      const own = await this.repository.findById(user.vendorId);
      const mine = own && jurisdictionAllows(user.jurisdiction, own.jurisdiction) ? [own] : [];
      return { vendors: (query.offset ?? 0) === 0 ? mine.map(toDto) : [], total: mine.length };
    }
    const { vendors, total } = await this.repository.list({
      jurisdictions: user.jurisdiction === NATIONAL_JURISDICTION ? undefined : [user.jurisdiction, NATIONAL_JURISDICTION],
      status: query.status,
      suspended: query.suspended,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      offset: query.offset ?? 0,
    });
    return { vendors: vendors.map(toDto), total };
  }

  async get(user: Identity, id: string): Promise<VendorDto> {
    return toDto(await this.visible(user, id));
  }

  /**
   * The vendor's performance history (seed 000 §十): every recorded evaluation, oldest first, and the
   * summary selection reads as `vendor.history`. Seen by whoever may see the vendor (its own staff, the
   * officers of its jurisdiction and national ones); each record names its evaluator only to those who
   * may know who evaluated (seesEvaluator).
   */
  async history(user: Identity, id: string): Promise<VendorHistoryDto> {
    const vendor = await this.visible(user, id);
    const records = await this.repository.historyOf(vendor.id);
    return { vendorId: vendor.id, summary: summarizeHistory(records), evaluations: records.map((record) => toEvaluationDto(record, seesEvaluator(user, record.jurisdiction))) };
  }

  /** What a bid carries as `vendor.history`: read from the registry when the bid is accepted, so replay never reads it. */
  async historySummary(vendorId: string): Promise<PerformanceSummary> {
    return summarizeHistory(await this.repository.historyOf(vendorId));
  }

  /** The vendor if `user` may see it: other jurisdictions' vendors, and other organisations' for vendor staff, look unknown. */
  private async visible(user: Identity, id: string): Promise<VendorRecord> {
    const vendor = await this.repository.findById(id);
    if (!vendor || !jurisdictionAllows(user.jurisdiction, vendor.jurisdiction)) throw unknownVendor(id);
    if (user.vendorId !== undefined && user.vendorId !== vendor.id) throw unknownVendor(id);
    return vendor;
  }

  /**
   * A verifier's finding on some of the vendor's criteria. `role` is the role the verifier acts in: it
   * must be one the caller holds and one that a procedure deployed for the vendor's jurisdiction names in
   * `qualification.verifiedBy` (403 otherwise); absent, it is the one such role the caller holds.
   * `criteria` are the criterion ids decided; absent, every criterion on file that such a procedure has
   * that role verify. A rejection needs a comment and stands until the criterion is verified again; a
   * criterion already verified by the role stays so (409 when nothing named would change).
   */
  async verify(user: Identity, id: string, body: VerifyVendorDto): Promise<VendorDto> {
    const comment = body.comment ? body.comment : null;
    if (body.decision === 'rejected' && !comment) {
      throw new ValidationError('A rejection must say why: give a comment naming what is missing or wrong.', [
        { field: 'comment', problem: 'is required when the decision is "rejected"' },
      ]);
    }
    if (body.role !== undefined && !user.roles.includes(body.role)) {
      throw new ForbiddenError(`You do not hold the role "${body.role}" you would verify in.`, [{ field: 'role', problem: `is not one of your roles (${user.roles.join(', ')})` }]);
    }
    return this.repository.inTransaction(async (registry) => {
      // The role first, from the caller's own jurisdiction: whoever verifies nothing there learns nothing of the vendor.
      let requirements = await registry.requirementsFor(user.jurisdiction);
      const role = verifyingRole(user, body.role, requirements, user.jurisdiction);
      const vendor = await this.lockForDecision(registry, user, id);
      if (vendor.jurisdiction !== user.jurisdiction) requirements = await registry.requirementsFor(vendor.jurisdiction);
      if (vendor.registeredBy === user.userId) {
        throw new ForbiddenError(`${user.userId} registered vendor "${vendor.name}" and so may not verify it: another ${role} officer must decide.`);
      }
      const criteria = decidedCriteria(vendor, body.criteria, role, requirements);
      const at = new Date();
      const finding = { role, jurisdiction: user.jurisdiction, by: user.userId, at: at.toISOString() };
      const named = vendor.evidence.filter((item) => criteria.includes(item.criterionId));
      if (body.decision === 'verified' && named.every((item) => !item.rejection && (item.verifications ?? []).some((v) => v.role === role))) {
        const item = named[0];
        const first = item?.verifications?.find((v) => v.role === role);
        throw new InvalidTransitionError(
          `Vendor "${vendor.name}": ${criteria.map((c) => `"${c}"`).join(', ')} ${criteria.length === 1 ? 'was' : 'were'} already verified by ${role}${first ? ` (${first.by} on ${first.at.slice(0, 10)})` : ''}; a verification stands — to stop the vendor from taking part, suspend it, or file a new document.`,
        );
      }
      const standing = named.filter((item) => (item.verifications ?? []).some((v) => v.role === role));
      if (body.decision === 'rejected' && standing.length > 0) {
        throw new InvalidTransitionError(
          `Vendor "${vendor.name}": ${standing.map((item) => `"${item.criterionId}"`).join(', ')} ${standing.length === 1 ? 'is' : 'are'} verified by ${role}; a verification stands — to stop the vendor from taking part, suspend it, or file a new document.`,
        );
      }
      if (body.decision === 'rejected' && named.every((item) => item.rejection?.role === role)) {
        throw new InvalidTransitionError(`Vendor "${vendor.name}": ${criteria.map((c) => `"${c}"`).join(', ')} already stand rejected by ${role} (last ${vendor.verifiedBy ?? ''} on ${day(vendor.verifiedAt)}).`);
      }
      const evidence = vendor.evidence.map((item): QualificationEvidence => {
        if (!criteria.includes(item.criterionId)) return item;
        const others = (item.verifications ?? []).filter((v) => v.role !== role);
        const { rejection: _cleared, ...rest } = item;
        return body.decision === 'verified'
          ? { ...rest, verifications: [...others, finding] }
          : { ...rest, verifications: others, rejection: { ...finding, comment: comment ?? '' } };
      });
      const updated = await registry.recordVerification(id, { evidence, status: summaryStatus(evidence), comment, by: user.userId, at });
      await audit(registry, user, role, updated, `vendor.${body.decision}`, comment, { previousStatus: vendor.verificationStatus, role, criteria });
      return toDto(updated);
    });
  }

  /**
   * Files a (new) document for one criterion, e.g. this year's tax certificate: it replaces the one on
   * file, whose findings no longer apply, so the criterion waits for verification again.
   */
  async fileEvidence(user: Identity, id: string, body: QualificationEvidenceDto): Promise<VendorDto> {
    return this.repository.inTransaction(async (registry) => {
      const vendor = await this.lockForDecision(registry, user, id);
      const item = newEvidence(body);
      const replaced = vendor.evidence.some((candidate) => candidate.criterionId === item.criterionId);
      const evidence = replaced ? vendor.evidence.map((candidate) => (candidate.criterionId === item.criterionId ? item : candidate)) : [...vendor.evidence, item];
      if (evidence.length > MAX_EVIDENCE) {
        throw new ValidationError(`Vendor "${vendor.name}" already has evidence for ${vendor.evidence.length} criteria, the most one vendor may carry.`, [
          { field: 'criterionId', problem: `no room for a criterion beyond ${MAX_EVIDENCE}` },
        ]);
      }
      const updated = await registry.recordEvidence(id, evidence, summaryStatus(evidence));
      await audit(registry, user, 'administrator', updated, 'vendor.evidenceFiled', null, {
        criterionId: item.criterionId,
        replaced,
        ...(item.validUntil === undefined ? {} : { validUntil: item.validUntil }),
      });
      return toDto(updated);
    });
  }

  /** The exit mechanism: a suspended vendor may no longer bid or be awarded. */
  async suspend(user: Identity, id: string, body: SuspendVendorDto): Promise<VendorDto> {
    return this.repository.inTransaction(async (registry) => {
      const vendor = await this.lockForDecision(registry, user, id);
      if (vendor.suspended) {
        throw new InvalidTransitionError(
          `Vendor "${vendor.name}" is already suspended, since ${day(vendor.suspendedAt)} by ${vendor.suspendedBy}: ${vendor.suspensionReason ?? ''}`.trim(),
        );
      }
      const updated = await registry.recordSuspension(id, { reason: body.reason, by: user.userId, at: new Date() });
      const role = SUSPENDER_ROLES.find((candidate) => user.roles.includes(candidate)) ?? SUSPENDER_ROLES[0];
      await audit(registry, user, role, updated, 'vendor.suspended', body.reason, { verificationStatus: vendor.verificationStatus });
      return toDto(updated);
    });
  }

  /**
   * Ends a suspension, with the reason: the vendor may bid, be invited, awarded and sign again. Only the role
   * the suspending exit named (`performance.exit.reinstatedBy`, kept on the vendor) decides it, or — for a
   * suspension without one — a role that may suspend (403 otherwise, naming the role); 409 when the vendor is
   * not suspended. Audited in the same transaction, with the suspension it ends.
   */
  async reinstate(user: Identity, id: string, body: ReinstateVendorDto): Promise<VendorDto> {
    // A vendor's staff never decide on a suspension, their own least of all; another organisation's vendor looks unknown to them.
    if (user.vendorId !== undefined) {
      if (user.vendorId !== id) throw unknownVendor(id);
      throw new ForbiddenError('A vendor’s own staff may not reinstate it: the authority the procedure names decides.', [{ field: 'role', problem: 'vendor staff may not reinstate a vendor' }]);
    }
    return this.repository.inTransaction(async (registry) => {
      const vendor = await this.lockForDecision(registry, user, id);
      if (!vendor.suspended) throw new InvalidTransitionError(`Vendor "${vendor.name}" is not suspended: there is nothing to reinstate.`);
      const roles: readonly string[] = vendor.reinstatementRole ? [vendor.reinstatementRole] : SUSPENDER_ROLES;
      const role = roles.find((candidate) => user.roles.includes(candidate));
      if (!role) {
        throw new ForbiddenError(`Only ${roles.map((r) => `"${r}"`).join(' or ')} may reinstate vendor "${vendor.name}" from this suspension.`, [
          { field: 'role', problem: `none of your roles (${user.roles.join(', ')}) is ${roles.join(' or ')}` },
        ]);
      }
      const updated = await registry.recordReinstatement(id);
      await audit(registry, user, role, updated, 'vendor.reinstated', body.reason, {
        suspensionReason: vendor.suspensionReason,
        suspendedBy: vendor.suspendedBy,
        suspendedAt: vendor.suspendedAt?.toISOString() ?? null,
      });
      return toDto(updated);
    });
  }

  /**
   * Whether the vendor may take part in a cycle of `jurisdiction` at `at`: it belongs to that
   * jurisdiction's registry (or the national one), is not suspended, and meets every `requirement` of the
   * cycle's procedure (each criterion verified by the role it names, for that jurisdiction, not rejected,
   * not expired on that day). Without requirements, the vendor-wide verification is asked instead.
   * Returns what a bid records about it; otherwise throws NotFoundError, or VendorIneligibleError naming
   * the rule it fails (and, for criteria, each criterion not met). Reads only.
   */
  async assertEligible(vendorId: string, jurisdiction: string, requirements?: readonly QualificationRequirement[], at: Date = new Date()): Promise<VendorSnapshot> {
    const vendor = await this.repository.findById(vendorId);
    if (!vendor) throw unknownVendor(vendorId);
    if (vendor.jurisdiction !== jurisdiction && vendor.jurisdiction !== NATIONAL_JURISDICTION) {
      refuse('other-jurisdiction', `Vendor "${vendor.name}" is registered in ${vendor.jurisdiction}, not in ${jurisdiction}: register and verify it there first.`);
    }
    if (vendor.suspended) {
      refuse('suspended', `Vendor "${vendor.name}" was suspended on ${day(vendor.suspendedAt)} by ${vendor.suspendedBy}: ${vendor.suspensionReason ?? 'no reason recorded'}.`);
    }
    if (requirements !== undefined) {
      const unmet = requirements.flatMap((requirement) => unmetCriteria(vendor.evidence, requirement, jurisdiction, at));
      if (unmet.length > 0) {
        const message = `Vendor "${vendor.name}" does not meet this procedure's qualification: ${unmet.map((u) => u.problem).join('; ')}.`;
        throw new VendorIneligibleError(message, 'unqualified', [{ field: 'vendorId', problem: message }], unmet);
      }
    } else {
      if (vendor.verificationStatus === 'rejected') {
        refuse('rejected', `Vendor "${vendor.name}" failed verification of its qualifications on ${day(vendor.verifiedAt)}: ${vendor.verificationComment ?? 'no comment recorded'}.`);
      }
      if (vendor.verificationStatus !== 'verified') {
        refuse('unverified', `Vendor "${vendor.name}" has not been verified yet: its qualifications must be verified before it may take part.`);
      }
    }
    return {
      vendorId: vendor.id,
      name: vendor.name,
      creditCode: vendor.creditCode,
      jurisdiction: vendor.jurisdiction,
      registrationType: vendor.registrationType,
      verifiedBy: vendor.verifiedBy ?? '',
      verifiedAt: vendor.verifiedAt?.toISOString() ?? '',
    };
  }

  /** Who verifies which criteria for vendors of `jurisdiction`, over every deployed procedure version there. */
  async requirementsFor(jurisdiction: string): Promise<QualificationRequirement[]> {
    return this.repository.inTransaction((registry) => registry.requirementsFor(jurisdiction));
  }

  /** The vendor, locked for a decision by `user`: invisible ones are unknown, others' ones are forbidden. */
  private async lockForDecision(registry: VendorTransaction, user: Identity, id: string): Promise<VendorRecord> {
    const vendor = await registry.lock(id);
    if (!vendor || !jurisdictionAllows(user.jurisdiction, vendor.jurisdiction)) throw unknownVendor(id);
    if (vendor.jurisdiction !== user.jurisdiction && user.jurisdiction !== NATIONAL_JURISDICTION) {
      throw new ForbiddenError(`Vendor "${vendor.name}" belongs to the ${vendor.jurisdiction} registry; only its own or national officers decide on it.`);
    }
    return vendor;
  }
}

async function audit(
  registry: VendorTransaction,
  user: Identity,
  role: string,
  vendor: VendorRecord,
  action: string,
  comment: string | null,
  details: Record<string, unknown>,
): Promise<void> {
  await registry.appendAudit({
    idempotencyKey: `${action}:${vendor.id}:${randomUUID()}`,
    occurredAt: new Date().toISOString(),
    actorId: user.userId,
    actorRole: role,
    jurisdiction: vendor.jurisdiction,
    action,
    subjectType: 'vendor',
    subjectId: vendor.id,
    comment,
    details: { ...details, actorName: user.name, actorJurisdiction: user.jurisdiction },
  });
}

/** Most evidence items one vendor may carry (the DTO's limit on registration). */
const MAX_EVIDENCE = 50;

function newEvidence(item: QualificationEvidenceDto): QualificationEvidence {
  return {
    criterionId: item.criterionId,
    document: item.document,
    ...(item.note === undefined ? {} : { note: item.note }),
    ...(item.validUntil === undefined ? {} : { validUntil: item.validUntil }),
  };
}

/**
 * The vendor-wide summary older clients read: rejected while any criterion stands rejected, verified once
 * every criterion on file has a verification, pending otherwise. Eligibility never reads it when the
 * procedure's requirements are known.
 */
function summaryStatus(evidence: readonly QualificationEvidence[]): VerificationStatus {
  if (evidence.some((item) => item.rejection)) return 'rejected';
  return evidence.length > 0 && evidence.every((item) => (item.verifications ?? []).length > 0) ? 'verified' : 'pending';
}

/** The role a verification is made in: the one asked for, or the caller's only verifying role; 403 when it verifies nothing here. */
function verifyingRole(user: Identity, asked: string | undefined, requirements: readonly QualificationRequirement[], jurisdiction: string): string {
  const verifiers = [...new Set(requirements.map((r) => r.verifiedBy))].sort();
  const named = verifiers.length > 0 ? verifiers.map((role) => `"${role}"`).join(', ') : 'none: no procedure is deployed there';
  if (asked !== undefined) {
    if (!verifiers.includes(asked)) {
      throw new ForbiddenError(`No procedure deployed for ${jurisdiction} has "${asked}" verify qualifications (qualification.verifiedBy names ${named}).`, [
        { field: 'role', problem: `"${asked}" verifies no procedure's qualification criteria in ${jurisdiction}` },
      ]);
    }
    return asked;
  }
  const held = verifiers.filter((role) => user.roles.includes(role));
  if (held.length === 0) {
    throw new ForbiddenError(`Only the role a procedure names in qualification.verifiedBy verifies vendors of ${jurisdiction} (${named}); you hold none of them.`, [
      { field: 'role', problem: `none of your roles verifies qualification criteria in ${jurisdiction}` },
    ]);
  }
  if (held.length > 1) {
    throw new ValidationError(`You hold several verifying roles (${held.join(', ')}): say which one you verify in.`, [{ field: 'role', problem: `must name one of ${held.join(', ')}` }]);
  }
  return held[0]!;
}

/**
 * The criteria a decision covers: those named (each on file, and verified by `role` in some procedure), or
 * every criterion on file that some procedure has `role` verify.
 */
function decidedCriteria(vendor: VendorRecord, asked: readonly string[] | undefined, role: string, requirements: readonly QualificationRequirement[]): string[] {
  const verifiable = new Set(requirements.filter((r) => r.verifiedBy === role).flatMap((r) => r.criteria.map((c) => c.id)));
  const onFile = new Set(vendor.evidence.map((item) => item.criterionId));
  if (asked === undefined) {
    const criteria = [...onFile].filter((id) => verifiable.has(id));
    if (criteria.length === 0) {
      throw new ValidationError(`None of vendor "${vendor.name}"'s evidence is for a criterion that ${role} verifies (${[...verifiable].sort().join(', ') || 'none'}).`, [
        { field: 'criteria', problem: `no criterion on file is verified by ${role}` },
      ]);
    }
    return criteria;
  }
  const problems: FieldProblem[] = [];
  asked.forEach((id, index) => {
    if (!onFile.has(id)) problems.push({ field: `criteria.${index}`, problem: `vendor "${vendor.name}" has no evidence for "${id}" on file` });
    else if (!verifiable.has(id)) problems.push({ field: `criteria.${index}`, problem: `no procedure of ${vendor.jurisdiction} has ${role} verify "${id}"` });
    else if (asked.indexOf(id) !== index) problems.push({ field: `criteria.${index}`, problem: `"${id}" is named twice` });
  });
  if (problems.length > 0) throw new ValidationError(`Some criteria cannot be decided: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems);
  return [...asked];
}

function refuse(reason: IneligibilityReason, message: string): never {
  throw new VendorIneligibleError(message, reason, [{ field: 'vendorId', problem: message }]);
}

function refuseRepeatedCriteria(body: CreateVendorDto): void {
  const first = new Map<string, number>();
  const problems: FieldProblem[] = [];
  body.evidence.forEach((item, index) => {
    const earlier = first.get(item.criterionId);
    if (earlier === undefined) first.set(item.criterionId, index);
    else problems.push({ field: `evidence[${index}].criterionId`, problem: `"${item.criterionId}" is also evidenced by evidence[${earlier}]; give one item per criterion` });
  });
  if (problems.length > 0) throw new ValidationError('The evidence names a criterion twice.', problems);
}

function unknownVendor(id: string): NotFoundError {
  return new NotFoundError(`No vendor ${id} is registered (or it belongs to another jurisdiction).`);
}

function day(date: Date | null): string {
  return date ? date.toISOString().slice(0, 10) : 'an unknown date';
}

function toEvidenceDto(item: QualificationEvidence, today: string): EvidenceDto {
  return {
    criterionId: item.criterionId,
    document: item.document,
    ...(item.note === undefined ? {} : { note: item.note }),
    ...(item.validUntil === undefined ? {} : { validUntil: item.validUntil }),
    expired: item.validUntil !== undefined && item.validUntil < today,
    verifications: (item.verifications ?? []).map((v) => ({ role: v.role, jurisdiction: v.jurisdiction, by: v.by, at: v.at })),
    rejection: item.rejection ? { role: item.rejection.role, jurisdiction: item.rejection.jurisdiction, by: item.rejection.by, at: item.rejection.at, comment: item.rejection.comment } : null,
  };
}

function toDto(vendor: VendorRecord): VendorDto {
  const today = chinaDate(new Date());
  return {
    id: vendor.id,
    name: vendor.name,
    creditCode: vendor.creditCode,
    jurisdiction: vendor.jurisdiction,
    registrationType: vendor.registrationType,
    evidence: vendor.evidence.map((item) => toEvidenceDto(item, today)),
    verificationStatus: vendor.verificationStatus,
    verificationComment: vendor.verificationComment,
    verifiedBy: vendor.verifiedBy,
    verifiedAt: vendor.verifiedAt?.toISOString() ?? null,
    suspended: vendor.suspended,
    suspensionReason: vendor.suspensionReason,
    suspendedBy: vendor.suspendedBy,
    suspendedAt: vendor.suspendedAt?.toISOString() ?? null,
    reinstatementRole: vendor.suspended ? vendor.reinstatementRole : null,
    registeredBy: vendor.registeredBy,
    registeredAt: vendor.registeredAt.toISOString(),
  };
}

/**
 * Whether `user` may know who evaluated in `jurisdiction`: its own officers, and national administrators and
 * operations staff, whose scope covers every jurisdiction. Everyone else who may see the vendor sees the
 * record (score, grade, period, jurisdiction) without the evaluator: a national vendor's history gathers
 * officers' names from every jurisdiction it worked in. Vendor staff never see it, though their tokens carry
 * a jurisdiction too: the evaluated organisation must not learn which officer judged it.
 */
function seesEvaluator(user: Identity, jurisdiction: string): boolean {
  if (user.vendorId !== undefined || user.roles.includes(VENDOR_ROLE)) return false;
  if (user.jurisdiction === jurisdiction) return true;
  return user.jurisdiction === NATIONAL_JURISDICTION && user.roles.some((role) => role === ADMINISTRATOR_ROLE || role === OPS_ROLE);
}

function toEvaluationDto(record: VendorPerformanceRecordEntity, withEvaluator: boolean): VendorEvaluationDto {
  return {
    score: record.score,
    passed: record.passed,
    groups: record.groups,
    grade: record.gradeMin !== null && record.gradeLabel !== null ? { min: record.gradeMin, label: record.gradeLabel } : null,
    period: record.period,
    periodThrough: record.periodThrough,
    cycleId: record.cycleId,
    contractId: record.contractId,
    definitionKey: record.definitionKey,
    definitionVersion: record.definitionVersion,
    jurisdiction: record.jurisdiction,
    evaluator: withEvaluator ? { userId: record.evaluatorId, name: record.evaluatorName, role: record.evaluatorRole } : null,
    exited: record.exited,
    evaluatedAt: record.evaluatedAt.toISOString(),
  };
}
