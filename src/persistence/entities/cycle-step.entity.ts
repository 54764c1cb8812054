import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { StepOutcome } from '../../procurement/lifecycle.js';

/** One step of a cycle or of one of its contracts, from the command that entered it to the one that ended it. */
@Entity({ name: 'cycle_steps' })
@Unique('cycle_steps_workflow_seq_key', ['workflowId', 'enteredSeq'])
@Index('cycle_steps_cycle_idx', ['cycleId', 'enteredAt'])
export class CycleStepEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** The cycle workflow, or the contract workflow for contract steps. */
  @Column({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @Column({ name: 'cycle_id', type: 'text' })
  cycleId!: string;

  @Column({ name: 'contract_id', type: 'text', nullable: true })
  contractId!: string | null;

  @Column({ name: 'step_id', type: 'text' })
  stepId!: string;

  /** budgeting, publicNotice, vendorSelection, contractFiling, performanceManagement or paymentRelease. */
  @Column({ type: 'text' })
  kind!: string;

  @Column({ name: 'entered_seq', type: 'integer' })
  enteredSeq!: number;

  @Column({ name: 'entered_at', type: 'timestamptz' })
  enteredAt!: Date;

  @Column({ name: 'ended_seq', type: 'integer', nullable: true })
  endedSeq!: number | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  outcome!: StepOutcome | null;
}
