import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, registerDecorator, ValidateNested, type ValidationArguments } from 'class-validator';

/** Protobuf JSON writes bytes as base64, standard or URL-safe, padded or not. */
export const PROTO_BASE64_PATTERN = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** More than any one Web UI request carries (it decodes one event's payloads at a time). */
export const MAX_CODEC_PAYLOADS = 1000;
const MAX_METADATA_ENTRIES = 64;
const MAX_METADATA_KEY_LENGTH = 256;

/** Payload metadata as protobuf JSON writes it: names to base64 bytes. */
function IsBase64Metadata(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isBase64Metadata',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => metadataProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'metadata'} ${metadataProblem(args?.value) ?? 'is not valid'}`,
      },
    });
}

function metadataProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be an object of metadata names to base64 values';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_METADATA_ENTRIES) return `must have at most ${MAX_METADATA_ENTRIES} entries`;
  for (const [key, item] of entries) {
    if (key.length === 0 || key.length > MAX_METADATA_KEY_LENGTH) return `has a name of ${key.length} characters; names have 1 to ${MAX_METADATA_KEY_LENGTH}`;
    if (typeof item !== 'string' || !PROTO_BASE64_PATTERN.test(item)) return `has "${key.slice(0, 64)}" = ${JSON.stringify(item).slice(0, 64)}: each value must be base64 text`;
  }
  return undefined;
}

/** One Temporal payload in protobuf JSON (temporal.api.common.v1.Payload). */
export class CodecPayloadDto {
  @ApiPropertyOptional({
    description: 'Metadata names to base64 values; `encoding` says how `data` is to be read (e.g. base64 of `json/plain`, or of `binary/encrypted`).',
    type: 'object',
    additionalProperties: { type: 'string', format: 'byte' },
    maxProperties: MAX_METADATA_ENTRIES,
    example: { encoding: 'YmluYXJ5L2VuY3J5cHRlZA==' },
  })
  @IsOptional()
  @IsBase64Metadata()
  metadata?: Record<string, string>;

  @ApiPropertyOptional({ description: 'The payload’s bytes, base64.', type: 'string', format: 'byte', example: 'IuW8oOS4iSI=' })
  @IsOptional()
  @IsString()
  @Matches(PROTO_BASE64_PATTERN, { message: 'data must be base64 text' })
  data?: string;
}

/** The body of Temporal's codec-server protocol, in both directions (temporal.api.common.v1.Payloads). */
export class CodecPayloadsDto {
  @ApiProperty({ type: [CodecPayloadDto], maxItems: MAX_CODEC_PAYLOADS })
  @IsArray()
  @ArrayMaxSize(MAX_CODEC_PAYLOADS)
  @ValidateNested({ each: true })
  @Type(() => CodecPayloadDto)
  payloads!: CodecPayloadDto[];
}

/** Signing in a browser for the Web UI's codec requests: the access token to keep in a cookie. */
export class CodecSessionDto {
  @ApiProperty({ description: 'An access token (JWT) of a national user holding the role `ops` or `administrator`.', maxLength: 8192 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(8192)
  token!: string;
}
