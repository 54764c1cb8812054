import { Injectable } from '@nestjs/common';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { CycleEntity } from '../../../../src/persistence/entities/cycle.entity.js';
import { PublicNoticeEntity } from '../../../../src/persistence/entities/public-notice.entity.js';

/** A published notice with what readers need of its cycle. */
export interface PublicNoticeRecord {
  readonly id: string;
  readonly cycleId: string;
  readonly contractId: string | null;
  readonly cycleTitle: { readonly zh: string; readonly en: string };
  readonly jurisdiction: string;
  readonly noticeId: string;
  readonly kind: string;
  readonly title: { readonly zh: string; readonly en: string };
  readonly lines: ReadonlyArray<{ readonly label: { readonly zh: string; readonly en: string }; readonly value: string }>;
  readonly publishedAt: Date;
}

export interface NoticeFilter {
  readonly jurisdiction?: string;
  readonly kind?: string;
  readonly cycleId?: string;
  readonly limit: number;
  readonly offset: number;
}

/** Published notices (table public_notices, with their cycles). */
@Injectable()
export class NoticesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Notices matching `filter`, newest first, and how many match in all. */
  async list(filter: NoticeFilter): Promise<{ notices: PublicNoticeRecord[]; total: number }> {
    const query = this.query();
    if (filter.jurisdiction) query.andWhere('c.jurisdiction = :jurisdiction', { jurisdiction: filter.jurisdiction });
    if (filter.kind) query.andWhere('n.kind = :kind', { kind: filter.kind });
    if (filter.cycleId) query.andWhere('n.cycleId = :cycleId', { cycleId: filter.cycleId });
    const total = await query.getCount();
    const rows = await query.orderBy('n.publishedAt', 'DESC').addOrderBy('n.id', 'ASC').offset(filter.offset).limit(filter.limit).getRawMany<RawNotice>();
    return { notices: rows.map(toRecord), total };
  }

  async findById(id: string): Promise<PublicNoticeRecord | undefined> {
    const row = await this.query().andWhere('n.id = :id', { id }).getRawOne<RawNotice>();
    return row ? toRecord(row) : undefined;
  }

  private query(): SelectQueryBuilder<PublicNoticeEntity> {
    return this.dataSource
      .getRepository(PublicNoticeEntity)
      .createQueryBuilder('n')
      .innerJoin(CycleEntity, 'c', 'c.id = n.cycleId')
      .select([
        'n.id AS id',
        'n.cycle_id AS cycle_id',
        'n.contract_id AS contract_id',
        'c.title AS cycle_title',
        'c.jurisdiction AS jurisdiction',
        'n.notice_id AS notice_id',
        'n.kind AS kind',
        'n.title AS title',
        'n.lines AS lines',
        'n.published_at AS published_at',
      ])
      .where('true');
  }
}

interface RawNotice {
  id: string;
  cycle_id: string;
  contract_id: string | null;
  cycle_title: { zh: string; en: string };
  jurisdiction: string;
  notice_id: string;
  kind: string;
  title: { zh: string; en: string };
  lines: Array<{ label: { zh: string; en: string }; value: string }>;
  published_at: Date;
}

function toRecord(row: RawNotice): PublicNoticeRecord {
  return {
    id: row.id,
    cycleId: row.cycle_id,
    contractId: row.contract_id,
    cycleTitle: row.cycle_title,
    jurisdiction: row.jurisdiction,
    noticeId: row.notice_id,
    kind: row.kind,
    title: row.title,
    lines: row.lines,
    publishedAt: row.published_at,
  };
}
