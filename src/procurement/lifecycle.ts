/**
 * The lifecycle vocabulary of procurement, declared once: the states of a workflow (cycle or contract),
 * of a task and of a challenge, and the kinds of task. The engine, the read model's entities and
 * projections, the API's DTOs (and so openapi.json) and the CLI derive their lists and types from
 * these. Adding a state is one edit here, plus a migration where a database CHECK lists the states.
 */

/** How a workflow ends: its steps completed, a step terminated it, an administrator cancelled it, or the engine found it broken. */
export const END_STATUSES = ['completed', 'terminated', 'cancelled', 'failed'] as const;
export type EndStatus = (typeof END_STATUSES)[number];

/** The state of a cycle's or a contract's workflow, as the engine keeps it. */
export const ENGINE_STATUSES = ['running', ...END_STATUSES] as const;
export type EngineStatus = (typeof ENGINE_STATUSES)[number];

/** A running workflow's own account of itself: `awaitingContracts` once a cycle's own steps are over and its contracts run. */
export const LIVE_STATUSES = ['running', 'awaitingContracts', ...END_STATUSES] as const;
export type LiveStatus = (typeof LIVE_STATUSES)[number];

/** How a step ends (an `end` node's outcome). */
export const STEP_OUTCOMES = ['completed', 'terminated'] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

/** What a task asks of its actor, beyond a decision. */
export const TASK_KINDS = ['form', 'award', 'evaluation', 'acceptance', 'ledgerSubmission', 'ledgerConfirmation', 'challengeAnswer'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** A task is open until decided, or withdrawn when the flow leaves it (a sibling returned, the cycle was cancelled). */
export const TASK_STATUSES = ['open', 'decided', 'withdrawn'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** What the answer to a challenge found (Government Procurement Law art. 53). */
export const CHALLENGE_FINDINGS = ['upheld', 'dismissed'] as const;
export type ChallengeFinding = (typeof CHALLENGE_FINDINGS)[number];

/** A challenge is open until answered with a finding. */
export const CHALLENGE_STATUSES = ['open', ...CHALLENGE_FINDINGS] as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUSES)[number];
