import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { PaymentStatus } from '../../procurement/read-model.js';
import { FEN_COLUMN } from './fen-column.js';

/**
 * One tranche of one contract, instructed for treasury centralised payment (国库集中支付). At most one
 * per tranche of a contract: `idempotencyKey` is `<contractId>:tranche:<trancheId>` (a check constraint
 * derives it) and unique. Only the export may be recorded afterwards (a trigger refuses other changes).
 */
@Entity({ name: 'payments' })
@Index('payments_cycle_idx', ['cycleId', 'contractId'])
export class PaymentEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'cycle_id', type: 'text' })
  cycleId!: string;

  @Column({ name: 'contract_id', type: 'text' })
  contractId!: string;

  /** The workflow and command that instructed it. */
  @Column({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ name: 'tranche_id', type: 'text' })
  trancheId!: string;

  /** The budget component paid, e.g. working or activity funds. */
  @Column({ type: 'text', nullable: true })
  fund!: string | null;

  @Column({ name: 'vendor_id', type: 'text' })
  vendorId!: string;

  @Column({ name: 'vendor_name', type: 'text' })
  vendorName!: string;

  @Column({ name: 'amount_fen', type: 'bigint', transformer: FEN_COLUMN })
  amountFen!: number;

  @Column({ name: 'idempotency_key', type: 'text', unique: true })
  idempotencyKey!: string;

  @Column({ type: 'text', default: 'instructed' })
  status!: PaymentStatus;

  @Column({ name: 'instructed_at', type: 'timestamptz' })
  instructedAt!: Date;

  @Column({ name: 'exported_at', type: 'timestamptz', nullable: true })
  exportedAt!: Date | null;
}
