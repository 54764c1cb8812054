import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A period of a case obligation that closed unmet, with the task it raised. Insert-only. */
@Entity({ name: 'case_breaches' })
@Index('case_breaches_case_idx', ['caseId'])
export class CaseBreachEntity {
  @PrimaryColumn({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ name: 'case_id', type: 'text' })
  caseId!: string;

  /** The vendor serving the case when the period closed. */
  @Column({ name: 'vendor_id', type: 'text', nullable: true })
  vendorId!: string | null;

  @Column({ type: 'text' })
  state!: string;

  @Column({ type: 'text' })
  obligation!: string;

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

  @Column({ name: 'task_id', type: 'text', nullable: true })
  taskId!: string | null;
}
