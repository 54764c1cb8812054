import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One decision or command in the append-only audit trail: who did what, in which role, when, and why.
 * Rows are never updated or deleted (a database trigger refuses it); `idempotencyKey` makes a
 * retried write land once. The database chains every entry to its predecessors when it is appended
 * (migration 1764036000000-audit-hash-chain): the chain columns are never written by the application.
 */
@Entity({ name: 'audit_entries' })
@Index('audit_entries_subject_idx', ['subjectType', 'subjectId', 'occurredAt'])
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** The client's request id or the workflow id + event sequence that produced the entry. */
  @Column({ name: 'idempotency_key', type: 'text', unique: true })
  idempotencyKey!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'actor_id', type: 'text' })
  actorId!: string;

  @Column({ name: 'actor_role', type: 'text' })
  actorRole!: string;

  @Column({ type: 'text' })
  jurisdiction!: string;

  /** What was done, dot-namespaced: `task.approved`, `cycle.launched`, `payment.instructed`. */
  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'subject_type', type: 'text' })
  subjectType!: string;

  @Column({ name: 'subject_id', type: 'text' })
  subjectId!: string;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  details!: Record<string, unknown>;

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  /** The cycle whose chain the entry is in: the subject when it is a cycle, else `details.cycleId`; null for none. */
  @Column({ name: 'chain_cycle_id', type: 'text', nullable: true, insert: false, update: false })
  chainCycleId!: string | null;

  /** Hash of the previous entry of the whole trail (64 zeros for the first). */
  @Column({ name: 'prev_hash', type: 'text', insert: false, update: false })
  prevHash!: string;

  /** Hash of the previous entry of the same cycle (64 zeros for its first); null outside a cycle. */
  @Column({ name: 'cycle_prev_hash', type: 'text', nullable: true, insert: false, update: false })
  cyclePrevHash!: string | null;

  /** SHA-256 (hex) of the entry's canonical serialisation, links included. */
  @Column({ type: 'text', insert: false, update: false })
  hash!: string;
}
