import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

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

/**
 * Profiles for local activities: run by the worker inside the workflow task that asked for them, so they
 * leave one marker in the history (their result) instead of a scheduled, a started and a completed event
 * and a workflow task to take the result. Only for work that is quick and idempotent, and tried only a few
 * times: a caller that must not give up falls back to the regular activity (ACTIVITY_PROFILES), whose
 * pending attempts and failure the ops tools show.
 */
export const LOCAL_ACTIVITY_PROFILES = {
  /** A read-model write tried in the workflow task; after three quick failures the caller hands it to `ACTIVITY_PROFILES.projection`. */
  projection: {
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumAttempts: 3 },
  },
} as const satisfies Record<string, LocalActivityOptions>;
