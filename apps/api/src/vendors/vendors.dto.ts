import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, registerDecorator, ValidateNested, type ValidationArguments } from 'class-validator';
import { IDENTIFIER_PATTERN } from '../../../../src/identity/identity.js';
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
  @ApiProperty({ enum: VerificationDecision, description: 'Civil affairs’ finding on the qualifications and conditions (seed 001 §二(七)).' })
  @IsIn(Object.values(VerificationDecision))
  decision!: VerificationDecision;

  @TextField({ description: 'Why; required when rejecting.', example: '缺少近三年社会保险缴纳记录', maxLength: MAX_COMMENT_LENGTH, multiline: true, optional: true, trim: true })
  comment?: string;
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

  @ApiProperty({ type: [QualificationEvidenceDto] })
  evidence!: QualificationEvidenceDto[];

  @ApiProperty({ enum: VERIFICATION_STATUSES, description: 'pending until civil affairs decides.' })
  verificationStatus!: VerificationStatus;

  @ApiProperty({ type: String, nullable: true, description: 'Civil affairs’ comment on its decision.' })
  verificationComment!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'User id of whoever decided the verification.' })
  verifiedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the verification was decided.' })
  verifiedAt!: string | null;

  @ApiProperty()
  suspended!: boolean;

  @ApiProperty({ type: String, nullable: true })
  suspensionReason!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'User id, or `workflow:<id>` when a contract’s exit rule suspended it.' })
  suspendedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  suspendedAt!: string | null;

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
