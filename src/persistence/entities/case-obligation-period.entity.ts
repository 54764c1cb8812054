import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A closed period (or stay) of a case obligation: the evidence counted, what was required, whether it was met. Insert-only. */
@Entity({ name: 'case_obligation_periods' })
@Index('case_obligation_periods_case_idx', ['caseId', 'endedAt'])
export class CaseObligationPeriodEntity {
  @PrimaryColumn({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ name: 'case_id', type: 'text' })
  caseId!: string;

  @Column({ type: 'text' })
  state!: string;

  @Column({ type: 'integer' })
  stay!: number;

  @Column({ type: 'text' })
  obligation!: string;

  /** Number of the period within the stay, from 0; null for an obligation over the whole stay. */
  @Column({ type: 'integer', nullable: true })
  period!: number | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ type: 'integer' })
  total!: number;

  @Column({ type: 'integer' })
  required!: number;

  @Column({ type: 'boolean' })
  met!: boolean;

  /** Cut short: the case left the state, or a calendar period began mid-way. */
  @Column({ type: 'boolean' })
  partial!: boolean;

  @Column({ name: 'closed_by', type: 'text' })
  closedBy!: string;
}
