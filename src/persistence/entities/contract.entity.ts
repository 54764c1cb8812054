import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ContractStatus } from '../../procurement/read-model.js';
import { FEN_COLUMN } from './fen-column.js';

/** One awarded vendor's contract: a child workflow of its cycle running the contract steps. */
@Entity({ name: 'contracts' })
@Index('contracts_cycle_idx', ['cycleId'])
export class ContractEntity {
  /** The contract workflow's id. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'cycle_id', type: 'text' })
  cycleId!: string;

  @Column({ name: 'bid_id', type: 'text', nullable: true })
  bidId!: string | null;

  @Column({ name: 'vendor_id', type: 'text' })
  vendorId!: string;

  @Column({ name: 'vendor_name', type: 'text' })
  vendorName!: string;

  @Column({ name: 'amount_fen', type: 'bigint', transformer: FEN_COLUMN })
  amountFen!: number;

  @Column({ type: 'text', default: 'running' })
  status!: ContractStatus;

  @Column({ name: 'current_step', type: 'text', nullable: true })
  currentStep!: string | null;

  @Column({ name: 'current_step_seq', type: 'integer', default: -1 })
  currentStepSeq!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'end_reason', type: 'text', nullable: true })
  endReason!: string | null;
}
