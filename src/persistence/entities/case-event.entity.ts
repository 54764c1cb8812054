import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An event a case accepted: who recorded it, in which role, when; its payload without confidential fields. Insert-only. */
@Entity({ name: 'case_events' })
@Index('case_events_case_idx', ['caseId', 'seq'])
export class CaseEventEntity {
  @PrimaryColumn({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ name: 'case_id', type: 'text' })
  caseId!: string;

  @Column({ type: 'text' })
  type!: string;

  /** When it happened, as the recorder said. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** When the case accepted it (workflow time). */
  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  @Column({ name: 'actor_id', type: 'text' })
  actorId!: string;

  @Column({ name: 'actor_name', type: 'text' })
  actorName!: string;

  /** The case role the event was recorded in. */
  @Column({ type: 'text' })
  role!: string;

  @Column({ name: 'vendor_id', type: 'text', nullable: true })
  vendorId!: string | null;

  @Column({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'state_before', type: 'text' })
  stateBefore!: string;

  @Column({ name: 'state_after', type: 'text' })
  stateAfter!: string;
}
