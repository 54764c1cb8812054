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

export class ReadinessDto {
  @ApiProperty({ enum: ReadinessStatus })
  status!: ReadinessStatus;

  @ApiProperty({ type: ReadinessChecksDto })
  checks!: ReadinessChecksDto;
}
