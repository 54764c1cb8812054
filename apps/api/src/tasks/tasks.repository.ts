import { Injectable } from '@nestjs/common';
import { Brackets, DataSource } from 'typeorm';
import { CycleEntity } from '../../../../src/persistence/entities/cycle.entity.js';
import { TaskEntity } from '../../../../src/persistence/entities/task.entity.js';
import type { TaskStatus } from '../../../../src/procurement/lifecycle.js';

/** A task row with what the API shows of its cycle. */
export interface TaskRecord {
  readonly task: TaskEntity;
  readonly cycle: {
    readonly id: string;
    readonly title: { zh: string; en: string };
    readonly definitionKey: string;
    readonly definitionVersion: number;
    readonly jurisdiction: string;
  };
}

export interface InboxFilter {
  readonly jurisdiction: string;
  /** Tasks whose role, or one of whose escalation roles, is among these. */
  readonly roles: readonly string[];
  readonly status?: TaskStatus;
  readonly stepId?: string;
  readonly dueBefore?: Date;
  readonly cycleId?: string;
  /** Vendor staff: only tasks of this vendor's contracts. */
  readonly vendorId?: string;
  readonly limit: number;
}

/** Human tasks in the procurement read model (tables tasks and cycles), read only: projections write them. */
@Injectable()
export class TasksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Tasks of the jurisdiction a holder of `roles` may decide, soonest due first. */
  async inbox(filter: InboxFilter): Promise<TaskRecord[]> {
    if (filter.roles.length === 0) return [];
    const query = this.dataSource
      .getRepository(TaskEntity)
      .createQueryBuilder('t')
      .innerJoin(CycleEntity, 'c', 'c.id = t.cycle_id')
      .addSelect(['c.id', 'c.title', 'c.definitionKey', 'c.definitionVersion', 'c.jurisdiction'])
      .where('c.jurisdiction = :jurisdiction', { jurisdiction: filter.jurisdiction })
      .andWhere(
        new Brackets((roles) =>
          roles.where('t.role IN (:...roles)', { roles: [...filter.roles] }).orWhere('t.escalated_to && CAST(:roleArray AS text[])', { roleArray: [...filter.roles] }),
        ),
      );
    if (filter.status) query.andWhere('t.status = :status', { status: filter.status });
    if (filter.stepId) query.andWhere('t.step_id = :stepId', { stepId: filter.stepId });
    if (filter.dueBefore) query.andWhere('t.due_at < :dueBefore', { dueBefore: filter.dueBefore });
    if (filter.cycleId) query.andWhere('t.cycle_id = :cycleId', { cycleId: filter.cycleId });
    if (filter.vendorId !== undefined) {
      query.andWhere('t.contract_id IN (SELECT k.id FROM contracts k WHERE k.vendor_id = :vendorId)', { vendorId: filter.vendorId });
    }
    query.orderBy('t.dueAt', 'ASC', 'NULLS LAST').addOrderBy('t.openedAt', 'ASC').addOrderBy('t.id', 'ASC').limit(filter.limit);
    return this.withCycles(query.getRawAndEntities());
  }

  /** The vendors of the cycle's bids among `bidIds`, by bid id (bids not projected are absent). */
  async bidVendors(cycleId: string, bidIds: readonly string[]): Promise<Map<string, { vendorId: string; vendorName: string }>> {
    const rows = (await this.dataSource.query(`SELECT bid_id, vendor_id, vendor_name FROM bids WHERE cycle_id = $1 AND bid_id = ANY($2::text[])`, [cycleId, [...bidIds]])) as Array<{
      bid_id: string;
      vendor_id: string;
      vendor_name: string;
    }>;
    return new Map(rows.map((row) => [row.bid_id, { vendorId: row.vendor_id, vendorName: row.vendor_name }]));
  }

  /** The vendor a contract is with; undefined when the contract was not projected. */
  async contractVendor(contractId: string): Promise<{ vendorId: string; vendorName: string } | undefined> {
    const rows = (await this.dataSource.query(`SELECT vendor_id, vendor_name FROM contracts WHERE id = $1`, [contractId])) as Array<{ vendor_id: string; vendor_name: string }>;
    return rows[0] ? { vendorId: rows[0].vendor_id, vendorName: rows[0].vendor_name } : undefined;
  }

  /** Whether the contract is the vendor's. */
  async isVendorsContract(contractId: string, vendorId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM contracts WHERE id = $1 AND vendor_id = $2`, [contractId, vendorId])) as unknown[];
    return rows.length > 0;
  }

  /** One task with its cycle; undefined when no such task was projected. */
  async find(id: string): Promise<TaskRecord | undefined> {
    const query = this.dataSource
      .getRepository(TaskEntity)
      .createQueryBuilder('t')
      .innerJoin(CycleEntity, 'c', 'c.id = t.cycle_id')
      .addSelect(['c.id', 'c.title', 'c.definitionKey', 'c.definitionVersion', 'c.jurisdiction'])
      .where('t.id = :id', { id });
    const [record] = await this.withCycles(query.getRawAndEntities());
    return record;
  }

  private async withCycles(result: Promise<{ entities: TaskEntity[]; raw: Array<Record<string, unknown>> }>): Promise<TaskRecord[]> {
    const { entities, raw } = await result;
    return entities.map((task, index) => {
      const row = raw[index] ?? {};
      return {
        task,
        cycle: {
          id: String(row['c_id']),
          title: row['c_title'] as { zh: string; en: string },
          definitionKey: String(row['c_definition_key']),
          definitionVersion: Number(row['c_definition_version']),
          jurisdiction: String(row['c_jurisdiction']),
        },
      };
    });
  }
}
