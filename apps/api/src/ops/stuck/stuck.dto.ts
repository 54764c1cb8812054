import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IDENTIFIER_PATTERN } from '../../../../../src/identity/identity.js';
import { InstantField, IntegerField, OptionalField, TextField } from '../../common/request-validators.js';
import { ReadinessWarningDto } from '../../health/health.dto.js';
import { PROCESS_KINDS, type ProcessKind, STUCK_CAUSES, type StuckCauseKind } from './stuck-rules.js';

export const MAX_STUCK_PER_PAGE = 200;
const MAX_CURSOR_LENGTH = 400;

export class StuckQueryDto {
  @ApiPropertyOptional({ enum: PROCESS_KINDS, description: 'Only processes of this kind.' })
  @OptionalField()
  @IsIn(PROCESS_KINDS, { message: `kind must be one of ${PROCESS_KINDS.join(', ')}` })
  kind?: ProcessKind;

  @TextField({
    description: 'Only processes of this jurisdiction (national callers; others see only their own).',
    example: 'zj-deqing',
    maxLength: 64,
    optional: true,
    pattern: { regex: IDENTIFIER_PATTERN, message: 'jurisdiction must be a jurisdiction code such as zj-deqing' },
  })
  jurisdiction?: string;

  @ApiPropertyOptional({ enum: STUCK_CAUSES, description: 'Only processes stuck for this cause (and only that cause listed).' })
  @OptionalField()
  @IsIn(STUCK_CAUSES, { message: `cause must be one of ${STUCK_CAUSES.join(', ')}` })
  cause?: StuckCauseKind;

  @IntegerField({ description: 'At most this many stuck processes.', default: 50, minimum: 1, maximum: MAX_STUCK_PER_PAGE, optional: true, fromText: true })
  limit?: number;

  @TextField({
    description: 'The `nextCursor` of the previous page.',
    maxLength: MAX_CURSOR_LENGTH,
    optional: true,
    pattern: { regex: /^[A-Za-z0-9_-]+$/, message: 'cursor must be the nextCursor of a previous page' },
  })
  cursor?: string;
}

export class StuckCauseDto {
  @ApiProperty({
    enum: STUCK_CAUSES,
    description:
      '`activityFailing`: an activity is on its second attempt or later. `workflowTaskFailing`: the workflow’s own code keeps failing (e.g. non-determinism after a deploy). ' +
      '`taskQueueUnpolled`: no worker polls its task queue. `readModelBehind`: a projection keeps failing, so the read model lags the workflow. ' +
      '`calendarMissing`: a pending deadline falls in a year no deployed business calendar covers, or the engine recorded that it could not compute one. ' +
      '`idle`: nothing has happened for longer than the definition allows.',
  })
  cause!: StuckCauseKind;

  @ApiProperty({ description: 'The cause in words, naming what to act on.', example: 'read model behind: projection applyCommands keeps failing (attempt 4): the read model could not take this projection (PostgreSQL 23514, table tasks)' })
  words!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The failing activity.', example: 'applyCommands' })
  activity!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The attempt Temporal is on.', example: 4 })
  attempt!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'The last failure message (first line, bounded).' })
  message!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'Since when the cause holds, where known.' })
  since!: string | null;
}

export class StuckProcessDto {
  @ApiProperty({ example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54' })
  workflowId!: string;

  @ApiProperty({ enum: PROCESS_KINDS })
  kind!: ProcessKind;

  @ApiProperty({ example: 'zj-deqing' })
  jurisdiction!: string;

  @ApiProperty({ description: 'Its status in the read model (a case: its state).', example: 'running' })
  status!: string;

  @ApiProperty({ description: 'The procedure (or supervision lifecycle) it runs.', example: 'deqing-community-correction' })
  definitionKey!: string;

  @ApiProperty({ type: 'integer' })
  definitionVersion!: number;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'When the read model last took one of its projections.' })
  lastEventAt!: string | null;

  @ApiProperty({ type: [StuckCauseDto] })
  causes!: StuckCauseDto[];
}

export class StuckListDto {
  @ApiProperty({ type: [StuckProcessDto], description: 'Stuck processes in workflow-id order.' })
  processes!: StuckProcessDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null when every open process has been examined.' })
  nextCursor!: string | null;

  @ApiProperty({ type: 'integer', description: 'How many open processes this page examined.' })
  examined!: number;
}

export class StuckCauseCountDto {
  @ApiProperty({ enum: STUCK_CAUSES })
  cause!: StuckCauseKind;

  @ApiProperty({ type: 'integer' })
  count!: number;
}

export class OpenProcessCountDto {
  @ApiProperty({ enum: PROCESS_KINDS })
  kind!: ProcessKind;

  @ApiProperty({ example: 'running' })
  status!: string;

  @ApiProperty({ type: 'integer' })
  count!: number;
}

export class OpsSummaryQueryDto {
  @InstantField({ description: 'The instant overdue items are counted at; now when absent.', example: '2026-10-12T02:00:00Z', optional: true })
  at?: string;
}

export class OverdueRoleCountDto {
  @ApiProperty({ description: 'The role holding the items now (the latest escalation target once escalated).' })
  role!: string;

  @ApiProperty({ type: 'integer' })
  count!: number;
}

export class OpsSummaryDto {
  @ApiProperty({ format: 'date-time' })
  generatedAt!: string;

  @ApiProperty({ type: 'integer', description: 'Open tasks and case tasks past their due time now (`GET /ops/overdue` lists them).' })
  overdue!: number;

  @ApiProperty({ type: [OverdueRoleCountDto], description: 'Overdue items by the role holding them.' })
  overdueByRole!: OverdueRoleCountDto[];

  @ApiProperty({ type: 'integer', description: 'Open processes with at least one cause.' })
  stuck!: number;

  @ApiProperty({ type: [StuckCauseCountDto], description: 'Stuck processes per cause (a process with two causes counts under each).' })
  stuckByCause!: StuckCauseCountDto[];

  @ApiProperty({ type: [OpenProcessCountDto], description: 'Open processes by kind and status.' })
  open!: OpenProcessCountDto[];

  @ApiProperty({ type: 'integer', description: 'Open processes examined for causes.' })
  examined!: number;

  @ApiProperty({ description: 'False when there were more open processes than one summary examines (2000).' })
  complete!: boolean;

  @ApiProperty({ type: [ReadinessWarningDto], description: 'The calendar horizon warnings of /ready, for the caller’s jurisdictions.' })
  calendarWarnings!: ReadinessWarningDto[];
}
