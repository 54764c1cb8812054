import { DataSource } from 'typeorm';
import { AuditEntryEntity } from './entities/audit-entry.entity.js';
import { BidEntity } from './entities/bid.entity.js';
import { ContractEntity } from './entities/contract.entity.js';
import { CycleStepEntity } from './entities/cycle-step.entity.js';
import { CycleEntity } from './entities/cycle.entity.js';
import { DefinitionVersionEntity } from './entities/definition-version.entity.js';
import { PaymentOutboxEntity } from './entities/payment-outbox.entity.js';
import { PaymentEntity } from './entities/payment.entity.js';
import { ProjectionLogEntity } from './entities/projection-log.entity.js';
import { PublicNoticeEntity } from './entities/public-notice.entity.js';
import { TaskEntity } from './entities/task.entity.js';
import { VendorEntity } from './entities/vendor.entity.js';
import { AuditTrail1763776800000 } from './migrations/1763776800000-audit-trail.js';
import { DefinitionRegistry1763863200000 } from './migrations/1763863200000-definition-registry.js';
import { ProcurementReadModel1763949600000 } from './migrations/1763949600000-procurement-read-model.js';

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
];

/** Every migration, oldest first. Migrations are never edited once they have landed. */
export const MIGRATIONS = [AuditTrail1763776800000, DefinitionRegistry1763863200000, ProcurementReadModel1763949600000];

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
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    // Failed queries surface as errors to their callers, which log them with context.
    logging: false,
    // Fail fast at start instead of hanging when the server is unreachable.
    connectTimeoutMS: 5_000,
  });
}

/**
 * Connects to `url` and brings the schema up to date.
 * Guarantees: resolves only with an initialised data source whose migrations have all run, each in its
 * own transaction; otherwise rejects with a `DatabaseUnavailableError` or the failing migration's error.
 */
export async function openDatabase(url: string): Promise<DataSource> {
  const dataSource = createDataSource(url);
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new DatabaseUnavailableError(url, error);
  }
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
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
