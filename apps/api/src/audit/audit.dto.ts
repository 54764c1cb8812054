import { ApiProperty } from '@nestjs/swagger';
import { MAX_ID_LENGTH, TextField } from '../common/request-validators.js';
import { CHAIN_LINKS, type ChainBreak, type ChainLink, type ChainVerification } from '../../../../src/audit/audit-chain.js';

export class VerifyAuditQueryDto {
  @TextField({
    description: 'Check only this cycle’s chain (and its entries’ anchors in the whole trail) instead of the whole trail.',
    example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54',
    maxLength: MAX_ID_LENGTH,
    notBlank: true,
    optional: true,
  })
  cycleId?: string;
}

export class AuditChainBreakDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The entry whose link is broken (for a `head` break, the entry the recorded head names; null when it names none).',
    example: '57',
  })
  entryId!: string | null;

  @ApiProperty({ description: 'The chain: `global` (the whole trail) or `cycle:<cycleId>`.', example: 'global' })
  chain!: string;

  @ApiProperty({
    enum: CHAIN_LINKS,
    description:
      '`content`: the entry’s stored columns no longer hash to its recorded hash (it was changed); `previous`: it does not link to ' +
      'the entry before it in the trail (one was removed or inserted); `cycle-previous`: the same within its cycle; `head`: the chain ' +
      'does not end where its recorded head says (its newest entries were removed, or entries added around the append).',
  })
  link!: ChainLink;

  @ApiProperty({ description: 'What the chain says should be there (a hash, or for a head its entry, hash and length).' })
  expected!: string;

  @ApiProperty({ description: 'What is stored (or, for `content`, the hash of what is stored).' })
  found!: string;

  @ApiProperty({ description: 'What is wrong and what it means, in one sentence.' })
  message!: string;
}

export class AuditChainEndDto {
  @ApiProperty({ type: String, nullable: true, description: 'The newest entry checked (before a break: the last intact one); null when none.' })
  entryId!: string | null;

  @ApiProperty({ description: 'Its hash (64 zeros when none): record it elsewhere to detect a rewrite of the whole trail later.', example: 'e577758628b40a39325e7dff5347012dbf5bece3e01641d8cac3a392800d74a2' })
  hash!: string;
}

export class AuditVerificationDto {
  @ApiProperty({ description: 'True when every entry checked hashes to its recorded hash and every link and head holds.' })
  intact!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'The cycle whose chain was checked; null for the whole trail.' })
  cycleId!: string | null;

  @ApiProperty({ type: 'integer', description: 'Entries checked (up to and including the first broken one).', example: 1234 })
  entriesChecked!: number;

  @ApiProperty({ type: AuditChainEndDto })
  head!: AuditChainEndDto;

  @ApiProperty({ type: AuditChainBreakDto, nullable: true, description: 'The first broken link, in entry order; null when intact.' })
  firstBreak!: AuditChainBreakDto | null;

  @ApiProperty({ format: 'date-time', description: 'When the check ran; it saw the trail as it stood at that moment.' })
  verifiedAt!: string;
}

export function toAuditVerificationDto(result: ChainVerification, cycleId: string | null, verifiedAt: Date): AuditVerificationDto {
  return {
    intact: result.intact,
    cycleId,
    entriesChecked: result.entriesChecked,
    head: { entryId: result.head.entryId, hash: result.head.hash },
    firstBreak: result.firstBreak ? toBreakDto(result.firstBreak) : null,
    verifiedAt: verifiedAt.toISOString(),
  };
}

function toBreakDto(broken: ChainBreak): AuditChainBreakDto {
  return { entryId: broken.entryId, chain: broken.chain, link: broken.link, expected: broken.expected, found: broken.found, message: broken.message };
}
