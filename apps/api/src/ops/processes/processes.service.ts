import { Inject, Injectable } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../../../../src/config/config.js';
import type { ProcedureDefinition } from '../../../../../src/definitions/procedure/procedure.schema.js';
import { type Identity, NATIONAL_JURISDICTION } from '../../../../../src/identity/identity.js';
import { localActivityOf } from '../../../../../src/infra/temporal/local-activity-marker.js';
import { submitBidUpdate } from '../../../../../workflows/procurement/messages.js';
import { mayReadSealedBids } from '../../access/read-access.js';
import { NotFoundError } from '../../common/domain-errors.js';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../../common/injection-tokens.js';
import { DefinitionsRepository } from '../../definitions/definitions.repository.js';
import {
  decodeCursor,
  encodeCursor,
  type ListProcessesQueryDto,
  PROCESSES_SQL,
  type ProcessRow,
  processPageSql,
  type ProcessScope,
} from './process-filter.js';
import type { InspectTaskDto, PendingActivityDto, ProcessInspectionDto, ProcessListDto, ProcessSummaryDto, TimelineEntryDto } from './processes.dto.js';

// @temporalio/proto is CommonJS without static named exports, so ESM code takes it whole.
const { EventType, PendingActivityState } = protos.temporal.api.enums.v1;
type HistoryEvent = protos.temporal.api.history.v1.IHistoryEvent;

const DEFAULT_LIMIT = 50;
/** Temporal answers ops reads within this, or the inspection says it did not. */
const TEMPORAL_DEADLINE_MS = 5_000;
/** The update a bid is handed in by, and the projection activity that records it: both exist only because of a bid. */
const BID_UPDATE = submitBidUpdate.name;
const BID_PROJECTION_ACTIVITY = 'recordBid';

/** The ops view of processes: the filtered list from the read model, and one process with its Temporal history. */
@Injectable()
export class ProcessesService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly definitions: DefinitionsRepository,
  ) {}

  async list(user: Identity, query: ListProcessesQueryDto): Promise<ProcessListDto> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const { sql, params } = processPageSql(query, scopeOf(user), new Date(), cursor, limit);
    const rows: Array<ProcessRow & { started_key: string }> = await this.dataSource.query(sql, params);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      processes: page.map(toSummary),
      nextCursor: rows.length > limit && last ? encodeCursor({ startedAt: last.started_key, workflowId: last.workflow_id }) : null,
    };
  }

  /** One process: read model and Temporal together. Another jurisdiction's process answers 404, as a missing one does. */
  async inspect(user: Identity, workflowId: string): Promise<ProcessInspectionDto> {
    const scope = scopeOf(user);
    const rows: ProcessRow[] = await this.dataSource.query(
      `SELECT p.* FROM (${PROCESSES_SQL}) p WHERE p.workflow_id = $1${scope.jurisdiction === undefined ? '' : ' AND p.jurisdiction = $2'}`,
      scope.jurisdiction === undefined ? [workflowId] : [workflowId, scope.jurisdiction],
    );
    const row = rows[0];
    if (!row) throw new NotFoundError(`No process ${workflowId} in the read model, or it belongs to another jurisdiction.`);

    const bidsSealed = await this.bidsSealedFrom(user, row);
    const [domain, tasks, temporal] = await Promise.all([this.domainEvents(row), this.openTasks(row), this.temporal(workflowId, bidsSealed)]);
    const timeline = [...domain, ...temporal.timeline].sort((a, b) => a.at.localeCompare(b.at) || (a.eventId ?? 0) - (b.eventId ?? 0));
    const webUi = this.config.codecOrigins[0];
    return {
      ...toSummary(row),
      temporalStatus: temporal.status,
      temporalUnavailable: temporal.unavailable,
      timeline,
      tasks,
      pendingActivities: temporal.pending,
      webUiUrl: webUi ? `${webUi}/namespaces/${encodeURIComponent(this.config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}` : null,
    };
  }

  /**
   * Whether the cycle's bids are sealed from `user`: its round's bidding is open (as the read model has it)
   * and `user` may not read sealed bids of it — the rule of the cycle detail (read-access.ts). Each bid is
   * an update in the cycle's history, so a timeline showing them would give away how many bids came in and
   * when, which the README promises such a user does not learn.
   */
  private async bidsSealedFrom(user: Identity, row: ProcessRow): Promise<boolean> {
    if (row.kind !== 'cycle') return false;
    const cycles: Array<{ bidding_open: boolean }> = await this.dataSource.query(`SELECT bidding_open FROM cycles WHERE id = $1`, [row.workflow_id]);
    if (!cycles[0]?.bidding_open) return false;
    const version = await this.definitions.findVersion(row.definition_key, row.definition_version);
    return !mayReadSealedBids(user, row.jurisdiction, version?.compiled as ProcedureDefinition | undefined);
  }

  /** Decisions, notices, payments, case events and audit entries of the process, from the read model. */
  private async domainEvents(row: ProcessRow): Promise<TimelineEntryDto[]> {
    const id = row.workflow_id;
    const entries: TimelineEntryDto[] = [];
    const decisions: Array<{ at: Date; id: string; node_id: string; outcome: string | null; decided_by: string | null }> = await this.dataSource.query(
      `SELECT decided_at AS at, id, node_id, outcome, decided_by FROM tasks WHERE workflow_id = $1 AND decided_at IS NOT NULL`,
      [id],
    );
    for (const d of decisions) entries.push(domain(d.at, 'decision', `task ${d.node_id} (${d.id}) decided ${d.outcome ?? ''} by ${d.decided_by ?? 'unknown'}`.replace(/\s+/g, ' ')));
    const notices: Array<{ at: Date; notice_id: string; kind: string }> = await this.dataSource.query(
      `SELECT published_at AS at, notice_id, kind FROM public_notices WHERE workflow_id = $1`,
      [id],
    );
    for (const n of notices) entries.push(domain(n.at, 'notice', `${n.kind} notice ${n.notice_id} published`));
    const payments: Array<{ at: Date; tranche_id: string; id: string }> = await this.dataSource.query(
      `SELECT instructed_at AS at, tranche_id, id FROM payments WHERE workflow_id = $1`,
      [id],
    );
    for (const p of payments) entries.push(domain(p.at, 'payment', `payment ${p.id} of tranche ${p.tranche_id} instructed`));
    if (row.kind === 'case') {
      const events: Array<{ at: Date; type: string }> = await this.dataSource.query(`SELECT occurred_at AS at, type FROM case_events WHERE workflow_id = $1`, [id]);
      for (const e of events) entries.push(domain(e.at, 'caseEvent', `case event ${e.type}`));
    }
    const audits: Array<{ at: Date; action: string; actor_id: string; subject_type: string; subject_id: string }> = await this.dataSource.query(
      `SELECT occurred_at AS at, action, actor_id, subject_type, subject_id FROM audit_entries
        WHERE subject_id = $1 OR subject_id IN (SELECT id FROM tasks WHERE workflow_id = $1)`,
      [id],
    );
    for (const a of audits) entries.push(domain(a.at, 'audit', `${a.action} on ${a.subject_type} ${a.subject_id} by ${a.actor_id}`));
    return entries;
  }

  private async openTasks(row: ProcessRow): Promise<InspectTaskDto[]> {
    const rows: Array<{ id: string; role: string; title: { zh: string; en: string }; escalated_to: string[]; opened_at: Date; due_at: Date | null }> =
      row.kind === 'case'
        ? await this.dataSource.query(
            `SELECT t.id, t.role, t.title, '{}'::text[] AS escalated_to, t.opened_at, t.due_at FROM case_tasks t JOIN cases s ON s.id = t.case_id
              WHERE s.workflow_id = $1 AND t.status = 'open' ORDER BY t.opened_at, t.id`,
            [row.workflow_id],
          )
        : await this.dataSource.query(
            `SELECT id, role, title, escalated_to, opened_at, due_at FROM tasks WHERE workflow_id = $1 AND status = 'open' ORDER BY opened_at, id`,
            [row.workflow_id],
          );
    return rows.map((t) => ({
      id: t.id,
      role: t.role,
      title: t.title.zh === t.title.en ? t.title.zh : `${t.title.zh} / ${t.title.en}`,
      holders: [t.role, ...t.escalated_to.filter((role) => role !== t.role)],
      openedAt: new Date(t.opened_at).toISOString(),
      dueAt: t.due_at ? new Date(t.due_at).toISOString() : null,
    }));
  }

  /**
   * The workflow's history (event types, times, update names, attempts, failure messages — never payloads)
   * and its pending activities; with `bidsSealed`, without what the workflow did because of a bid.
   */
  private async temporal(workflowId: string, bidsSealed: boolean): Promise<{ status: string | null; unavailable: string | null; timeline: TimelineEntryDto[]; pending: PendingActivityDto[] }> {
    try {
      return await this.client.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, async () => {
        const handle = this.client.workflow.getHandle(workflowId);
        const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
        const pending = (description.raw.pendingActivities ?? [])
          // A pending bid projection would tell that a bid came in.
          .filter((activity) => !bidsSealed || activity.activityType?.name !== BID_PROJECTION_ACTIVITY)
          .map((activity) => ({
            activity: activity.activityType?.name ?? 'unknown',
            state: (PendingActivityState[activity.state ?? 0] ?? 'UNKNOWN').replace(/^PENDING_ACTIVITY_STATE_/, ''),
            attempt: activity.attempt ?? 0,
            lastFailure: activity.lastFailure?.message ?? null,
          }));
        const events = history.events ?? [];
        return { status: description.status.name, unavailable: null, timeline: historyTimeline(bidsSealed ? withoutBids(events) : events), pending };
      });
    } catch (error) {
      return { status: null, unavailable: error instanceof Error ? error.message : String(error), timeline: [], pending: [] };
    }
  }
}

function scopeOf(user: Identity): ProcessScope {
  return { jurisdiction: user.jurisdiction === NATIONAL_JURISDICTION ? undefined : user.jurisdiction };
}

function toSummary(row: ProcessRow): ProcessSummaryDto {
  return {
    kind: row.kind,
    workflowId: row.workflow_id,
    jurisdiction: row.jurisdiction,
    definitionKey: row.definition_key,
    definitionVersion: row.definition_version,
    step: row.step,
    status: row.status,
    startedAt: new Date(row.started_at).toISOString(),
    nextDueAt: row.next_due_at ? new Date(row.next_due_at).toISOString() : null,
    openTasks: row.open_tasks,
  };
}

function domain(at: Date, type: string, summary: string): TimelineEntryDto {
  return { at: new Date(at).toISOString(), source: 'readModel', type, summary };
}

/** `EVENT_TYPE_ACTIVITY_TASK_FAILED` → `activityTaskFailed`. */
function eventTypeName(type: number | null | undefined): string {
  const name = EventType[type ?? 0] ?? 'EVENT_TYPE_UNSPECIFIED';
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/** The event kinds an operator reads a process by; workflow-task bookkeeping is left out unless it failed. */
const SHOWN = new Set([
  'workflowExecutionStarted',
  'workflowExecutionCompleted',
  'workflowExecutionFailed',
  'workflowExecutionTimedOut',
  'workflowExecutionCanceled',
  'workflowExecutionTerminated',
  'workflowExecutionContinuedAsNew',
  'workflowExecutionCancelRequested',
  'workflowTaskFailed',
  'workflowTaskTimedOut',
  'activityTaskScheduled',
  'activityTaskStarted',
  'activityTaskCompleted',
  'activityTaskFailed',
  'activityTaskTimedOut',
  'activityTaskCanceled',
  'timerStarted',
  'timerFired',
  'timerCanceled',
  'workflowExecutionUpdateAccepted',
  'workflowExecutionUpdateCompleted',
  'workflowExecutionSignaled',
  'startChildWorkflowExecutionInitiated',
  'childWorkflowExecutionStarted',
  'childWorkflowExecutionCompleted',
  'childWorkflowExecutionFailed',
  'upsertWorkflowSearchAttributes',
  'localActivityCompleted',
  'localActivityFailed',
]);

/**
 * The name of the update each update event is about, by event id: accepted events carry the request;
 * completed ones carry only the update id (the accepted event's id is not always filled in).
 */
function updateNames(events: readonly HistoryEvent[]): Map<string, string> {
  const byUpdateId = new Map<string, string>();
  const names = new Map<string, string>();
  for (const event of events) {
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    const completed = event.workflowExecutionUpdateCompletedEventAttributes;
    if (accepted) {
      const name = accepted.acceptedRequest?.input?.name ?? 'unknown';
      const updateId = accepted.acceptedRequest?.meta?.updateId ?? accepted.protocolInstanceId;
      if (updateId) byUpdateId.set(updateId, name);
      names.set(String(event.eventId ?? 0), name);
    } else if (completed) {
      names.set(String(event.eventId ?? 0), byUpdateId.get(completed.meta?.updateId ?? '') ?? 'unknown');
    }
  }
  return names;
}

/**
 * The workflow task (by its scheduled event's id) whose completion issued the command an event records,
 * for the commands a bid can cause. The event names the task by its completed event or — the
 * time-skipping test server does so — its started event; both lead to the scheduled one.
 */
function issuingWorkflowTask(event: HistoryEvent, scheduledOf: ReadonlyMap<string, string>): string | undefined {
  const id =
    event.timerStartedEventAttributes?.workflowTaskCompletedEventId ??
    event.timerCanceledEventAttributes?.workflowTaskCompletedEventId ??
    event.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId ??
    event.markerRecordedEventAttributes?.workflowTaskCompletedEventId ??
    event.upsertWorkflowSearchAttributesEventAttributes?.workflowTaskCompletedEventId;
  return id === undefined || id === null ? undefined : scheduledOf.get(String(id));
}

/**
 * The history without what exists only because of a bid, for a viewer from whom the round's bids are
 * sealed: each bid update (accepted and completed), the bid's projection activity (`recordBid`, scheduled
 * by nothing else) with its attempts, and the commands of the workflow tasks that accepted or completed a
 * bid — there the timer loop cancels and restarts its timer (scope-runner.ts wakes on every change), and
 * those pairs would count the bids as surely as the updates. A command another message caused in the same
 * workflow task goes too: hiding it is the price of not guessing.
 */
function withoutBids(events: readonly HistoryEvent[]): HistoryEvent[] {
  const names = updateNames(events);
  const scheduledOf = new Map<string, string>();
  const bidWorkflowTasks = new Set<string>();
  let lastCompletedWorkflowTask: string | undefined;
  for (const event of events) {
    const eventId = String(event.eventId ?? 0);
    const started = event.workflowTaskStartedEventAttributes?.scheduledEventId;
    const completed = event.workflowTaskCompletedEventAttributes?.scheduledEventId;
    if (started !== undefined && started !== null) scheduledOf.set(eventId, String(started));
    if (completed !== undefined && completed !== null) {
      scheduledOf.set(eventId, String(completed));
      // The server writes a workflow task's update and command events right after its completed event.
      lastCompletedWorkflowTask = String(completed);
    } else if (names.get(eventId) === BID_UPDATE && lastCompletedWorkflowTask !== undefined) {
      bidWorkflowTasks.add(lastCompletedWorkflowTask);
    }
  }
  const bidActivities = new Set<string>();
  return events.filter((event) => {
    const eventId = String(event.eventId ?? 0);
    if (names.get(eventId) === BID_UPDATE) return false;
    const issuedBy = issuingWorkflowTask(event, scheduledOf);
    if (issuedBy !== undefined && bidWorkflowTasks.has(issuedBy)) {
      if (event.activityTaskScheduledEventAttributes) bidActivities.add(eventId);
      return false;
    }
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === BID_PROJECTION_ACTIVITY) {
      bidActivities.add(eventId);
      return false;
    }
    const scheduled = scheduledEventOf(event);
    return scheduled === undefined || !bidActivities.has(scheduled);
  });
}

/** The scheduled event an activity's later event points back to. */
function scheduledEventOf(event: HistoryEvent): string | undefined {
  const id =
    event.activityTaskStartedEventAttributes?.scheduledEventId ??
    event.activityTaskCompletedEventAttributes?.scheduledEventId ??
    event.activityTaskFailedEventAttributes?.scheduledEventId ??
    event.activityTaskTimedOutEventAttributes?.scheduledEventId ??
    event.activityTaskCanceledEventAttributes?.scheduledEventId;
  return id === undefined || id === null ? undefined : String(id);
}

function historyTimeline(events: readonly HistoryEvent[]): TimelineEntryDto[] {
  // Activity events after scheduling name only the scheduled event; remember its activity type.
  const activityOf = new Map<string, string>();
  const updateOf = updateNames(events);
  const entries: TimelineEntryDto[] = [];
  for (const event of events) {
    const local = event.markerRecordedEventAttributes ? localActivityOf(event.markerRecordedEventAttributes) : undefined;
    // A local activity leaves one marker, named here by its outcome; other markers (patches) are bookkeeping.
    const type = local ? (local.succeeded ? 'localActivityCompleted' : 'localActivityFailed') : eventTypeName(event.eventType);
    const eventId = Number(event.eventId ?? 0);
    if (type === 'activityTaskScheduled') activityOf.set(String(eventId), event.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown');
    if (!SHOWN.has(type)) continue;
    const seconds = Number(event.eventTime?.seconds ?? 0);
    const at = new Date(seconds * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1_000_000)).toISOString();
    const entry: TimelineEntryDto = { at, source: 'temporal', type, eventId, summary: type };
    const scheduled = scheduledEventOf(event);
    if (type === 'activityTaskScheduled') entry.activity = activityOf.get(String(eventId)) ?? 'unknown';
    else if (scheduled !== undefined) entry.activity = activityOf.get(scheduled) ?? 'unknown';
    else if (local) entry.activity = local.activityType;
    const attempt = event.activityTaskStartedEventAttributes?.attempt ?? local?.attempt;
    if (attempt !== undefined && attempt !== null) entry.attempt = attempt;
    const failure =
      event.activityTaskFailedEventAttributes?.failure?.message ?? event.workflowTaskFailedEventAttributes?.failure?.message ?? (local ? event.markerRecordedEventAttributes?.failure?.message : undefined);
    if (failure) entry.failure = failure;
    const timer = event.timerStartedEventAttributes?.timerId ?? event.timerFiredEventAttributes?.timerId ?? event.timerCanceledEventAttributes?.timerId;
    // The update's name (decideTask, submitBid, …) says which message the workflow took; its arguments are payloads, never shown.
    const update = updateOf.get(String(eventId));
    entry.summary = [type, update, entry.activity, entry.attempt === undefined ? undefined : `attempt ${entry.attempt}`, timer ? `timer ${timer}` : undefined, entry.failure]
      .filter((part) => part !== undefined)
      .join(' · ');
    entries.push(entry);
  }
  return entries;
}
