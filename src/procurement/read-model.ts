/**
 * Statuses of the procurement read model, shared by its entities, the projections and the API.
 * The workflows decide them; the read model only mirrors what they decided.
 */

/** `awarded`: vendor selection is over and the contracts run; the end states are the cycle workflow's. */
export const CYCLE_STATUSES = ['running', 'awarded', 'completed', 'terminated', 'cancelled', 'failed'] as const;
export type CycleStatus = (typeof CYCLE_STATUSES)[number];

export const CONTRACT_STATUSES = ['running', 'completed', 'terminated', 'cancelled', 'failed'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

/** `instructed`: waiting in the treasury outbox; `exported`: handed to the treasury. */
export const PAYMENT_STATUSES = ['instructed', 'exported'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
