import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One decided evaluation in its vendor's performance history, as the contract workflow recorded it. */
@Entity({ name: 'vendor_performance_history' })
@Index('vendor_performance_history_vendor_idx', ['vendorId', 'evaluatedAt', 'seq'])
export class VendorPerformanceRecordEntity {
  @PrimaryColumn({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ name: 'vendor_id', type: 'text' })
  vendorId!: string;

  @Column({ name: 'vendor_name', type: 'text' })
  vendorName!: string;

  @Column({ name: 'cycle_id', type: 'text' })
  cycleId!: string;

  @Column({ name: 'contract_id', type: 'text' })
  contractId!: string;

  @Column({ name: 'definition_key', type: 'text' })
  definitionKey!: string;

  @Column({ name: 'definition_version', type: 'integer' })
  definitionVersion!: number;

  @Column({ type: 'text' })
  jurisdiction!: string;

  @Column({ type: 'integer' })
  score!: number;

  @Column({ type: 'boolean' })
  passed!: boolean;

  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  groups!: Record<string, number>;

  @Column({ name: 'grade_min', type: 'integer', nullable: true })
  gradeMin!: number | null;

  @Column({ name: 'grade_label', type: 'jsonb', nullable: true })
  gradeLabel!: { zh: string; en: string } | null;

  /** The performance period evaluated; null for the evaluation of the whole contract. */
  @Column({ type: 'integer', nullable: true })
  period!: number | null;

  /** With `period`: the last ledger period an evaluation of several covers (a mid-term evaluation of 1–6); null otherwise. */
  @Column({ name: 'period_through', type: 'integer', nullable: true })
  periodThrough!: number | null;

  @Column({ name: 'evaluator_id', type: 'text' })
  evaluatorId!: string;

  @Column({ name: 'evaluator_name', type: 'text' })
  evaluatorName!: string;

  @Column({ name: 'evaluator_role', type: 'text' })
  evaluatorRole!: string;

  /** The definition's exit condition held: this evaluation suspended the vendor. */
  @Column({ type: 'boolean' })
  exited!: boolean;

  /** Workflow time of the evaluation's decision. */
  @Column({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt!: Date;
}
