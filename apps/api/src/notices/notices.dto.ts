import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { NOTICE_KINDS } from '../../../../src/definitions/procedure/procedure.schema.js';
import { IDENTIFIER_PATTERN } from '../../../../src/identity/identity.js';
import { IntegerField, MAX_ID_LENGTH, MAX_OFFSET, OptionalField, TextField, UuidField } from '../common/request-validators.js';
import { LocalizedTextDto } from '../definitions/definitions.dto.js';

export const MAX_NOTICES_PER_PAGE = 500;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export class ListPublicNoticesQueryDto {
  @TextField({
    description: 'Only notices of cycles of this jurisdiction.',
    example: 'zj-deqing',
    maxLength: 100,
    optional: true,
    pattern: { regex: IDENTIFIER_PATTERN, message: 'jurisdiction must be lower-case words joined by hyphens, e.g. "zj-deqing"' },
  })
  jurisdiction?: string;

  @ApiPropertyOptional({ enum: NOTICE_KINDS, description: 'Only notices of this kind.' })
  @OptionalField()
  @IsIn(NOTICE_KINDS)
  kind?: NoticeKind;

  @TextField({ description: 'Only notices of this procurement cycle.', maxLength: MAX_ID_LENGTH, optional: true })
  cycleId?: string;

  @IntegerField({ description: 'Most notices to return.', default: 100, minimum: 1, maximum: MAX_NOTICES_PER_PAGE, optional: true, fromText: true })
  limit?: number;

  @IntegerField({ description: 'Notices to skip, for paging.', default: 0, minimum: 0, maximum: MAX_OFFSET, optional: true, fromText: true })
  offset?: number;
}

export class PublicNoticeIdParamsDto {
  @UuidField({ message: 'id must be a notice id (a UUID)' })
  id!: string;
}

export class NoticeLineDto {
  @ApiProperty({ type: LocalizedTextDto })
  label!: LocalizedTextDto;

  @ApiProperty({ description: 'The value as published.', example: '1,200,000.00 元' })
  value!: string;
}

export class PublicNoticeDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'The procurement cycle that published it.' })
  cycleId!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The contract that published it (e.g. an acceptance result), if any.' })
  contractId!: string | null;

  @ApiProperty({ type: LocalizedTextDto, description: 'The title of the cycle.' })
  cycleTitle!: LocalizedTextDto;

  @ApiProperty({ example: 'zj-deqing' })
  jurisdiction!: string;

  @ApiProperty({ description: 'The notice’s id in the procedure definition.', example: 'purchaseNotice' })
  noticeId!: string;

  @ApiProperty({ enum: NOTICE_KINDS })
  kind!: string;

  @ApiProperty({ type: LocalizedTextDto })
  title!: LocalizedTextDto;

  @ApiProperty({ type: [NoticeLineDto] })
  lines!: NoticeLineDto[];

  @ApiProperty({ format: 'date-time' })
  publishedAt!: string;
}

export class PublicNoticeListDto {
  @ApiProperty({ type: [PublicNoticeDto], description: 'Newest first.' })
  notices!: PublicNoticeDto[];

  @ApiProperty({ description: 'How many notices match, over all pages.' })
  total!: number;
}
