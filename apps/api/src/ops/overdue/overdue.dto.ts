import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { REPAIR_REASON_MAX } from '../../../../../workflows/engine/task-repairs.js';
import { LocalizedTextDto } from '../../definitions/definitions.dto.js';
import {
  InstantField,
  IntegerField,
  MAX_ID_LENGTH,
  OptionalField,
  REQUEST_ID_DESCRIPTION,
  RequestIdField,
  TextField,
} from '../../common/request-validators.js';
import { PROCESS_KINDS, type ProcessKind } from '../processes/process-filter.js';

export const MAX_OVERDUE_PER_PAGE = 500;
/** How many working days late a filter may ask for: far beyond any deadline a procedure sets. */
const MAX_OVERDUE_BY = 10_000;
const MAX_CURSOR_LENGTH = 600;
/** Roles and jurisdictions are kebab-case ids in definitions and tokens. */
const KEBAB_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_TASK_ID_LENGTH = 500;
/** Extensions add at most a working year at a time. */
const MAX_EXTENSION_WORKING_DAYS = 250;

export class ListOverdueQueryDto {
  @TextField({ description: 'Only items this role holds, or that escalated or escalate to it.', example: 'finance-bureau', maxLength: MAX_ID_LENGTH, optional: true, pattern: { regex: KEBAB_ID, message: 'role must be a kebab-case role id, e.g. "finance-bureau"' } })
  role?: string;

  @TextField({ description: 'Only this jurisdiction (national callers); others see only their own.', example: 'zj-deqing', maxLength: MAX_ID_LENGTH, optional: true, pattern: { regex: KEBAB_ID, message: 'jurisdiction must be a kebab-case code, e.g. "zj-deqing"' } })
  jurisdiction?: string;

  @TextField({ description: 'Only processes of this definition key (procedure or supervision lifecycle).', example: 'deqing-community-correction', maxLength: MAX_ID_LENGTH, optional: true, pattern: { regex: KEBAB_ID, message: 'definition must be a kebab-case definition key' } })
  definition?: string;

  @IntegerField({ description: 'Only items at least this many working days late; items whose working days cannot be counted (no calendar for a year) are kept.', example: 2, minimum: 0, maximum: MAX_OVERDUE_BY, optional: true, fromText: true })
  overdueBy?: number;

  @ApiPropertyOptional({ enum: PROCESS_KINDS, description: 'Only items of this kind of process.' })
  @OptionalField()
  @IsIn(PROCESS_KINDS)
  kind?: ProcessKind;

  @InstantField({ description: 'The instant lateness is measured at; now when absent.', example: '2026-10-12T02:00:00Z', optional: true })
  at?: string;

  @TextField({ description: 'The `nextCursor` of the previous page.', maxLength: MAX_CURSOR_LENGTH, optional: true, pattern: { regex: /^[A-Za-z0-9_-]+$/, message: 'cursor must be a nextCursor the API gave' } })
  cursor?: string;

  @IntegerField({ description: 'At most this many items.', default: 100, minimum: 1, maximum: MAX_OVERDUE_PER_PAGE, optional: true, fromText: true })
  limit?: number;
}

export class OverdueHolderDto {
  @ApiProperty({ description: 'The role the task is for.', example: 'finance-bureau' })
  role!: string;

  @ApiProperty({ type: [String], description: 'Roles it escalated to, which may decide it too.', example: ['administrator'] })
  escalatedTo!: string[];

  @ApiProperty({ type: String, nullable: true, description: 'For a vendor’s task: the vendor holding it.' })
  vendorId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  vendorName!: string | null;
}

export class OverdueItemDto {
  @ApiProperty({ description: 'The task id, as GET /tasks lists it (`<workflowId>/<taskInstanceId>`; for a case `<caseId>/<taskId>`).', example: 'cycle-0f8e…/financeReview#1' })
  id!: string;

  @ApiProperty({ enum: PROCESS_KINDS })
  processKind!: ProcessKind;

  @ApiProperty({ description: 'The Temporal workflow id of the process.', example: 'cycle-0f8e…' })
  processId!: string;

  @ApiProperty({ type: String, nullable: true })
  cycleId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  contractId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  caseId!: string | null;

  @ApiProperty({ example: 'zj-deqing' })
  jurisdiction!: string;

  @ApiProperty({ example: 'deqing-community-correction' })
  definitionKey!: string;

  @ApiProperty({ type: 'integer', example: 1 })
  definitionVersion!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The step (for a case: its state).', example: 'budgeting' })
  step!: string | null;

  @ApiProperty({ description: 'What is due: the task kind (form, ledger, filing…, or a case task id).', example: 'form' })
  dueKind!: string;

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ format: 'date-time' })
  dueAt!: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Working days on the jurisdiction’s calendar after the due day, up to and including the day (China time) of `at`; null when a year has no deployed calendar (see `calendarMissing`).',
  })
  workingDaysLate!: number | null;

  @ApiProperty({ type: 'integer', description: 'Whole hours from the due time to `at`.' })
  hoursLate!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The calendar file to deploy when working days cannot be counted.', example: 'definitions/calendars/cn-2027.yaml' })
  calendarMissing!: string | null;

  @ApiProperty({ type: OverdueHolderDto })
  holder!: OverdueHolderDto;

  @ApiProperty({ type: String, nullable: true, description: 'The role the definition escalates the task to.', example: 'administrator' })
  escalateTo!: string | null;

  @ApiProperty({ description: 'Whether it has escalated to `escalateTo`.' })
  escalated!: boolean;
}

export class OverdueListDto {
  @ApiProperty({ format: 'date-time', description: 'The instant lateness was measured at.' })
  at!: string;

  @ApiProperty({ type: [OverdueItemDto], description: 'Most late first.' })
  items!: OverdueItemDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}

export class OpsTaskIdParamsDto {
  @TextField({ description: 'The task id as GET /tasks or GET /ops/overdue list it, URL-encoded in the path.', example: 'cycle-0f8e…/financeReview#1', maxLength: MAX_TASK_ID_LENGTH, notBlank: true })
  id!: string;
}

const REASON = { description: 'Why: kept in the audit trail.', example: '财政局负责人出差，延期三个工作日', maxLength: REPAIR_REASON_MAX, notBlank: true, multiline: true, blankMessage: 'reason must say why' } as const;

export class ExtendTaskDeadlineDto {
  @RequestIdField({ description: REQUEST_ID_DESCRIPTION, example: '5b0f7d3c-1f3e-4d8c-9a51-0a9f5c0e2b17' })
  requestId!: string;

  @InstantField({ description: 'The new due time: later than the current one. Give this or `workingDays`.', example: '2026-10-20T15:59:59Z', optional: true })
  until?: string;

  @IntegerField({ description: 'Working days added to the current due time on the jurisdiction’s calendar. Give this or `until`.', example: 3, minimum: 1, maximum: MAX_EXTENSION_WORKING_DAYS, optional: true })
  workingDays?: number;

  @TextField(REASON)
  reason!: string;
}

export class ReassignTaskDto {
  @RequestIdField({ description: REQUEST_ID_DESCRIPTION, example: '5b0f7d3c-1f3e-4d8c-9a51-0a9f5c0e2b17' })
  requestId!: string;

  @TextField({ description: 'A role the procedure declares (not `vendor`).', example: 'administrator', maxLength: MAX_ID_LENGTH, pattern: { regex: KEBAB_ID, message: 'role must be a kebab-case role id' } })
  role!: string;

  @TextField(REASON)
  reason!: string;
}

export class EscalateTaskDto {
  @RequestIdField({ description: REQUEST_ID_DESCRIPTION, example: '5b0f7d3c-1f3e-4d8c-9a51-0a9f5c0e2b17' })
  requestId!: string;

  @TextField(REASON)
  reason!: string;
}

export class TaskRepairResultDto {
  @ApiProperty({ example: '5b0f7d3c-1f3e-4d8c-9a51-0a9f5c0e2b17' })
  requestId!: string;

  @ApiProperty({ description: 'The task repaired.' })
  taskId!: string;

  @ApiProperty({ description: 'Its role now.' })
  role!: string;

  @ApiProperty({ type: [String] })
  escalatedTo!: string[];

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'Its due time now.' })
  dueAt!: string | null;
}
