import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type ChainEntry, GENESIS_HASH, type RecordedHead } from '../../../../src/audit/audit-chain.js';

/** Entries read per query while walking a chain. */
const BATCH_SIZE = 500;

/** The audit trail as one consistent snapshot, for checking its chains. */
export interface AuditTrailSnapshot {
  /** Every recorded chain head. */
  heads(): Promise<RecordedHead[]>;
  head(chain: string): Promise<RecordedHead | undefined>;
  /** Every entry, in id order, each with its hash recomputed from its stored columns. */
  entries(): AsyncIterable<ChainEntry>;
  /** The entries of one cycle's chain, in id order, each with the entry before it in the whole trail. */
  cycleEntries(cycleId: string): AsyncIterable<ChainEntry>;
}

/** Reads of the audit trail's hash chains (tables audit_entries and audit_chain_heads). */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The jurisdiction of a cycle of the read model, or undefined when there is no such cycle. */
  async cycleJurisdiction(cycleId: string): Promise<string | undefined> {
    const rows = (await this.dataSource.query(`SELECT jurisdiction FROM cycles WHERE id = $1`, [cycleId])) as Array<{ jurisdiction: string }>;
    return rows[0]?.jurisdiction;
  }

  /**
   * Runs `work` in one read-only REPEATABLE READ transaction, so entries appended meanwhile are neither
   * half-seen nor mistaken for a head that moved.
   */
  inSnapshot<T>(work: (trail: AuditTrailSnapshot) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query(`SET TRANSACTION READ ONLY`);
      return work(snapshot(manager));
    });
  }
}

interface RawEntry {
  id: string;
  chain_cycle_id: string | null;
  prev_hash: string;
  cycle_prev_hash: string | null;
  hash: string;
  recomputed_hash: string;
  predecessor_id?: string | null;
  predecessor_hash?: string | null;
}

interface RawHead {
  chain: string;
  last_id: string;
  last_hash: string;
  length: string;
}

function snapshot(manager: EntityManager): AuditTrailSnapshot {
  const toHead = (row: RawHead): RecordedHead => ({ chain: row.chain, lastId: row.last_id, lastHash: row.last_hash, length: Number(row.length) });
  return {
    async heads() {
      return ((await manager.query(`SELECT chain, last_id, last_hash, length FROM audit_chain_heads ORDER BY chain`)) as RawHead[]).map(toHead);
    },
    async head(chain) {
      const rows = (await manager.query(`SELECT chain, last_id, last_hash, length FROM audit_chain_heads WHERE chain = $1`, [chain])) as RawHead[];
      return rows[0] ? toHead(rows[0]) : undefined;
    },
    entries() {
      return batches(manager, (after) => [
        `SELECT a.id, a.chain_cycle_id, a.prev_hash, a.cycle_prev_hash, a.hash, audit_entry_hash(a) AS recomputed_hash
           FROM audit_entries a WHERE a.id > $1 ORDER BY a.id LIMIT $2`,
        [after, BATCH_SIZE],
      ]);
    },
    cycleEntries(cycleId) {
      return batches(manager, (after) => [
        `SELECT a.id, a.chain_cycle_id, a.prev_hash, a.cycle_prev_hash, a.hash, audit_entry_hash(a) AS recomputed_hash,
                p.id AS predecessor_id, p.hash AS predecessor_hash
           FROM audit_entries a
           LEFT JOIN LATERAL (SELECT b.id, b.hash FROM audit_entries b WHERE b.id < a.id ORDER BY b.id DESC LIMIT 1) p ON true
          WHERE a.chain_cycle_id = $3 AND a.id > $1 ORDER BY a.id LIMIT $2`,
        [after, BATCH_SIZE, cycleId],
      ]);
    },
  };
}

/** Walks a query page by page, keyed by entry id, so a long trail is never held in memory at once. */
async function* batches(manager: EntityManager, page: (afterId: string) => [string, unknown[]]): AsyncIterable<ChainEntry> {
  let after = '0';
  for (;;) {
    const [sql, parameters] = page(after);
    const rows = (await manager.query(sql, parameters)) as RawEntry[];
    for (const row of rows) {
      yield {
        id: row.id,
        chainCycleId: row.chain_cycle_id,
        prevHash: row.prev_hash,
        cyclePrevHash: row.cycle_prev_hash,
        hash: row.hash,
        recomputedHash: row.recomputed_hash,
        ...(row.predecessor_id === undefined ? {} : { globalPredecessorId: row.predecessor_id, globalPredecessorHash: row.predecessor_hash ?? GENESIS_HASH }),
      };
    }
    if (rows.length < BATCH_SIZE) return;
    after = rows[rows.length - 1]!.id;
  }
}
