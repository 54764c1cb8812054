/**
 * The messages of the case workflow, defined once and imported by the API (to send them) and by the
 * workflow (to handle them). Like the procurement updates, each carries the client's request id and a
 * fingerprint of what it asks: a repeated request has one effect and gets the first answer again.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { caseRolesHeld } from '../../src/definitions/supervision/case-roles.js';
import type { SupervisionDefinition } from '../../src/definitions/supervision/supervision.schema.js';
import type { CaseStatus, CaseTaskStatus } from '../../src/procurement/read-model.js';
import type { Actor } from '../engine/types.js';
import type { AttributeValue, ObligationRecord, ObligationStatus, PersistedCaseSnapshot } from '../machines/supervision-case.machine.js';

/** The deployed lifecycle version a case was enrolled under, for the read model and the audit trail. */
export interface LifecycleRef {
  readonly key: string;
  readonly version: number;
  readonly contentHash: string;
}

export interface CaseWorkflowInput {
  readonly caseId: string;
  readonly definition: SupervisionDefinition;
  readonly lifecycle: LifecycleRef;
  readonly jurisdiction: string;
  /** The undertaking organisation serving the case, and the contract it serves it under, when assigned. */
  readonly vendorId?: string;
  readonly contractId?: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** When the case opened (ISO instant); absent: the workflow's time when it starts. The first periods start here. */
  readonly enrolledAt?: string;
  readonly enrolledBy: Actor;
  /**
   * History length past which the case continues as new at its next period boundary, even before
   * Temporal suggests it (tests set it low; absent: {@link DEFAULT_HISTORY_BOUND}).
   */
  readonly historyBound?: number;
  /** Set when the workflow continues as new: what it carries over. */
  readonly resume?: CaseResumeState;
}

/** Continue-as-new starts a fresh history well before Temporal's own limits. */
export const DEFAULT_HISTORY_BOUND = 5_000;

/** How a case workflow stands (a terminated one cannot say so itself: the API records that). */
export type CaseWorkflowStatus = Exclude<CaseStatus, 'terminated'>;

/** A task a missed period raised for a case role (`onMissed.raise`). */
export interface CaseTask {
  readonly id: string;
  /** The definition's task id, e.g. `followUpMissedVisit`. */
  readonly kind: string;
  readonly title: { readonly zh: string; readonly en: string };
  readonly role: string;
  readonly obligation: string;
  readonly period: number | null;
  readonly openedAt: string;
  readonly dueAt: string | null;
  /** `withdrawn`: the case was cancelled while the task was open. */
  readonly status: CaseTaskStatus;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  readonly comment?: string;
}

/** A closed unmet period. */
export interface CaseBreach {
  readonly obligation: string;
  readonly state: string;
  readonly period: number | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly total: number;
  readonly required: number;
  readonly taskId: string | null;
}

/** A request the workflow has answered: what it was (its fingerprint) and the answer it got. */
export interface AnsweredCaseRequest {
  readonly fingerprint: string;
  readonly result: CaseMessageResult;
}

export interface CaseResumeState {
  readonly snapshot: PersistedCaseSnapshot;
  readonly seq: number;
  readonly tasks: readonly CaseTask[];
  readonly breaches: readonly CaseBreach[];
  readonly answered: Readonly<Record<string, AnsweredCaseRequest>>;
}

interface CaseRequest {
  readonly requestId: string;
  /** Derived by the sender from the actor, the target and the content: the same id with another fingerprint is refused. */
  readonly fingerprint: string;
  readonly actor: Actor;
}

/** A lifecycle event recorded by a case role: `payload` holds the event's declared fields. */
export interface CaseEventRequest extends CaseRequest {
  readonly type: string;
  readonly payload: Readonly<Record<string, unknown>>;
  /** When it happened (ISO-8601); not after the workflow's now, not before enrolment. Absent: now. */
  readonly at?: string;
}

export interface DecideCaseTaskRequest extends CaseRequest {
  readonly taskId: string;
  readonly comment: string;
}

/** Ops ends the case: the lifecycle stops where it is, its open tasks are withdrawn, the reason is audited. */
export interface CancelCaseRequest extends CaseRequest {
  readonly reason: string;
}

export interface CaseMessageResult {
  readonly requestId: string;
  readonly state: string;
  readonly final: boolean;
  /** The event's place in the case's timeline (the projection seq). */
  readonly seq: number;
}

export interface CaseStateView {
  readonly caseId: string;
  readonly state: string;
  readonly final: boolean;
  /** `cancelled` once ops cancelled it; else `running`, or `completed` at a final state. */
  readonly status: CaseWorkflowStatus;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** Obligations of the current state with their fulfilment in the current period (or stay). */
  readonly obligations: readonly ObligationStatus[];
  /** Periods running now, and when each ends: the workflow's timers. */
  readonly openPeriods: ReadonlyArray<{ readonly obligation: string; readonly period: number; readonly endsAt: string }>;
  readonly history: readonly ObligationRecord[];
  readonly breaches: readonly CaseBreach[];
  readonly tasks: readonly CaseTask[];
  /** Event types the current state accepts from people (built-in `period.elapsed` excluded). */
  readonly acceptedEvents: readonly string[];
  readonly seq: number;
}

export const caseEventUpdate = defineUpdate<CaseMessageResult, [CaseEventRequest]>('caseEvent');
export const decideCaseTaskUpdate = defineUpdate<CaseMessageResult, [DecideCaseTaskRequest]>('decideCaseTask');
export const cancelCaseUpdate = defineUpdate<CaseMessageResult, [CancelCaseRequest]>('cancelCase');
export const caseStateQuery = defineQuery<CaseStateView>('caseState');

/**
 * The case roles an actor holds: the roles of their identity, and, for vendor staff (whose identity
 * holds only the organisation's role and names the organisation), every vendor-staff role of the lifecycle.
 */
export function caseRolesOf(definition: SupervisionDefinition, actor: Actor): string[] {
  return caseRolesHeld(definition.roles, actor.roles, actor.vendorId !== undefined);
}

/** The workflow id of a case. */
export const caseWorkflowId = (caseId: string): string => `case-${caseId}`;

/** Error types of refused updates (the same as the procurement ones); the API maps them to 403, 409 and 422. */
export { REFUSAL_ERROR_TYPES } from '../procurement/messages.js';
