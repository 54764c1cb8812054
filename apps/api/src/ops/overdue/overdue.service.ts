import { Injectable } from '@nestjs/common';
import type { CalendarDefinition } from '../../../../../src/definitions/calendars/calendar.schema.js';
import { BusinessCalendar, CalendarYearMissingError } from '../../../../../src/definitions/calendars/business-calendar.js';
import { type Identity, jurisdictionAllows, NATIONAL_JURISDICTION } from '../../../../../src/identity/identity.js';
import { chinaDate } from '../../../../../workflows/engine/deadlines.js';
import type { TaskRepair } from '../../../../../workflows/engine/types.js';
import type { MessageResult } from '../../../../../workflows/procurement/messages.js';
import { actorOf } from '../../common/actor.js';
import { ConflictError, NotFoundError, ValidationError } from '../../common/domain-errors.js';
import { DefinitionsRepository } from '../../definitions/definitions.repository.js';
import { ProcurementWorkflowsGateway } from '../../procurement/procurement-workflows.gateway.js';
import { TasksRepository } from '../../tasks/tasks.repository.js';
import type { ExtendTaskDeadlineDto, ListOverdueQueryDto, OverdueItemDto, OverdueListDto, ReassignTaskDto, EscalateTaskDto, TaskRepairResultDto } from './overdue.dto.js';
import { type OverdueAfter, OverdueRepository, type OverdueRow } from './overdue.repository.js';

const DEFAULT_PAGE = 100;
/** Rows read at a time when overdueBy leaves some out: a few round trips for a page, not one per row. */
const OVERDUE_BY_BATCH = 500;
/** Rows one request reads at most while overdueBy leaves them out (as many as the list read before it paged in SQL). */
const MAX_ROWS_READ = 10_000;
const HOUR_MS = 3_600_000;

/** Where a page ends: the last item's place in the order (most late first). */
interface Cursor {
  readonly dueAt: string;
  readonly id: string;
}

/**
 * The overdue list and ops staff's task repairs. Lateness is counted on the jurisdiction's business
 * calendar as deployed now (national calendars and its own); repairs go to the task's workflow, whose
 * engine judges them, so a refusal writes nothing.
 */
@Injectable()
export class OverdueService {
  constructor(
    private readonly repository: OverdueRepository,
    private readonly tasks: TasksRepository,
    private readonly definitions: DefinitionsRepository,
    private readonly workflows: ProcurementWorkflowsGateway,
  ) {}

  async list(user: Identity, query: ListOverdueQueryDto): Promise<OverdueListDto> {
    const at = query.at === undefined ? new Date() : new Date(query.at);
    const national = user.jurisdiction === NATIONAL_JURISDICTION;
    // Others than national staff see their own jurisdiction only, whatever they ask for.
    if (!national && query.jurisdiction !== undefined && query.jurisdiction !== user.jurisdiction) return { at: at.toISOString(), items: [], nextCursor: null };
    const jurisdiction = national ? query.jurisdiction : user.jurisdiction;
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const filter = {
      at,
      ...(jurisdiction !== undefined ? { jurisdiction } : {}),
      ...(query.role !== undefined ? { role: query.role } : {}),
      ...(query.definition !== undefined ? { definition: query.definition } : {}),
      ...(query.kind !== undefined ? { kind: query.kind } : {}),
    };
    const calendars = await this.calendars();
    const limit = query.limit ?? DEFAULT_PAGE;
    // Paged in SQL, one more than the page to know whether another follows. Working days late are
    // counted on the calendar here, so with overdueBy the rows left out are made up by reading on from
    // where the last batch ended, until the page is full or the list ends.
    const batch = query.overdueBy === undefined ? limit + 1 : Math.max(limit + 1, OVERDUE_BY_BATCH);
    const items: OverdueItemDto[] = [];
    let after: OverdueAfter | undefined = cursor && { dueAt: new Date(cursor.dueAt), id: cursor.id };
    let read = 0;
    for (;;) {
      const rows = await this.repository.overduePage(filter, after, batch);
      read += rows.length;
      for (const row of rows) {
        const item = toItem(row, at, calendars(row.jurisdiction));
        if (query.overdueBy === undefined || (item.workingDaysLate ?? Number.POSITIVE_INFINITY) >= query.overdueBy) items.push(item);
      }
      const last = rows.at(-1);
      if (items.length > limit || rows.length < batch || last === undefined) break;
      after = { dueAt: last.dueAt, id: last.id };
      // A filter that leaves out nearly everything must not read the whole country in one request: the
      // page ends short, and its cursor goes on from the last item read (a shorter page, never a lost item).
      if (read >= MAX_ROWS_READ) {
        return { at: at.toISOString(), items, nextCursor: encodeCursor({ dueAt: last.dueAt.toISOString(), id: last.id }) };
      }
    }
    const page = items.slice(0, limit);
    const last = page.at(-1);
    return { at: at.toISOString(), items: page, nextCursor: items.length > limit && last ? encodeCursor({ dueAt: last.dueAt, id: last.id }) : null };
  }

  /** How many open items are overdue at `at` in the caller's jurisdictions, by the role holding them (the latest escalation target once escalated). */
  async countByHolder(user: Identity, at: Date): Promise<{ total: number; byRole: Array<{ role: string; count: number }> }> {
    const national = user.jurisdiction === NATIONAL_JURISDICTION;
    const rows = await this.repository.overdue({ at, ...(national ? {} : { jurisdiction: user.jurisdiction }) });
    const counts = new Map<string, number>();
    for (const row of rows) {
      const holder = row.escalatedTo.at(-1) ?? row.role;
      counts.set(holder, (counts.get(holder) ?? 0) + 1);
    }
    return { total: rows.length, byRole: [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([role, count]) => ({ role, count })) };
  }

  extend(user: Identity, id: string, body: ExtendTaskDeadlineDto): Promise<TaskRepairResultDto> {
    if ((body.until === undefined) === (body.workingDays === undefined)) {
      throw new ValidationError('An extension names either a new due time (until) or a number of working days (workingDays), not both.', [
        { field: body.until === undefined ? 'until' : 'workingDays', problem: 'give exactly one of until and workingDays' },
      ]);
    }
    const repair: TaskRepair = body.until !== undefined ? { kind: 'extend', until: new Date(body.until).toISOString() } : { kind: 'extend', workingDays: body.workingDays as number };
    return this.repair(user, id, body.requestId, repair, body.reason);
  }

  reassign(user: Identity, id: string, body: ReassignTaskDto): Promise<TaskRepairResultDto> {
    return this.repair(user, id, body.requestId, { kind: 'reassign', role: body.role }, body.reason);
  }

  escalate(user: Identity, id: string, body: EscalateTaskDto): Promise<TaskRepairResultDto> {
    return this.repair(user, id, body.requestId, { kind: 'escalate' }, body.reason);
  }

  /**
   * Sends the repair to the task's workflow with the request id as the update id (a repeat has one
   * effect). Not refused here when the read model shows the task closed: a repeated request must still
   * get its first answer, and the workflow knows whether the task is open (409 otherwise).
   */
  private async repair(user: Identity, id: string, requestId: string, repair: TaskRepair, reason: string): Promise<TaskRepairResultDto> {
    const record = await this.tasks.find(id);
    if (!record || !jurisdictionAllows(user.jurisdiction, record.cycle.jurisdiction)) {
      throw new NotFoundError(`There is no task "${id}" (or it belongs to another jurisdiction). Overdue tasks are listed by GET /ops/overdue.`, [{ field: 'id', problem: 'no such task' }]);
    }
    const { task } = record;
    if (task.status !== 'open') throw new ConflictError(`Task "${id}" is no longer open (${task.status}).`);
    const result: MessageResult = await this.workflows.repairTask(task.workflowId, { requestId, actor: actorOf(user), taskId: task.taskInstanceId, repair, reason: reason.trim() });
    const now = result.openTasks.find((open) => open.id === task.taskInstanceId);
    return {
      requestId: result.requestId,
      taskId: id,
      role: now?.role ?? task.role,
      escalatedTo: [...(now?.escalatedTo ?? task.escalatedTo)],
      dueAt: now?.dueAt ?? task.dueAt?.toISOString() ?? null,
    };
  }

  /** The business calendar of each jurisdiction, as deployed now; undefined when none applies. */
  private async calendars(): Promise<(jurisdiction: string) => BusinessCalendar | undefined> {
    const deployed = await this.definitions.latestCompiledOfKind('Calendar');
    const cache = new Map<string, BusinessCalendar | undefined>();
    return (jurisdiction) => {
      if (!cache.has(jurisdiction)) {
        const applying = deployed
          .filter((calendar) => calendar.jurisdiction === null || calendar.jurisdiction === NATIONAL_JURISDICTION || calendar.jurisdiction === jurisdiction)
          .map((calendar) => calendar.compiled as unknown as CalendarDefinition);
        cache.set(jurisdiction, applying.length > 0 ? BusinessCalendar.fromDefinitions(applying) : undefined);
      }
      return cache.get(jurisdiction);
    };
  }
}

function toItem(row: OverdueRow, at: Date, calendar: BusinessCalendar | undefined): OverdueItemDto {
  const dueAt = row.dueAt.toISOString();
  let workingDaysLate: number | null = null;
  let calendarMissing: string | null = null;
  if (!calendar) {
    calendarMissing = `definitions/calendars/cn-${chinaDate(at.toISOString()).slice(0, 4)}.yaml`;
  } else {
    try {
      workingDaysLate = Math.max(0, calendar.businessDaysBetween(chinaDate(dueAt), chinaDate(at.toISOString())));
    } catch (error) {
      if (!(error instanceof CalendarYearMissingError)) throw error;
      calendarMissing = error.calendarFile;
    }
  }
  return {
    id: row.id,
    processKind: row.processKind,
    processId: row.processId,
    cycleId: row.cycleId,
    contractId: row.contractId,
    caseId: row.caseId,
    jurisdiction: row.jurisdiction,
    definitionKey: row.definitionKey,
    definitionVersion: row.definitionVersion,
    step: row.step,
    dueKind: row.dueKind,
    title: row.title,
    dueAt,
    workingDaysLate,
    hoursLate: Math.floor((at.getTime() - row.dueAt.getTime()) / HOUR_MS),
    calendarMissing,
    holder: { role: row.role, escalatedTo: row.escalatedTo, vendorId: row.vendorId, vendorName: row.vendorName },
    escalateTo: row.escalateTo,
    escalated: row.escalateTo !== null && row.escalatedTo.includes(row.escalateTo),
  };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof value.dueAt === 'string' && typeof value.id === 'string' && !Number.isNaN(Date.parse(value.dueAt))) return { dueAt: value.dueAt, id: value.id };
  } catch {
    // Falls through to the refusal below: the cursor was not one the API gave.
  }
  throw new ValidationError('cursor is not a nextCursor this API gave.', [{ field: 'cursor', problem: 'not a cursor of this list' }]);
}
