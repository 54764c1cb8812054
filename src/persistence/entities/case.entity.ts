import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CaseStatus } from '../../procurement/read-model.js';

/** A supervised person's case, as its workflow last projected it (migration 1764500002000-case-read-model). */
@Entity({ name: 'cases' })
@Index('cases_jurisdiction_idx', ['jurisdiction', 'state'])
@Index('cases_vendor_idx', ['vendorId'])
export class CaseEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'workflow_id', type: 'text', unique: true })
  workflowId!: string;

  @Column({ name: 'lifecycle_key', type: 'text' })
  lifecycleKey!: string;

  @Column({ name: 'lifecycle_version', type: 'integer' })
  lifecycleVersion!: number;

  @Column({ name: 'lifecycle_hash', type: 'text' })
  lifecycleHash!: string;

  @Column({ type: 'text' })
  jurisdiction!: string;

  /** The undertaking organisation serving the case (from its contract); null when none does. */
  @Column({ name: 'vendor_id', type: 'text', nullable: true })
  vendorId!: string | null;

  @Column({ name: 'contract_id', type: 'text', nullable: true })
  contractId!: string | null;

  @Column({ type: 'text' })
  state!: string;

  /** The case's lifecycle reached a final state (see `status` for how the workflow ended). */
  @Column({ type: 'boolean', default: false })
  final!: boolean;

  @Column({ type: 'jsonb' })
  attributes!: Record<string, string | number | boolean>;

  @Column({ name: 'enrolled_at', type: 'timestamptz' })
  enrolledAt!: Date;

  @Column({ name: 'enrolled_by', type: 'text' })
  enrolledBy!: string;

  /** Its workflow's status: running, completed, cancelled or terminated (migration 1764800100000-case-end). */
  @Column({ type: 'text', default: 'running' })
  status!: CaseStatus;

  /** When ops cancelled or terminated it, or it completed. */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  /** The reason ops gave for cancelling or terminating it. */
  @Column({ name: 'end_reason', type: 'text', nullable: true })
  endReason!: string | null;

  /** The ops request that cancelled or terminated it. */
  @Column({ name: 'end_request_id', type: 'text', nullable: true })
  endRequestId!: string | null;

  /** When the earliest running obligation period ends; null when none runs. */
  @Column({ name: 'next_due_at', type: 'timestamptz', nullable: true })
  nextDueAt!: Date | null;

  /** The seq of the record that last set this row: an older record arriving late never overwrites it. */
  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
