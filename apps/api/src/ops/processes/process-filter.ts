import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, Matches } from 'class-validator';
import { ValidationError } from '../../common/domain-errors.js';
import { IntegerField, MAX_ID_LENGTH, OptionalField, TextField } from '../../common/request-validators.js';

/**
 * The one translation of an ops process filter into SQL over the read model, shared by the process
 * list and by bulk actions (whose dry run and execution must select the same rows).
 *
 * A process is a cycle, a contract or a case. They live in three tables; `PROCESSES_SQL` unites them
 * into one relation with the columns every filter reads, so each filter is written once.
 */

export const PROCESS_KINDS = ['cycle', 'contract', 'case'] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number];

export const MAX_PROCESSES_PER_PAGE = 200;
const MAX_CURSOR_LENGTH = 400;

/** `<n>m`, `<n>h` or `<n>d`: minutes, hours or calendar days. */
const DURATION = /^([1-9][0-9]{0,5})([mhd])$/;
const DURATION_MESSAGE = (field: string) => `${field} must be a duration such as "90m", "4h" or "3d" (calendar days)`;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export class ProcessFilterDto {
  @ApiPropertyOptional({ enum: PROCESS_KINDS, description: 'Only processes of this kind.' })
  @OptionalField()
  @IsIn(PROCESS_KINDS, { message: `kind must be one of ${PROCESS_KINDS.join(', ')}` })
  kind?: ProcessKind;

  @TextField({ description: 'Only processes of this jurisdiction (national users; others only ever see their own).', example: 'zj-deqing', maxLength: MAX_ID_LENGTH, optional: true, pattern: { regex: /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, message: 'jurisdiction must be a jurisdiction code such as "zj-deqing"' } })
  jurisdiction?: string;

  @TextField({ description: 'Only processes of this definition key (a procedure for cycles and contracts, a lifecycle for cases).', example: 'deqing-community-correction', maxLength: MAX_ID_LENGTH, optional: true, pattern: { regex: /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, message: 'definition must be a definition key such as "deqing-community-correction"' } })
  definition?: string;

  @TextField({ description: 'Only processes in this step now (a case: in this state).', example: 'budgeting', maxLength: MAX_ID_LENGTH, optional: true, pattern: { regex: /^[A-Za-z][A-Za-z0-9_.-]*$/, message: 'step must be a step id such as "budgeting"' } })
  step?: string;

  @TextField({ description: 'Only processes in this status (cycles and contracts: their read-model status; cases: running, completed, cancelled or terminated).', example: 'running', maxLength: 40, optional: true, pattern: { regex: /^[a-z][a-zA-Z]*$/, message: 'status must be a status such as "running"' } })
  status?: string;

  @TextField({ description: 'Only processes with an open task for this role.', example: 'finance', maxLength: MAX_ID_LENGTH, optional: true, pattern: { regex: /^[A-Za-z][A-Za-z0-9_.-]*$/, message: 'role must be a role id such as "finance"' } })
  role?: string;

  @ApiPropertyOptional({ description: 'Only processes with an open task whose due time passed at least this long ago: `<n>m`, `<n>h` or `<n>d` (calendar days).', example: '2d', maxLength: 7, pattern: DURATION.source })
  @OptionalField()
  @Matches(DURATION, { message: DURATION_MESSAGE('overdueBy') })
  overdueBy?: string;

  @ApiPropertyOptional({ description: 'Only processes started at least this long ago: `<n>m`, `<n>h` or `<n>d`.', example: '30d', maxLength: 7, pattern: DURATION.source })
  @OptionalField()
  @Matches(DURATION, { message: DURATION_MESSAGE('olderThan') })
  olderThan?: string;
}

export class ListProcessesQueryDto extends ProcessFilterDto {
  @IntegerField({ description: 'At most this many processes, newest first.', default: 50, minimum: 1, maximum: MAX_PROCESSES_PER_PAGE, optional: true, fromText: true })
  limit?: number;

  @TextField({ description: 'The `nextCursor` of the previous page; the next page continues after its last process, whatever was started since.', maxLength: MAX_CURSOR_LENGTH, optional: true, pattern: { regex: /^[A-Za-z0-9_-]+$/, message: 'cursor must be the nextCursor of a previous page' } })
  cursor?: string;
}

/** A process as the list selects it: the columns of `PROCESSES_SQL`. */
export interface ProcessRow {
  readonly kind: ProcessKind;
  readonly workflow_id: string;
  readonly jurisdiction: string;
  readonly definition_key: string;
  readonly definition_version: number;
  readonly step: string | null;
  readonly status: string;
  readonly started_at: Date;
  readonly next_due_at: Date | null;
  readonly open_tasks: number;
}

/**
 * Every process, one row each. Contracts take their jurisdiction and procedure from their cycle; a
 * case's step is its lifecycle state. Open tasks are those of the process's own workflow.
 */
export const PROCESSES_SQL = `
  SELECT 'cycle'::text AS kind, c.id AS workflow_id, c.jurisdiction, c.definition_key, c.definition_version,
         c.current_step AS step, c.status, c.launched_at AS started_at,
         (SELECT min(t.due_at) FROM tasks t WHERE t.workflow_id = c.id AND t.status = 'open') AS next_due_at,
         (SELECT count(*)::int FROM tasks t WHERE t.workflow_id = c.id AND t.status = 'open') AS open_tasks
    FROM cycles c
  UNION ALL
  SELECT 'contract'::text, k.id, c.jurisdiction, c.definition_key, c.definition_version,
         k.current_step, k.status, k.started_at,
         (SELECT min(t.due_at) FROM tasks t WHERE t.workflow_id = k.id AND t.status = 'open'),
         (SELECT count(*)::int FROM tasks t WHERE t.workflow_id = k.id AND t.status = 'open')
    FROM contracts k JOIN cycles c ON c.id = k.cycle_id
  UNION ALL
  SELECT 'case'::text, s.workflow_id, s.jurisdiction, s.lifecycle_key, s.lifecycle_version,
         s.state, s.status, s.enrolled_at,
         s.next_due_at,
         (SELECT count(*)::int FROM case_tasks t WHERE t.case_id = s.id AND t.status = 'open')
    FROM cases s`;

/** Open tasks of a process (`p`), from either task table, as one relation with role and due time. */
const OPEN_TASKS_OF_P = `
  (SELECT t.role, t.due_at FROM tasks t WHERE t.workflow_id = p.workflow_id AND t.status = 'open'
   UNION ALL
   SELECT t.role, t.due_at FROM case_tasks t JOIN cases s ON s.id = t.case_id WHERE s.workflow_id = p.workflow_id AND t.status = 'open')`;

/** Where the caller may look: one jurisdiction, or all (national users). */
export interface ProcessScope {
  readonly jurisdiction: string | undefined;
}

export interface ProcessQuery {
  /** `WHERE …` over `p` (the relation of `PROCESSES_SQL`), never empty. */
  readonly where: string;
  readonly params: unknown[];
}

/** The filter as a WHERE clause over `p`, with positional parameters from `$<firstParam>`. */
export function processWhere(filter: ProcessFilterDto, scope: ProcessScope, now: Date, firstParam = 1): ProcessQuery {
  const clauses: string[] = ['TRUE'];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };
  if (scope.jurisdiction !== undefined) clauses.push(`p.jurisdiction = ${param(scope.jurisdiction)}`);
  if (filter.jurisdiction !== undefined) clauses.push(`p.jurisdiction = ${param(filter.jurisdiction)}`);
  if (filter.kind !== undefined) clauses.push(`p.kind = ${param(filter.kind)}`);
  if (filter.definition !== undefined) clauses.push(`p.definition_key = ${param(filter.definition)}`);
  if (filter.step !== undefined) clauses.push(`p.step = ${param(filter.step)}`);
  if (filter.status !== undefined) clauses.push(`p.status = ${param(filter.status)}`);
  if (filter.role !== undefined) clauses.push(`EXISTS (SELECT 1 FROM ${OPEN_TASKS_OF_P} o WHERE o.role = ${param(filter.role)})`);
  if (filter.overdueBy !== undefined) {
    const dueBefore = new Date(now.getTime() - durationMs(filter.overdueBy, 'overdueBy'));
    clauses.push(`EXISTS (SELECT 1 FROM ${OPEN_TASKS_OF_P} o WHERE o.due_at <= ${param(dueBefore)})`);
  }
  if (filter.olderThan !== undefined) {
    const startedBefore = new Date(now.getTime() - durationMs(filter.olderThan, 'olderThan'));
    clauses.push(`p.started_at <= ${param(startedBefore)}`);
  }
  return { where: `WHERE ${clauses.join(' AND ')}`, params };
}

/** The milliseconds of a validated duration (`90m`, `4h`, `3d`). */
export function durationMs(text: string, field: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new ValidationError(DURATION_MESSAGE(field), [{ field, problem: 'not a duration' }]);
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/**
 * Where a page ended: the last process's start time (to the microsecond, as PostgreSQL keeps it) and
 * id. Pages run newest first and the next page starts strictly after this key, so processes started
 * while a client pages are never seen twice and never shift what follows.
 */
export interface ProcessCursor {
  readonly startedAt: string;
  readonly workflowId: string;
}

export function encodeCursor(cursor: ProcessCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt, cursor.workflowId]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): ProcessCursor {
  const refuse = (): never => {
    throw new ValidationError('cursor is not a nextCursor this API gave', [{ field: 'cursor', problem: 'not a cursor from a previous page' }]);
  };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return refuse();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return refuse();
  const [startedAt, workflowId] = decoded as unknown[];
  if (typeof startedAt !== 'string' || typeof workflowId !== 'string' || workflowId.length > MAX_ID_LENGTH) return refuse();
  if (!/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?([+-]\d\d(:?\d\d)?|Z)?$/.test(startedAt)) return refuse();
  return { startedAt, workflowId };
}

/**
 * The SQL of one page: processes matching the filter, newest first (ties by id), after the cursor.
 * The start time travels as text (`started_key`) so the cursor keeps PostgreSQL's microseconds, which
 * a JavaScript Date would round away.
 */
export function processPageSql(filter: ProcessFilterDto, scope: ProcessScope, now: Date, cursor: ProcessCursor | undefined, limit: number): { readonly sql: string; readonly params: unknown[] } {
  const { where, params } = processWhere(filter, scope, now);
  let sql = `SELECT p.*, to_char(p.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_key FROM (${PROCESSES_SQL}) p ${where}`;
  if (cursor) {
    params.push(cursor.startedAt, cursor.workflowId);
    sql += ` AND (p.started_at < $${params.length - 1}::timestamptz OR (p.started_at = $${params.length - 1}::timestamptz AND p.workflow_id > $${params.length}))`;
  }
  params.push(limit + 1);
  sql += ` ORDER BY p.started_at DESC, p.workflow_id ASC LIMIT $${params.length}`;
  return { sql, params };
}
