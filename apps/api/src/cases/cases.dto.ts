import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsUUID } from 'class-validator';
import { Transform } from 'class-transformer';
import { IDENTIFIER_PATTERN } from '../../../../src/identity/identity.js';
import { CASE_STATUSES, CASE_TASK_STATUSES, type CaseStatus, type CaseTaskStatus } from '../../../../src/procurement/read-model.js';
import {
  FieldValuesField,
  FreeFormField,
  InstantField,
  IntegerField,
  MAX_COMMENT_LENGTH,
  MAX_FIELD_TEXT_LENGTH,
  MAX_ID_LENGTH,
  MAX_OFFSET,
  MAX_VERSION,
  OptionalField,
  REQUEST_ID_DESCRIPTION,
  RequestIdField,
  TextField,
} from '../common/request-validators.js';
import { LocalizedTextDto } from '../definitions/definitions.dto.js';
import { CaseAssignmentDto } from '../staff/staff.dto.js';

export const MAX_CASES_PER_PAGE = 200;
const LIFECYCLE_KEY = { regex: IDENTIFIER_PATTERN, message: 'lifecycleKey must be lower-case words joined by hyphens, e.g. "community-correction-case"' };
const EVENT_TYPE = { regex: /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/, message: 'type must be an event id, camelCase words joined by dots, e.g. "visit.recorded"' };
const CAMEL = { regex: /^[a-z][a-zA-Z0-9]*$/, message: 'state must be the camelCase id of a state, e.g. "supervision"' };

// ---- requests -------------------------------------------------------------------------------

export class EnrolCaseDto {
  @TextField({ description: 'metadata.key of a deployed SupervisionLifecycle definition.', example: 'community-correction-case', maxLength: MAX_ID_LENGTH, pattern: LIFECYCLE_KEY })
  lifecycleKey!: string;

  @IntegerField({ description: 'The lifecycle version; the newest when omitted. The case stays on it for its whole life.', example: 1, minimum: 1, maximum: MAX_VERSION, optional: true })
  version?: number;

  @FieldValuesField({ description: 'The case attributes the lifecycle declares, by id; missing ones take their default.', example: { isKeyPerson: false }, optional: true })
  attributes?: Record<string, string | number | boolean>;

  @TextField({ description: 'The contract under which a vendor serves the case; the case is then served by its vendor.', example: 'contract-…', maxLength: MAX_ID_LENGTH, optional: true, notBlank: true })
  contractId?: string;

  @RequestIdField({ description: `Optional. ${REQUEST_ID_DESCRIPTION} A repeated enrolment answers with the case the first one opened.`, optional: true })
  requestId?: string;
}

export class CaseEventDto {
  @TextField({ description: 'The event, as the lifecycle declares it.', example: 'visit.recorded', maxLength: MAX_ID_LENGTH, pattern: EVENT_TYPE })
  type!: string;

  @FreeFormField({ description: 'The event’s declared fields, checked by the case against the lifecycle.', example: { date: '2026-03-02' }, maxTextLength: MAX_FIELD_TEXT_LENGTH })
  payload?: Record<string, unknown>;

  @InstantField({ description: 'When it happened; now when omitted. Not in the future, not before enrolment.', example: '2026-03-02T10:00:00+08:00', optional: true })
  at?: string;

  @RequestIdField({ description: `${REQUEST_ID_DESCRIPTION} A repeated request has one effect and the first answer.` })
  requestId!: string;
}

export class DecideCaseTaskDto {
  @TextField({ description: 'What was done about it.', example: '已约谈社工，补做走访', maxLength: MAX_COMMENT_LENGTH, multiline: true, notBlank: true, blankMessage: 'comment must say what was done' })
  comment!: string;

  @RequestIdField({ description: REQUEST_ID_DESCRIPTION })
  requestId!: string;
}

export class CaseIdParamsDto {
  @TextField({ description: 'The case id, `case-<uuid>`.', example: 'case-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54', maxLength: MAX_ID_LENGTH, notBlank: true })
  id!: string;
}

export class CaseTaskParamsDto extends CaseIdParamsDto {
  @TextField({ description: 'The task id, as the case lists it.', example: 'followUpMissedVisit-7', maxLength: MAX_ID_LENGTH, notBlank: true })
  taskId!: string;
}

export class ListCasesQueryDto {
  @TextField({ description: 'Only cases served by this vendor.', maxLength: MAX_ID_LENGTH, optional: true, notBlank: true })
  vendorId?: string;

  @TextField({ description: 'Only cases in this state.', example: 'supervision', maxLength: MAX_ID_LENGTH, optional: true, pattern: CAMEL })
  state?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'Only cases with (true) or without (false) a breach whose raised task is still open.' })
  @OptionalField()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'openBreach must be true or false' })
  openBreach?: boolean;

  @InstantField({ description: 'Only cases with an obligation period ending before this instant.', example: '2026-04-01', optional: true })
  dueBefore?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'Only cases this staff member (social worker or volunteer) is assigned to now.' })
  @OptionalField()
  @IsUUID('all', { message: 'worker must be a staff member id (a UUID)' })
  worker?: string;

  @IntegerField({ description: 'At most this many cases, newest first.', default: 50, minimum: 1, maximum: MAX_CASES_PER_PAGE, optional: true, fromText: true })
  limit?: number;

  @IntegerField({ description: 'Skip this many cases (for the next page).', default: 0, minimum: 0, maximum: MAX_OFFSET, optional: true, fromText: true })
  offset?: number;
}

// ---- responses ------------------------------------------------------------------------------

export class CaseLinksDto {
  @ApiProperty() self!: string;
  @ApiProperty() events!: string;
}

export class EnrolledCaseDto {
  @ApiProperty() caseId!: string;
  @ApiProperty({ description: 'false for a repeated requestId: the case had been opened by the first.' }) created!: boolean;
  @ApiProperty() jurisdiction!: string;
  @ApiProperty() lifecycleKey!: string;
  @ApiProperty() lifecycleVersion!: number;
  @ApiProperty({ type: String, nullable: true }) vendorId!: string | null;
  @ApiProperty({ type: String, nullable: true }) contractId!: string | null;
  @ApiProperty({ type: CaseLinksDto }) links!: CaseLinksDto;
}

export class CaseEventAnswerDto {
  @ApiProperty() requestId!: string;
  @ApiProperty({ description: 'The state the case is in after the event.' }) state!: string;
  @ApiProperty() final!: boolean;
  @ApiProperty({ description: 'The event’s place in the case’s timeline.' }) seq!: number;
}

export class CaseSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty() lifecycleKey!: string;
  @ApiProperty() lifecycleVersion!: number;
  @ApiProperty() jurisdiction!: string;
  @ApiProperty({ type: String, nullable: true }) vendorId!: string | null;
  @ApiProperty({ type: String, nullable: true }) contractId!: string | null;
  @ApiProperty() state!: string;
  @ApiProperty({ description: 'The lifecycle reached a final state.' }) final!: boolean;
  @ApiProperty({ enum: CASE_STATUSES, description: 'How its workflow stands: `cancelled` or `terminated` by ops (see `endReason`), `completed` at a final state.' })
  status!: CaseStatus;
  @ApiProperty({ type: String, nullable: true, description: 'When the case ended.' }) endedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why ops cancelled or terminated it.' }) endReason!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The case’s attributes; confidential ones only for the roles the lifecycle lets read them.' })
  attributes!: Record<string, unknown>;
  @ApiProperty({ type: [String], description: 'Confidential attributes of this case withheld from you.' }) withheldAttributes!: string[];
  @ApiProperty() enrolledAt!: string;
  @ApiProperty() enrolledBy!: string;
  @ApiProperty({ description: 'Breaches whose raised task is still open.' }) openBreaches!: number;
}

export class CaseListDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [CaseSummaryDto] }) cases!: CaseSummaryDto[];
}

export class CaseTimelineEntryDto {
  @ApiProperty() seq!: number;
  @ApiProperty() type!: string;
  @ApiProperty() at!: string;
  @ApiProperty() recordedAt!: string;
  @ApiProperty() actorId!: string;
  @ApiProperty() actorName!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event’s fields; confidential ones only for the roles the lifecycle lets read them.' })
  payload!: Record<string, unknown>;
  @ApiProperty({ type: [String], description: 'Confidential fields of this event withheld from you.' }) withheld!: string[];
  @ApiProperty() stateBefore!: string;
  @ApiProperty() stateAfter!: string;
}

export class CasePeriodDto {
  @ApiProperty() obligation!: string;
  @ApiProperty() state!: string;
  @ApiProperty({ type: Number, nullable: true }) period!: number | null;
  @ApiProperty({ type: String, nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) endedAt!: string | null;
  @ApiProperty() total!: number;
  @ApiProperty() required!: number;
  @ApiProperty() met!: boolean;
  @ApiProperty() partial!: boolean;
}

export class CaseBreachDto {
  @ApiProperty() obligation!: string;
  @ApiProperty() state!: string;
  @ApiProperty({ type: Number, nullable: true }) period!: number | null;
  @ApiProperty({ type: String, nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) endedAt!: string | null;
  @ApiProperty() total!: number;
  @ApiProperty() required!: number;
  @ApiProperty({ type: String, nullable: true }) taskId!: string | null;
}

export class CaseTaskDto {
  @ApiProperty() id!: string;
  @ApiProperty() kind!: string;
  @ApiProperty({ type: LocalizedTextDto }) title!: LocalizedTextDto;
  @ApiProperty() role!: string;
  @ApiProperty() obligation!: string;
  @ApiProperty({ enum: CASE_TASK_STATUSES }) status!: CaseTaskStatus;
  @ApiProperty() openedAt!: string;
  @ApiProperty({ type: String, nullable: true }) dueAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) decidedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) decidedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
}

export class CaseObligationDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: LocalizedTextDto }) title!: LocalizedTextDto;
  @ApiProperty() event!: string;
  @ApiProperty() per!: string;
  @ApiProperty() applies!: boolean;
  @ApiProperty() total!: number;
  @ApiProperty() required!: number;
  @ApiProperty() met!: boolean;
  @ApiProperty({ type: Number, nullable: true }) period!: number | null;
  @ApiProperty({ type: String, nullable: true }) periodStartedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) periodEndsAt!: string | null;
}

export class CaseDetailDto extends CaseSummaryDto {
  @ApiProperty({ type: [CaseObligationDto], description: 'The current state’s obligations with their fulfilment now (empty once the case has ended or when the workflow did not answer).' })
  obligations!: CaseObligationDto[];
  @ApiProperty({ type: [String], description: 'Events the current state accepts.' }) acceptedEvents!: string[];
  @ApiProperty({ type: CaseAssignmentDto, description: 'Who serves the case now (social worker, volunteers) and who served it before.' }) assignment!: CaseAssignmentDto;
  @ApiProperty({ type: String, nullable: true, description: 'Why `obligations` is empty for a running case: the workflow did not answer.' }) liveUnavailable!: string | null;
  @ApiProperty({ type: [CasePeriodDto] }) periods!: CasePeriodDto[];
  @ApiProperty({ type: [CaseBreachDto] }) breaches!: CaseBreachDto[];
  @ApiProperty({ type: [CaseTaskDto] }) tasks!: CaseTaskDto[];
  @ApiProperty({ type: [CaseTimelineEntryDto] }) timeline!: CaseTimelineEntryDto[];
}

