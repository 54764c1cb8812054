import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { PROJECTION_ACTIVITIES } from '../../../../activities/procurement-projections.js';
import { IsBoolean, IsIn } from 'class-validator';
import { SERVICE_TYPES, type ServiceType } from '../../../../src/definitions/procedure/procedure.schema.js';
import { IDENTIFIER_PATTERN } from '../../../../src/identity/identity.js';
import { MAX_FEN } from '../../../../src/money/fen.js';
import { CONTRACT_STATUSES, CYCLE_STATUSES, type CycleStatus } from '../../../../src/procurement/read-model.js';
import { CHALLENGE_STATUSES, type ChallengeStatus, ENGINE_STATUSES, LIVE_STATUSES, STEP_OUTCOMES } from '../../../../src/procurement/lifecycle.js';
import {
  CAMEL_ID_PATTERN,
  FieldValuesField,
  IntegerField,
  MAX_COMMENT_LENGTH,
  MAX_ID_LENGTH,
  MAX_OFFSET,
  MAX_TITLE_LENGTH,
  MAX_VERSION,
  OptionalField,
  REQUEST_ID_DESCRIPTION,
  RequestIdField,
  TextField,
  UuidField,
} from '../common/request-validators.js';
import { LocalizedTextDto } from '../definitions/definitions.dto.js';
// One notice-line schema for the cycle detail and the public notices: two classes of one name would collide in OpenAPI.
import { NoticeLineDto } from '../notices/notices.dto.js';
import { TaskDto } from '../tasks/tasks.dto.js';

export const MAX_CYCLES_PER_PAGE = 200;
/** How a cycle's read model stands against its workflows (see `CycleDetailDto.readModel`). */
export const READ_MODEL_STATES = ['current', 'pending', 'behind'] as const;
export type ReadModelState = (typeof READ_MODEL_STATES)[number];
const DEFINITION_KEY = { regex: IDENTIFIER_PATTERN, message: 'definitionKey must be lower-case words joined by hyphens, e.g. "deqing-community-correction"' };
const STEP_ID = { regex: CAMEL_ID_PATTERN, message: 'step must be the camelCase id of a step, e.g. "budgeting"' };

// ---- requests -------------------------------------------------------------------------------

export class LaunchCycleDto {
  @TextField({ description: 'metadata.key of a deployed Procedure definition.', example: 'deqing-community-correction', maxLength: MAX_ID_LENGTH, pattern: DEFINITION_KEY })
  definitionKey!: string;

  @IntegerField({ description: 'The version to run; the newest when omitted. The cycle stays on it for its whole life.', example: 1, minimum: 1, maximum: MAX_VERSION, optional: true })
  version?: number;

  @FieldValuesField({
    description: 'The procedure’s inputs by id (money in whole fen); checked against the definition’s `inputs`, defaults filled in.',
    example: { supervisedPersons: 120, pricePerPersonYear: 100000 },
  })
  inputs!: Record<string, string | number | boolean>;

  @TextField({ description: 'A title for this cycle; the definition’s title when omitted.', example: '2026年度德清县社区矫正服务购买', maxLength: MAX_TITLE_LENGTH, optional: true, trim: true, notBlank: true })
  title?: string;

  @RequestIdField({ description: `Optional. ${REQUEST_ID_DESCRIPTION} A repeated launch answers with the cycle the first one started.`, optional: true })
  requestId?: string;
}

export class ListCyclesQueryDto {
  @ApiPropertyOptional({ enum: CYCLE_STATUSES, description: 'Only cycles in this state (`awarded`: vendor selection is over, contracts run).' })
  @OptionalField()
  @IsIn(CYCLE_STATUSES)
  status?: CycleStatus;

  @TextField({ description: 'Only cycles of this definition.', example: 'deqing-community-correction', maxLength: MAX_ID_LENGTH, optional: true, pattern: DEFINITION_KEY })
  definitionKey?: string;

  @ApiPropertyOptional({ enum: SERVICE_TYPES, description: 'Only cycles of procedures buying this service (metadata.serviceType of the version each cycle runs).' })
  @OptionalField()
  @IsIn(SERVICE_TYPES)
  serviceType?: ServiceType;

  @TextField({ description: 'Only cycles (or contracts of cycles) in this step now.', example: 'budgeting', maxLength: MAX_ID_LENGTH, optional: true, pattern: STEP_ID })
  step?: string;

  @IntegerField({ description: 'At most this many cycles, newest first.', default: 50, minimum: 1, maximum: MAX_CYCLES_PER_PAGE, optional: true, fromText: true })
  limit?: number;

  @IntegerField({ description: 'Skip this many cycles (for the next page).', default: 0, minimum: 0, maximum: MAX_OFFSET, optional: true, fromText: true })
  offset?: number;
}

export class CycleIdParamsDto {
  @TextField({ description: 'The cycle id, `cycle-<uuid>`.', example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54', maxLength: MAX_ID_LENGTH, notBlank: true })
  id!: string;
}

export class CancelCycleDto {
  @TextField({
    description: 'Why the cycle is cancelled; kept on the cycle and in the audit trail.',
    example: '财政预算调整，本年度暂停购买',
    maxLength: MAX_COMMENT_LENGTH,
    multiline: true,
    trim: true,
    notBlank: true,
    blankMessage: 'reason must say why the cycle is cancelled',
  })
  reason!: string;

  @RequestIdField({ description: `Optional; a fresh one when omitted. ${REQUEST_ID_DESCRIPTION}`, optional: true })
  requestId?: string;
}

export class SubmitBidDto {
  @RequestIdField({ description: REQUEST_ID_DESCRIPTION, example: '9d2c1b7e-4a8f-4e1b-8c3d-6f5a4b3c2d1e' })
  requestId!: string;

  @UuidField({
    description: 'The bidding vendor’s id in the vendor registry; it must be verified and not suspended.',
    example: '3f0c2a1e-7d4b-4c8e-9a6f-1b2c3d4e5f60',
    message: 'vendorId must be the id of a registered vendor (a UUID, as GET /vendors lists them)',
  })
  vendorId!: string;

  @IntegerField({ description: 'The price offered, in whole fen (1 yuan = 100 fen).', example: 11_500_000, minimum: 1, maximum: MAX_FEN })
  priceFen!: number;
}

export class FileChallengeDto {
  @RequestIdField({ description: REQUEST_ID_DESCRIPTION, example: '5b7e2c1d-9a4f-4e3b-8c2d-1f0e9d8c7b6a' })
  requestId!: string;

  @TextField({
    description: 'The grounds of the challenge, in writing (Government Procurement Law art. 52); the answerer and the filer read them.',
    example: '成交供应商不具备社会工作服务资质，评审未按公告的评分标准进行',
    maxLength: MAX_COMMENT_LENGTH,
    multiline: true,
    trim: true,
    notBlank: true,
    blankMessage: 'grounds must state what is challenged and why',
  })
  grounds!: string;

  @ApiProperty({
    description:
      'Whether the challenge may affect the result. When true, the contracts’ signing is suspended and its clocks stop until the challenge is answered ' +
      '(Implementing Regulations art. 54); upheld, the award is void and contracts still signing end.',
  })
  @IsBoolean({ message: 'affectsResult must be true or false' })
  affectsResult!: boolean;
}

// ---- responses ------------------------------------------------------------------------------

export class DefinitionRefDto {
  @ApiProperty({ example: 'deqing-community-correction' })
  key!: string;

  @ApiProperty({ example: 1 })
  version!: number;

  @ApiProperty({ description: 'sha256 of the compiled definition the cycle runs.' })
  contentHash!: string;

  @ApiProperty({ enum: SERVICE_TYPES, nullable: true, description: 'The service the procedure buys (its metadata.serviceType); null only while a just-launched cycle’s version is not yet read.', example: 'communityCorrection' })
  serviceType!: ServiceType | null;
}

export class CycleLinksDto {
  @ApiProperty({ example: '/cycles/cycle-0f8e…' })
  self!: string;

  @ApiProperty({ description: 'The cycle’s tasks you may decide.', example: '/tasks?cycleId=cycle-0f8e…' })
  tasks!: string;

  @ApiProperty({ example: '/cycles/cycle-0f8e…/cancel' })
  cancel!: string;

  @ApiProperty({ example: '/cycles/cycle-0f8e…/bids' })
  bids!: string;
}

export class LaunchedCycleDto {
  @ApiProperty({ description: 'The cycle id, which is also its Temporal workflow id.', example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54' })
  cycleId!: string;

  @ApiProperty({ description: 'false when `requestId` repeated an earlier launch: that cycle is answered, nothing new was started.' })
  created!: boolean;

  @ApiProperty({ example: 'zj-deqing' })
  jurisdiction!: string;

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ type: DefinitionRefDto })
  definition!: DefinitionRefDto;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The inputs as checked, defaults filled in.' })
  inputs!: Record<string, string | number | boolean>;

  @ApiProperty({ description: 'The step the cycle starts in.', example: 'budgeting' })
  firstStep!: string;

  @ApiProperty({ type: [String], description: 'Things ops staff must fix for the procedure to run as defined, e.g. a business calendar to deploy.' })
  incidents!: string[];

  @ApiProperty({ type: CycleLinksDto })
  links!: CycleLinksDto;
}

export class CycleSummaryDto {
  @ApiProperty({ example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54' })
  id!: string;

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ example: 'zj-deqing' })
  jurisdiction!: string;

  @ApiProperty({ type: DefinitionRefDto })
  definition!: DefinitionRefDto;

  @ApiProperty({ enum: CYCLE_STATUSES })
  status!: CycleStatus;

  @ApiProperty({ type: String, nullable: true, description: 'The step the cycle is in; null between steps and once its contracts run.', example: 'budgeting' })
  currentStep!: string | null;

  @ApiProperty({ type: [String], description: 'The steps its running contracts are in.' })
  contractSteps!: string[];

  @ApiProperty({ description: 'How many tasks of the cycle and its contracts are open.' })
  openTasks!: number;

  @ApiProperty({ example: 'wang.fang' })
  launchedBy!: string;

  @ApiProperty({ format: 'date-time' })
  launchedAt!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  endedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why the cycle ended, when it did not complete.' })
  endReason!: string | null;

  @ApiProperty({ type: CycleLinksDto })
  links!: CycleLinksDto;
}

export class CycleListDto {
  @ApiProperty({ type: [CycleSummaryDto], description: 'Newest first.' })
  cycles!: CycleSummaryDto[];

  @ApiProperty({ description: 'How many cycles match the filters in all.' })
  total!: number;
}

export class CycleStepDto {
  @ApiProperty({ description: 'The cycle, or the contract workflow for contract steps.' })
  workflowId!: string;

  @ApiProperty({ type: String, nullable: true })
  contractId!: string | null;

  @ApiProperty({ example: 'budgeting' })
  stepId!: string;

  @ApiProperty({ example: 'budgeting' })
  kind!: string;

  @ApiProperty({ type: LocalizedTextDto, nullable: true, description: 'The step’s title in the definition.' })
  title!: LocalizedTextDto | null;

  @ApiProperty({ format: 'date-time' })
  enteredAt!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  endedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, enum: STEP_OUTCOMES })
  outcome!: string | null;
}

export class CycleTasksDto {
  @ApiProperty({ type: [TaskDto] })
  open!: TaskDto[];

  @ApiProperty({ type: [TaskDto], description: 'Decided or withdrawn, with their decisions.' })
  closed!: TaskDto[];
}

export class SelectionStateDto {
  @ApiProperty({ type: String, nullable: true, example: 'competitiveConsultation' })
  method!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  round!: number | null;

  @ApiProperty()
  biddingOpen!: boolean;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  biddingUntil!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  bidsReceived!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  bidsQualified!: number | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  awardedAt!: string | null;
}

/** The bounds a numeric service level must stay within; either may be absent. */
export class ServiceLevelRangeDto {
  @ApiPropertyOptional({ type: Number })
  min?: number;

  @ApiPropertyOptional({ type: Number })
  max?: number;
}

/** A service level of the contract measured on one confirmed ledger period (`contract.serviceLevels[].measuredBy`). */
@ApiExtraModels(ServiceLevelRangeDto)
export class ServiceLevelMeasurementDto {
  @ApiProperty({ example: 'home-visits' })
  serviceLevelId!: string;

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ description: 'The ledger line (contract KPI) it is measured by.', example: 'homeVisits' })
  kpiId!: string;

  @ApiProperty({ description: 'The ledger period (1-based) whose confirmed lines were measured.', example: 1 })
  period!: number;

  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }], description: 'The KPI’s value in that period.' })
  value!: number | string | boolean;

  @ApiProperty({
    oneOf: [{ type: 'boolean' }, { $ref: getSchemaPath(ServiceLevelRangeDto) }],
    description: 'The target: a value the KPI must equal (true/false), or the bounds it must stay within.',
  })
  target!: boolean | ServiceLevelRangeDto;

  @ApiProperty({ description: 'Whether the value met the target.' })
  met!: boolean;

  @ApiProperty({ format: 'date-time', description: 'When the ledger confirmation that measured it was recorded (workflow time).' })
  measuredAt!: string;
}

/** A review period of the contract's review group (`performance.reviews`): its KPIs on its own ledger periods, and whether it passed. */
export class PeriodReviewDto {
  @ApiProperty({ description: 'The review group (`performance.reviews[].id`).', example: 'quarterly' })
  reviewId!: string;

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ description: 'The review period (1-based): the quarter, for a review of every 3 monthly periods.', example: 1 })
  period!: number;

  @ApiProperty({ description: 'The first ledger period it covers (1-based).', example: 1 })
  fromPeriod!: number;

  @ApiProperty({ description: 'The last ledger period it covers, whose confirmation closed it.', example: 3 })
  toPeriod!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }] },
    description: 'Its KPIs on its ledger periods’ lines alone, by KPI id; a KPI that could not be computed on them is left out.',
  })
  kpis!: Record<string, number | string | boolean>;

  @ApiProperty({ description: 'Whether its `passWhen` held (true without one).' })
  passed!: boolean;

  @ApiProperty({ format: 'date-time', description: 'When the ledger confirmation that closed it was recorded (workflow time).' })
  reviewedAt!: string;
}

export class ContractDto {
  @ApiProperty({ description: 'The contract workflow’s id, `<cycleId>/contract/<vendorId>`.' })
  id!: string;

  @ApiProperty()
  vendorId!: string;

  @ApiProperty()
  vendorName!: string;

  @ApiProperty({ description: 'Whole fen.' })
  amountFen!: number;

  @ApiProperty({ enum: CONTRACT_STATUSES })
  status!: string;

  @ApiProperty({ type: String, nullable: true })
  currentStep!: string | null;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  endedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  endReason!: string | null;

  @ApiProperty({ type: [ServiceLevelMeasurementDto], description: 'Its service levels as measured on each confirmed ledger period, by period then level.' })
  serviceLevels!: ServiceLevelMeasurementDto[];

  @ApiProperty({ type: [PeriodReviewDto], description: 'Its review groups’ review periods (`performance.reviews`), by group then period.' })
  reviews!: PeriodReviewDto[];
}

/**
 * A bid as the caller may see it. While its round's bidding is open, a bid is listed only to the roles
 * the procedure names as readers of sealed bids and to its own vendor. Once opened, vendor staff see of
 * other vendors' bids what the procedure's `sealed.disclosedAfterOpening` lists; the rest is null.
 */
export class BidDto {
  @ApiProperty()
  bidId!: string;

  @ApiProperty({ type: Number, nullable: true })
  round!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'null when the bid opening does not disclose who bid.' })
  vendorId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'null when the bid opening does not disclose who bid.' })
  vendorName!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Whole fen; null when the bid opening does not disclose prices.' })
  priceFen!: number | null;

  @ApiProperty()
  qualified!: boolean;

  @ApiProperty({ format: 'date-time' })
  submittedAt!: string;

  @ApiProperty()
  won!: boolean;

  @ApiProperty({ type: Number, nullable: true })
  awardedAmountFen!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  score!: number | null;

  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'Whether the vendor may win under the procedure’s award rule (selection.awards.eligibility; true when there is none); null on another vendor’s bid as a vendor’s staff see it, since it reads that vendor’s performance history.',
  })
  eligible!: boolean | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why the vendor may not win (the award rule’s reason); null when it may, or when `eligible` is null.' })
  ineligibleReason!: string | null;
}

/** A payment as the cycle detail lists it (GET /payments answers PaymentDto, with more about each). */
export class CyclePaymentDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  contractId!: string;

  @ApiProperty({ example: 'workingFunds' })
  trancheId!: string;

  @ApiProperty({ type: String, nullable: true })
  fund!: string | null;

  @ApiProperty()
  vendorId!: string;

  @ApiProperty()
  vendorName!: string;

  @ApiProperty({ description: 'Whole fen.' })
  amountFen!: number;

  @ApiProperty({ enum: ['instructed', 'exported'] })
  status!: string;

  @ApiProperty({ format: 'date-time' })
  instructedAt!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  exportedAt!: string | null;
}

export class NoticeDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ type: String, nullable: true })
  contractId!: string | null;

  @ApiProperty({ example: 'purchaseNotice' })
  noticeId!: string;

  @ApiProperty({ example: 'purchaseNotice' })
  kind!: string;

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ type: [NoticeLineDto] })
  lines!: NoticeLineDto[];

  @ApiProperty({ format: 'date-time' })
  publishedAt!: string;
}

export class ChallengeDto {
  @ApiProperty({ example: 'challenge-3f9a1c0b2d4e' })
  challengeId!: string;

  @ApiProperty()
  vendorId!: string;

  @ApiProperty()
  vendorName!: string;

  @ApiProperty({ description: 'The user who filed it.' })
  filedBy!: string;

  @ApiProperty({ format: 'date-time' })
  filedAt!: string;

  @ApiProperty()
  grounds!: string;

  @ApiProperty({ description: 'The filer said it may affect the result: signing was suspended while it was open.' })
  affectsResult!: boolean;

  @ApiProperty({ description: 'The task that answers it (GET /tasks/{id}).' })
  taskId!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'When the answer is due: the end of that working day.' })
  answerDueAt!: string | null;

  @ApiProperty({ enum: CHALLENGE_STATUSES })
  status!: ChallengeStatus;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  answeredAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  answeredBy!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it was upheld or dismissed.' })
  reasons!: string | null;
}

export class AuditEntryDto {
  @ApiProperty({ format: 'date-time' })
  occurredAt!: string;

  @ApiProperty({ example: 'li.ming' })
  actorId!: string;

  @ApiProperty({ example: 'finance-bureau' })
  actorRole!: string;

  @ApiProperty({ example: 'task.approved' })
  action!: string;

  @ApiProperty({ example: 'task' })
  subjectType!: string;

  @ApiProperty()
  subjectId!: string;

  @ApiProperty({ type: String, nullable: true })
  comment!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Record<string, unknown>;
}

export class PendingTimerDto {
  @ApiProperty({ example: 'wait:commentPeriod#1' })
  timerId!: string;

  @ApiProperty({ enum: ['wait', 'sla', 'bidding', 'ledgerPeriod'] })
  purpose!: string;

  @ApiProperty({ format: 'date-time' })
  until!: string;

  @ApiProperty({ description: 'What happens when it fires.', example: '征求意见期 Comment period ends' })
  description!: string;
}

export class WaitingForDto {
  @ApiProperty({ enum: ['decision', 'bids', 'timer', 'contracts'] })
  kind!: string;

  @ApiProperty({ example: '预算审核 Review the budget — a decision by finance-bureau' })
  description!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'When the wait ends or the decision is due.' })
  until!: string | null;
}

export class LiveContractDto {
  @ApiProperty()
  contractId!: string;

  @ApiProperty()
  vendorName!: string;

  @ApiProperty()
  status!: string;

  @ApiProperty({ type: String, nullable: true })
  stepId!: string | null;

  @ApiProperty({ type: [PendingTimerDto] })
  pendingTimers!: PendingTimerDto[];

  @ApiProperty({ type: [WaitingForDto] })
  waitingFor!: WaitingForDto[];
}

/** The running workflow's own account: what it waits for now. */
export class LiveStateDto {
  @ApiProperty({ enum: LIVE_STATUSES })
  status!: string;

  @ApiProperty({ type: String, nullable: true })
  stepId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  nodeId!: string | null;

  @ApiProperty()
  biddingOpen!: boolean;

  @ApiProperty({ type: [PendingTimerDto] })
  pendingTimers!: PendingTimerDto[];

  @ApiProperty({ type: [WaitingForDto] })
  waitingFor!: WaitingForDto[];

  @ApiProperty({ type: [LiveContractDto] })
  contracts!: LiveContractDto[];
}

/** Why the read model is behind its workflow: the projection that keeps failing, as Temporal retries it. */
export class ReadModelLagDto {
  @ApiProperty({ description: 'The workflow whose projection fails: the cycle, or one of its contracts.', example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54' })
  workflowId!: string;

  @ApiProperty({ description: 'The projection activity that fails.', enum: PROJECTION_ACTIVITIES, example: 'applyCommands' })
  activity!: string;

  @ApiProperty({ type: 'integer', description: 'The attempt Temporal is on (2 after the first failure); it retries with backoff until one lands.', example: 4, minimum: 2 })
  attempt!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the last attempt failed, on one line (at most 500 characters). Names the SQLSTATE, table and constraint, not the values.',
    example: 'the read model could not take this projection (PostgreSQL 23514, table tasks): …',
  })
  lastFailure!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'Since when: the workflow asked for this projection then, and it has not landed.' })
  since!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'When the last attempt failed.' })
  lastFailedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'When Temporal tries again; null while an attempt runs.' })
  nextAttemptAt!: string | null;
}

export class CycleDetailDto extends CycleSummaryDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The inputs the cycle was launched with.' })
  inputs!: Record<string, string | number | boolean>;

  @ApiProperty({
    enum: READ_MODEL_STATES,
    description:
      '`current`: no projection of the cycle or its contracts is failing. `pending`: the cycle has just been launched and the read model does not show it yet; ' +
      'only the live state is known. `behind`: a projection keeps failing, so the read model (steps, tasks, inboxes) lags what the workflow decided; ' +
      '`readModelLag` says which and why. The workflow retries until it lands and the read model catches up by itself.',
  })
  readModel!: ReadModelState;

  @ApiProperty({ type: ReadModelLagDto, nullable: true, description: 'While `readModel` is `behind`: the projection failing longest. Otherwise null.' })
  readModelLag!: ReadModelLagDto | null;

  @ApiProperty({ type: SelectionStateDto })
  selection!: SelectionStateDto;

  @ApiProperty({ type: [CycleStepDto], description: 'Every step entered, of the cycle and its contracts, in order.' })
  steps!: CycleStepDto[];

  @ApiProperty({ type: CycleTasksDto })
  tasks!: CycleTasksDto;

  @ApiProperty({ type: [ContractDto] })
  contracts!: ContractDto[];

  @ApiProperty({ type: [BidDto] })
  bids!: BidDto[];

  @ApiProperty({ type: [CyclePaymentDto] })
  payments!: CyclePaymentDto[];

  @ApiProperty({ type: [NoticeDto] })
  notices!: NoticeDto[];

  @ApiProperty({ type: [ChallengeDto], description: 'Challenges (质疑) against the result: vendor staff see only their own organisation’s.' })
  challenges!: ChallengeDto[];

  @ApiProperty({ type: [AuditEntryDto], description: 'Every audit entry of the cycle, its tasks, bids, contracts and payments, oldest first.' })
  audit!: AuditEntryDto[];

  @ApiProperty({ type: LiveStateDto, nullable: true, description: 'While the workflow runs: its pending timers and what it waits for.' })
  live!: LiveStateDto | null;

  @ApiPropertyOptional({ description: 'Why `live` is missing although the workflow runs.' })
  liveUnavailable?: string;
}

export class CycleMessageResultDto {
  @ApiProperty()
  cycleId!: string;

  @ApiProperty()
  requestId!: string;

  @ApiProperty({ enum: ENGINE_STATUSES, description: 'The cycle workflow’s state after the request.' })
  status!: string;

  @ApiProperty({ type: String, nullable: true })
  stepId!: string | null;
}

export class CancelledCycleDto extends CycleMessageResultDto {
  @ApiProperty({ example: '财政预算调整，本年度暂停购买' })
  reason!: string;
}

export class SubmittedBidDto extends CycleMessageResultDto {
  @ApiProperty({ description: 'Derived from the cycle and the requestId: the same request names the same bid.' })
  bidId!: string;

  @ApiProperty()
  vendorId!: string;

  @ApiProperty()
  vendorName!: string;

  @ApiProperty()
  priceFen!: number;
}

export class FiledChallengeDto extends CycleMessageResultDto {
  @ApiProperty({ description: 'Derived from the cycle and the requestId: the same request names the same challenge.' })
  challengeId!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The task that answers it, as the read model knows it.' })
  taskId!: string | null;
}
