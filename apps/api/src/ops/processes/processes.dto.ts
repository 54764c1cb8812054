import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROCESS_KINDS, type ProcessKind } from './process-filter.js';

export class ProcessSummaryDto {
  @ApiProperty({ enum: PROCESS_KINDS })
  kind!: ProcessKind;

  @ApiProperty({ description: 'The Temporal workflow id (a cycle id, a contract id, or `case-<caseId>`).' })
  workflowId!: string;

  @ApiProperty()
  jurisdiction!: string;

  @ApiProperty({ description: 'The definition key: the procedure of a cycle or contract, the lifecycle of a case.' })
  definitionKey!: string;

  @ApiProperty({ type: 'integer' })
  definitionVersion!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The step running now (a case: its state); null between steps.' })
  step!: string | null;

  @ApiProperty()
  status!: string;

  @ApiProperty({ description: 'When the process started (launched, awarded, enrolled).' })
  startedAt!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The earliest due time of its open tasks (a case: of its running obligation periods).' })
  nextDueAt!: string | null;

  @ApiProperty({ type: 'integer' })
  openTasks!: number;
}

export class ProcessListDto {
  @ApiProperty({ type: [ProcessSummaryDto] })
  processes!: ProcessSummaryDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.' })
  nextCursor!: string | null;
}

export const TIMELINE_SOURCES = ['readModel', 'temporal'] as const;

export class TimelineEntryDto {
  @ApiProperty()
  at!: string;

  @ApiProperty({ enum: TIMELINE_SOURCES, description: '`readModel`: a domain event (decision, notice, payment, audit entry); `temporal`: an event of the workflow history.' })
  source!: (typeof TIMELINE_SOURCES)[number];

  @ApiProperty({ description: 'e.g. `decision`, `notice`, `payment`, `audit`, `activityTaskFailed`, `localActivityCompleted` (the marker of a local activity), `timerFired`, `workflowExecutionUpdateAccepted`.' })
  type!: string;

  @ApiProperty({ description: 'What happened, in words (history payloads are encrypted and never shown).' })
  summary!: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Temporal: the history event id.' })
  eventId?: number;

  @ApiPropertyOptional({ description: 'Temporal: the activity type, for activity events.' })
  activity?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Temporal: the attempt, for activity events.' })
  attempt?: number;

  @ApiPropertyOptional({ description: 'Temporal: the failure message, for failed activities and workflow tasks.' })
  failure?: string;
}

export class InspectTaskDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  role!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty({ description: 'The role that holds it now, and roles it was escalated to.', type: [String] })
  holders!: string[];

  @ApiProperty()
  openedAt!: string;

  @ApiProperty({ type: String, nullable: true })
  dueAt!: string | null;
}

export class PendingActivityDto {
  @ApiProperty()
  activity!: string;

  @ApiProperty()
  state!: string;

  @ApiProperty({ type: 'integer' })
  attempt!: number;

  @ApiProperty({ type: String, nullable: true })
  lastFailure!: string | null;
}

export class ProcessInspectionDto extends ProcessSummaryDto {
  @ApiProperty({ type: String, nullable: true, description: 'The Temporal status (RUNNING, COMPLETED, …); null when Temporal did not answer.' })
  temporalStatus!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why Temporal could not be read, when it could not.' })
  temporalUnavailable!: string | null;

  @ApiProperty({ type: [TimelineEntryDto], description: 'Domain events and Temporal history, ordered by time.' })
  timeline!: TimelineEntryDto[];

  @ApiProperty({ type: [InspectTaskDto], description: "Its open tasks and who holds them." })
  tasks!: InspectTaskDto[];

  @ApiProperty({ type: [PendingActivityDto] })
  pendingActivities!: PendingActivityDto[];

  @ApiProperty({ type: String, nullable: true, description: 'The workflow in the Temporal Web UI, when the API knows where it is.' })
  webUiUrl!: string | null;
}
