import { ApiProperty } from '@nestjs/swagger';

export enum DependencyStatus {
  Up = 'up',
  Down = 'down',
}

export enum ReadinessStatus {
  Ready = 'ready',
  NotReady = 'not-ready',
}

export class LivenessDto {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';
}

export class DependencyCheckDto {
  @ApiProperty({ enum: DependencyStatus })
  status!: DependencyStatus;

  @ApiProperty({ description: 'What was checked and what was found.', example: 'SELECT 1 answered' })
  detail!: string;
}

export class ReadinessChecksDto {
  @ApiProperty({ type: DependencyCheckDto, description: 'PostgreSQL answers queries.' })
  database!: DependencyCheckDto;

  @ApiProperty({ type: DependencyCheckDto, description: 'The Temporal frontend answers and the namespace exists.' })
  temporal!: DependencyCheckDto;

  @ApiProperty({ type: DependencyCheckDto, description: 'A worker has polled every task queue recently.' })
  worker!: DependencyCheckDto;
}

export const READINESS_WARNING_KINDS = ['calendarHorizon'] as const;

/** Something ops staff must do soon that does not make the API unready. */
export class ReadinessWarningDto {
  @ApiProperty({ enum: READINESS_WARNING_KINDS, description: '`calendarHorizon`: a jurisdiction\'s deployed business calendars end within the horizon (PROCUREFLOW_CALENDAR_HORIZON_DAYS) or before its latest pending deadline.' })
  kind!: (typeof READINESS_WARNING_KINDS)[number];

  @ApiProperty({ description: 'What to do, in words: the jurisdiction, the last covered day and the file to deploy.', example: 'the business calendars of zj-deqing end on 2026-12-31, less than 120 days after today: deploy definitions/calendars/cn-2027.yaml (year 2027)' })
  message!: string;

  @ApiProperty({ type: String, nullable: true, example: 'zj-deqing' })
  jurisdiction!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The calendar file to deploy.', example: 'definitions/calendars/cn-2027.yaml' })
  file!: string | null;
}

export class ReadinessDto {
  @ApiProperty({ enum: ReadinessStatus })
  status!: ReadinessStatus;

  @ApiProperty({ type: ReadinessChecksDto })
  checks!: ReadinessChecksDto;

  @ApiProperty({ type: [ReadinessWarningDto], description: 'Warnings that leave the status as it is (added later: clients that do not know it may ignore it).' })
  warnings!: ReadinessWarningDto[];
}
