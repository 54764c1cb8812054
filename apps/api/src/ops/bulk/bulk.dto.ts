import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsIn, IsObject, ValidateNested } from 'class-validator';
import { MAX_COMMENT_LENGTH, OptionalField, REQUEST_ID_DESCRIPTION, RequestIdField, TextField } from '../../common/request-validators.js';
import { BULK_PROCESS_KINDS, BulkFilterDto, type BulkProcessKind } from '../processes/process-filter.js';

/** The repairs a bulk action applies. */
export const BULK_ACTIONS = ['cancel', 'terminate'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** What happened to one process: done now, had already ended (nothing to do), or failed with a message. */
export const REPAIR_OUTCOMES = ['done', 'alreadyEnded', 'failed'] as const;
export type RepairOutcome = (typeof REPAIR_OUTCOMES)[number];

/** The most processes one selection may hold: a larger filter must be narrowed, never cut short silently. */
export const MAX_SELECTION = 1000;

const REASON = {
  maxLength: MAX_COMMENT_LENGTH,
  multiline: true,
  trim: true,
  notBlank: true,
} as const;

export class CancelProcessDto {
  @TextField({ ...REASON, description: 'Why the process is cancelled; kept on it and in the audit trail.', example: '重复发起，撤销本周期', blankMessage: 'reason must say why the process is cancelled' })
  reason!: string;

  @RequestIdField({ description: `Optional; a fresh one when omitted. ${REQUEST_ID_DESCRIPTION}`, optional: true })
  requestId?: string;
}

export class TerminateProcessDto {
  @TextField({
    ...REASON,
    description: 'Why the process is terminated (its workflow cannot run its code any more); kept on it and in the audit trail.',
    example: '工作流代码不再兼容，终止并人工处理',
    blankMessage: 'reason must say why the process is terminated',
  })
  reason!: string;

  @RequestIdField({ description: `Optional; a fresh one when omitted. ${REQUEST_ID_DESCRIPTION}`, optional: true })
  requestId?: string;
}

export class RepairedProcessDto {
  @ApiProperty({ example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54' })
  workflowId!: string;

  @ApiProperty({ enum: BULK_PROCESS_KINDS })
  kind!: BulkProcessKind;

  @ApiProperty({ enum: BULK_ACTIONS })
  action!: BulkAction;

  @ApiProperty({ enum: ['done', 'alreadyEnded'], description: '`alreadyEnded`: the process had ended before; nothing was changed.' })
  outcome!: 'done' | 'alreadyEnded';

  @ApiProperty({ example: 'terminated', description: 'The process’s status in the read model now.' })
  status!: string;

  @ApiProperty()
  reason!: string;

  @ApiProperty()
  requestId!: string;
}

export class BulkSelectionRequestDto {
  @ApiProperty({ enum: BULK_ACTIONS })
  @IsIn(BULK_ACTIONS, { message: `action must be one of ${BULK_ACTIONS.join(', ')}` })
  action!: BulkAction;

  @ApiPropertyOptional({ type: BulkFilterDto, description: 'Which processes; every running cycle the caller may reach when empty.' })
  @OptionalField()
  @IsObject({ message: 'filter must be an object' })
  @ValidateNested()
  @Type(() => BulkFilterDto)
  filter?: BulkFilterDto;

  @TextField({ ...REASON, description: 'Why these processes are selected; kept with the selection.', example: '2026年预算取消，撤销未授予的周期', blankMessage: 'reason must say why' })
  reason!: string;

  @ApiProperty({
    enum: [true],
    description: 'Must be true: the answer is the exact frozen list; only `POST /ops/bulk/{selectionId}/execution` acts, on that list.',
  })
  @Equals(true, { message: 'dryRun must be true: a bulk action acts only on the list of a dry run, through POST /ops/bulk/{selectionId}/execution' })
  dryRun!: true;
}

export class BulkSelectionDto {
  @ApiProperty({ format: 'uuid' })
  selectionId!: string;

  @ApiProperty({ enum: BULK_ACTIONS })
  action!: BulkAction;

  @ApiProperty({ type: BulkFilterDto })
  filter!: BulkFilterDto;

  @ApiProperty({ description: 'How many processes the execution will act on: exactly `workflowIds`.' })
  count!: number;

  @ApiProperty({ type: [String], description: 'The frozen list, in id order; nothing that appears later is touched.' })
  workflowIds!: string[];

  @ApiProperty()
  selectedBy!: string;

  @ApiProperty({ format: 'date-time' })
  selectedAt!: string;

  @ApiProperty({ format: 'date-time', description: 'After this the selection can no longer be executed: select again.' })
  expiresAt!: string;

  @ApiProperty({ example: '/ops/bulk/3f0c2a1e-7d4b-4c8e-9a6f-1b2c3d4e5f60/execution' })
  execution!: string;
}

export class SelectionIdParamsDto {
  @TextField({
    description: 'The selection id a dry run answered.',
    example: '3f0c2a1e-7d4b-4c8e-9a6f-1b2c3d4e5f60',
    maxLength: 36,
    pattern: { regex: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, message: 'selectionId must be the id a dry run answered (a UUID)' },
  })
  selectionId!: string;
}

export class BulkExecutionRequestDto {
  @TextField({ ...REASON, description: 'Why the selected processes are acted on; in each one’s audit entry.', example: '2026年预算取消', blankMessage: 'reason must say why' })
  reason!: string;

  @RequestIdField({ description: `${REQUEST_ID_DESCRIPTION} Executing a selection again with the same requestId answers the first execution’s outcome.`, example: 'bulk-2026-03-01-a' })
  requestId!: string;
}

export class ProcessOutcomeDto {
  @ApiProperty()
  workflowId!: string;

  @ApiProperty({ enum: REPAIR_OUTCOMES })
  outcome!: RepairOutcome;

  @ApiProperty({ type: String, nullable: true, description: 'Why it failed.' })
  message!: string | null;
}

export class BulkExecutionDto {
  @ApiProperty({ format: 'uuid' })
  selectionId!: string;

  @ApiProperty({ enum: BULK_ACTIONS })
  action!: BulkAction;

  @ApiProperty()
  requestId!: string;

  @ApiProperty()
  reason!: string;

  @ApiProperty({ description: 'The selection’s count: one outcome per selected process.' })
  count!: number;

  @ApiProperty()
  done!: number;

  @ApiProperty()
  alreadyEnded!: number;

  @ApiProperty()
  failed!: number;

  @ApiProperty({ type: [ProcessOutcomeDto] })
  outcomes!: ProcessOutcomeDto[];
}
