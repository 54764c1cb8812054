import { DataSource } from 'typeorm';
import { AuditEntryEntity } from './entities/audit-entry.entity.js';
import { BidEntity } from './entities/bid.entity.js';
import { CaseBreachEntity } from './entities/case-breach.entity.js';
import { CaseConfidentialEntity } from './entities/case-confidential.entity.js';
import { CaseEventEntity } from './entities/case-event.entity.js';
import { CaseObligationPeriodEntity } from './entities/case-obligation-period.entity.js';
import { CaseTaskEntity } from './entities/case-task.entity.js';
import { CaseEntity } from './entities/case.entity.js';
import { ChallengeEntity } from './entities/challenge.entity.js';
import { ContractEntity } from './entities/contract.entity.js';
import { CycleStepEntity } from './entities/cycle-step.entity.js';
import { CycleEntity } from './entities/cycle.entity.js';
import { DefinitionVersionEntity } from './entities/definition-version.entity.js';
import { PaymentOutboxEntity } from './entities/payment-outbox.entity.js';
import { PaymentEntity } from './entities/payment.entity.js';
import { PeriodReviewEntity } from './entities/period-review.entity.js';
import { ProjectionLogEntity } from './entities/projection-log.entity.js';
import { PublicNoticeEntity } from './entities/public-notice.entity.js';
import { ServiceLevelMeasurementEntity } from './entities/service-level-measurement.entity.js';
import { TaskEntity } from './entities/task.entity.js';
import { VendorPerformanceRecordEntity } from './entities/vendor-performance-record.entity.js';
import { VendorEntity } from './entities/vendor.entity.js';
import { AuditTrail1763776800000 } from './migrations/1763776800000-audit-trail.js';
import { DefinitionRegistry1763863200000 } from './migrations/1763863200000-definition-registry.js';
import { ProcurementReadModel1763949600000 } from './migrations/1763949600000-procurement-read-model.js';
import { AuditHashChain1764036000000 } from './migrations/1764036000000-audit-hash-chain.js';
import { Challenges1764133200000 } from './migrations/1764133200000-challenges.js';
import { ServiceLevelsAndOverdue1764220000000 } from './migrations/1764220000000-service-levels-and-overdue.js';
import { DefinitionServiceType1764222000000 } from './migrations/1764222000000-definition-service-type.js';
import { LedgerCaseEvidence1764300001000 } from './migrations/1764300001000-ledger-case-evidence.js';
import { VendorPerformanceHistory1764300002000 } from './migrations/1764300002000-vendor-performance-history.js';
import { PeriodReviews1764300004000 } from './migrations/1764300004000-period-reviews.js';
import { ComputedIndicators1764600003000 } from './migrations/1764600003000-computed-indicators.js';
import { BidEligibility1764400001000 } from './migrations/1764400001000-bid-eligibility.js';
import { CaseReadModel1764500002000 } from './migrations/1764500002000-case-read-model.js';
import { LedgerCaseEvidenceThrough1764600001000 } from './migrations/1764600001000-ledger-case-evidence-through.js';
import { StaffAndAssignments1764600100000 } from './migrations/1764600100000-staff-and-assignments.js';
import { ProcessListIndexes1764700300000 } from './migrations/1764700300000-process-list-indexes.js';
import { OpsBulkSelections1764700500000 } from './migrations/1764700500000-ops-bulk-selections.js';
import { CaseEnd1764800100000 } from './migrations/1764800100000-case-end.js';
import { OpenTasksByCycle1764800200000 } from './migrations/1764800200000-open-tasks-by-cycle.js';
import { OverdueInDueOrder1764800300000 } from './migrations/1764800300000-overdue-in-due-order.js';
import { evidenceRewritesAllowed, grantRuntimePrivileges, MIGRATIONS_TABLE } from './runtime-privileges.js';

/** Every entity of the read model, the registry and the audit trail. */
export const ENTITIES = [
  AuditEntryEntity,
  DefinitionVersionEntity,
  CycleEntity,
  CycleStepEntity,
  TaskEntity,
  ContractEntity,
  BidEntity,
  PaymentEntity,
  PaymentOutboxEntity,
  PublicNoticeEntity,
  VendorEntity,
  ProjectionLogEntity,
  ChallengeEntity,
  ServiceLevelMeasurementEntity,
  VendorPerformanceRecordEntity,
  PeriodReviewEntity,
  CaseEntity,
  CaseEventEntity,
  CaseConfidentialEntity,
  CaseObligationPeriodEntity,
  CaseBreachEntity,
  CaseTaskEntity,
];

/** Every migration, oldest first. Migrations are never edited once they have landed. */
export const MIGRATIONS = [AuditTrail1763776800000, DefinitionRegistry1763863200000, ProcurementReadModel1763949600000, AuditHashChain1764036000000, Challenges1764133200000, ServiceLevelsAndOverdue1764220000000, DefinitionServiceType1764222000000, LedgerCaseEvidence1764300001000, VendorPerformanceHistory1764300002000, PeriodReviews1764300004000, BidEligibility1764400001000, CaseReadModel1764500002000, LedgerCaseEvidenceThrough1764600001000, ComputedIndicators1764600003000, StaffAndAssignments1764600100000, ProcessListIndexes1764700300000, OpsBulkSelections1764700500000, CaseEnd1764800100000, OpenTasksByCycle1764800200000, OverdueInDueOrder1764800300000];

/** Thrown when PostgreSQL cannot be reached or refuses the connection; the message says where and why. */
export class DatabaseUnavailableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`cannot connect to PostgreSQL at ${describeDatabaseUrl(url)}: ${describeCause(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

export function createDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    // The schema needs no extension (gen_random_uuid is built in), and the runtime role may not create one.
    installExtensions: false,
    // Failed queries surface as errors to their callers, which log them with context.
    logging: false,
    // Fail fast at start instead of hanging when the server is unreachable.
    connectTimeoutMS: 5_000,
  });
}

export interface OpenDatabaseOptions {
  /**
   * Connection string of the role that owns the schema (DATABASE_MIGRATION_URL). Given, the migrations
   * run through it and the role of `url` then gets only the privileges runtime-privileges.ts lists;
   * absent, the role of `url` runs the migrations itself, owns the tables, and so can rewrite history.
   */
  readonly migrationUrl?: string;
  /** Told when the role of `url` can UPDATE, DELETE or TRUNCATE audit entries or payments. */
  readonly warn?: (message: string) => void;
}

/**
 * Connects to `url` and brings the schema up to date.
 * Guarantees: resolves only with an initialised data source whose migrations have all run, each in its
 * own transaction, and (with `migrationUrl`) whose role holds exactly its runtime privileges; otherwise
 * rejects with a `DatabaseUnavailableError` or the failing migration's error. Processes starting at once
 * migrate one after the other.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<DataSource> {
  const dataSource = await connect(url);
  try {
    if (options.migrationUrl) {
      const [{ role }] = (await dataSource.query(`SELECT current_user AS role`)) as [{ role: string }];
      const owner = await connect(options.migrationUrl);
      try {
        await migrate(owner, role);
      } finally {
        await owner.destroy();
      }
    } else {
      await migrate(dataSource, undefined);
    }
    const rewrites = await evidenceRewritesAllowed(dataSource);
    if (rewrites.length > 0) {
      options.warn?.(
        `the database role of DATABASE_URL can rewrite history (${rewrites.join(', ')}): ` +
          'let a role that owns the schema run the migrations (DATABASE_MIGRATION_URL) and give DATABASE_URL a role that does not own it',
      );
    }
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

async function connect(url: string): Promise<DataSource> {
  const dataSource = createDataSource(url);
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new DatabaseUnavailableError(url, error);
  }
  return dataSource;
}

/**
 * Runs the pending migrations through `owner` and then, when the runtime role is another, sets its
 * privileges — under a session advisory lock, since TypeORM does not keep two processes from running
 * the same migration, and PostgreSQL refuses concurrent GRANTs on one object.
 */
async function migrate(owner: DataSource, runtimeRole: string | undefined): Promise<void> {
  const lock = owner.createQueryRunner();
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext('procureflow.migrations'))`);
    try {
      await owner.runMigrations({ transaction: 'each' });
      const [{ role }] = (await lock.query(`SELECT current_user AS role`)) as [{ role: string }];
      if (runtimeRole !== undefined && runtimeRole !== role) {
        await owner.transaction((manager) => grantRuntimePrivileges(manager, runtimeRole));
      }
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(hashtext('procureflow.migrations'))`);
    }
  } finally {
    await lock.release();
  }
}

/** host:port/database of a connection string, without its credentials, for messages and logs. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describeCause(cause.errors[0]);
  if (cause instanceof Error) {
    const code = (cause as { code?: string }).code;
    return code && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return String(cause);
}
