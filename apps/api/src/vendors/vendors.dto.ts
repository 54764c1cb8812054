import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, Matches, MaxLength, registerDecorator, ValidateNested, type ValidationArguments } from 'class-validator';
import { IDENTIFIER_PATTERN } from '../../../../src/identity/identity.js';
import { LocalizedTextDto } from '../definitions/definitions.dto.js';
import { REGISTRATION_TYPES, type RegistrationType, VERIFICATION_STATUSES, type VerificationStatus } from '../../../../src/vendors/vendor.js';
import { creditCodeProblem } from '../../../../src/vendors/unified-social-credit-code.js';
import {
  CAMEL_ID_PATTERN,
  IntegerField,
  MAX_COMMENT_LENGTH,
  MAX_OFFSET,
  MAX_TITLE_LENGTH,
  OptionalField,
  TextField,
  UuidField,
} from '../common/request-validators.js';

/** Most evidence items one vendor may carry; procedures list 2 to 8 qualification criteria. */
export const MAX_EVIDENCE_ITEMS = 50;
export const MAX_PAGE_SIZE = 500;
/** Jurisdiction codes are short: a province prefix and a place name (`zj-deqing`). */
const MAX_JURISDICTION_LENGTH = 100;

/**
 * The shape of a unified social credit code as the API takes it (letters in either case); the check
 * character is verified besides, which no pattern can express.
 */
const CREDIT_CODE_SHAPE = '^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}$';

/** A unified social credit code whose format and check character are right (GB 32100-2015). */
function IsUnifiedSocialCreditCode(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isUnifiedSocialCreditCode',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value === 'string' && creditCodeProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          typeof args?.value === 'string'
            ? `the unified social credit code (统一社会信用代码) ${creditCodeProblem(args.value) ?? 'is not valid'}`
            : 'must be a unified social credit code (统一社会信用代码) of 18 characters',
      },
    });
}

/** A calendar day that exists (2025-02-29 does not), written YYYY-MM-DD. */
export function IsCalendarDay(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCalendarDay',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
          const parsed = new Date(`${value}T00:00:00Z`);
          return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
        },
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'the value'} must be a calendar day written YYYY-MM-DD, e.g. 2026-12-31`,
      },
    });
}

const JURISDICTION = { regex: IDENTIFIER_PATTERN, message: 'jurisdiction must be lower-case words joined by hyphens, e.g. "zj-deqing"' };

// ---- requests -------------------------------------------------------------------------------

export class QualificationEvidenceDto {
  @TextField({
    description: 'Id of the qualification criterion in the procedures (`selection.qualification.criteria[].id`).',
    example: 'taxAndSocialInsurance',
    maxLength: 100,
    pattern: { regex: CAMEL_ID_PATTERN, message: 'criterionId must be a camelCase criterion id such as "taxAndSocialInsurance"' },
  })
  criterionId!: string;

  @TextField({ description: 'The document that shows it: title, number or archive reference.', example: '2025年度纳税证明（德税证〔2025〕118号）', maxLength: 500, trim: true, notBlank: true })
  document!: string;

  @TextField({ example: '原件已核对', maxLength: MAX_COMMENT_LENGTH, multiline: true, optional: true })
  note?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date',
    example: '2026-12-31',
    description: 'Last day (China time) the document is valid, e.g. a tax certificate’s; from the next day the criterion no longer counts. Absent: it does not expire.',
  })
  @OptionalField()
  @IsCalendarDay()
  validUntil?: string;
}

/** One finding on a criterion's evidence. */
export class CriterionVerificationDto {
  @ApiProperty({ example: 'civil-affairs', description: 'The role the verifier acted in; a procedure counts it when its `qualification.verifiedBy` names this role.' })
  role!: string;

  @ApiProperty({ example: 'zj-deqing', description: 'The jurisdiction the verifier acted for.' })
  jurisdiction!: string;

  @ApiProperty({ description: 'User id of the verifier.' })
  by!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

export class CriterionRejectionDto extends CriterionVerificationDto {
  @ApiProperty({ example: '纳税证明已过期' })
  comment!: string;
}

/** A criterion's evidence as the registry holds it: the document, its validity, and the findings on it. */
export class EvidenceDto {
  @ApiProperty({ example: 'taxAndSocialInsurance' })
  criterionId!: string;

  @ApiProperty({ example: '2025年度纳税证明（德税证〔2025〕118号）' })
  document!: string;

  @ApiPropertyOptional()
  note?: string;

  @ApiPropertyOptional({ type: String, format: 'date', description: 'Last valid day (China time); absent when the document does not expire.' })
  validUntil?: string;

  @ApiProperty({ type: Boolean, description: 'Whether validUntil has passed (China time) when this answer was made.' })
  expired!: boolean;

  @ApiProperty({ type: [CriterionVerificationDto], description: 'One verification per role that verified this document.' })
  verifications!: CriterionVerificationDto[];

  @ApiProperty({ type: CriterionRejectionDto, nullable: true, description: 'The rejection that stands, until the criterion is verified again.' })
  rejection!: CriterionRejectionDto | null;
}

export class CreateVendorDto {
  @TextField({ description: 'Registered name of the organisation.', example: '德清县阳光社会工作服务中心', maxLength: MAX_TITLE_LENGTH, trim: true, notBlank: true })
  name!: string;

  @ApiProperty({
    description: 'Unified social credit code (统一社会信用代码): 18 characters, check character included. Letters may be sent in lower case.',
    example: '52330521MJ9999999X',
    minLength: 18,
    maxLength: 18,
    pattern: CREDIT_CODE_SHAPE,
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @IsUnifiedSocialCreditCode()
  creditCode!: string;

  @ApiProperty({ enum: REGISTRATION_TYPES, description: 'How the organisation is registered (seed 003 §二(二)).' })
  @IsIn(REGISTRATION_TYPES)
  registrationType!: RegistrationType;

  @ApiProperty({ type: [QualificationEvidenceDto], minItems: 1, maxItems: MAX_EVIDENCE_ITEMS, description: 'One item per qualification criterion, each criterion once.' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_EVIDENCE_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => QualificationEvidenceDto)
  evidence!: QualificationEvidenceDto[];

  @TextField({
    description: 'The jurisdiction whose registry it joins; the caller’s own when absent (only national users may name another).',
    example: 'zj-deqing',
    maxLength: MAX_JURISDICTION_LENGTH,
    optional: true,
    pattern: JURISDICTION,
  })
  jurisdiction?: string;
}

export enum VerificationDecision {
  Verified = 'verified',
  Rejected = 'rejected',
}

export class VerifyVendorDto {
  @ApiProperty({ enum: VerificationDecision, description: 'The finding on the named criteria’s evidence (seed 001 §二(七): 核实承接方的资质及条件).' })
  @IsIn(Object.values(VerificationDecision))
  decision!: VerificationDecision;

  @TextField({ description: 'Why; required when rejecting.', example: '缺少近三年社会保险缴纳记录', maxLength: MAX_COMMENT_LENGTH, multiline: true, optional: true, trim: true })
  comment?: string;

  @TextField({
    description:
      'The role the verifier acts in: one the caller holds that a procedure deployed for the vendor’s jurisdiction names in `selection.qualification.verifiedBy`. Absent: the caller’s only such role.',
    example: 'civil-affairs',
    maxLength: MAX_JURISDICTION_LENGTH,
    optional: true,
    pattern: { regex: IDENTIFIER_PATTERN, message: 'role must be a role id such as "civil-affairs"' },
  })
  role?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_EVIDENCE_ITEMS,
    example: ['qualifiedSocialOrganisation', 'taxAndSocialInsurance'],
    description: 'The criteria decided, each with evidence on file and verified by `role` in some procedure. Absent: every criterion on file that `role` verifies.',
  })
  @OptionalField()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_EVIDENCE_ITEMS)
  @MaxLength(100, { each: true })
  @Matches(CAMEL_ID_PATTERN, { each: true, message: 'each criterion must be a camelCase criterion id such as "taxAndSocialInsurance"' })
  criteria?: string[];
}

export class SuspendVendorDto {
  @TextField({
    description: 'Why the vendor may no longer take part (the exit mechanism of seed 003).',
    example: '年度绩效评价不合格',
    maxLength: MAX_COMMENT_LENGTH,
    multiline: true,
    trim: true,
    notBlank: true,
    blankMessage: 'reason must say why the vendor is suspended',
  })
  reason!: string;
}

export class ReinstateVendorDto {
  @TextField({
    description: 'Why the vendor may take part again, e.g. the rectification that was verified.',
    example: '整改已完成，经复核恢复承接资格',
    maxLength: MAX_COMMENT_LENGTH,
    multiline: true,
    trim: true,
    notBlank: true,
    blankMessage: 'reason must say why the vendor is reinstated',
  })
  reason!: string;
}

export class VendorIdParamsDto {
  @UuidField({ description: 'The vendor’s id in the registry.', message: 'id must be a vendor id (a UUID)' })
  id!: string;
}

export class ListVendorsQueryDto {
  @ApiPropertyOptional({ enum: VERIFICATION_STATUSES, description: 'Only vendors with this verification status.' })
  @OptionalField()
  @IsIn(VERIFICATION_STATUSES)
  status?: VerificationStatus;

  @ApiPropertyOptional({ type: Boolean, description: 'Only suspended (true) or only not suspended (false) vendors.' })
  @OptionalField()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'suspended must be true or false' })
  suspended?: boolean;

  @IntegerField({ description: 'Most vendors to return.', default: 100, minimum: 1, maximum: MAX_PAGE_SIZE, optional: true, fromText: true })
  limit?: number;

  @IntegerField({ description: 'Vendors to skip, for paging.', default: 0, minimum: 0, maximum: MAX_OFFSET, optional: true, fromText: true })
  offset?: number;
}

// ---- responses ------------------------------------------------------------------------------

export class VendorDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: '德清县阳光社会工作服务中心' })
  name!: string;

  @ApiProperty({ example: '52330521MJ9999999X' })
  creditCode!: string;

  @ApiProperty({ example: 'zj-deqing' })
  jurisdiction!: string;

  @ApiProperty({ enum: REGISTRATION_TYPES })
  registrationType!: RegistrationType;

  @ApiProperty({ type: [EvidenceDto] })
  evidence!: EvidenceDto[];

  @ApiProperty({
    enum: VERIFICATION_STATUSES,
    description: 'Summary: rejected while a criterion stands rejected, verified once every criterion on file has a verification, pending otherwise. Eligibility reads the criteria themselves.',
  })
  verificationStatus!: VerificationStatus;

  @ApiProperty({ type: String, nullable: true, description: 'The comment on the latest verification decision.' })
  verificationComment!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'User id of whoever took the latest verification decision.' })
  verifiedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the latest verification decision was taken.' })
  verifiedAt!: string | null;

  @ApiProperty()
  suspended!: boolean;

  @ApiProperty({ type: String, nullable: true })
  suspensionReason!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'User id, or `workflow:<id>` when a contract’s exit rule suspended it.' })
  suspendedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  suspendedAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The role that may reinstate the vendor from this suspension (`performance.exit.reinstatedBy` of the procedure whose exit suspended it); null: administrators and the finance bureau.',
  })
  reinstatementRole!: string | null;

  @ApiProperty({ description: 'User id of the administrator who registered it.' })
  registeredBy!: string;

  @ApiProperty({ format: 'date-time' })
  registeredAt!: string;
}

export class VendorListDto {
  @ApiProperty({ type: [VendorDto], description: 'Ordered by name, then id.' })
  vendors!: VendorDto[];

  @ApiProperty({ description: 'How many vendors match, over all pages.' })
  total!: number;
}

export class PerformanceSummaryDto {
  @ApiProperty({ description: 'How many evaluations are recorded (`vendor.history.count`).', example: 1 })
  count!: number;

  @ApiProperty({ description: 'The latest evaluation’s score, 0 with none (`vendor.history.lastScore`).', example: 55 })
  lastScore!: number;

  @ApiProperty({ description: 'The mean score rounded down, 0 with none (`vendor.history.meanScore`).', example: 55 })
  meanScore!: number;

  @ApiProperty({ description: 'Whether the latest evaluation passed, false with none (`vendor.history.lastPassed`).' })
  lastPassed!: boolean;
}

export class GradeDto {
  @ApiProperty({ description: 'The lowest score of the band.', example: 60 })
  min!: number;

  @ApiProperty({ type: LocalizedTextDto, description: 'The band’s name, e.g. 合格.' })
  label!: LocalizedTextDto;
}

export class EvaluatorDto {
  @ApiProperty()
  userId!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'The role in which the evaluator decided: the evaluation task’s role, or after an escalation the role it escalated to.', example: 'finance-bureau' })
  role!: string;
}

/** One decided evaluation of the vendor, as its contract's workflow recorded it. */
export class VendorEvaluationDto {
  @ApiProperty({ minimum: 0, maximum: 100 })
  score!: number;

  @ApiProperty({ description: 'Whether the score reached the procedure’s pass score.' })
  passed!: boolean;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Each indicator group’s score (`business`, `financial`), when the evaluation has it.' })
  groups!: Record<string, number>;

  @ApiProperty({ type: GradeDto, nullable: true, description: 'The band of `performance.evaluation.grades` the score falls in; null without bands.' })
  grade!: GradeDto | null;

  @ApiProperty({ type: Number, nullable: true, description: 'The performance period evaluated (1-based); null for the whole contract.' })
  period!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'With `period`, the last ledger period the evaluation covers when it covers several (a mid-term evaluation of periods 1–6: `period` 1, `periodThrough` 6); null otherwise.' })
  periodThrough!: number | null;

  @ApiProperty()
  cycleId!: string;

  @ApiProperty()
  contractId!: string;

  @ApiProperty({ description: 'The procedure the contract ran under.' })
  definitionKey!: string;

  @ApiProperty()
  definitionVersion!: number;

  @ApiProperty()
  jurisdiction!: string;

  @ApiProperty({
    type: EvaluatorDto,
    nullable: true,
    description: 'Who decided the evaluation; shown only to officers of the jurisdiction that evaluated and to national administrators and operations staff, null to everyone else (the vendor’s own staff included).',
  })
  evaluator!: EvaluatorDto | null;

  @ApiProperty({ description: 'The procedure’s exit condition held: this evaluation suspended the vendor.' })
  exited!: boolean;

  @ApiProperty({ format: 'date-time' })
  evaluatedAt!: string;
}

export class VendorHistoryDto {
  @ApiProperty({ format: 'uuid' })
  vendorId!: string;

  @ApiProperty({ type: PerformanceSummaryDto, description: 'What selection reads as `vendor.history` for the vendor’s next bid.' })
  summary!: PerformanceSummaryDto;

  @ApiProperty({ type: [VendorEvaluationDto], description: 'Oldest first.' })
  evaluations!: VendorEvaluationDto[];
}
