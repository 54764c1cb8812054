import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, ValidateNested } from 'class-validator';
import { DEFINITION_KINDS, type DefinitionKind } from '../../../../src/definitions/compiled-definition.js';
import { SERVICE_TYPES, type ServiceType } from '../../../../src/definitions/procedure/procedure.schema.js';
import { DEFINITION_LIMITS } from '../../../../src/definitions/source/source-limits.js';
import { IDENTIFIER_PATTERN } from '../../../../src/identity/identity.js';
import { DiagnosticDto } from '../common/error-response.dto.js';
import { IntegerField, MAX_COMMENT_LENGTH, MAX_ID_LENGTH, MAX_VERSION, OptionalField, TextField } from '../common/request-validators.js';

/** Most files one request may carry; a jurisdiction's whole set of definitions fits many times over. */
export const MAX_FILES_PER_REQUEST = 100;
/** Largest definition file accepted, in characters: the compiler's own limit (rule PF-LIMIT-SIZE). */
export const MAX_DEFINITION_LENGTH = DEFINITION_LIMITS.maxLength;

// ---- requests -------------------------------------------------------------------------------

export class DefinitionFileDto {
  @TextField({ description: 'Name of the file, as diagnostics should name it.', example: 'definitions/calendars/cn-2026.yaml', maxLength: 500, notBlank: true })
  file!: string;

  // The length is checked by the service, not here, so that a file too large is answered 413 naming it.
  @ApiProperty({
    description: 'The YAML text of the definition. A longer text is refused with 413, naming the file.',
    example: 'apiVersion: procureflow.gov.cn/v1\nkind: Calendar\n…',
    maxLength: MAX_DEFINITION_LENGTH,
  })
  @IsString()
  text!: string;
}

export class ValidateDefinitionsDto {
  @ApiProperty({ type: [DefinitionFileDto], minItems: 1, maxItems: MAX_FILES_PER_REQUEST })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FILES_PER_REQUEST)
  @ValidateNested({ each: true })
  @Type(() => DefinitionFileDto)
  files!: DefinitionFileDto[];
}

export class DeployDefinitionsDto extends ValidateDefinitionsDto {
  @TextField({ description: 'Why these definitions are deployed; kept in the audit trail.', example: '2026 holiday notice published', maxLength: MAX_COMMENT_LENGTH, multiline: true, optional: true })
  comment?: string;
}

export class ListDefinitionsQueryDto {
  @ApiPropertyOptional({ enum: DEFINITION_KINDS, description: 'Only definitions of this kind.' })
  @OptionalField()
  @IsIn(DEFINITION_KINDS)
  kind?: DefinitionKind;

  @ApiPropertyOptional({ enum: SERVICE_TYPES, description: 'Only procedures buying this service (metadata.serviceType of their newest version).' })
  @OptionalField()
  @IsIn(SERVICE_TYPES)
  serviceType?: ServiceType;
}

export class DefinitionKeyParamsDto {
  @TextField({
    description: 'metadata.key of the definition.',
    example: 'cn-2026',
    maxLength: MAX_ID_LENGTH,
    pattern: { regex: IDENTIFIER_PATTERN, message: 'key must be lower-case words joined by hyphens, e.g. "cn-2026"' },
  })
  key!: string;
}

export class DefinitionVersionParamsDto extends DefinitionKeyParamsDto {
  @IntegerField({ description: 'Version number, from 1.', example: 1, minimum: 1, maximum: MAX_VERSION, fromText: true })
  version!: number;
}

export class DefinitionDiffQueryDto {
  @IntegerField({ description: 'The older version.', example: 1, minimum: 1, maximum: MAX_VERSION, fromText: true })
  from!: number;

  @IntegerField({ description: 'The newer version.', example: 2, minimum: 1, maximum: MAX_VERSION, fromText: true })
  to!: number;
}

// ---- responses ------------------------------------------------------------------------------

export class LocalizedTextDto {
  @ApiProperty({ example: '2026年全国法定节假日及调休安排' })
  zh!: string;

  @ApiProperty({ example: 'China public holidays and make-up workdays 2026' })
  en!: string;
}

/** One version of a definition, without its text. */
export class DefinitionSummaryDto {
  @ApiProperty({ example: 'cn-2026' })
  key!: string;

  @ApiProperty({ enum: DEFINITION_KINDS })
  kind!: DefinitionKind;

  @ApiProperty({ example: 1 })
  version!: number;

  @ApiProperty({ description: 'sha256 (hex) of the canonical JSON of the compiled definition.', example: '3f1c…' })
  contentHash!: string;

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ type: String, nullable: true, description: 'metadata.jurisdiction.code; `cn` is national; null belongs to none.', example: 'cn' })
  jurisdiction!: string | null;

  @ApiProperty({ enum: SERVICE_TYPES, nullable: true, description: 'metadata.serviceType: the service a procedure buys; null for other kinds.', example: 'communityCorrection' })
  serviceType!: ServiceType | null;

  @ApiProperty({ description: 'The file it was deployed from.', example: 'definitions/calendars/cn-2026.yaml' })
  sourceFile!: string;

  @ApiProperty({ description: 'User id of the administrator who deployed it.', example: 'wang.fang' })
  deployedBy!: string;

  @ApiProperty({ format: 'date-time' })
  deployedAt!: string;
}

export class DefinitionListDto {
  @ApiProperty({ type: [DefinitionSummaryDto], description: 'The newest version of each key, ordered by key.' })
  definitions!: DefinitionSummaryDto[];
}

export class DefinitionHistoryDto {
  @ApiProperty({ example: 'cn-2026' })
  key!: string;

  @ApiProperty({ enum: DEFINITION_KINDS })
  kind!: DefinitionKind;

  @ApiProperty({ type: [DefinitionSummaryDto], description: 'Every version, newest first.' })
  versions!: DefinitionSummaryDto[];
}

export class DefinitionVersionDto extends DefinitionSummaryDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The compiled definition (defaults filled in), as workflows run it.' })
  definition!: Record<string, unknown>;

  @ApiProperty({ description: 'The YAML exactly as deployed.' })
  sourceText!: string;
}

export class DeployedDefinitionDto extends DefinitionSummaryDto {
  @ApiProperty({ description: 'false when this exact content was already deployed: the existing version is returned.' })
  created!: boolean;
}

export class DeployResultDto {
  @ApiProperty({ description: 'Whether any new version was created (the status is then 201, else 200).' })
  created!: boolean;

  @ApiProperty({ type: [DeployedDefinitionDto], description: 'One entry per submitted file, in the order submitted.' })
  definitions!: DeployedDefinitionDto[];
}

export class FileValidationDto {
  @ApiProperty({ example: 'definitions/calendars/cn-2026.yaml' })
  file!: string;

  @ApiProperty({ description: 'The file compiles.' })
  ok!: boolean;

  @ApiPropertyOptional({ enum: DEFINITION_KINDS, description: 'When ok.' })
  kind?: DefinitionKind;

  @ApiPropertyOptional({ description: 'When ok.', example: 'cn-2026' })
  key?: string;

  @ApiPropertyOptional({ description: 'When ok: the hash a deploy would store.' })
  contentHash?: string;

  @ApiProperty({ type: [DiagnosticDto], description: 'Every problem found, top to bottom; empty when ok.' })
  diagnostics!: DiagnosticDto[];
}

export class ValidationReportDto {
  @ApiProperty({ description: 'Every file compiles.' })
  valid!: boolean;

  @ApiProperty({ type: [FileValidationDto], description: 'One entry per submitted file, in the order submitted.' })
  files!: FileValidationDto[];
}

export enum DefinitionChangeKind {
  Added = 'added',
  Removed = 'removed',
  Changed = 'changed',
}

/** Any JSON value: OpenAPI 3.0 has no `any`, so list the possibilities. */
const anyJsonValue = (description: string) =>
  ApiPropertyOptional({
    description,
    nullable: true,
    oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object' }, { type: 'array', items: {} }],
  });

export class DefinitionChangeDto {
  @ApiProperty({ enum: DefinitionChangeKind })
  kind!: DefinitionChangeKind;

  @ApiProperty({ description: 'Path of the value in the definition; `<array>.order` when elements only moved.', example: 'holidays[0].to' })
  path!: string;

  @anyJsonValue('The value in the older version (absent when added).')
  before?: unknown;

  @anyJsonValue('The value in the newer version (absent when removed).')
  after?: unknown;
}

export class DefinitionDiffDto {
  @ApiProperty({ example: 'cn-2026' })
  key!: string;

  @ApiProperty({ enum: DEFINITION_KINDS })
  kind!: DefinitionKind;

  @ApiProperty({ example: 1 })
  from!: number;

  @ApiProperty({ example: 2 })
  to!: number;

  @ApiProperty({ type: [DefinitionChangeDto], description: 'Empty when the two versions define the same thing.' })
  changes!: DefinitionChangeDto[];
}
