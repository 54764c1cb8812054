import { Inject, Injectable } from '@nestjs/common';
import { type Client, isGrpcDeadlineError, isGrpcServiceError, ServiceError, WorkflowNotFoundError } from '@temporalio/client';
// The client's own decoding of stored payloads (through the payload codec); the SDK does not export it from its index.
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow/index.js';
import protos from '@temporalio/proto';
import type { ApplyCommandsInput, ApplyCommandsResult } from '../../../../../activities/procurement-projections.js';
import type { AppConfig } from '../../../../../src/config/config.js';
import { localActivityOf } from '../../../../../src/infra/temporal/local-activity-marker.js';
import { ServiceUnavailableError } from '../../common/domain-errors.js';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../../common/injection-tokens.js';
import { ProcurementWorkflowsGateway } from '../../procurement/procurement-workflows.gateway.js';

// @temporalio/proto is CommonJS without static named exports, so ESM code takes it whole.
const { temporal } = protos;

type HistoryEvent = protos.temporal.api.history.v1.IHistoryEvent;

/** The activity that projects a procurement workflow's commands, run locally first or as a regular activity. */
const PROJECTION_ACTIVITY = 'applyCommands';

/** How long one call to Temporal may take before the API answers 503. */
const TEMPORAL_DEADLINE_MS = 10_000;

/** An activity of a workflow that has failed at least once and waits for its next attempt. */
export interface FailingActivity {
  readonly activityId: string;
  readonly activity: string;
  readonly attempt: number;
  readonly lastFailure: string | null;
}

/** What Temporal says about a workflow that ops staff repair. */
export interface RepairTarget {
  readonly running: boolean;
  readonly status: string;
  /** The cycle's jurisdiction from the workflow's memo; contracts carry none. */
  readonly memoJurisdiction: string | undefined;
  readonly failing: FailingActivity[];
}

/**
 * The repairs' door to Temporal: describes a workflow's failing activities and asks Temporal to run them
 * again now (the ResetActivity API: attempt count back to 1, any backoff wait skipped; the workflow sees
 * nothing but the activity's eventual result, so its history replays unchanged).
 */
@Injectable()
export class RepairGateway {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly workflows: ProcurementWorkflowsGateway,
  ) {}

  /** The workflow as Temporal sees it, or undefined when Temporal knows no such workflow. */
  async target(workflowId: string): Promise<RepairTarget | undefined> {
    try {
      const description = await this.temporal(workflowId, () => this.client.workflow.getHandle(workflowId).describe());
      const memo = (description.memo ?? {}) as { jurisdiction?: unknown };
      const failing = await Promise.all(
        (description.raw.pendingActivities ?? [])
          .filter((activity) => (activity.attempt ?? 1) > 1 || activity.lastFailure)
          .map(async (activity): Promise<FailingActivity> => ({
            activityId: activity.activityId ?? '',
            activity: activity.activityType?.name ?? '',
            attempt: activity.attempt ?? 1,
            lastFailure: await this.workflows.failureMessage(activity.lastFailure),
          })),
      );
      return {
        running: description.status.name === 'RUNNING',
        status: description.status.name,
        memoJurisdiction: typeof memo.jurisdiction === 'string' ? memo.jurisdiction : undefined,
        failing,
      };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Where to reset a workflow so that it stands at the start of the step it entered with command
   * `enteredSeq` at `enteredAt` (its workflow time): the workflow task that entered the step is the one
   * that started at that instant, at or before the task that scheduled the projection carrying the entry;
   * the reset point is the completion of the workflow task after it, so the entry is kept and everything
   * after it is undone. Also the highest seq the kept tasks projected, above which commands are undone.
   * Undefined when this run's history does not hold the entry (it happened in an earlier run, or never).
   */
  async resetPoint(workflowId: string, enteredSeq: number, enteredAt: Date): Promise<ResetPoint | undefined> {
    const handle = this.client.workflow.getHandle(workflowId);
    const description = await this.temporal(workflowId, () => handle.describe());
    const history = await this.temporal(workflowId, () => handle.fetchHistory());
    const events = history.events ?? [];
    const idOf = (event: (typeof events)[number]) => Number(event.eventId ?? 0);
    const projected = await this.projectedBatches(events);
    const carrying = projected.find((batch) => batch.seqs.includes(enteredSeq));
    if (!carrying) return undefined;
    const taskStarts = events.filter((event) => event.workflowTaskStartedEventAttributes && idOf(event) < carrying.completedEventId);
    const entering = [...taskStarts].reverse().find((event) => event.eventTime && dateOf(event.eventTime)?.getTime() === enteredAt.getTime());
    if (!entering) return undefined;
    const enteredIn = events.find((event) => event.workflowTaskCompletedEventAttributes && idOf(event) > idOf(entering));
    if (!enteredIn) return undefined;
    const next = events.find((event) => event.workflowTaskCompletedEventAttributes && idOf(event) > idOf(enteredIn));
    const kept = projected.filter((batch) => batch.completedEventId <= idOf(enteredIn)).flatMap((batch) => batch.seqs);
    return { runId: description.runId, eventId: next ? idOf(next) : undefined, lastKeptSeq: Math.max(enteredSeq, ...kept) };
  }

  /**
   * The projections of a run's history, each with the seqs it carried and the completion event of the
   * workflow task that asked for it. A projection is either a regular `applyCommands` activity (its
   * input names the commands) or, in runs that project locally first, a local activity's marker (its
   * result names the seqs applied and those found applied before). A local attempt that failed has no
   * result: its batch went to the regular activity, which is counted instead. Payloads are decoded, as
   * they are encrypted at rest.
   */
  private async projectedBatches(events: readonly HistoryEvent[]): Promise<Array<{ completedEventId: number; seqs: number[] }>> {
    const converter = this.client.options.loadedDataConverter;
    const batches: Array<{ completedEventId: number; seqs: number[] }> = [];
    for (const event of events) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === PROJECTION_ACTIVITY) {
        const [input] = (await decodeArrayFromPayloads(converter, scheduled.input?.payloads)) as [ApplyCommandsInput | undefined];
        batches.push({ completedEventId: Number(scheduled.workflowTaskCompletedEventId ?? 0), seqs: (input?.commands ?? []).map((command) => command.seq) });
        continue;
      }
      const marker = event.markerRecordedEventAttributes;
      if (!marker || localActivityOf(marker)?.activityType !== PROJECTION_ACTIVITY) continue;
      const resultPayloads = marker.details?.['result']?.payloads;
      if (!resultPayloads?.length) continue;
      const [result] = (await decodeArrayFromPayloads(converter, resultPayloads)) as [ApplyCommandsResult | undefined];
      batches.push({ completedEventId: Number(marker.workflowTaskCompletedEventId ?? 0), seqs: [...(result?.applied ?? []), ...(result?.skipped ?? [])] });
    }
    return batches;
  }

  /**
   * Resets the run to `eventId` (a WorkflowTaskCompleted): history after it is dropped and a new run goes on
   * from there. Nothing beyond the point is reapplied — no signal, no update — or the undone decisions would
   * come back. Temporal dedupes a repeated `requestId`.
   */
  async reset(workflowId: string, runId: string, eventId: number, reason: string, requestId: string): Promise<string> {
    const answer = await this.temporal(workflowId, () =>
      this.client.workflowService.resetWorkflowExecution({
        namespace: this.config.temporal.namespace,
        workflowExecution: { workflowId, runId },
        reason,
        // protobufjs writes an int64 from a plain number; the generated type names only its Long class.
        workflowTaskFinishEventId: eventId as unknown as protos.temporal.api.workflowservice.v1.IResetWorkflowExecutionRequest['workflowTaskFinishEventId'],
        requestId,
        resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_NONE,
        resetReapplyExcludeTypes: [temporal.api.enums.v1.ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL, temporal.api.enums.v1.ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE],
      }),
    );
    return answer.runId ?? '';
  }

  /** Asks Temporal to run the activity again at once, with a fresh attempt count and its original options. */
  async retryNow(workflowId: string, activityId: string, identity: string): Promise<void> {
    await this.temporal(workflowId, () =>
      this.client.workflowService.resetActivity({
        namespace: this.config.temporal.namespace,
        execution: { workflowId },
        identity,
        id: activityId,
        resetHeartbeat: false,
        keepPaused: false,
        restoreOriginalOptions: false,
      }),
    );
  }

  private async temporal<T>(workflowId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await this.client.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, call);
    } catch (error) {
      const grpc = error instanceof ServiceError ? error.cause : error;
      if (isGrpcDeadlineError(error) || isGrpcDeadlineError(grpc) || (isGrpcServiceError(grpc) && grpc.code === GRPC_UNAVAILABLE)) {
        throw new ServiceUnavailableError(`Temporal could not be asked about ${workflowId} in time. Try again shortly with the same requestId.`);
      }
      throw error;
    }
  }
}

/** Where a reset goes (see `RepairGateway.resetPoint`); `eventId` undefined: nothing has happened since the step was entered. */
export interface ResetPoint {
  readonly runId: string;
  readonly eventId: number | undefined;
  readonly lastKeptSeq: number;
}

function dateOf(timestamp: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined): Date | null {
  if (!timestamp) return null;
  const seconds = typeof timestamp.seconds === 'number' ? timestamp.seconds : (timestamp.seconds?.toNumber() ?? 0);
  return new Date(seconds * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000));
}

/** gRPC status UNAVAILABLE: the server is down or unreachable. */
const GRPC_UNAVAILABLE = 14;

