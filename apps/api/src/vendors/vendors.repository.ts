import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditEntryInput } from '../../../../activities/audit.js';
import { appendAuditEntry } from '../../../../src/persistence/audit-append.js';
import { VendorPerformanceRecordEntity } from '../../../../src/persistence/entities/vendor-performance-record.entity.js';
import { VendorEntity } from '../../../../src/persistence/entities/vendor.entity.js';
import type { ProcedureDefinition } from '../../../../src/definitions/procedure/procedure.schema.js';
import { NATIONAL_JURISDICTION } from '../../../../src/identity/identity.js';
import { type QualificationRequirement, qualificationRequirements } from '../../../../src/vendors/qualification.js';
import type { QualificationEvidence, RegistrationType, VerificationStatus } from '../../../../src/vendors/vendor.js';

/** A vendor as the registry holds it. */
export interface VendorRecord {
  readonly id: string;
  readonly name: string;
  readonly creditCode: string;
  readonly jurisdiction: string;
  readonly registrationType: RegistrationType;
  readonly evidence: readonly QualificationEvidence[];
  readonly verificationStatus: VerificationStatus;
  readonly verificationComment: string | null;
  readonly verifiedBy: string | null;
  readonly verifiedAt: Date | null;
  readonly suspended: boolean;
  readonly suspensionReason: string | null;
  readonly suspendedBy: string | null;
  readonly suspendedAt: Date | null;
  /** Who may reinstate the vendor from its current suspension; null: the roles that may suspend. */
  readonly reinstatementRole: string | null;
  readonly registeredBy: string;
  readonly registeredAt: Date;
}

export type NewVendor = Pick<VendorRecord, 'name' | 'creditCode' | 'jurisdiction' | 'registrationType' | 'evidence' | 'registeredBy'>;

export interface VendorFilter {
  /** Jurisdictions whose vendors to include; undefined: every jurisdiction. */
  readonly jurisdictions?: readonly string[];
  readonly status?: VerificationStatus;
  readonly suspended?: boolean;
  readonly limit: number;
  readonly offset: number;
}

/** What one registry decision may do inside its transaction; the rules are the service's. */
export interface VendorTransaction {
  /** Inserts a vendor, or answers `duplicate` when its credit code is already registered. */
  insert(vendor: NewVendor): Promise<{ created: VendorRecord } | { duplicate: VendorRecord }>;
  /** Reads a vendor and holds it against concurrent decisions until the transaction ends. */
  lock(id: string): Promise<VendorRecord | undefined>;
  /** Stores the evidence with its per-criterion findings, and the vendor-wide summary of the latest decision. */
  recordVerification(
    id: string,
    decision: { evidence: readonly QualificationEvidence[]; status: VerificationStatus; comment: string | null; by: string; at: Date },
  ): Promise<VendorRecord>;
  /** Stores evidence changed by a filing (the summary status recomputed by the service). */
  recordEvidence(id: string, evidence: readonly QualificationEvidence[], status: VerificationStatus): Promise<VendorRecord>;
  /**
   * The qualification requirements of every deployed version of every Procedure a vendor of `jurisdiction`
   * may take part in (its jurisdiction's; all, for a national vendor): who verifies which criteria there.
   */
  requirementsFor(jurisdiction: string): Promise<QualificationRequirement[]>;
  recordSuspension(id: string, suspension: { reason: string; by: string; at: Date }): Promise<VendorRecord>;
  /** Ends the vendor's suspension: it may take part again. */
  recordReinstatement(id: string): Promise<VendorRecord>;
  appendAudit(entry: AuditEntryInput): Promise<void>;
}

/** The vendor registry in PostgreSQL (table vendors). */
@Injectable()
export class VendorsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction: everything it wrote is committed together, or nothing is if it throws. */
  inTransaction<T>(work: (transaction: VendorTransaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(vendorTransaction(manager)));
  }

  /** The vendor's recorded evaluations, oldest first (by when they were decided, then by workflow and command). */
  async historyOf(vendorId: string): Promise<VendorPerformanceRecordEntity[]> {
    return this.dataSource.getRepository(VendorPerformanceRecordEntity).find({ where: { vendorId }, order: { evaluatedAt: 'ASC', workflowId: 'ASC', seq: 'ASC' } });
  }

  async findById(id: string): Promise<VendorRecord | undefined> {
    return (await this.dataSource.getRepository(VendorEntity).findOneBy({ id })) ?? undefined;
  }

  /** Vendors matching `filter`, ordered by name then id, and how many match in all. */
  async list(filter: VendorFilter): Promise<{ vendors: VendorRecord[]; total: number }> {
    const query = this.dataSource.getRepository(VendorEntity).createQueryBuilder('v');
    query.where('true');
    if (filter.jurisdictions) query.andWhere('v.jurisdiction IN (:...jurisdictions)', { jurisdictions: filter.jurisdictions });
    if (filter.status) query.andWhere('v.verificationStatus = :status', { status: filter.status });
    if (filter.suspended !== undefined) query.andWhere('v.suspended = :suspended', { suspended: filter.suspended });
    const [vendors, total] = await query.orderBy('v.name', 'ASC').addOrderBy('v.id', 'ASC').skip(filter.offset).take(filter.limit).getManyAndCount();
    return { vendors, total };
  }
}

function vendorTransaction(manager: EntityManager): VendorTransaction {
  const vendors = manager.getRepository(VendorEntity);
  return {
    async insert(vendor) {
      // ON CONFLICT rather than a prior lookup: two registrations of one code at once still make one vendor.
      const inserted = (await manager.query(
        `INSERT INTO vendors (name, credit_code, jurisdiction, registration_type, evidence, registered_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (credit_code) DO NOTHING RETURNING id`,
        [vendor.name, vendor.creditCode, vendor.jurisdiction, vendor.registrationType, JSON.stringify(vendor.evidence), vendor.registeredBy],
      )) as Array<{ id: string }>;
      const id = inserted[0]?.id;
      if (id) return { created: await vendors.findOneByOrFail({ id }) };
      return { duplicate: await vendors.findOneByOrFail({ creditCode: vendor.creditCode }) };
    },
    async lock(id) {
      return (await vendors.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } })) ?? undefined;
    },
    async recordVerification(id, decision) {
      // The summary columns say who last decided only while the summary is decided: a finding on one
      // criterion can leave others unverified, and a pending summary names nobody (vendors_verification_decided_check).
      const decided = decision.status !== 'pending';
      await vendors.update(
        { id },
        {
          evidence: decision.evidence as QualificationEvidence[],
          verificationStatus: decision.status,
          verificationComment: decided ? decision.comment : null,
          verifiedBy: decided ? decision.by : null,
          verifiedAt: decided ? decision.at : null,
        },
      );
      return vendors.findOneByOrFail({ id });
    },
    async recordEvidence(id, evidence, status) {
      // New evidence clears the findings on its criterion; a summary that falls back to pending names nobody.
      const cleared = status === 'pending' ? { verificationComment: null, verifiedBy: null, verifiedAt: null } : {};
      await vendors.update({ id }, { evidence: evidence as QualificationEvidence[], verificationStatus: status, ...cleared });
      return vendors.findOneByOrFail({ id });
    },
    async requirementsFor(jurisdiction) {
      const rows = (await manager.query(
        jurisdiction === NATIONAL_JURISDICTION
          ? `SELECT compiled FROM definition_versions WHERE kind = 'Procedure'`
          : `SELECT compiled FROM definition_versions WHERE kind = 'Procedure' AND (jurisdiction = $1 OR jurisdiction = $2)`,
        jurisdiction === NATIONAL_JURISDICTION ? [] : [jurisdiction, NATIONAL_JURISDICTION],
      )) as Array<{ compiled: ProcedureDefinition }>;
      return rows.flatMap((row) => qualificationRequirements(row.compiled));
    },
    async recordSuspension(id, suspension) {
      await vendors.update({ id }, { suspended: true, suspensionReason: suspension.reason, suspendedBy: suspension.by, suspendedAt: suspension.at, reinstatementRole: null });
      return vendors.findOneByOrFail({ id });
    },
    async recordReinstatement(id) {
      await vendors.update({ id }, { suspended: false, suspensionReason: null, suspendedBy: null, suspendedAt: null, reinstatementRole: null });
      return vendors.findOneByOrFail({ id });
    },
    async appendAudit(entry) {
      await appendAuditEntry(manager, entry);
    },
  };
}
