import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { TaskStatus } from '../../procurement/lifecycle.js';

/** One opening of a human task, as the workflow opened and closed it. */
@Entity({ name: 'tasks' })
@Index('tasks_cycle_idx', ['cycleId', 'openedAt'])
export class TaskEntity {
  /** `<workflowId>/<taskInstanceId>`. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  /** `<nodeId>#<n>`, unique within the workflow. */
  @Column({ name: 'task_instance_id', type: 'text' })
  taskInstanceId!: string;

  @Column({ name: 'cycle_id', type: 'text' })
  cycleId!: string;

  @Column({ name: 'contract_id', type: 'text', nullable: true })
  contractId!: string | null;

  @Column({ name: 'step_id', type: 'text' })
  stepId!: string;

  @Column({ name: 'node_id', type: 'text' })
  nodeId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  role!: string;

  /** Roles that may also decide, once the SLA has passed. */
  @Column({ name: 'escalated_to', type: 'text', array: true, default: () => `'{}'` })
  escalatedTo!: string[];

  @Column({ name: 'escalate_to', type: 'text', nullable: true })
  escalateTo!: string | null;

  @Column({ type: 'jsonb' })
  title!: { zh: string; en: string };

  @Column({ type: 'text' })
  status!: TaskStatus;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  outcome!: 'submit' | 'approve' | 'return' | 'reject' | null;

  @Column({ name: 'decided_by', type: 'text', nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'decided_by_name', type: 'text', nullable: true })
  decidedByName!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  /**
   * When the workflow recorded the task overdue (its deadline passed with the task open), in workflow
   * time; null while it has not. The API's `overdue` reads this, never the server's clock.
   */
  @Column({ name: 'overdue_at', type: 'timestamptz', nullable: true })
  overdueAt!: Date | null;

  /** The instant the task was due when it became overdue (set with `overdueAt`). */
  @Column({ name: 'overdue_due_at', type: 'timestamptz', nullable: true })
  overdueDueAt!: Date | null;

  /** Ledger tasks: the period (1-based) they belong to. */
  @Column({ type: 'integer', nullable: true })
  period!: number | null;

  /** Ledger submissions: the lines filled from case evidence, which the vendor does not type (0 until the evidence exists). */
  @Column({ name: 'awaiting_case_evidence', type: 'text', array: true, default: () => "'{}'" })
  awaitingCaseEvidence!: string[];

  /** Ledger submissions compiled from case evidence, and their confirmations: the instant the evidence was counted up to. */
  @Column({ name: 'case_evidence_through', type: 'timestamptz', nullable: true })
  caseEvidenceThrough!: Date | null;

  /** Evaluations: the indicators whose score the definition computes from the KPIs (`indicators[].score`). */
  @Column({ name: 'computed_indicators', type: 'text', array: true, default: () => "'{}'" })
  computedIndicators!: string[];

  @Column({ name: 'parallel_id', type: 'text', nullable: true })
  parallelId!: string | null;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  /** The form values the decision carried. */
  @Column({ type: 'jsonb', nullable: true })
  fields!: Record<string, string | number | boolean> | null;

  /** Seq of the newest command reflected in the row: an older command never overwrites a newer one. */
  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;
}
