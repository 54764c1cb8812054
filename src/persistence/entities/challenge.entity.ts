import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ChallengeStatus } from '../../procurement/lifecycle.js';

/** A bidder's challenge (质疑) against a cycle's result, and its answer, as the cycle workflow recorded them. */
@Entity({ name: 'challenges' })
@Index('challenges_vendor_idx', ['vendorId'])
export class ChallengeEntity {
  @PrimaryColumn({ name: 'cycle_id', type: 'text' })
  cycleId!: string;

  @PrimaryColumn({ name: 'challenge_id', type: 'text' })
  challengeId!: string;

  @Column({ name: 'vendor_id', type: 'text' })
  vendorId!: string;

  @Column({ name: 'vendor_name', type: 'text' })
  vendorName!: string;

  @Column({ name: 'filed_by', type: 'text' })
  filedBy!: string;

  @Column({ name: 'filed_by_name', type: 'text' })
  filedByName!: string;

  @Column({ name: 'filed_at', type: 'timestamptz' })
  filedAt!: Date;

  @Column({ type: 'text' })
  grounds!: string;

  /** The filer said it may affect the result: signing was suspended while it was open. */
  @Column({ name: 'affects_result', type: 'boolean' })
  affectsResult!: boolean;

  /** The task instance (in the cycle workflow) that answers it. */
  @Column({ name: 'task_id', type: 'text' })
  taskId!: string;

  @Column({ name: 'answer_due_at', type: 'timestamptz', nullable: true })
  answerDueAt!: Date | null;

  @Column({ type: 'text' })
  status!: ChallengeStatus;

  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true })
  answeredAt!: Date | null;

  @Column({ name: 'answered_by', type: 'text', nullable: true })
  answeredBy!: string | null;

  @Column({ type: 'text', nullable: true })
  reasons!: string | null;

  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;
}
