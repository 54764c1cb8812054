import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsUUID } from 'class-validator';
import { STAFF_KINDS, type StaffingMeasure, type StaffKind } from '../../../../src/staffing/staffing.js';
import { InstantField, MAX_ID_LENGTH, MAX_TITLE_LENGTH, OptionalField, REQUEST_ID_DESCRIPTION, RequestIdField, TextField, UuidField } from '../common/request-validators.js';
import { IsCalendarDay } from '../vendors/vendors.dto.js';
import type { AssignmentRow, StaffRow } from './staff.repository.js';

/** Most volunteers one assignment names; seed 004 asks for one per person. */
export const MAX_VOLUNTEERS_PER_CASE = 50;

// ---- requests -------------------------------------------------------------------------------

export class RegisterStaffDto {
  @TextField({ description: 'The member’s name.', example: '李红', maxLength: MAX_TITLE_LENGTH, trim: true, notBlank: true, blankMessage: 'name must not be blank' })
  name!: string;

  @ApiProperty({ enum: STAFF_KINDS, description: 'A social worker (社会工作者) serves cases up to the lifecycle’s `maxCasesEach`; a volunteer (志愿者) counts toward `minPerCase`.' })
  @IsIn(STAFF_KINDS, { message: `kind must be one of ${STAFF_KINDS.join(', ')}` })
  kind!: StaffKind;

  @TextField({ description: 'Professional qualification, e.g. 社会工作者职业资格 (助理社会工作师).', example: '社会工作者职业资格（社会工作师）', maxLength: MAX_TITLE_LENGTH, optional: true, trim: true, notBlank: true })
  qualification?: string;

  @ApiPropertyOptional({ type: String, format: 'date', example: '2026-01-05', description: 'The day (China time) they joined the organisation; today when absent. They count as staff from its start.' })
  @OptionalField()
  @IsCalendarDay()
  joinedOn?: string;

  @RequestIdField({ description: `${REQUEST_ID_DESCRIPTION} A repeated registration answers with the member the first one registered.` })
  requestId!: string;
}

export class EndMembershipDto {
  @ApiProperty({ type: String, format: 'date', example: '2026-06-30', description: 'The day (China time) they left: from its start they no longer count as staff, nor serve their cases. After the day they joined.' })
  @IsCalendarDay()
  leftOn!: string;

  @RequestIdField({ description: REQUEST_ID_DESCRIPTION })
  requestId!: string;
}

export class ListStaffQueryDto {
  @ApiPropertyOptional({ enum: STAFF_KINDS, description: 'Only members of this kind.' })
  @OptionalField()
  @IsIn(STAFF_KINDS, { message: `kind must be one of ${STAFF_KINDS.join(', ')}` })
  kind?: StaffKind;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: only those who are staff now; false (default): everyone ever registered.' })
  @OptionalField()
  @IsIn(['true', 'false'], { message: 'current must be true or false' })
  current?: 'true' | 'false';
}

export class StaffParamsDto {
  @UuidField({ description: 'The vendor’s id in the registry.', message: 'id must be a vendor id (a UUID)' })
  id!: string;

  @UuidField({ description: 'The member’s id.', message: 'staffId must be a staff member id (a UUID)' })
  staffId!: string;
}

export class StaffingQueryDto {
  @InstantField({ description: 'The instant to measure at; now when absent.', example: '2026-04-01T00:00:00+08:00', optional: true })
  at?: string;

  @TextField({ description: 'Only this contract’s cases (a worker’s load still counts all the vendor’s cases).', maxLength: MAX_ID_LENGTH, optional: true, notBlank: true })
  contractId?: string;
}

export class AssignCaseDto {
  @ApiProperty({ type: String, format: 'uuid', description: 'The social worker who serves the case: a current member of the serving vendor’s staff, of kind socialWorker.' })
  @IsUUID('all', { message: 'socialWorkerId must be a staff member id (a UUID)' })
  socialWorkerId!: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_VOLUNTEERS_PER_CASE,
    uniqueItems: true,
    description: 'The volunteers who help with the case (current members of kind volunteer); none when absent. The assignment replaces the case’s volunteers.',
  })
  @OptionalField()
  @IsArray({ message: 'volunteerIds must be a list of staff member ids' })
  @ArrayMaxSize(MAX_VOLUNTEERS_PER_CASE, { message: `volunteerIds must name at most ${MAX_VOLUNTEERS_PER_CASE} volunteers` })
  @ArrayUnique({ message: 'volunteerIds must not name a volunteer twice' })
  @IsUUID('all', { each: true, message: 'each of volunteerIds must be a staff member id (a UUID)' })
  volunteerIds?: string[];

  @RequestIdField({ description: `${REQUEST_ID_DESCRIPTION} A repeated assignment has one effect and answers with the case’s assignment.` })
  requestId!: string;
}

// ---- responses ------------------------------------------------------------------------------

export class StaffDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) vendorId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: STAFF_KINDS }) kind!: StaffKind;
  @ApiProperty({ type: String, nullable: true }) qualification!: string | null;
  @ApiProperty({ format: 'date' }) joinedOn!: string;
  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'The day they left; null while they are staff.' }) leftOn!: string | null;
  @ApiProperty({ description: 'Staff at the moment of this answer.' }) current!: boolean;
  @ApiProperty({ description: 'Cases not ended that they are assigned to now.' }) activeCases!: number;
  @ApiProperty() registeredBy!: string;
  @ApiProperty({ format: 'date-time' }) registeredAt!: string;
}

export class StaffListDto {
  @ApiProperty({ type: [StaffDto] }) staff!: StaffDto[];
}

export class RatioSourceDto {
  @ApiProperty() lifecycleKey!: string;
  @ApiProperty() lifecycleVersion!: number;
  @ApiProperty({ example: 'staffing.socialWorker.maxCasesEach' }) key!: string;
  @ApiProperty({ example: 10 }) value!: number;
  @ApiProperty({ type: String, nullable: true, example: 'seed 004_f522fc3792ed1dfa.txt §二(三)' }) cited!: string | null;
}

export class OverloadedWorkerDto {
  @ApiProperty({ format: 'uuid' }) staffId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() cases!: number;
  @ApiProperty({ type: [String] }) caseIds!: string[];
  @ApiProperty({ type: RatioSourceDto, description: 'The strictest ratio among the worker’s cases.' }) ratio!: RatioSourceDto;
}

export class CaseWithoutSocialWorkerDto {
  @ApiProperty() caseId!: string;
  @ApiProperty({ type: String, nullable: true }) contractId!: string | null;
  @ApiProperty({ type: RatioSourceDto }) ratio!: RatioSourceDto;
}

export class CaseShortOfVolunteersDto extends CaseWithoutSocialWorkerDto {
  @ApiProperty() volunteers!: number;
}

export class StaffingReportDto {
  @ApiProperty({ format: 'uuid' }) vendorId!: string;
  @ApiProperty({ type: String, nullable: true }) contractId!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ description: 'Cases in scope active at the instant.' }) activeCases!: number;
  @ApiProperty({ description: 'Social workers on staff at the instant.' }) socialWorkers!: number;
  @ApiProperty({ description: 'Volunteers on staff at the instant.' }) volunteers!: number;
  @ApiProperty({ type: [OverloadedWorkerDto] }) overloadedWorkers!: OverloadedWorkerDto[];
  @ApiProperty({ type: [CaseWithoutSocialWorkerDto] }) casesWithoutSocialWorker!: CaseWithoutSocialWorkerDto[];
  @ApiProperty({ type: [CaseShortOfVolunteersDto] }) casesShortOfVolunteers!: CaseShortOfVolunteersDto[];
  @ApiProperty({ description: 'The number of breaches listed above.' }) breaches!: number;
}

export class AssignedStaffDto {
  @ApiProperty({ format: 'uuid' }) staffId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: STAFF_KINDS }) kind!: StaffKind;
  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'The day the member left their organisation, if they have.' }) leftOn!: string | null;
  @ApiProperty({ format: 'date-time' }) assignedAt!: string;
  @ApiProperty() assignedBy!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) endedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) endedBy!: string | null;
}

export class CaseAssignmentDto {
  @ApiProperty() caseId!: string;
  @ApiProperty({ type: AssignedStaffDto, nullable: true }) socialWorker!: AssignedStaffDto | null;
  @ApiProperty({ type: [AssignedStaffDto] }) volunteers!: AssignedStaffDto[];
  @ApiProperty({ type: [AssignedStaffDto], description: 'Every assignment of the case, ended ones included, oldest first.' }) history!: AssignedStaffDto[];
}

// ---- mappers --------------------------------------------------------------------------------

export function toStaffDto(row: StaffRow, now: Date): StaffDto {
  return {
    id: row.id,
    vendorId: row.vendorId,
    name: row.name,
    kind: row.kind,
    qualification: row.qualification,
    joinedOn: row.joinedOn,
    leftOn: row.leftOn,
    current: row.memberFrom.getTime() <= now.getTime() && (row.memberUntil === null || row.memberUntil.getTime() > now.getTime()),
    activeCases: row.activeCases,
    registeredBy: row.registeredBy,
    registeredAt: row.registeredAt.toISOString(),
  };
}

function toAssignedStaffDto(row: AssignmentRow): AssignedStaffDto {
  return {
    staffId: row.staffId,
    name: row.name,
    kind: row.kind,
    leftOn: row.leftOn,
    assignedAt: row.assignedAt.toISOString(),
    assignedBy: row.assignedBy,
    endedAt: row.endedAt ? row.endedAt.toISOString() : null,
    endedBy: row.endedBy,
  };
}

export function toCaseAssignmentDto(caseId: string, rows: readonly AssignmentRow[]): CaseAssignmentDto {
  const open = rows.filter((row) => row.endedAt === null);
  const worker = open.find((row) => row.kind === 'socialWorker');
  return {
    caseId,
    socialWorker: worker ? toAssignedStaffDto(worker) : null,
    volunteers: open.filter((row) => row.kind === 'volunteer').map(toAssignedStaffDto),
    history: rows.map(toAssignedStaffDto),
  };
}

export function toStaffingReportDto(measure: StaffingMeasure): StaffingReportDto {
  return JSON.parse(JSON.stringify(measure)) as StaffingReportDto;
}
