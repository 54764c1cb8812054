import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type FindOptionsSelect } from 'typeorm';
import type { AuditEntryInput } from '../../../../activities/audit.js';
import { DefinitionVersionEntity } from '../../../../src/persistence/entities/definition-version.entity.js';
import { appendAuditEntry } from '../../../../src/persistence/audit-append.js';

/** A registry row without its (large) source text and compiled definition. */
export interface DefinitionVersionRecord {
  readonly key: string;
  readonly kind: string;
  readonly version: number;
  readonly contentHash: string;
  readonly title: { readonly zh: string; readonly en: string };
  readonly jurisdiction: string | null;
  /** metadata.serviceType of a procedure; null for other kinds. */
  readonly serviceType: string | null;
  readonly sourceFile: string;
  readonly deployedBy: string;
  readonly deployedAt: Date;
}

/** A whole registry row. */
export interface DefinitionVersionContent extends DefinitionVersionRecord {
  readonly sourceText: string;
  readonly compiled: Record<string, unknown>;
}

export type NewDefinitionVersion = Omit<DefinitionVersionContent, 'deployedAt'>;

/** What a deploy may do inside its one transaction; the rules of deploying are the service's. */
export interface RegistryTransaction {
  /** Holds off other deploys of `key` until this transaction ends, so versions are numbered without gaps or races. */
  lockKey(key: string): Promise<void>;
  latestVersion(key: string): Promise<DefinitionVersionRecord | undefined>;
  findByContentHash(key: string, contentHash: string): Promise<DefinitionVersionRecord | undefined>;
  insertVersion(version: NewDefinitionVersion): Promise<DefinitionVersionRecord>;
  appendAudit(entry: AuditEntryInput): Promise<void>;
}

const SUMMARY_COLUMNS: FindOptionsSelect<DefinitionVersionEntity> = {
  key: true,
  kind: true,
  version: true,
  contentHash: true,
  title: true,
  jurisdiction: true,
  serviceType: true,
  sourceFile: true,
  deployedBy: true,
  deployedAt: true,
};

/** How many versions' compiled definitions and sources the API keeps in memory (a compiled procedure is ~50 KB). */
const CONTENT_CACHE_SIZE = 64;

/** The definition registry in PostgreSQL (table definition_versions). */
@Injectable()
export class DefinitionsRepository {
  /**
   * The content of versions read lately, by key, version and content hash. A deployed version never
   * changes, so its content is read from PostgreSQL once; keying by the content hash too means that a
   * registry rebuilt under the same numbers (a restored database) is never answered from memory. Least
   * recently used first, so a busy version stays.
   */
  private readonly contents = new Map<string, Promise<DefinitionVersionContent | undefined>>();

  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction: everything it wrote is committed together, or nothing is if it throws. */
  inTransaction<T>(work: (transaction: RegistryTransaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(registryTransaction(manager)));
  }

  /** The newest version of every key (of one kind, if given), ordered by key. */
  async latestOfEachKey(kind?: string): Promise<DefinitionVersionRecord[]> {
    const query = this.dataSource
      .getRepository(DefinitionVersionEntity)
      .createQueryBuilder('d')
      .select(Object.keys(SUMMARY_COLUMNS).map((column) => `d.${column}`))
      .distinctOn(['d.key'])
      .orderBy('d.key', 'ASC')
      .addOrderBy('d.version', 'DESC');
    if (kind !== undefined) query.where('d.kind = :kind', { kind });
    return (await query.getMany()).map(toRecord);
  }

  /** Every version of `key`, newest first; empty when the key was never deployed. */
  async versionsOf(key: string): Promise<DefinitionVersionRecord[]> {
    const rows = await this.dataSource.getRepository(DefinitionVersionEntity).find({
      select: SUMMARY_COLUMNS,
      where: { key },
      order: { version: 'DESC' },
    });
    return rows.map(toRecord);
  }

  /** The newest version of every key of `kind`, with its compiled definition, ordered by key (the content from memory once read). */
  async latestCompiledOfKind(kind: string): Promise<Array<DefinitionVersionRecord & { readonly compiled: Record<string, unknown> }>> {
    const records = await this.latestOfEachKey(kind);
    const contents = await Promise.all(records.map((record) => this.contentOf(record)));
    // A version listed a moment ago and gone now means the registry was restored meanwhile. Leaving it out
    // would, for calendars, launch a cycle without that jurisdiction's holidays: refuse to answer instead.
    const missing = records.filter((_, index) => contents[index] === undefined).map((record) => `${record.key} v${record.version}`);
    if (missing.length > 0) throw new Error(`the registry changed while it was read (${missing.join(', ')} no longer as listed): ask again`);
    return contents as DefinitionVersionContent[];
  }

  /** One version with its source and compiled definition; the large columns come from memory once read. */
  async findVersion(key: string, version: number): Promise<DefinitionVersionContent | undefined> {
    const row = await this.dataSource.getRepository(DefinitionVersionEntity).findOne({ select: SUMMARY_COLUMNS, where: { key, version } });
    return row ? this.contentOf(toRecord(row)) : undefined;
  }

  /** The source and compiled definition of a version whose record the caller holds (e.g. from `versionsOf`). */
  contentOf(record: DefinitionVersionRecord): Promise<DefinitionVersionContent | undefined> {
    const cacheKey = `${record.key}@${record.version}#${record.contentHash}`;
    const cached = this.contents.get(cacheKey);
    if (cached) {
      this.contents.delete(cacheKey);
      this.contents.set(cacheKey, cached);
      return cached;
    }
    const loading = this.dataSource
      .getRepository(DefinitionVersionEntity)
      .findOne({ select: { sourceText: true, compiled: true, contentHash: true }, where: { key: record.key, version: record.version } })
      .then((row) => (row && row.contentHash === record.contentHash ? deepFreeze({ ...record, sourceText: row.sourceText, compiled: row.compiled }) : undefined));
    // Only what was found stays: a miss or a failed read is asked again next time.
    loading.then(
      (content) => {
        if (!content) this.contents.delete(cacheKey);
      },
      () => this.contents.delete(cacheKey),
    );
    this.contents.set(cacheKey, loading);
    while (this.contents.size > CONTENT_CACHE_SIZE) this.contents.delete(this.contents.keys().next().value as string);
    return loading;
  }
}

function registryTransaction(manager: EntityManager): RegistryTransaction {
  const versions = manager.getRepository(DefinitionVersionEntity);
  return {
    async lockKey(key) {
      // Two-key form: the first key keeps these locks apart from any other advisory locks in the database.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('procureflow.definition_versions'), hashtext($1))`, [key]);
    },
    async latestVersion(key) {
      const row = await versions.findOne({ select: SUMMARY_COLUMNS, where: { key }, order: { version: 'DESC' } });
      return row ? toRecord(row) : undefined;
    },
    async findByContentHash(key, contentHash) {
      const row = await versions.findOne({ select: SUMMARY_COLUMNS, where: { key, contentHash } });
      return row ? toRecord(row) : undefined;
    },
    async insertVersion(version) {
      const inserted = await versions.save(versions.create({ ...version, title: { ...version.title } }));
      // deployed_at is the database's clock (the transaction's start); read it back rather than guess it.
      const row = await versions.findOneOrFail({ select: SUMMARY_COLUMNS, where: { id: inserted.id } });
      return toRecord(row);
    },
    async appendAudit(entry) {
      await appendAuditEntry(manager, entry);
    },
  };
}

function toRecord(row: DefinitionVersionEntity): DefinitionVersionRecord {
  return {
    key: row.key,
    kind: row.kind,
    version: row.version,
    contentHash: row.contentHash,
    title: row.title,
    jurisdiction: row.jurisdiction,
    serviceType: row.serviceType,
    sourceFile: row.sourceFile,
    deployedBy: row.deployedBy,
    deployedAt: row.deployedAt,
  };
}

/** Shared between requests, a cached version must not be changed by one of them: frozen, any attempt throws. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
