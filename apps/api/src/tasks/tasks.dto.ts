import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { DecisionOutcome } from '../../../../src/definitions/procedure/procedure.schema.js';
import { ENGINE_STATUSES, TASK_KINDS, TASK_STATUSES, type TaskStatus } from '../../../../src/procurement/lifecycle.js';
import {
  CAMEL_ID_PATTERN,
  FieldValuesField,
  FreeFormField,
  InstantField,
  IntegerField,
  MAX_COMMENT_LENGTH,
  MAX_FIELD_TEXT_LENGTH,
  MAX_ID_LENGTH,
  OptionalField,
  REQUEST_ID_DESCRIPTION,
  RequestIdField,
  TextField,
} from '../common/request-validators.js';
import { LocalizedTextDto } from '../definitions/definitions.dto.js';

export const OUTCOMES = DecisionOutcome.options;
export type OutcomeValue = (typeof OUTCOMES)[number];
export { TASK_KINDS, TASK_STATUSES };
export type TaskStatusValue = TaskStatus;
export const TASK_STATUS_FILTERS = [...TASK_STATUSES, 'all'] as const;
export const MAX_TASKS_PER_PAGE = 500;
/** Task ids are `<workflowId>/<taskInstanceId>`, and contract workflow ids are themselves composite. */
const MAX_TASK_ID_LENGTH = 500;

// ---- requests -------------------------------------------------------------------------------

export class ListTasksQueryDto {
  @ApiPropertyOptional({ enum: TASK_STATUS_FILTERS, default: 'open', description: 'Only tasks in this state; `all` for every state.' })
  @OptionalField()
  @IsIn(TASK_STATUS_FILTERS)
  status?: (typeof TASK_STATUS_FILTERS)[number];

  @TextField({
    description: 'Only tasks of this step (its id in the definition).',
    example: 'budgeting',
    maxLength: MAX_ID_LENGTH,
    optional: true,
    pattern: { regex: CAMEL_ID_PATTERN, message: 'step must be the camelCase id of a step, e.g. "budgeting"' },
  })
  step?: string;

  @InstantField({ description: 'Only tasks due before this instant, e.g. to find what becomes overdue this week.', example: '2026-03-09T00:00:00Z', optional: true })
  dueBefore?: string;

  @TextField({ description: 'Only tasks of this cycle.', example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54', maxLength: MAX_ID_LENGTH, optional: true })
  cycleId?: string;

  @IntegerField({ description: 'At most this many tasks (soonest due first).', default: 100, minimum: 1, maximum: MAX_TASKS_PER_PAGE, optional: true, fromText: true })
  limit?: number;
}

export class TaskIdParamsDto {
  @TextField({
    description: 'The task id as listed, `<workflowId>/<taskInstanceId>`, URL-encoded in the path (`/` is `%2F`, `#` is `%23`); the `links` of a task give the encoded path.',
    example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54/reviewBudget#1',
    maxLength: MAX_TASK_ID_LENGTH,
    notBlank: true,
  })
  id!: string;
}

export class DecideTaskDto {
  @RequestIdField({ description: REQUEST_ID_DESCRIPTION, example: '5b0f7d3c-1f3e-4d8c-9a51-0a9f5c0e2b17' })
  requestId!: string;

  @ApiProperty({ enum: OUTCOMES, description: 'The decision; the task allows only the outcomes its definition lists.', example: 'approve' })
  @IsIn(OUTCOMES)
  outcome!: OutcomeValue;

  @FieldValuesField({
    description: 'The form of the task, by field id (money in whole fen). Checked against the form the definition declares.',
    example: { justification: '按2025年在册矫正对象人数编制' },
    optional: true,
  })
  fields?: Record<string, string | number | boolean>;

  @TextField({ description: 'Why; required to return or reject, and where the definition asks for it.', example: '人数与台账不符，请核对', maxLength: MAX_COMMENT_LENGTH, multiline: true, optional: true })
  comment?: string;

  @FreeFormField({
    description:
      'What award, evaluation, acceptance, ledger and invitation tasks carry besides the form: ' +
      '`{ kind: "award", scores: { <bidId>: { <criterionId>: 0–100 } }, winners: [{ bidId, amountFen }] }`, ' +
      '`{ kind: "evaluation", scores: { <indicatorId>: 0–100 } }` (but the task’s `computedIndicators`, which the definition computes), ' +
      '`{ kind: "acceptance", passed: true, recipientOpinions: ["…"] }`, ' +
      '`{ kind: "ledger", lines: { <lineId>: value } }`, ' +
      '`{ kind: "invitations", vendorIds: ["<vendorId>", …] }` (the task where an invited tender names the verified vendors it invites).',
    example: { kind: 'evaluation', scores: { service: 88, finance: 92 } },
    maxTextLength: MAX_FIELD_TEXT_LENGTH,
  })
  payload?: Record<string, unknown>;
}

// ---- responses ------------------------------------------------------------------------------

export class TaskLinksDto {
  @ApiProperty({ description: 'This task, path URL-encoded.', example: '/tasks/cycle-0f8e…%2FreviewBudget%231' })
  self!: string;

  @ApiProperty({ description: 'Where to POST the decision.', example: '/tasks/cycle-0f8e…%2FreviewBudget%231/decision' })
  decision!: string;

  @ApiProperty({ description: 'The cycle the task belongs to.', example: '/cycles/cycle-0f8e…' })
  cycle!: string;
}

export class TaskDecisionDto {
  @ApiProperty({ enum: OUTCOMES })
  outcome!: OutcomeValue;

  @ApiProperty({ description: 'User id of who decided.', example: 'li.ming' })
  decidedBy!: string;

  @ApiProperty({ type: String, nullable: true, example: '李明' })
  decidedByName!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  decidedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  comment!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The form values the decision carried.' })
  fields!: Record<string, string | number | boolean> | null;
}

export class TaskCycleDto {
  @ApiProperty({ example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54' })
  id!: string;

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ example: 'deqing-community-correction' })
  definitionKey!: string;

  @ApiProperty({ description: 'The definition version the cycle runs.', example: 1 })
  definitionVersion!: number;

  @ApiProperty({ example: 'zj-deqing' })
  jurisdiction!: string;
}

/** One opening of a human task, as the read model shows it. */
export class TaskDto {
  @ApiProperty({ description: '`<workflowId>/<taskInstanceId>`: unique, the id the decision endpoint takes.', example: 'cycle-0f8e…/reviewBudget#1' })
  id!: string;

  @ApiProperty({ description: 'The workflow that owns the task: the cycle, or one of its contracts.', example: 'cycle-0f8e…' })
  workflowId!: string;

  @ApiProperty({ description: '`<nodeId>#<n>` within the workflow.', example: 'reviewBudget#1' })
  taskInstanceId!: string;

  @ApiProperty({ type: TaskCycleDto })
  cycle!: TaskCycleDto;

  @ApiProperty({ type: String, nullable: true, description: 'The contract (vendor) the task belongs to, for contract steps.' })
  contractId!: string | null;

  @ApiProperty({ example: 'budgeting' })
  stepId!: string;

  @ApiProperty({ example: 'reviewBudget' })
  nodeId!: string;

  @ApiProperty({ enum: TASK_KINDS })
  kind!: string;

  @ApiProperty({ description: 'The role that decides the task.', example: 'finance-bureau' })
  role!: string;

  @ApiProperty({ type: [String], description: 'Roles that may also decide, because the SLA has passed.' })
  escalatedTo!: string[];

  @ApiProperty({ type: String, nullable: true, description: 'The role that takes over once the task is overdue.' })
  escalateTo!: string | null;

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ enum: TASK_STATUSES })
  status!: TaskStatusValue;

  @ApiProperty({ format: 'date-time' })
  openedAt!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'End of the day the task is due, if it has an SLA.' })
  dueAt!: string | null;

  @ApiProperty({ description: 'Open, and the workflow has recorded it overdue: its deadline passed on the workflow’s clock (see overdueAt).' })
  overdue!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'When the workflow recorded the task overdue (its deadline fired with the task open); kept once the task is decided. Null if it never was.',
  })
  overdueAt!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'The instant the task was due when it became overdue; null if it never was.' })
  overdueDueAt!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Open and overdue: how many working days late it is now, from the day it was due to today (China time) on the jurisdiction’s calendar as deployed now; null when not overdue, when the calendar does not cover those days, and in the tasks a cycle lists (GET /cycles/{id}).',
  })
  overdueWorkingDays!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Ledger tasks: the period (1-based).' })
  period!: number | null;

  @ApiProperty({
    type: [String],
    description: 'Ledger submissions: the lines filled from case evidence (`source: { cases }`), which the vendor does not type and which hold 0 until that evidence exists. Empty for every other task.',
  })
  awaitingCaseEvidence!: string[];

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description:
      'Ledger submissions whose case lines were compiled from case evidence, and the confirmations they opened: the instant the evidence was counted up to (the submission’s). Null for every other task.',
  })
  caseEvidenceThrough!: string | null;

  @ApiProperty({
    type: [String],
    description:
      'Evaluations: the indicators whose score the definition computes from the contract’s KPIs (`indicators[].score`), which the evaluator leaves out of `scores`; once decided, each computed score is in `decision.fields` as `scores.<indicatorId>`. Empty for every other task.',
  })
  computedIndicators!: string[];

  @ApiProperty({ type: String, nullable: true, description: 'The parallel sign-off the task belongs to.' })
  parallelId!: string | null;

  @ApiProperty({ type: TaskDecisionDto, nullable: true, description: 'Set once the task is decided.' })
  decision!: TaskDecisionDto | null;

  @ApiProperty({ type: TaskLinksDto })
  links!: TaskLinksDto;
}

export class TaskListDto {
  @ApiProperty({ type: [TaskDto], description: 'Soonest due first; tasks without a due time last, oldest first.' })
  tasks!: TaskDto[];
}

/** A task the workflow has open after a decision, as the workflow itself reported it. */
export class OpenTaskSummaryDto {
  @ApiProperty({ example: 'cycle-0f8e…/reviewBudget#1' })
  id!: string;

  @ApiProperty({ example: 'reviewBudget#1' })
  taskInstanceId!: string;

  @ApiProperty({ example: 'budgeting' })
  stepId!: string;

  @ApiProperty({ enum: TASK_KINDS })
  kind!: string;

  @ApiProperty({ example: 'finance-bureau' })
  role!: string;

  @ApiProperty({ type: [String] })
  escalatedTo!: string[];

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  dueAt!: string | null;

  @ApiProperty({ type: TaskLinksDto })
  links!: TaskLinksDto;
}

/** The workflow's answer to a decision: the same for every request with the same requestId. */
export class DecisionResultDto {
  @ApiProperty({ example: '5b0f7d3c-1f3e-4d8c-9a51-0a9f5c0e2b17' })
  requestId!: string;

  @ApiProperty({ description: 'The task decided.', example: 'cycle-0f8e…/draftBudget#1' })
  taskId!: string;

  @ApiProperty({ example: 'cycle-0f8e…' })
  cycleId!: string;

  @ApiProperty({ description: 'The workflow that took the decision (the cycle or a contract).', example: 'cycle-0f8e…' })
  workflowId!: string;

  @ApiProperty({ enum: ENGINE_STATUSES, description: 'The state of that workflow after the decision.' })
  status!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The step it is in after the decision.', example: 'budgeting' })
  stepId!: string | null;

  @ApiProperty({ type: [OpenTaskSummaryDto], description: 'What is open in that workflow now.' })
  openTasks!: OpenTaskSummaryDto[];
}

// ---- the form a task is decided with --------------------------------------------------------

export const FORM_FIELD_TYPES = ['int', 'money', 'string', 'choice', 'bool', 'date'] as const;

export class TaskFormFieldDto {
  @ApiProperty({ description: 'The key of the value in `fields` of the decision.', example: 'budgetFen' })
  id!: string;

  @ApiProperty({ enum: FORM_FIELD_TYPES, description: '`money` is a whole number of fen; `choice` is text that must be one of `oneOf`; `date` is YYYY-MM-DD.' })
  type!: (typeof FORM_FIELD_TYPES)[number];

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ description: 'Must be given on submit or approve (a field with a default is never required).' })
  required!: boolean;

  @ApiProperty({ type: Number, nullable: true, description: 'Least value of int and money fields (money in fen).' })
  min!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Greatest value of int and money fields (money in fen).' })
  max!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  minLength!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  maxLength!: number | null;

  @ApiProperty({ type: [String], nullable: true, description: 'The only values a choice may take.' })
  oneOf!: string[] | null;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }], nullable: true, description: 'Taken when the field is left empty.' })
  default!: string | number | boolean | null;

  @ApiProperty({ description: 'Only some roles may read the value once decided.' })
  confidential!: boolean;
}

export class TaskFormNextDto {
  @ApiProperty({ example: 'reviewBudget' })
  nodeId!: string;

  @ApiProperty({ description: 'The type of that node in the definition (task, parallel, timer, branch, publish, end…).', example: 'task' })
  type!: string;

  @ApiProperty({ type: LocalizedTextDto, nullable: true, description: 'Its title; null for nodes without one (end, branch, publish).' })
  title!: LocalizedTextDto | null;

  @ApiProperty({ type: String, enum: ['completed', 'terminated'], nullable: true, description: 'End nodes: the step completes (the cycle moves on), or the whole cycle ends.' })
  endOutcome!: 'completed' | 'terminated' | null;

  @ApiProperty({ description: 'The node comes earlier in the step: the decision sends the work back to it.' })
  returns!: boolean;
}

export class TaskFormOutcomeDto {
  @ApiProperty({ enum: OUTCOMES })
  outcome!: OutcomeValue;

  @ApiProperty({ description: 'The decision needs a comment (return and reject always do).' })
  commentRequired!: boolean;

  @ApiProperty({ description: 'The form is checked (and kept) with this outcome: submit and approve. Return and reject carry no form.' })
  fieldsChecked!: boolean;

  @ApiProperty({ type: TaskFormNextDto, nullable: true, description: 'What runs after this decision.' })
  next!: TaskFormNextDto | null;
}

/** The form of a task, from the compiled definition its cycle runs. */
export class TaskFormDto {
  @ApiProperty({ enum: TASK_KINDS })
  kind!: string;

  @ApiProperty({
    description:
      'The task is decided with this form alone (kind `form`). False for award, evaluation, acceptance, ledger and challenge tasks, which also need the `payload` of the decision.',
  })
  generic!: boolean;

  @ApiProperty({ type: LocalizedTextDto, nullable: true })
  description!: LocalizedTextDto | null;

  @ApiProperty({ type: [TaskFormFieldDto], description: 'In the order the definition declares them.' })
  fields!: TaskFormFieldDto[];

  @ApiProperty({ type: [LocalizedTextDto], description: 'The messages of the conditions across the fields that a submission must meet.' })
  checks!: LocalizedTextDto[];

  @ApiProperty({ type: [TaskFormOutcomeDto], description: 'The decisions the task allows, in the definition’s order.' })
  outcomes!: TaskFormOutcomeDto[];
}
