import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A review period of a contract's review group (`performance.reviews`), reviewed when its last ledger period was confirmed. */
@Entity({ name: 'period_reviews' })
@Index('period_reviews_cycle_idx', ['cycleId'])
export class PeriodReviewEntity {
  @PrimaryColumn({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ name: 'contract_id', type: 'text' })
  contractId!: string;

  @Column({ name: 'cycle_id', type: 'text' })
  cycleId!: string;

  @Column({ name: 'review_id', type: 'text' })
  reviewId!: string;

  @Column({ type: 'jsonb' })
  title!: { zh: string; en: string };

  /** The review period (1-based): the quarter, for a review of every 3 monthly periods. */
  @Column({ type: 'integer' })
  period!: number;

  /** The first and last ledger periods it covers. */
  @Column({ name: 'from_period', type: 'integer' })
  fromPeriod!: number;

  @Column({ name: 'to_period', type: 'integer' })
  toPeriod!: number;

  @Column({ type: 'jsonb' })
  kpis!: Record<string, string | number | boolean>;

  @Column({ type: 'boolean' })
  passed!: boolean;

  /** Workflow time of the ledger confirmation that closed the review period. */
  @Column({ name: 'reviewed_at', type: 'timestamptz' })
  reviewedAt!: Date;
}
