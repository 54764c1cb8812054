import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A confidential field of a case event, kept apart from it: the API shows it only to `readableBy`. Insert-only. */
@Entity({ name: 'case_confidential' })
export class CaseConfidentialEntity {
  @PrimaryColumn({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @PrimaryColumn({ type: 'text' })
  field!: string;

  @Column({ name: 'case_id', type: 'text' })
  caseId!: string;

  @Column({ type: 'jsonb' })
  value!: unknown;

  /** The case roles the lifecycle lets read it. */
  @Column({ name: 'readable_by', type: 'text', array: true })
  readableBy!: string[];
}
