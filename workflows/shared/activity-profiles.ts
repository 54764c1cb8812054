import type { ActivityOptions } from '@temporalio/workflow';

/**
 * The few timeout and retry profiles every workflow picks from, so no call site invents its own.
 * Retries are unbounded in count but bounded in backoff: activities are idempotent, and a database
 * that is down for an hour should delay a procurement cycle, not fail it.
 */
export const ACTIVITY_PROFILES = {
  /**
   * A write to the read model or the audit trail: quick, idempotent, retried until it lands. Its
   * activities never fail for good (see activities/procurement-projections.ts): while one keeps failing,
   * the read model is behind its workflow, and the API shows the pending attempt and its failure.
   */
  projection: {
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  },
  /**
   * A read of the read model whose answer a waiting user's request needs (a ledger's case evidence): quick,
   * retried a few times, then failing the request rather than holding it open.
   */
  readModelQuery: {
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
  },
  /** A call to an outside system (the treasury export): slower, still idempotent by its key. */
  externalCall: {
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  },
} as const satisfies Record<string, ActivityOptions>;
