import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, registerDecorator, type ValidationArguments } from 'class-validator';
import { IDENTIFIER_PATTERN } from '../../../../../src/identity/identity.js';
import { CASE_STATUSES, CONTRACT_STATUSES, CYCLE_STATUSES } from '../../../../../src/procurement/read-model.js';
import { ValidationError } from '../../common/domain-errors.js';
import { IntegerField, isInstant, MAX_ID_LENGTH, OptionalField, TextField } from '../../common/request-validators.js';
import { PROCESS_KINDS, type ProcessKind } from '../process-kinds.js';

/**
 * The one translation of an ops process filter into SQL over the read model, shared by the process
 * list (`GET /ops/processes`) and by bulk actions (`POST /ops/bulk`, whose dry run freezes the list the
 * execution then acts on). A field means the same on both; each is validated by one decorator here.
 *
 * A process is a cycle, a contract or a case. They live in three tables; `PROCESSES_SQL` unites them
 * into one relation with the columns every filter reads, so each filter is written once.
 */

export { PROCESS_KINDS, type ProcessKind };

/** The kinds of process a bulk repair selects: cycle workflows, their contracts' workflows, and case workflows. */
export const BULK_PROCESS_KINDS = ['cycle', 'contract', 'case'] as const satisfies readonly ProcessKind[];
export type BulkProcessKind = (typeof BULK_PROCESS_KINDS)[number];

/** Every status a cycle, a contract or a case can have; a bulk action only ever selects those still running. */
export const PROCESS_STATUSES = [...new Set<string>([...CYCLE_STATUSES, ...CONTRACT_STATUSES, ...CASE_STATUSES])];

/** A cycle's statuses that still run (its own steps, or its contracts); a contract or case runs only while `running`. */
export const RUNNING_CYCLE_STATUSES: readonly string[] = ['running', 'awarded'];

export const MAX_PROCESSES_PER_PAGE = 200;
const MAX_CURSOR_LENGTH = 400;

/** `<n>m`, `<n>h` or `<n>d`: minutes, hours or calendar days. */
const DURATION = /^([1-9][0-9]{0,5})([mhd])$/;
const DURATION_MESSAGE = (field: string) => `${field} must be a duration such as "90m", "4h" or "3d" (clock time; calendar days)`;
const OLDER_THAN_MESSAGE = 'olderThan must be an age such as "30d", "4h" or "90m", or an instant such as 2026-03-01 or 2026-03-01T00:00:00+08:00';
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Step ids of procedures (camelCase) and states of case lifecycles. */
const STEP_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;

function JurisdictionFilter(description: string): PropertyDecorator {
  return TextField({ description, example: 'zj-deqing', maxLength: MAX_ID_LENGTH, optional: true, pattern: { regex: IDENTIFIER_PATTERN, message: 'jurisdiction must be a jurisdiction code such as "zj-deqing"' } });
}

function DefinitionFilter(): PropertyDecorator {
  return TextField({
    description: 'Only processes of this definition key (a procedure for cycles and contracts, a lifecycle for cases).',
    example: 'deqing-community-correction',
    maxLength: MAX_ID_LENGTH,
    optional: true,
    pattern: { regex: IDENTIFIER_PATTERN, message: 'definition must be a definition key such as "deqing-community-correction"' },
  });
}

function StepFilter(): PropertyDecorator {
  return TextField({ description: 'Only processes in this step now (a case: in this state).', example: 'budgeting', maxLength: MAX_ID_LENGTH, optional: true, pattern: { regex: STEP_PATTERN, message: 'step must be a step id such as "budgeting"' } });
}

/** `olderThan`: an age (`30d`, measured back from the filter's instant) or an instant; either way "started before". */
function OlderThanFilter(): PropertyDecorator {
  return (target, propertyName) => {
    ApiPropertyOptional({
      description:
        'Only processes started before this: an age (`<n>m`, `<n>h` or `<n>d`, clock time back from now; a bulk dry run measures from its own instant and keeps the instant) or an instant (a date, midnight UTC, or a date-time with its zone).',
      example: '30d',
      maxLength: 40,
      anyOf: [{ type: 'string', pattern: DURATION.source }, { type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }],
    })(target, propertyName);
    OptionalField()(target, propertyName);
    registerDecorator({
      name: 'isOlderThan',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length <= 40 && (DURATION.test(value) || isInstant(value)),
        defaultMessage: (_args?: ValidationArguments) => OLDER_THAN_MESSAGE,
      },
    });
  };
}

/** The filter of the process list. */
export class ProcessFilterDto {
  @ApiPropertyOptional({ enum: PROCESS_KINDS, description: 'Only processes of this kind.' })
  @OptionalField()
  @IsIn(PROCESS_KINDS, { message: `kind must be one of ${PROCESS_KINDS.join(', ')}` })
  kind?: ProcessKind;

  @JurisdictionFilter('Only processes of this jurisdiction (national users; others only ever see their own).')
  jurisdiction?: string;

  @DefinitionFilter()
  definition?: string;

  @StepFilter()
  step?: string;

  @TextField({ description: 'Only processes in this status (cycles and contracts: their read-model status; cases: running, completed, cancelled or terminated).', example: 'running', maxLength: 40, optional: true, pattern: { regex: /^[a-z][a-zA-Z]*$/, message: 'status must be a status such as "running"' } })
  status?: string;

  @TextField({ description: 'Only processes with an open task for this role.', example: 'finance', maxLength: MAX_ID_LENGTH, optional: true, pattern: { regex: /^[A-Za-z][A-Za-z0-9_.-]*$/, message: 'role must be a role id such as "finance"' } })
  role?: string;

  @TextField({
    description:
      'Only processes with an open task whose due time passed at least this long ago: `<n>m`, `<n>h` or `<n>d`, clock time (calendar days). For lateness in working days on the jurisdiction’s calendar, see `overdueBy` on `GET /ops/overdue`.',
    example: '2d',
    maxLength: 7,
    optional: true,
    pattern: { regex: DURATION, message: DURATION_MESSAGE('overdueFor') },
  })
  overdueFor?: string;

  @OlderThanFilter()
  olderThan?: string;
}

/** The filter of a bulk action: the process list's fields that say which processes, for the kinds a bulk action can end. */
export class BulkFilterDto {
  @ApiPropertyOptional({ enum: BULK_PROCESS_KINDS, description: 'Only processes of this kind; `cycle` when omitted.' })
  @OptionalField()
  @IsIn(BULK_PROCESS_KINDS, { message: `kind must be one of ${BULK_PROCESS_KINDS.join(', ')}` })
  kind?: BulkProcessKind;

  @JurisdictionFilter('Only processes of this jurisdiction (a national caller may name any; others only their own).')
  jurisdiction?: string;

  @DefinitionFilter()
  definition?: string;

  @StepFilter()
  step?: string;

  @ApiPropertyOptional({ enum: PROCESS_STATUSES, description: 'Only processes in this status; only running ones (for a cycle also `awarded`) can be cancelled or terminated, so an ended status selects nothing.' })
  @OptionalField()
  @IsIn(PROCESS_STATUSES, { message: `status must be one of ${PROCESS_STATUSES.join(', ')}` })
  status?: string;

  @OlderThanFilter()
  olderThan?: string;
}

/** A filter as the query reads it: only the fields given. */
export interface ProcessFilter {
  readonly kind?: ProcessKind;
  readonly jurisdiction?: string;
  readonly definition?: string;
  readonly step?: string;
  readonly status?: string;
  readonly role?: string;
  readonly overdueFor?: string;
  readonly olderThan?: string;
}

/** A bulk filter as stored with its selection: its kind made explicit and `olderThan` the instant it meant at the dry run. */
export interface BulkFilter extends ProcessFilter {
  readonly kind: BulkProcessKind;
}

/**
 * The bulk filter of a dry run taken at `now`: kind `cycle` unless given, and an age turned into the
 * instant it reaches back to, so the filter kept with the selection means the same when read again.
 */
export function bulkFilterOf(dto: BulkFilterDto | undefined, now: Date): BulkFilter {
  const given = dto ?? {};
  return {
    kind: given.kind ?? 'cycle',
    ...(given.jurisdiction === undefined ? {} : { jurisdiction: given.jurisdiction }),
    ...(given.definition === undefined ? {} : { definition: given.definition }),
    ...(given.step === undefined ? {} : { step: given.step }),
    ...(given.status === undefined ? {} : { status: given.status }),
    ...(given.olderThan === undefined ? {} : { olderThan: startedBefore(given.olderThan, now).toISOString() }),
  };
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

/** The filter as a WHERE clause over `p`, with positional parameters from `$<firstParam>`; ages are measured back from `now`. */
export function processWhere(filter: ProcessFilter, scope: ProcessScope, now: Date, firstParam = 1): ProcessQuery {
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
  if (filter.overdueFor !== undefined) {
    const dueBefore = new Date(now.getTime() - durationMs(filter.overdueFor, 'overdueFor'));
    clauses.push(`EXISTS (SELECT 1 FROM ${OPEN_TASKS_OF_P} o WHERE o.due_at <= ${param(dueBefore)})`);
  }
  if (filter.olderThan !== undefined) clauses.push(`p.started_at < ${param(startedBefore(filter.olderThan, now))}`);
  return { where: `WHERE ${clauses.join(' AND ')}`, params };
}

/**
 * The SQL selecting the processes a bulk action can still end, of those `filter` names within `scope`,
 * in id order, at most `limit`: the dry run's list, taken at the dry run's `now`.
 */
export function selectionSql(filter: BulkFilter, scope: ProcessScope, now: Date, limit: number): { readonly sql: string; readonly params: unknown[] } {
  const { where, params } = processWhere(filter, scope, now);
  params.push(RUNNING_CYCLE_STATUSES, limit);
  const running = `(p.status = 'running' OR (p.kind = 'cycle' AND p.status = ANY($${params.length - 1})))`;
  return { sql: `SELECT p.workflow_id AS id, p.jurisdiction FROM (${PROCESSES_SQL}) p ${where} AND ${running} ORDER BY p.workflow_id LIMIT $${params.length}`, params };
}

/** The milliseconds of a validated duration (`90m`, `4h`, `3d`). */
export function durationMs(text: string, field: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new ValidationError(DURATION_MESSAGE(field), [{ field, problem: 'not a duration' }]);
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/** The instant an `olderThan` reaches back to: `now` less an age, or the instant it names. */
export function startedBefore(olderThan: string, now: Date): Date {
  if (DURATION.test(olderThan)) return new Date(now.getTime() - durationMs(olderThan, 'olderThan'));
  if (!isInstant(olderThan)) throw new ValidationError(OLDER_THAN_MESSAGE, [{ field: 'olderThan', problem: 'neither an age nor an instant' }]);
  return new Date(olderThan);
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
export function processPageSql(filter: ProcessFilter, scope: ProcessScope, now: Date, cursor: ProcessCursor | undefined, limit: number): { readonly sql: string; readonly params: unknown[] } {
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
