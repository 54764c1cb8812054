import type { Client } from '@temporalio/client';
import protos, { type temporal } from '@temporalio/proto';

// @temporalio/proto is CommonJS without static named exports, so ESM code takes it whole.
const { History } = protos.temporal.api.history.v1;
const { Payloads } = protos.temporal.api.common.v1;
const { EventType } = protos.temporal.api.enums.v1;

/** The events of the workflow tasks themselves, not of what the workflow did in them. */
const WORKFLOW_TASK_EVENTS: ReadonlySet<number> = new Set([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
]);

type RunHistory = temporal.api.history.v1.IHistory;
type Payloads = temporal.api.common.v1.IPayloads;

/** What a workflow's history costs Temporal: every run of its continue-as-new chain added up. */
export interface HistoryCost {
  readonly runs: number;
  readonly events: number;
  /**
   * Of `events`, those of workflow tasks (scheduled, started, completed…). How many workflow tasks a run
   * takes depends on timing: the server hands a worker two activity results or timers that land together
   * in one workflow task, or in two, three events apart. Everything else the workflow records is the same
   * on every run of the same drive, so `events - workflowTaskEvents` is the deterministic count.
   */
  readonly workflowTaskEvents: number;
  /** The size of each run's `temporal.api.history.v1.History` protobuf as the server sends it, summed. */
  readonly bytes: number;
  /**
   * Of `bytes`, the workflow inputs as stored (encoded, i.e. encrypted where a codec encrypts): what the
   * run was started with, what it continues as new with, and what each child it starts is given. For a
   * cycle or contract that is mostly the compiled definition and the calendars, carried again each time.
   */
  readonly inputBytes: number;
  /** Of `bytes`, the inputs of the activities the workflow scheduled (projections, exports, evidence). */
  readonly activityInputBytes: number;
}

export const NO_COST: HistoryCost = { runs: 0, events: 0, workflowTaskEvents: 0, bytes: 0, inputBytes: 0, activityInputBytes: 0 };

function payloadBytes(payloads: Payloads | null | undefined): number {
  return payloads ? Payloads.encode(payloads).finish().length : 0;
}

/** The cost of one run's history. Pure: counts and sizes only, payloads are not decoded. */
export function costOfRun(history: RunHistory): HistoryCost {
  let inputBytes = 0;
  let activityInputBytes = 0;
  let workflowTaskEvents = 0;
  const events = history.events ?? [];
  for (const event of events) {
    inputBytes +=
      payloadBytes(event.workflowExecutionStartedEventAttributes?.input) +
      payloadBytes(event.workflowExecutionContinuedAsNewEventAttributes?.input) +
      payloadBytes(event.startChildWorkflowExecutionInitiatedEventAttributes?.input);
    activityInputBytes += payloadBytes(event.activityTaskScheduledEventAttributes?.input);
    if (WORKFLOW_TASK_EVENTS.has(event.eventType ?? 0)) workflowTaskEvents++;
  }
  return { runs: 1, events: events.length, workflowTaskEvents, bytes: History.encode(history).finish().length, inputBytes, activityInputBytes };
}

/** Costs added up field by field (runs of one chain, or a cycle with its contracts). */
export function addCosts(costs: readonly HistoryCost[]): HistoryCost {
  return costs.reduce(
    (sum, cost) => ({
      runs: sum.runs + cost.runs,
      events: sum.events + cost.events,
      workflowTaskEvents: sum.workflowTaskEvents + cost.workflowTaskEvents,
      bytes: sum.bytes + cost.bytes,
      inputBytes: sum.inputBytes + cost.inputBytes,
      activityInputBytes: sum.activityInputBytes + cost.activityInputBytes,
    }),
    NO_COST,
  );
}

/**
 * Every run of `workflowId`'s continue-as-new chain, first to last. Asked for a workflow id alone, the
 * server answers with the latest run only; that run's started event names the chain's first run
 * (`firstExecutionRunId`), and each run that continued as new names the next in its last event
 * (`workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId`), so the chain is walked from
 * the first run forward. A run still open when fetched is counted as far as it has got.
 */
export async function runsOf(client: Client, workflowId: string): Promise<RunHistory[]> {
  const latest: RunHistory = await client.workflow.getHandle(workflowId).fetchHistory();
  const first = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId;
  if (!first) return [latest];
  const runs: RunHistory[] = [];
  const seen = new Set<string>();
  for (let runId: string | null | undefined = first; runId && !seen.has(runId); ) {
    seen.add(runId);
    const run: RunHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push(run);
    runId = run.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}

/** The history cost of `workflowId`: every run of its chain (not its children: measure those by their own ids). */
export async function historyCost(client: Client, workflowId: string): Promise<HistoryCost> {
  return addCosts((await runsOf(client, workflowId)).map(costOfRun));
}
