import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { CycleStatus } from '../../../../src/procurement/read-model.js';
import { AuditEntryEntity } from '../../../../src/persistence/entities/audit-entry.entity.js';
import { BidEntity } from '../../../../src/persistence/entities/bid.entity.js';
import { ChallengeEntity } from '../../../../src/persistence/entities/challenge.entity.js';
import { ServiceLevelMeasurementEntity } from '../../../../src/persistence/entities/service-level-measurement.entity.js';
import { PeriodReviewEntity } from '../../../../src/persistence/entities/period-review.entity.js';
import { ContractEntity } from '../../../../src/persistence/entities/contract.entity.js';
import { CycleStepEntity } from '../../../../src/persistence/entities/cycle-step.entity.js';
import { CycleEntity } from '../../../../src/persistence/entities/cycle.entity.js';
import { PaymentEntity } from '../../../../src/persistence/entities/payment.entity.js';
import { PublicNoticeEntity } from '../../../../src/persistence/entities/public-notice.entity.js';
import { TaskEntity } from '../../../../src/persistence/entities/task.entity.js';
import { appendAuditEntry } from '../../../../src/persistence/audit-append.js';
import type { AuditEntryInput } from '../../../../activities/audit.js';

export interface CycleFilter {
  /** Only cycles of this jurisdiction; undefined for every jurisdiction (national callers). */
  readonly jurisdiction?: string;
  readonly status?: CycleStatus;
  readonly definitionKey?: string;
  /** Only cycles whose definition version buys this service (metadata.serviceType). */
  readonly serviceType?: string;
  /** The cycle, or one of its running contracts, is in this step. */
  readonly stepId?: string;
  readonly limit: number;
  readonly offset: number;
}

export interface CycleListing {
  readonly cycle: CycleEntity;
  readonly openTasks: number;
  readonly contractSteps: string[];
  /** metadata.serviceType of the definition version the cycle runs. */
  readonly serviceType: string | null;
}

/** Everything the read model holds about one cycle and its contracts. */
export interface CycleRecords {
  readonly steps: CycleStepEntity[];
  readonly tasks: TaskEntity[];
  readonly contracts: ContractEntity[];
  readonly bids: BidEntity[];
  readonly payments: PaymentEntity[];
  readonly notices: PublicNoticeEntity[];
  readonly audit: AuditEntryEntity[];
  readonly challenges: ChallengeEntity[];
  /** Service levels its contracts measured, by period then level. */
  readonly serviceLevels: ServiceLevelMeasurementEntity[];
  /** Review periods its contracts reviewed (`performance.reviews`), by contract, group and period. */
  readonly reviews: PeriodReviewEntity[];
}

/**
 * The procurement read model as the cycles API reads it. The projection activities are its only
 * writers; the API writes nothing here but audit entries of the requests it forwards.
 */
@Injectable()
export class CyclesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends one audit entry of a request the API refused before the workflow saw it (a repeated idempotency key writes nothing). */
  async appendAudit(entry: AuditEntryInput): Promise<void> {
    await appendAuditEntry(this.dataSource, entry);
  }

  find(id: string): Promise<CycleEntity | null> {
    return this.dataSource.getRepository(CycleEntity).findOneBy({ id });
  }

  async list(filter: CycleFilter): Promise<{ listings: CycleListing[]; total: number }> {
    const query = this.dataSource.getRepository(CycleEntity).createQueryBuilder('c');
    if (filter.jurisdiction !== undefined) query.andWhere('c.jurisdiction = :jurisdiction', { jurisdiction: filter.jurisdiction });
    if (filter.status) query.andWhere('c.status = :status', { status: filter.status });
    if (filter.definitionKey) query.andWhere('c.definition_key = :definitionKey', { definitionKey: filter.definitionKey });
    if (filter.serviceType) {
      query.andWhere(
        'EXISTS (SELECT 1 FROM definition_versions d WHERE d.key = c.definition_key AND d.version = c.definition_version AND d.service_type = :serviceType)',
        { serviceType: filter.serviceType },
      );
    }
    if (filter.stepId) {
      query.andWhere(
        `(c.current_step = :stepId OR EXISTS (SELECT 1 FROM contracts k WHERE k.cycle_id = c.id AND k.status = 'running' AND k.current_step = :stepId))`,
        { stepId: filter.stepId },
      );
    }
    query.orderBy('c.launchedAt', 'DESC').addOrderBy('c.id', 'ASC').skip(filter.offset).take(filter.limit);
    const [cycles, total] = await query.getManyAndCount();
    if (cycles.length === 0) return { listings: [], total };

    const ids = cycles.map((cycle) => cycle.id);
    const openCounts: Array<{ cycle_id: string; open: string }> = await this.dataSource.query(
      `SELECT cycle_id, count(*) AS open FROM tasks WHERE status = 'open' AND cycle_id = ANY($1) GROUP BY cycle_id`,
      [ids],
    );
    const contractSteps = await this.dataSource.getRepository(ContractEntity).find({
      select: { cycleId: true, currentStep: true },
      where: { cycleId: In(ids), status: 'running' },
      order: { id: 'ASC' },
    });
    const serviceTypes: Array<{ id: string; service_type: string | null }> = await this.dataSource.query(
      `SELECT c.id, d.service_type FROM cycles c JOIN definition_versions d ON d.key = c.definition_key AND d.version = c.definition_version WHERE c.id = ANY($1)`,
      [ids],
    );
    const open = new Map(openCounts.map((row) => [row.cycle_id, Number(row.open)]));
    const serviceTypeOf = new Map(serviceTypes.map((row) => [row.id, row.service_type]));
    return {
      total,
      listings: cycles.map((cycle) => ({
        cycle,
        openTasks: open.get(cycle.id) ?? 0,
        serviceType: serviceTypeOf.get(cycle.id) ?? null,
        contractSteps: [...new Set(contractSteps.filter((c) => c.cycleId === cycle.id && c.currentStep).map((c) => c.currentStep as string))],
      })),
    };
  }

  /**
   * The cycle's row and everything recorded of it, read in one REPEATABLE READ transaction: one snapshot,
   * so a projection committing meanwhile shows in all of it or in none (never a task of a step the row
   * does not show yet).
   */
  snapshot(cycleId: string): Promise<{ cycle: CycleEntity | null; records: CycleRecords }> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const cycle = await manager.findOneBy(CycleEntity, { id: cycleId });
      return { cycle, records: await recordsOf(manager, cycleId) };
    });
  }
}

/**
 * Everything recorded of a cycle, read one query after another: the transaction holds one connection,
 * and a connection runs one query at a time (queuing several on it is deprecated in node-postgres).
 */
async function recordsOf(manager: EntityManager, cycleId: string): Promise<CycleRecords> {
  const steps = await manager.find(CycleStepEntity, { where: { cycleId }, order: { enteredAt: 'ASC', id: 'ASC' } });
  const tasks = await manager.find(TaskEntity, { where: { cycleId }, order: { openedAt: 'ASC', lastSeq: 'ASC' } });
  const contracts = await manager.find(ContractEntity, { where: { cycleId }, order: { startedAt: 'ASC', id: 'ASC' } });
  const bids = await manager.find(BidEntity, { where: { cycleId }, order: { submittedAt: 'ASC', bidId: 'ASC' } });
  const payments = await manager.find(PaymentEntity, { where: { cycleId }, order: { instructedAt: 'ASC', id: 'ASC' } });
  const notices = await manager.find(PublicNoticeEntity, { where: { cycleId }, order: { publishedAt: 'ASC', seq: 'ASC' } });
  // Entries about the cycle itself, and those of its tasks, bids, contracts and payments, which name it in
  // their details: the cycle's audit chain. The append trigger stores that cycle in chain_cycle_id (the
  // subject for a cycle's entries, details.cycleId for the others), which audit_entries_chain_cycle_idx
  // indexes; the same condition spelt over subject and details scanned the whole audit trail.
  const audit = await manager
    .getRepository(AuditEntryEntity)
    .createQueryBuilder('a')
    .where('a.chain_cycle_id = :cycleId', { cycleId })
    .orderBy('a.occurredAt', 'ASC')
    .addOrderBy('a.id', 'ASC')
    .getMany();
  const challenges = await manager.find(ChallengeEntity, { where: { cycleId }, order: { filedAt: 'ASC', challengeId: 'ASC' } });
  const serviceLevels = await manager.find(ServiceLevelMeasurementEntity, { where: { cycleId }, order: { contractId: 'ASC', period: 'ASC', serviceLevelId: 'ASC' } });
  const reviews = await manager.find(PeriodReviewEntity, { where: { cycleId }, order: { contractId: 'ASC', reviewId: 'ASC', period: 'ASC', seq: 'ASC' } });
  return { steps, tasks, contracts, bids, payments, notices, audit, challenges, serviceLevels, reviews };
}
