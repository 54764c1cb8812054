import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The idempotency ledger of the read model: one row per workflow command applied. A command whose
 * (workflow id, seq) is here has been applied and is skipped when it arrives again.
 */
@Entity({ name: 'projection_log' })
export class ProjectionLogEntity {
  @PrimaryColumn({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ name: 'command_type', type: 'text' })
  commandType!: string;

  @Column({ name: 'applied_at', type: 'timestamptz', default: () => 'now()' })
  appliedAt!: Date;
}
