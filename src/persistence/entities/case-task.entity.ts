import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CaseTaskStatus } from '../../procurement/read-model.js';

/** A task a missed case obligation raised (`onMissed.raise`) for a case role, and how it was closed. */
@Entity({ name: 'case_tasks' })
@Index('case_tasks_role_idx', ['role', 'status'])
export class CaseTaskEntity {
  @PrimaryColumn({ name: 'case_id', type: 'text' })
  caseId!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  /** The lifecycle's task id, e.g. `followUpMissedVisit`. */
  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'jsonb' })
  title!: { zh: string; en: string };

  @Column({ type: 'text' })
  role!: string;

  @Column({ type: 'text' })
  obligation!: string;

  @Column({ type: 'integer', nullable: true })
  period!: number | null;

  @Column({ type: 'text' })
  status!: CaseTaskStatus;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt!: Date | null;

  @Column({ name: 'decided_by', type: 'text', nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;
}
