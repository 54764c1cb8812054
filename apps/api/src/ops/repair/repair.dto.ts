import { ApiProperty } from '@nestjs/swagger';
import { REPAIR_REASON_MAX } from '../../../../../workflows/engine/task-repairs.js';
import { MAX_COMMENT_LENGTH, REQUEST_ID_DESCRIPTION, RequestIdField, TextField } from '../../common/request-validators.js';

export class RetryActivityDto {
  @TextField({
    description: 'Why the failing activity is tried again now; kept in the audit trail.',
    example: '国库导出目录权限已修复',
    maxLength: MAX_COMMENT_LENGTH,
    multiline: true,
    trim: true,
    notBlank: true,
    blankMessage: 'reason must say why the activity is retried now',
  })
  reason!: string;

  @RequestIdField({ description: `${REQUEST_ID_DESCRIPTION} A repeated retry answers with what the first one retried and retries nothing again.` })
  requestId!: string;
}

export class RetriedActivityDto {
  @ApiProperty({ description: 'The activity id within the workflow.' })
  activityId!: string;

  @ApiProperty({ description: 'The activity type, e.g. `applyCommands`, `exportTreasuryPayments`.' })
  activity!: string;

  @ApiProperty({ description: 'The attempt Temporal was on when the retry was asked for (2 after the first failure).' })
  attempt!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The last failed attempt’s message, first line, bounded.' })
  lastFailure!: string | null;
}

export class RetryResultDto {
  @ApiProperty()
  workflowId!: string;

  @ApiProperty()
  requestId!: string;

  @ApiProperty({ description: 'false when `requestId` repeated an earlier retry: its answer is given again and nothing is retried anew.' })
  retriedNow!: boolean;

  @ApiProperty({ type: [RetriedActivityDto], description: 'The failing activities that were told to run again at once, with a fresh attempt count.' })
  activities!: RetriedActivityDto[];
}

export class RebuildReadModelDto {
  @TextField({
    description: 'Why the read model is rebuilt from the workflow; kept in the audit trail.',
    example: '任务表被误删，按流程状态重建',
    maxLength: REPAIR_REASON_MAX,
    multiline: true,
    trim: true,
    notBlank: true,
    blankMessage: 'reason must say why the read model is rebuilt',
  })
  reason!: string;

  @RequestIdField({
    optional: true,
    description: `${REQUEST_ID_DESCRIPTION} A repeated rebuild answers with the first answer and rebuilds nothing again. Absent: a fresh id, so the request is not safe to repeat.`,
  })
  requestId?: string;
}

export class RebuildResultDto {
  @ApiProperty()
  workflowId!: string;

  @ApiProperty({ description: 'The request id the rebuild ran under (the one given, or a fresh one).' })
  requestId!: string;

  @ApiProperty({ description: 'The process’s status as its workflow holds it, e.g. `running`.' })
  status!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The step the process is in, as its workflow holds it; null once its steps are over.' })
  stepId!: string | null;

  @ApiProperty({ type: [String], description: 'The open tasks’ instance ids the read model now shows, as the workflow holds them.' })
  openTasks!: string[];
}

export class ResetToStepDto {
  @TextField({
    description: 'The step to reset the cycle to the start of: one its definition marks `resettable` and the cycle has entered.',
    example: 'budgeting',
    maxLength: 64,
    pattern: { regex: /^[a-z][A-Za-z0-9]*$/, message: 'step must be a step id of the cycle’s definition (camelCase letters and digits)' },
  })
  step!: string;

  @TextField({
    description: 'Why the cycle is reset; kept in the audit trail.',
    example: '预算审核依据有误，退回预算编制重新开始',
    maxLength: REPAIR_REASON_MAX,
    multiline: true,
    trim: true,
    notBlank: true,
    blankMessage: 'reason must say why the cycle is reset',
  })
  reason!: string;

  @RequestIdField({
    optional: true,
    description: `${REQUEST_ID_DESCRIPTION} A repeated reset answers with the first answer and resets nothing again. Absent: a fresh id, so the request is not safe to repeat.`,
  })
  requestId?: string;
}

export class ResetResultDto {
  @ApiProperty()
  workflowId!: string;

  @ApiProperty({ description: 'The request id the reset ran under (the one given, or a fresh one).' })
  requestId!: string;

  @ApiProperty({ description: 'The step the cycle was reset to the start of.' })
  step!: string;

  @ApiProperty({ description: 'false when `requestId` repeated an earlier reset: its answer is given again and nothing is reset anew.' })
  resetNow!: boolean;

  @ApiProperty({ description: 'The cycle’s status after the reset, as its workflow holds it.' })
  status!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The step the cycle is in after the reset.' })
  stepId!: string | null;

  @ApiProperty({ type: [String], description: 'The open tasks’ instance ids after the reset.' })
  openTasks!: string[];
}
