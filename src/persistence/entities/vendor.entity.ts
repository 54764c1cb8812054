import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { QualificationEvidence, RegistrationType, VerificationStatus } from '../../vendors/vendor.js';

/**
 * A service vendor (承接主体) in the registry of a jurisdiction: who it is, the evidence it gave for each
 * qualification criterion, whether civil affairs verified it (seed 001 §二(七)), and whether it was
 * suspended (the exit mechanism of seed 003). Vendors are never deleted (a trigger refuses it).
 */
@Entity({ name: 'vendors' })
@Index('vendors_jurisdiction_idx', ['jurisdiction', 'verificationStatus', 'suspended'])
export class VendorEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** 统一社会信用代码: 18 characters, unique. */
  @Column({ name: 'credit_code', type: 'text', unique: true })
  creditCode!: string;

  @Column({ type: 'text' })
  jurisdiction!: string;

  @Column({ name: 'registration_type', type: 'text' })
  registrationType!: RegistrationType;

  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  evidence!: QualificationEvidence[];

  @Column({ name: 'verification_status', type: 'text', default: 'pending' })
  verificationStatus!: VerificationStatus;

  @Column({ name: 'verification_comment', type: 'text', nullable: true })
  verificationComment!: string | null;

  @Column({ name: 'verified_by', type: 'text', nullable: true })
  verifiedBy!: string | null;

  /** When the verification decision (verified or rejected) was taken. */
  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt!: Date | null;

  @Column({ type: 'boolean', default: false })
  suspended!: boolean;

  @Column({ name: 'suspension_reason', type: 'text', nullable: true })
  suspensionReason!: string | null;

  /** The user, or `workflow:<id>` for an exit decided by a contract's performance rules. */
  @Column({ name: 'suspended_by', type: 'text', nullable: true })
  suspendedBy!: string | null;

  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true })
  suspendedAt!: Date | null;

  /** The role that may reinstate the vendor from its current suspension (`performance.exit.reinstatedBy`); null: the roles that may suspend. */
  @Column({ name: 'reinstatement_role', type: 'text', nullable: true })
  reinstatementRole!: string | null;

  @Column({ name: 'registered_by', type: 'text' })
  registeredBy!: string;

  @Column({ name: 'registered_at', type: 'timestamptz', default: () => 'now()' })
  registeredAt!: Date;
}
