import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Identity, jurisdictionAllows, NATIONAL_JURISDICTION } from '../../../../src/identity/identity.js';
import { type RegistrationType, SUSPENDER_ROLES, VERIFIER_ROLE } from '../../../../src/vendors/vendor.js';
import {
  ConflictError,
  DomainError,
  type FieldProblem,
  ForbiddenError,
  InvalidTransitionError,
  NotFoundError,
  ValidationError,
} from '../common/domain-errors.js';
import type { CreateVendorDto, ListVendorsQueryDto, SuspendVendorDto, VendorDto, VendorListDto, VerifyVendorDto } from './vendors.dto.js';
import { type VendorRecord, VendorsRepository, type VendorTransaction } from './vendors.repository.js';

/** Why a vendor may not take part in a cycle. */
export type IneligibilityReason = 'other-jurisdiction' | 'unverified' | 'rejected' | 'suspended';

/** The vendor may not bid or be awarded: `reason` says which rule, the message says what to do. */
export class VendorIneligibleError extends DomainError {
  readonly status = 409;
  readonly code = 'vendor-ineligible';

  constructor(
    message: string,
    readonly reason: IneligibilityReason,
    details: readonly FieldProblem[] = [],
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
  readonly verifiedBy: string;
  readonly verifiedAt: string;
}

const DEFAULT_PAGE_SIZE = 100;

/**
 * The vendor registry's rules. Administrators register vendors with their evidence per qualification
 * criterion; civil affairs verifies or rejects them (seed 001 §二(七)) — never the person who registered
 * the vendor; administrators or the finance bureau suspend them (seed 003's exit mechanism). Callers see
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
    const evidence = body.evidence.map((item) => ({
      criterionId: item.criterionId,
      document: item.document,
      ...(item.note === undefined ? {} : { note: item.note }),
    }));
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
    const vendor = await this.repository.findById(id);
    if (!vendor || !jurisdictionAllows(user.jurisdiction, vendor.jurisdiction)) throw unknownVendor(id);
    if (user.vendorId !== undefined && user.vendorId !== vendor.id) throw unknownVendor(id);
    return toDto(vendor);
  }

  /** Civil affairs' finding: pending → verified or rejected; a rejected vendor may be verified once it has put things right. */
  async verify(user: Identity, id: string, body: VerifyVendorDto): Promise<VendorDto> {
    const comment = body.comment ? body.comment : null;
    if (body.decision === 'rejected' && !comment) {
      throw new ValidationError('A rejection must say why: give a comment naming what is missing or wrong.', [
        { field: 'comment', problem: 'is required when the decision is "rejected"' },
      ]);
    }
    return this.repository.inTransaction(async (registry) => {
      const vendor = await this.lockForDecision(registry, user, id);
      if (vendor.registeredBy === user.userId) {
        throw new ForbiddenError(`${user.userId} registered vendor "${vendor.name}" and so may not verify it: another civil-affairs officer must decide.`);
      }
      if (vendor.verificationStatus === 'verified') {
        throw new InvalidTransitionError(
          `Vendor "${vendor.name}" was verified by ${vendor.verifiedBy} on ${day(vendor.verifiedAt)}; a verification stands — to stop the vendor from taking part, suspend it.`,
        );
      }
      if (vendor.verificationStatus === 'rejected' && body.decision === 'rejected') {
        throw new InvalidTransitionError(`Vendor "${vendor.name}" was already rejected by ${vendor.verifiedBy} on ${day(vendor.verifiedAt)}.`);
      }
      const updated = await registry.recordVerification(id, { status: body.decision, comment, by: user.userId, at: new Date() });
      await audit(registry, user, VERIFIER_ROLE, updated, `vendor.${body.decision}`, comment, { previousStatus: vendor.verificationStatus });
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
   * Whether the vendor may take part in a cycle of `jurisdiction` now: it belongs to that jurisdiction's
   * registry (or the national one), civil affairs verified it, and it is not suspended. Returns what a bid
   * records about it; otherwise throws NotFoundError, or VendorIneligibleError naming the rule it fails.
   */
  async assertEligible(vendorId: string, jurisdiction: string): Promise<VendorSnapshot> {
    const vendor = await this.repository.findById(vendorId);
    if (!vendor) throw unknownVendor(vendorId);
    if (vendor.jurisdiction !== jurisdiction && vendor.jurisdiction !== NATIONAL_JURISDICTION) {
      refuse('other-jurisdiction', `Vendor "${vendor.name}" is registered in ${vendor.jurisdiction}, not in ${jurisdiction}: register and verify it there first.`);
    }
    if (vendor.suspended) {
      refuse('suspended', `Vendor "${vendor.name}" was suspended on ${day(vendor.suspendedAt)} by ${vendor.suspendedBy}: ${vendor.suspensionReason ?? 'no reason recorded'}.`);
    }
    if (vendor.verificationStatus === 'rejected') {
      refuse('rejected', `Vendor "${vendor.name}" failed verification of its qualifications on ${day(vendor.verifiedAt)}: ${vendor.verificationComment ?? 'no comment recorded'}.`);
    }
    if (vendor.verificationStatus !== 'verified' || !vendor.verifiedAt || !vendor.verifiedBy) {
      refuse('unverified', `Vendor "${vendor.name}" has not been verified yet: civil affairs must verify its qualifications before it may take part.`);
    }
    return {
      vendorId: vendor.id,
      name: vendor.name,
      creditCode: vendor.creditCode,
      jurisdiction: vendor.jurisdiction,
      registrationType: vendor.registrationType,
      verifiedBy: vendor.verifiedBy,
      verifiedAt: vendor.verifiedAt.toISOString(),
    };
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

function toDto(vendor: VendorRecord): VendorDto {
  return {
    id: vendor.id,
    name: vendor.name,
    creditCode: vendor.creditCode,
    jurisdiction: vendor.jurisdiction,
    registrationType: vendor.registrationType,
    evidence: vendor.evidence.map((item) => ({ criterionId: item.criterionId, document: item.document, ...(item.note === undefined ? {} : { note: item.note }) })),
    verificationStatus: vendor.verificationStatus,
    verificationComment: vendor.verificationComment,
    verifiedBy: vendor.verifiedBy,
    verifiedAt: vendor.verifiedAt?.toISOString() ?? null,
    suspended: vendor.suspended,
    suspensionReason: vendor.suspensionReason,
    suspendedBy: vendor.suspendedBy,
    suspendedAt: vendor.suspendedAt?.toISOString() ?? null,
    registeredBy: vendor.registeredBy,
    registeredAt: vendor.registeredAt.toISOString(),
  };
}
