import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-errors.js';
import type { ListPublicNoticesQueryDto, PublicNoticeDto, PublicNoticeListDto } from './notices.dto.js';
import { NoticesRepository, type PublicNoticeRecord } from './notices.repository.js';

const DEFAULT_PAGE_SIZE = 100;

/** Public notices (信息公开): everything a cycle published is public, to anyone, without signing in. */
@Injectable()
export class NoticesService {
  constructor(private readonly repository: NoticesRepository) {}

  async list(query: ListPublicNoticesQueryDto): Promise<PublicNoticeListDto> {
    const { notices, total } = await this.repository.list({
      jurisdiction: query.jurisdiction,
      kind: query.kind,
      cycleId: query.cycleId,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      offset: query.offset ?? 0,
    });
    return { notices: notices.map(toDto), total };
  }

  async get(id: string): Promise<PublicNoticeDto> {
    const notice = await this.repository.findById(id);
    if (!notice) throw new NotFoundError(`No notice ${id} has been published.`);
    return toDto(notice);
  }
}

function toDto(notice: PublicNoticeRecord): PublicNoticeDto {
  return {
    id: notice.id,
    cycleId: notice.cycleId,
    contractId: notice.contractId,
    cycleTitle: { zh: notice.cycleTitle.zh, en: notice.cycleTitle.en },
    jurisdiction: notice.jurisdiction,
    noticeId: notice.noticeId,
    kind: notice.kind,
    title: { zh: notice.title.zh, en: notice.title.en },
    lines: notice.lines.map((line) => ({ label: { zh: line.label.zh, en: line.label.en }, value: line.value })),
    publishedAt: notice.publishedAt.toISOString(),
  };
}
