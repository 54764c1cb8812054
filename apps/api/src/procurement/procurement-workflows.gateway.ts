import { Inject, Injectable } from '@nestjs/common';
import {
  ApplicationFailure,
  type Client,
  isGrpcDeadlineError,
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
// The client's own way to turn a stored failure back into an error, through the data converter and any
// payload codec (a codec may encrypt failure messages); the SDK does not export it from its index.
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { PROJECTION_ACTIVITIES } from '../../../../activities/procurement-projections.js';
import type { AppConfig } from '../../../../src/config/config.js';
import { requestFingerprint, updateIdOf } from '../../../../src/procurement/request-fingerprint.js';
import {
  cancelCycleUpdate,
  type CancelRequest,
  decideTaskUpdate,
  type DecideTaskRequest,
  fileChallengeUpdate,
  type FileChallengeRequest,
  type MessageResult,
  type ProcurementCycleInput,
  rebuildReadModelUpdate,
  type RebuildReadModelRequest,
  REFUSAL_ERROR_TYPES,
  repairTaskUpdate,
  type RepairTaskRequest,
  submitBidUpdate,
  type SubmitBidRequest,
  type WorkflowSnapshot,
  workflowSnapshotQuery,
} from '../../../../workflows/procurement/messages.js';
import type { procurementCycleWorkflow } from '../../../../workflows/procurement/procurement-cycle.workflow.js';
import { ConflictError, type DomainError, type FieldProblem, ForbiddenError, ServiceUnavailableError, ValidationError } from '../common/domain-errors.js';
import { APP_CONFIG, LOGGER, TEMPORAL_CLIENT } from '../common/injection-tokens.js';
import type { Logger } from '../../../../src/logging/logger.js';
import { ensureSearchAttributes } from '../../../../src/infra/temporal/search-attribute-registry.js';
import { startSearchAttributes } from '../../../../workflows/search-attributes.js';

/** How long an update may take before the API answers 503 (the update itself may still complete). */
const UPDATE_DEADLINE_MS = 30_000;
/** How long the live snapshot query of a cycle's detail may take before it is left out. */
const QUERY_DEADLINE_MS = 3_000;
/** How long starting a workflow or describing one may take before the API answers 503. */
const START_DEADLINE_MS = 10_000;

/** A request as a service builds it; the gateway adds its fingerprint. */
type Unsigned<R extends { fingerprint: string }> = Omit<R, 'fingerprint'>;

/** The request with the fingerprint of what it asks of which workflow (see request-fingerprint.ts). */
function withFingerprint<R extends { fingerprint: string }>(kind: string, workflowId: string, request: Unsigned<R>): R {
  return { ...request, fingerprint: requestFingerprint(kind, { workflowId, request }) } as R;
}

/** What a cycle workflow carries in its memo, so the API can find a cycle before the read model shows it. */
export interface CycleMemo {
  readonly jurisdiction: string;
  readonly definitionKey: string;
  readonly definitionVersion: number;
  readonly title: { readonly zh: string; readonly en: string };
  readonly launchedBy: string;
}

/** Whether a workflow exists and runs, as Temporal describes it. */
export interface WorkflowPresence {
  readonly running: boolean;
  readonly status: string;
  readonly startTime: Date;
  readonly memo: Partial<CycleMemo>;
}

/**
 * A projection of a workflow that has failed at least once and waits to be tried again: the read model
 * lacks what the workflow committed since `since`, until an attempt lands.
 */
export interface LaggingProjection {
  readonly workflowId: string;
  /** The projection activity, e.g. `applyCommands`. */
  readonly activity: string;
  /** The attempt Temporal is on: 2 after the first failure. */
  readonly attempt: number;
  /** The last failed attempt's message, on one line, bounded in length. */
  readonly lastFailure: string | null;
  /** When the workflow asked for this projection (its ActivityTaskScheduled event); null when not found. */
  readonly since: Date | null;
  /** When the last failed attempt ended. */
  readonly lastFailedAt: Date | null;
  /** When Temporal tries again; null while an attempt runs. */
  readonly nextAttemptAt: Date | null;
}

/** The live view of a running workflow, or why there is none. */
export type LiveSnapshot = { readonly snapshot: WorkflowSnapshot } | { readonly unavailable: string };

/**
 * The API's only door to the procurement workflows: starts cycles, sends the updates of
 * workflows/procurement/messages.ts and queries snapshots. Refusals of the workflows' update validators
 * (ApplicationFailure of type Forbidden, Conflict or Invalid, details `[{ field }]`) become the domain
 * errors the exception filter maps to 403, 409 and 422; a workflow that has ended refuses with 409.
 */
@Injectable()
export class ProcurementWorkflowsGateway {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Starts a cycle workflow whose id is `input.cycleId`. Resolves `false` when a workflow with that id
   * was already started (a repeated launch request): nothing new is started then.
   */
  async startCycle(input: ProcurementCycleInput, memo: CycleMemo): Promise<boolean> {
    const searchable = await ensureSearchAttributes(this.client, this.config.temporal.namespace, (problem) => this.logger.warn(problem));
    try {
      await this.client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
        this.client.workflow.start<typeof procurementCycleWorkflow>('procurementCycleWorkflow', {
          taskQueue: this.config.temporal.taskQueues.procurement,
          workflowId: input.cycleId,
          args: [input],
          memo: { ...memo },
          ...(searchable.available
            ? { typedSearchAttributes: startSearchAttributes({ kind: 'cycle', jurisdiction: input.jurisdiction, definitionKey: memo.definitionKey, step: input.definition.steps[0]?.id }) }
            : {}),
          // A cycle id is never reused, even after its cycle has ended.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
      if (isTemporalUnreachable(error)) {
        throw new ServiceUnavailableError(
          `Temporal did not take the new cycle (${describe(error)}). Whether ${input.cycleId} started is unknown: launch again with a requestId, ` +
            'which starts a cycle at most once.',
        );
      }
      throw error;
    }
  }

  /** Ops staff's repair of an open task (extend, reassign, escalate), idempotent by request id like a decision. */
  repairTask(workflowId: string, request: Unsigned<RepairTaskRequest>): Promise<MessageResult> {
    const signed = withFingerprint('repairTask', workflowId, request);
    return this.update(workflowId, request.requestId, () =>
      this.client.workflow.getHandle(workflowId).executeUpdate(repairTaskUpdate, { args: [signed], updateId: updateIdOf(signed.requestId, signed.fingerprint) }),
    );
  }

  /** Ops staff's rebuild of a workflow's read model from its state, idempotent by request id like a decision. */
  rebuildReadModel(workflowId: string, request: Unsigned<RebuildReadModelRequest>): Promise<MessageResult> {
    const signed = withFingerprint('rebuildReadModel', workflowId, request);
    return this.update(workflowId, request.requestId, () =>
      this.client.workflow.getHandle(workflowId).executeUpdate(rebuildReadModelUpdate, { args: [signed], updateId: updateIdOf(signed.requestId, signed.fingerprint) }),
    );
  }

  decideTask(workflowId: string, request: Unsigned<DecideTaskRequest>): Promise<MessageResult> {
    const signed = withFingerprint('decideTask', workflowId, request);
    return this.update(workflowId, request.requestId, () =>
      this.client.workflow.getHandle(workflowId).executeUpdate(decideTaskUpdate, { args: [signed], updateId: updateIdOf(signed.requestId, signed.fingerprint) }),
    );
  }

  submitBid(cycleId: string, request: Unsigned<SubmitBidRequest>): Promise<MessageResult> {
    const signed = withFingerprint('submitBid', cycleId, request);
    return this.update(cycleId, request.requestId, () =>
      this.client.workflow.getHandle(cycleId).executeUpdate(submitBidUpdate, { args: [signed], updateId: updateIdOf(signed.requestId, signed.fingerprint) }),
    );
  }

  fileChallenge(cycleId: string, request: Unsigned<FileChallengeRequest>): Promise<MessageResult> {
    const signed = withFingerprint('fileChallenge', cycleId, request);
    return this.update(cycleId, request.requestId, () =>
      this.client.workflow.getHandle(cycleId).executeUpdate(fileChallengeUpdate, { args: [signed], updateId: updateIdOf(signed.requestId, signed.fingerprint) }),
    );
  }

  cancelCycle(cycleId: string, request: Unsigned<CancelRequest>): Promise<MessageResult> {
    const signed = withFingerprint('cancelCycle', cycleId, request);
    return this.update(cycleId, request.requestId, () =>
      this.client.workflow.getHandle(cycleId).executeUpdate(cancelCycleUpdate, { args: [signed], updateId: updateIdOf(signed.requestId, signed.fingerprint) }),
    );
  }

  /** Describes a workflow (latest run); undefined when Temporal has never heard of it. */
  async presence(workflowId: string): Promise<WorkflowPresence | undefined> {
    try {
      const description = await this.client.withDeadline(Date.now() + START_DEADLINE_MS, () => this.client.workflow.getHandle(workflowId).describe());
      const memo = description.memo ?? {};
      return { running: description.status.name === 'RUNNING', status: description.status.name, startTime: description.startTime, memo: memo as Partial<CycleMemo> };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      if (isTemporalUnreachable(error)) throw new ServiceUnavailableError(`Temporal could not be asked about ${workflowId}: ${describe(error)}. Try again shortly.`);
      throw error;
    }
  }

  /** The workflow's own account of what it waits for; never throws, says why when there is none. */
  async snapshot(workflowId: string): Promise<LiveSnapshot> {
    const deadline = Date.now() + QUERY_DEADLINE_MS;
    try {
      const snapshot = await this.client.withDeadline(deadline, () => this.client.workflow.getHandle(workflowId).query(workflowSnapshotQuery));
      return { snapshot };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { unavailable: 'the workflow is not known to Temporal' };
      // The client wraps a deadline that passes inside its call in a ServiceError ("Failed to query Workflow"),
      // sometimes more than once: the deadline is anywhere in the chain of causes. On a busy machine gRPC may
      // report the expiry as a cancelled call instead; once the deadline has passed, that means the same.
      const chain = causesOf(error);
      const expired = Date.now() >= deadline && chain.some((cause) => isGrpcServiceError(cause) && cause.code === GRPC_CANCELLED);
      if (expired || chain.some((cause) => isGrpcDeadlineError(cause) || (cause instanceof Error && /deadline exceeded/i.test(cause.message)))) {
        return { unavailable: `the workflow did not answer within ${QUERY_DEADLINE_MS / 1000} s (is a worker running?)` };
      }
      return { unavailable: chain.map((cause) => (cause instanceof Error ? cause.message : String(cause))).join(': ') };
    }
  }

  /**
   * The projections of a workflow that have failed and wait to be retried, from Temporal's description
   * of the workflow (its pending activities); an empty list when its read model is current. Needs no
   * worker. Never throws: when Temporal cannot describe the workflow, `unavailable` says why.
   */
  async laggingProjections(workflowId: string): Promise<{ readonly lagging: LaggingProjection[] } | { readonly unavailable: string }> {
    try {
      return await this.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, async () => {
        const description = await this.client.workflow.getHandle(workflowId).describe();
        const failing = (description.raw.pendingActivities ?? []).filter(
          (activity) => PROJECTION_NAMES.has(activity.activityType?.name ?? '') && ((activity.attempt ?? 1) > 1 || activity.lastFailure),
        );
        const lagging = await Promise.all(
          failing.map(async (activity): Promise<LaggingProjection> => ({
            workflowId,
            activity: activity.activityType?.name ?? '',
            attempt: activity.attempt ?? 1,
            lastFailure: await this.failureMessage(activity.lastFailure),
            since: await this.scheduledAt(workflowId, description.runId, activity.activityId ?? ''),
            lastFailedAt: dateOf(activity.lastAttemptCompleteTime),
            nextAttemptAt: dateOf(activity.nextAttemptScheduleTime),
          })),
        );
        return { lagging };
      });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { unavailable: 'the workflow is not known to Temporal' };
      return { unavailable: isTemporalUnreachable(error) ? `Temporal did not answer (${describe(error)})` : error instanceof Error ? error.message : String(error) };
    }
  }

  /** The failure's message as the client decodes it (a codec may have encrypted it), first line only, bounded. */
  async failureMessage(failure: PendingActivity['lastFailure']): Promise<string | null> {
    if (!failure) return null;
    let message = failure.message ?? '';
    try {
      message = (await decodeOptionalFailureToOptionalError(this.client.options.loadedDataConverter, failure))?.message ?? message;
    } catch {
      // A failure this API cannot decode (a key it does not hold) still says that the projection fails.
      message = message || 'a failure this API cannot decode';
    }
    const line = message.split('\n')[0] ?? '';
    return line.length > MAX_FAILURE_MESSAGE ? `${line.slice(0, MAX_FAILURE_MESSAGE - 1)}…` : line;
  }

  /**
   * When the activity was scheduled: Temporal's description gives only the current attempt's times, so
   * the history is read backwards (a pending activity was scheduled near its end) for a bounded number
   * of events. Null when it is not found there, or the history cannot be read now: the lag is still
   * reported, only without its start.
   */
  private async scheduledAt(workflowId: string, runId: string, activityId: string): Promise<Date | null> {
    let nextPageToken: Uint8Array | undefined;
    try {
      for (let page = 0; page < HISTORY_PAGES_SEARCHED; page++) {
        const response = await this.client.workflowService.getWorkflowExecutionHistoryReverse({
          namespace: this.config.temporal.namespace,
          execution: { workflowId, runId },
          maximumPageSize: HISTORY_PAGE_SIZE,
          ...(nextPageToken ? { nextPageToken } : {}),
        });
        const scheduled = response.history?.events?.find((event) => event.activityTaskScheduledEventAttributes?.activityId === activityId);
        if (scheduled) return dateOf(scheduled.eventTime);
        if (!response.nextPageToken?.length) return null;
        nextPageToken = response.nextPageToken;
      }
    } catch (error) {
      if (isTemporalUnreachable(error) || isGrpcServiceError(error instanceof ServiceError ? error.cause : error)) return null;
      throw error;
    }
    return null;
  }

  private async update(workflowId: string, requestId: string, send: () => Promise<MessageResult>): Promise<MessageResult> {
    try {
      return await this.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, send);
    } catch (error) {
      throw refusalOf(error) ?? unavailableOf(error, workflowId, requestId) ?? error;
    }
  }
}

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

const PROJECTION_NAMES: ReadonlySet<string> = new Set(PROJECTION_ACTIVITIES);
/** Longest failure message reported: enough for the cause, not a page of stack. */
const MAX_FAILURE_MESSAGE = 500;
/** How far back a pending activity's scheduling is looked for: a stuck workflow adds few events. */
const HISTORY_PAGE_SIZE = 200;
const HISTORY_PAGES_SEARCHED = 5;

function dateOf(timestamp: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined): Date | null {
  if (!timestamp) return null;
  const seconds = typeof timestamp.seconds === 'number' ? timestamp.seconds : (timestamp.seconds?.toNumber() ?? 0);
  return new Date(seconds * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000));
}

/** The domain error a refused update stands for, or undefined when `error` is not a refusal. */
export function refusalOf(error: unknown): DomainError | undefined {
  if (error instanceof WorkflowNotFoundError) {
    return new ConflictError(`${error.workflowId || 'The workflow'} has ended or does not exist: it takes no more requests.`);
  }
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) return undefined;
  const failure = error.cause;
  const details = problemsOf(failure.details, failure.message);
  const message = sentence(failure.message);
  switch (failure.type) {
    case REFUSAL_ERROR_TYPES.forbidden:
      return new ForbiddenError(message, details);
    case REFUSAL_ERROR_TYPES.conflict:
      return new ConflictError(message, details);
    case REFUSAL_ERROR_TYPES.invalid:
      return new ValidationError(message, details);
    default:
      return undefined;
  }
}

/** Temporal did not answer: a deadline passed, or the server could not be reached. */
function isTemporalUnreachable(error: unknown): boolean {
  // The client wraps most gRPC failures in a ServiceError whose cause is the gRPC error.
  const grpc = error instanceof ServiceError ? error.cause : error;
  return isGrpcDeadlineError(error) || isGrpcDeadlineError(grpc) || (isGrpcServiceError(grpc) && grpc.code === GRPC_UNAVAILABLE);
}

/** gRPC status UNAVAILABLE: the server is down or unreachable. */
const GRPC_UNAVAILABLE = 14;
/** gRPC's status CANCELLED. */
const GRPC_CANCELLED = 1;

function describe(error: unknown): string {
  const grpc = error instanceof ServiceError ? error.cause : error;
  return isGrpcDeadlineError(error) || isGrpcDeadlineError(grpc) ? 'no answer in time' : grpc instanceof Error ? grpc.message : String(grpc);
}

function unavailableOf(error: unknown, workflowId: string, requestId: string): DomainError | undefined {
  if (!(error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) && !isTemporalUnreachable(error)) return undefined;
  return new ServiceUnavailableError(
    `${workflowId} did not answer within ${UPDATE_DEADLINE_MS / 1000} s (is a worker running?). The request may still take effect: ` +
      `send it again with the same requestId "${requestId}" to learn its outcome; it will not take effect twice.`,
  );
}

/** The fields a refusal names, each with its own problem when the workflow gave one (a broken check), else the refusal's message. */
function problemsOf(details: readonly unknown[] | undefined | null, message: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const detail of details ?? []) {
    if (!detail || typeof detail !== 'object' || !('field' in detail) || typeof detail.field !== 'string' || !detail.field) continue;
    const problem = 'problem' in detail && typeof detail.problem === 'string' ? detail.problem : message;
    problems.push({ field: detail.field, problem });
  }
  return problems;
}

function sentence(text: string): string {
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?。]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** An error and the causes it wraps, outermost first (a few levels: the client nests at most two or three). */
function causesOf(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let cause = error; cause !== undefined && cause !== null && chain.length < 5; cause = cause instanceof Error ? cause.cause : undefined) chain.push(cause);
  return chain;
}
