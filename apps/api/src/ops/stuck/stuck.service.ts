import { Inject, Injectable } from '@nestjs/common';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { PROJECTION_ACTIVITIES } from '../../../../../activities/procurement-projections.js';
import type { AppConfig } from '../../../../../src/config/config.js';
import { idleLimitDays } from '../../../../../src/definitions/procedure/procedure.schema.js';
import { type Identity, NATIONAL_JURISDICTION } from '../../../../../src/identity/identity.js';
import { DefinitionsRepository } from '../../definitions/definitions.repository.js';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../../common/injection-tokens.js';
import { CalendarHorizonService } from '../../health/calendar-horizon.service.js';
import { HealthService } from '../../health/health.service.js';
import { ProcurementWorkflowsGateway } from '../../procurement/procurement-workflows.gateway.js';
import { OverdueService } from '../overdue/overdue.service.js';
import type { OpsSummaryDto, StuckListDto, StuckProcessDto, StuckQueryDto } from './stuck.dto.js';
import { type OpenProcessRow, StuckRepository } from './stuck.repository.js';
import {
  classifyStuck,
  DEFAULT_STUCK_RULE_OPTIONS,
  type FailingActivityFact,
  type ProcessFacts,
  type StuckCause,
  STUCK_CAUSES,
  type StuckCauseKind,
  type WorkflowTaskFact,
} from './stuck-rules.js';

/** How many workflows are described at once: enough to be quick, few enough not to crowd Temporal's frontend. */
const DESCRIBE_CONCURRENCY = 8;
/** How many open processes one page examines at most; the cursor continues after the last one examined. */
const SCAN_PER_PAGE = 200;
/** How many open processes the summary examines at most (it says when there were more). */
const SUMMARY_SCAN_LIMIT = 2_000;
const DEFAULT_PAGE = 50;
const DESCRIBE_DEADLINE_MS = 5_000;
const HISTORY_PAGE_SIZE = 100;
const HISTORY_PAGES_SEARCHED = 3;

/** What Temporal says of one workflow, as the stuck rules read it; `unavailable` when it could not say. */
type TemporalFacts =
  | { readonly taskQueue: string; readonly pendingActivities: FailingActivityFact[]; readonly workflowTask: WorkflowTaskFact | null; readonly running: boolean }
  | { readonly unavailable: string };

/**
 * Stuck detection: enumerates open processes from the read model, describes each workflow (bounded
 * concurrency), asks the health checks which task queues no worker polls and the calendar service
 * which years are covered, and lets the pure rules of stuck-rules.ts name the causes.
 */
@Injectable()
export class StuckService {
  constructor(
    private readonly repository: StuckRepository,
    private readonly health: HealthService,
    private readonly calendars: CalendarHorizonService,
    private readonly workflows: ProcurementWorkflowsGateway,
    private readonly definitions: DefinitionsRepository,
    private readonly overdue: OverdueService,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(user: Identity, query: StuckQueryDto): Promise<StuckListDto> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const jurisdiction = scopeOf(user, query.jurisdiction);
    if (jurisdiction === null) return { processes: [], nextCursor: null, examined: 0 };
    const rows = await this.repository.openProcesses({
      ...(jurisdiction ? { jurisdiction } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
      limit: SCAN_PER_PAGE,
    });
    const processes: StuckProcessDto[] = [];
    let examined = 0;
    for (let start = 0; start < rows.length && processes.length < limit; start += DESCRIBE_CONCURRENCY) {
      const batch = rows.slice(start, start + DESCRIBE_CONCURRENCY);
      const judged = await this.judge(batch);
      for (const [index, process] of judged.entries()) {
        if (processes.length >= limit) break;
        examined = start + index + 1;
        const causes = query.cause ? process.causes.filter((cause) => cause.cause === query.cause) : process.causes;
        if (causes.length > 0) processes.push({ ...process, causes });
      }
    }
    const more = examined < rows.length || rows.length === SCAN_PER_PAGE;
    const last = rows[examined - 1];
    return { processes, nextCursor: more && last ? encodeCursor(last.workflowId) : null, examined };
  }

  async summary(user: Identity, at: Date): Promise<OpsSummaryDto> {
    const jurisdiction = scopeOf(user, undefined) ?? undefined;
    const [rows, open, warnings, overdue] = await Promise.all([
      this.repository.openProcesses({ ...(jurisdiction ? { jurisdiction } : {}), limit: SUMMARY_SCAN_LIMIT + 1 }),
      this.repository.openCounts(jurisdiction),
      this.calendars.warnings(),
      this.overdue.countByHolder(user, at),
    ]);
    const examinedRows = rows.slice(0, SUMMARY_SCAN_LIMIT);
    const counts = new Map<StuckCauseKind, number>(STUCK_CAUSES.map((cause) => [cause, 0]));
    let stuck = 0;
    for (let start = 0; start < examinedRows.length; start += DESCRIBE_CONCURRENCY) {
      for (const process of await this.judge(examinedRows.slice(start, start + DESCRIBE_CONCURRENCY))) {
        if (process.causes.length > 0) stuck++;
        for (const kind of new Set(process.causes.map((cause) => cause.cause))) counts.set(kind, (counts.get(kind) ?? 0) + 1);
      }
    }
    return {
      generatedAt: new Date().toISOString(),
      overdue: overdue.total,
      overdueByRole: overdue.byRole,
      stuck,
      stuckByCause: STUCK_CAUSES.map((cause) => ({ cause, count: counts.get(cause) ?? 0 })),
      open,
      examined: examinedRows.length,
      complete: rows.length <= SUMMARY_SCAN_LIMIT,
      calendarWarnings: warnings
        .filter((warning) => jurisdiction === undefined || warning.jurisdiction === jurisdiction)
        .map((warning) => ({ kind: 'calendarHorizon' as const, message: warning.message, jurisdiction: warning.jurisdiction, file: warning.file })),
    };
  }

  /** Each process of `rows` with its causes (none when it is not stuck), in the order given. */
  private async judge(rows: readonly OpenProcessRow[]): Promise<StuckProcessDto[]> {
    const [temporal, covered, incidents, idleLimits] = await Promise.all([
      Promise.all(rows.map((row) => this.describe(row.workflowId))),
      this.calendars.coveredYears(),
      this.repository.incidents(rows.map((row) => row.workflowId)),
      this.idleLimits(rows),
    ]);
    const queues = [...new Set(temporal.flatMap((facts) => ('taskQueue' in facts ? [facts.taskQueue] : [])))];
    const silent = await this.silentQueues(queues);
    const projections = new Set<string>(PROJECTION_ACTIVITIES);
    const now = new Date();
    return Promise.all(
      rows.map(async (row, index): Promise<StuckProcessDto> => {
        const described = temporal[index];
        const known = described && 'taskQueue' in described ? described : undefined;
        // Reuse the cycle detail's own account of a lagging read model, asked only when a projection is retrying.
        const lagging = known?.pendingActivities.some((activity) => projections.has(activity.activity) && activity.attempt > 1)
          ? await this.workflows.laggingProjections(row.workflowId)
          : undefined;
        const lag = lagging && 'lagging' in lagging ? lagging.lagging.sort((a, b) => (a.since?.getTime() ?? 0) - (b.since?.getTime() ?? 0))[0] : undefined;
        const facts: ProcessFacts = {
          workflowId: row.workflowId,
          kind: row.kind,
          jurisdiction: row.jurisdiction,
          taskQueue: known?.taskQueue ?? '',
          ...(known ? { pendingActivities: known.pendingActivities, workflowTask: known.workflowTask } : {}),
          readModelLag: lag ? { activity: lag.activity, attempt: lag.attempt, lastFailure: lag.lastFailure, since: lag.since?.toISOString() ?? null } : null,
          taskQueuePolled: !known || !silent.has(known.taskQueue),
          pendingDeadlines: row.deadlines,
          coveredYears: covered(row.jurisdiction),
          incidents: incidents.filter((incident) => incident.workflowId === row.workflowId),
          lastEventAt: row.lastEventAt,
          idleLimitDays: idleLimits.get(`${row.definitionKey}@${row.definitionVersion}`) ?? null,
        };
        // A workflow Temporal cannot describe now is judged on the read model's facts alone (calendars, idleness).
        const causes: StuckCause[] = classifyStuck(facts, now, { ...DEFAULT_STUCK_RULE_OPTIONS, projectionActivities: projections });
        return {
          workflowId: row.workflowId,
          kind: row.kind,
          jurisdiction: row.jurisdiction,
          status: row.status,
          definitionKey: row.definitionKey,
          definitionVersion: row.definitionVersion,
          lastEventAt: row.lastEventAt,
          causes: causes.map((cause) => ({ ...cause })),
        };
      }),
    );
  }

  /** `stuckWhenIdleFor` of each procedure version the rows run, in days (cases' lifecycles have none). */
  private async idleLimits(rows: readonly OpenProcessRow[]): Promise<Map<string, number | null>> {
    const limits = new Map<string, number | null>();
    for (const row of rows) {
      const key = `${row.definitionKey}@${row.definitionVersion}`;
      if (row.kind === 'case' || limits.has(key)) continue;
      const version = await this.definitions.findVersion(row.definitionKey, row.definitionVersion);
      const compiled = version?.compiled as { stuckWhenIdleFor?: string } | undefined;
      limits.set(key, idleLimitDays(compiled?.stuckWhenIdleFor));
    }
    return limits;
  }

  /** Task queues no worker polls; none when Temporal cannot say now (the readiness check reports that). */
  private async silentQueues(queues: readonly string[]): Promise<ReadonlySet<string>> {
    if (queues.length === 0) return new Set();
    try {
      return new Set(await this.health.silentTaskQueues(queues));
    } catch {
      return new Set();
    }
  }

  private async describe(workflowId: string): Promise<TemporalFacts> {
    try {
      return await this.client.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, async () => {
        const description = await this.client.workflow.getHandle(workflowId).describe();
        const raw = description.raw;
        const pendingActivities = await Promise.all(
          (raw.pendingActivities ?? []).map(async (activity): Promise<FailingActivityFact> => ({
            activity: activity.activityType?.name ?? '',
            attempt: activity.attempt ?? 1,
            lastFailure: activity.lastFailure ? await this.workflows.failureMessage(activity.lastFailure) : null,
            lastFailedAt: isoOf(activity.lastAttemptCompleteTime),
          })),
        );
        const attempt = raw.pendingWorkflowTask?.attempt ?? 0;
        const workflowTask = attempt > 1
          ? { attempt, ...(await this.lastWorkflowTaskFailure(workflowId, description.runId)) }
          : null;
        return { taskQueue: description.taskQueue, pendingActivities, workflowTask, running: description.status.name === 'RUNNING' };
      });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { unavailable: 'the workflow is not known to Temporal' };
      return { unavailable: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The last WorkflowTaskFailed event of the run: its cause and message, read backwards from the end of history. */
  private async lastWorkflowTaskFailure(workflowId: string, runId: string): Promise<{ lastFailure: string | null; since: string | null }> {
    let nextPageToken: Uint8Array | undefined;
    for (let page = 0; page < HISTORY_PAGES_SEARCHED; page++) {
      const response = await this.client.workflowService.getWorkflowExecutionHistoryReverse({
        namespace: this.config.temporal.namespace,
        execution: { workflowId, runId },
        maximumPageSize: HISTORY_PAGE_SIZE,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      const failed = response.history?.events?.find((event) => event.workflowTaskFailedEventAttributes);
      if (failed) {
        const attributes = failed.workflowTaskFailedEventAttributes;
        const message = attributes?.failure ? await this.workflows.failureMessage(attributes.failure) : null;
        return { lastFailure: message, since: isoOf(failed.eventTime) };
      }
      if (!response.nextPageToken?.length) break;
      nextPageToken = response.nextPageToken;
    }
    return { lastFailure: null, since: null };
  }
}

/**
 * The jurisdiction a caller's read is limited to: undefined for every one (a national caller without a
 * filter), the filter or the caller's own, and null when a local caller asks for another jurisdiction.
 */
function scopeOf(user: Identity, requested: string | undefined): string | undefined | null {
  if (user.jurisdiction === NATIONAL_JURISDICTION) return requested;
  if (requested !== undefined && requested !== user.jurisdiction) return null;
  return user.jurisdiction;
}

function encodeCursor(workflowId: string): string {
  return Buffer.from(workflowId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

function isoOf(timestamp: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined): string | null {
  if (!timestamp) return null;
  const seconds = typeof timestamp.seconds === 'number' ? timestamp.seconds : (timestamp.seconds?.toNumber() ?? 0);
  return new Date(seconds * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000)).toISOString();
}
