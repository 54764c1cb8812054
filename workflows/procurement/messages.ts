/**
 * The messages of the procurement workflows, defined once and imported by the API (to send them)
 * and by the workflows (to handle them). Updates carry the client's request id: a repeated request
 * (a double click, a retried HTTP call) returns the first answer and has no second effect.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CalendarDefinition } from '../../src/definitions/calendars/calendar.schema.js';
import type { LiveStatus } from '../../src/procurement/lifecycle.js';
import type { Actor, Bid, EngineState, EngineStatus, FormValues, Outcome, ProcedureDefinition, SigningChange, TaskInstance, TaskPayload, TaskRepair, VendorHistorySummary, Winner } from '../engine/types.js';

/** Which deployed definition version a cycle runs, for the read model and the audit trail. */
export interface DefinitionRef {
  readonly key: string;
  readonly version: number;
  readonly contentHash: string;
}

export interface ProcurementCycleInput {
  readonly cycleId: string;
  readonly definition: ProcedureDefinition;
  readonly definitionRef: DefinitionRef;
  readonly calendars: readonly CalendarDefinition[];
  readonly jurisdiction: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The cycle's own title, e.g. "2027年度社区矫正服务"; the definition's title when absent. */
  readonly title?: { readonly zh: string; readonly en: string };
  readonly launchedBy: Actor;
  /** Set when the workflow continues as new: the interpreter state to resume from. */
  readonly resume?: ResumeState;
}

export interface ContractInput {
  readonly cycleId: string;
  readonly contractId: string;
  readonly definition: ProcedureDefinition;
  readonly calendars: readonly CalendarDefinition[];
  readonly jurisdiction: string;
  readonly cycleValues: EngineState['values'];
  /** When the cycle's events happened, for contract deadlines counted from them (absent in older histories). */
  readonly cycleEvents?: EngineState['events'];
  readonly winner: Winner;
  readonly resume?: ResumeState;
}

/** What a workflow carries across continue-as-new. */
export interface ResumeState {
  readonly state: EngineState;
  readonly timers: Record<string, string>;
  readonly answered: Record<string, AnsweredRequest>;
  readonly contracts?: ContractSummary[];
}

export interface ContractSummary {
  readonly contractId: string;
  readonly vendorId: string;
  readonly vendorName: string;
  readonly amountFen: number;
  readonly status: EngineStatus | 'running';
}

/**
 * Every update names its request, so that repeating it is harmless. A request id means one request: the
 * sender derives `fingerprint` from the actor, the target and the content (apps/api's gateway does), and
 * the workflow refuses the same id with another fingerprint instead of answering it with the first.
 */
interface Request {
  readonly requestId: string;
  readonly fingerprint: string;
  readonly actor: Actor;
}

/** A request the workflow has answered: what it was (its fingerprint) and the answer it got. */
export interface AnsweredRequest {
  readonly fingerprint: string;
  readonly result: MessageResult;
}

export interface DecideTaskRequest extends Request {
  readonly taskId: string;
  readonly outcome: Outcome;
  readonly fields: FormValues;
  readonly comment?: string;
  readonly payload?: TaskPayload;
}

export interface SubmitBidRequest extends Request {
  readonly bidId: string;
  readonly vendorId: string;
  readonly vendorName: string;
  readonly priceFen: number;
  /** Checked by the API against the vendor registry when the bid arrives. */
  readonly qualified: boolean;
  /** The vendor's performance history read from the registry when the bid arrived (`vendor.history`); absent reads as none. */
  readonly history?: VendorHistorySummary;
}

/** Ops staff repair an open task: extend its deadline, reassign it or escalate it (workflows/engine/task-repairs.ts). */
export interface RepairTaskRequest extends Request {
  readonly taskId: string;
  readonly repair: TaskRepair;
  readonly reason: string;
}

export interface CancelRequest extends Request {
  readonly reason: string;
}

/** Ops staff rebuild the workflow's read model from its state (a lagging or damaged one), with a reason for the audit trail. */
export interface RebuildReadModelRequest extends Request {
  readonly reason: string;
  /**
   * Set when ops staff reset the cycle to the start of a step (Temporal's ResetWorkflowExecution) and this
   * run rebuilds what the reset undid. `seqFloor`: above every seq the read model has seen of this workflow,
   * so the commands of the reset run never reuse the seq (and audit key) of an undone command.
   */
  readonly reset?: { readonly step: string; readonly fromRunId: string; readonly seqFloor: number };
}

/** A bidder's challenge (质疑) against the cycle's result; the API names it (`challengeId`) from the request. */
export interface FileChallengeRequest extends Request {
  readonly challengeId: string;
  readonly grounds: string;
  /** The filer says it may affect the result: signing is suspended until it is answered. */
  readonly affectsResult: boolean;
}

/** From a cycle to its contracts: a challenge suspends, resumes or voids their signing. */
export interface SigningChangedMessage {
  readonly challengeId: string;
  readonly change: SigningChange;
  readonly reason: string;
}

/** From a contract to its cycle: an event of the contract, for the cycle's deadlines counted from it (the challenge period). */
export interface ContractEventMessage {
  readonly key: string;
  readonly at: string;
}

/** The answer to an update: what changed, as the actor should see it. */
export interface MessageResult {
  readonly requestId: string;
  readonly status: EngineStatus;
  readonly openTasks: readonly TaskInstance[];
  /** The step the scope is in after the message. */
  readonly stepId: string | null;
}

export interface WorkflowSnapshot {
  readonly status: LiveStatus;
  readonly stepId: string | null;
  readonly nodeId: string | null;
  readonly openTasks: readonly TaskInstance[];
  readonly biddingOpen: boolean;
  readonly pendingTimers: Record<string, string>;
  readonly contracts: readonly ContractSummary[];
  /** What the procedure's expressions see now: inputs, forms, budget, selection, contract, ledger… */
  readonly values: EngineState['values'];
  readonly bids: readonly Bid[];
  readonly endReason?: string;
}

export const decideTaskUpdate = defineUpdate<MessageResult, [DecideTaskRequest]>('decideTask');
export const submitBidUpdate = defineUpdate<MessageResult, [SubmitBidRequest]>('submitBid');
export const repairTaskUpdate = defineUpdate<MessageResult, [RepairTaskRequest]>('repairTask');
/** Rewrites the rows of the read model that are a function of the workflow's state (see activities' `rebuildReadModel`). */
export const rebuildReadModelUpdate = defineUpdate<MessageResult, [RebuildReadModelRequest]>('rebuildReadModel');
export const cancelCycleUpdate = defineUpdate<MessageResult, [CancelRequest]>('cancelCycle');
/** From a cycle to its contracts: the cycle was cancelled, so are they (updates cannot cross workflows). */
export const cancelContractSignal = defineSignal<[CancelRequest]>('cancelContract');
export const fileChallengeUpdate = defineUpdate<MessageResult, [FileChallengeRequest]>('fileChallenge');
export const signingChangedSignal = defineSignal<[SigningChangedMessage]>('signingChanged');
export const contractEventSignal = defineSignal<[ContractEventMessage]>('contractEvent');
export const workflowSnapshotQuery = defineQuery<WorkflowSnapshot>('workflowSnapshot');

/** Error types of refused updates; the API maps them to 403, 409 and 422. */
export const REFUSAL_ERROR_TYPES = { forbidden: 'Forbidden', conflict: 'Conflict', invalid: 'Invalid' } as const;
