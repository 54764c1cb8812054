import { Column, Entity, PrimaryColumn } from 'typeorm';
import { FEN_COLUMN } from './fen-column.js';

/** A bid a cycle accepted, and whether it won. */
@Entity({ name: 'bids' })
export class BidEntity {
  @PrimaryColumn({ name: 'cycle_id', type: 'text' })
  cycleId!: string;

  @PrimaryColumn({ name: 'bid_id', type: 'text' })
  bidId!: string;

  /** The bidding round the bid arrived in. */
  @Column({ type: 'integer', nullable: true })
  round!: number | null;

  @Column({ name: 'vendor_id', type: 'text' })
  vendorId!: string;

  @Column({ name: 'vendor_name', type: 'text' })
  vendorName!: string;

  @Column({ name: 'price_fen', type: 'bigint', transformer: FEN_COLUMN })
  priceFen!: number;

  /** Whether the vendor was qualified and not suspended when the bid arrived. */
  @Column({ type: 'boolean' })
  qualified!: boolean;

  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt!: Date;

  @Column({ type: 'boolean', default: false })
  won!: boolean;

  @Column({ name: 'awarded_amount_fen', type: 'bigint', nullable: true, transformer: FEN_COLUMN })
  awardedAmountFen!: number | null;

  @Column({ type: 'double precision', nullable: true })
  score!: number | null;

  /** Why the vendor may not win under the award rule (`selection.awards.eligibility.reason`); null when it may. */
  @Column({ name: 'ineligible_reason', type: 'text', nullable: true })
  ineligibleReason!: string | null;
}
