import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A public notice (信息公开) a cycle or contract published; readable without signing in, never changed. */
@Entity({ name: 'public_notices' })
@Unique('public_notices_workflow_seq_key', ['workflowId', 'seq'])
@Index('public_notices_cycle_idx', ['cycleId'])
export class PublicNoticeEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ name: 'cycle_id', type: 'text' })
  cycleId!: string;

  @Column({ name: 'contract_id', type: 'text', nullable: true })
  contractId!: string | null;

  /** The notice's id in the definition. */
  @Column({ name: 'notice_id', type: 'text' })
  noticeId!: string;

  /** requirementsConsultation, purchaseNotice, awardResult, … */
  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'jsonb' })
  title!: { zh: string; en: string };

  @Column({ type: 'jsonb' })
  lines!: Array<{ label: { zh: string; en: string }; value: string }>;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt!: Date;
}
