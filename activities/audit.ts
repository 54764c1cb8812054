import { appendAuditEntry } from '../src/persistence/audit-append.js';
import type { DataSource } from 'typeorm';

export interface AuditEntryInput {
  /** Makes the write exactly-once: the client's request id, or workflow id + event sequence. */
  readonly idempotencyKey: string;
  /** ISO-8601 time of the decision, as the workflow saw it (not when the activity happened to run). */
  readonly occurredAt: string;
  readonly actorId: string;
  readonly actorRole: string;
  readonly jurisdiction: string;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly comment?: string | null;
  readonly details?: Record<string, unknown>;
}

export interface AuditActivityDependencies {
  readonly dataSource: DataSource;
}

/** Activities that append to the audit trail. */
export function createAuditActivities({ dataSource }: AuditActivityDependencies) {
  return {
    /**
     * Appends one entry. A retry, or a replay of the same decision, finds the idempotency key taken
     * and changes nothing; returns whether this call was the one that wrote it.
     */
    async recordAuditEntry(entry: AuditEntryInput): Promise<{ recorded: boolean }> {
      return { recorded: await appendAuditEntry(dataSource, entry) };
    },
  };
}
