/**
 * Statuses of the procurement read model, shared by its entities, the projections and the API.
 * The workflows decide them; the read model only mirrors what they decided.
 */
import { END_STATUSES, ENGINE_STATUSES } from './lifecycle.js';

/** `awarded`: vendor selection is over and the contracts run; the end states are the cycle workflow's. */
export const CYCLE_STATUSES = ['running', 'awarded', ...END_STATUSES] as const;
export type CycleStatus = (typeof CYCLE_STATUSES)[number];

/** A contract's status is its workflow's. */
export const CONTRACT_STATUSES = ENGINE_STATUSES;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

/** `instructed`: waiting in the treasury outbox; `exported`: handed to the treasury. */
export const PAYMENT_STATUSES = ['instructed', 'exported'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * A case's status is its workflow's: `completed` when the lifecycle reached a final state, `cancelled`
 * when ops cancelled it through the workflow, `terminated` when ops terminated it in Temporal.
 */
export const CASE_STATUSES = ['running', 'completed', 'cancelled', 'terminated'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** `withdrawn`: the case ended (cancelled or terminated) while the task was open. */
export const CASE_TASK_STATUSES = ['open', 'done', 'withdrawn'] as const;
export type CaseTaskStatus = (typeof CASE_TASK_STATUSES)[number];
