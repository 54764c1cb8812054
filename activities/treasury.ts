import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { DataSource, QueryRunner } from 'typeorm';
import { fenFromDatabase, formatYuan } from '../src/money/fen.js';

/**
 * The treasury port: how instructed payments leave procureflow for treasury centralised payment
 * (国库集中支付, seed 000 §八(六)). Payments are instructed into the `payment_outbox` in the transaction
 * that records them; a port exports the pending ones, each exactly once.
 */
export interface TreasuryPort {
  exportPending(): Promise<TreasuryExportResult>;
}

export interface TreasuryExportResult {
  /** The export file written, or null when nothing was pending. */
  readonly file: string | null;
  /** Payments exported in it. */
  readonly count: number;
  /** Pending payments that could not be exported yet, and why; they stay pending for the next export. */
  readonly heldBack: ReadonlyArray<{ readonly paymentId: string; readonly reason: string }>;
}

export interface TreasuryActivityDependencies {
  readonly dataSource: DataSource;
  /** Directory of the export files: `<PROCUREFLOW_DATA_DIR>/treasury-exports`. */
  readonly exportDir: string;
  /** Another adapter than the export file (a treasury API, a test double). */
  readonly treasury?: TreasuryPort;
}

export function createTreasuryActivities(deps: TreasuryActivityDependencies) {
  const treasury = deps.treasury ?? createFileTreasury(deps);
  return {
    /** Hands every pending payment to the treasury, each exactly once (see TreasuryPort). */
    async exportTreasuryPayments(): Promise<TreasuryExportResult> {
      return treasury.exportPending();
    },
  };
}

/** Columns of the export file, in order; the first line of every file names them. */
export const TREASURY_EXPORT_COLUMNS = [
  'payment_id',
  'payee_name',
  'payee_credit_code',
  'amount_fen',
  'amount_yuan',
  'tranche_id',
  'fund',
  'cycle_id',
  'contract_id',
  'idempotency_key',
  'instructed_at',
] as const;

const PARTIAL_SUFFIX = '.partial';

/**
 * The default adapter: writes pending payments to a CSV file (RFC 4180, UTF-8, CRLF) that a treasury
 * centralised-payment system imports, one file per export, named `treasury-<UTC time>-<random>.csv`.
 * Amounts are given in fen and in yuan with two decimals, computed from integers.
 *
 * Exactly once, even across crashes: exports are serialised by a PostgreSQL advisory lock; the file is
 * written as `<name>.partial`, the rows are marked exported (with the file's name) in one transaction,
 * and only after the commit is the file renamed to its final name. An export that finds a `.partial`
 * file left by a crash renames it when its rows were committed and deletes it when they were not, so a
 * payment is in exactly one final file. A payment whose payee is not in the vendor registry (no credit
 * code to pay to) is held back, and reported, until it is.
 */
export function createFileTreasury({ dataSource, exportDir }: { dataSource: DataSource; exportDir: string }): TreasuryPort {
  return {
    async exportPending(): Promise<TreasuryExportResult> {
      await mkdir(exportDir, { recursive: true });
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      try {
        // Session lock, held until the file has its final name: no other export may judge our .partial file.
        await runner.query(`SELECT pg_advisory_lock(hashtext('procureflow.treasury-export'))`);
        try {
          await recoverInterruptedExports(runner, exportDir);
          return await exportBatch(runner, exportDir);
        } finally {
          await runner.query(`SELECT pg_advisory_unlock(hashtext('procureflow.treasury-export'))`);
        }
      } finally {
        await runner.release();
      }
    },
  };
}

interface PendingRow {
  payment_id: string;
  payload: { vendorName?: string; fund?: string | null };
  amount_fen: string;
  tranche_id: string;
  fund: string | null;
  cycle_id: string;
  contract_id: string;
  idempotency_key: string;
  instructed_at: Date;
  vendor_id: string;
  registry_name: string | null;
  credit_code: string | null;
}

async function exportBatch(runner: QueryRunner, exportDir: string): Promise<TreasuryExportResult> {
  await runner.startTransaction();
  let partial: string | undefined;
  try {
    const pending = (await runner.query(
      `SELECT o.payment_id, o.payload, p.amount_fen, p.tranche_id, p.fund, p.cycle_id, p.contract_id, p.idempotency_key,
              p.instructed_at, p.vendor_id, v.name AS registry_name, v.credit_code
       FROM payment_outbox o
       JOIN payments p ON p.id = o.payment_id
       LEFT JOIN vendors v ON v.id::text = p.vendor_id
       WHERE o.exported_at IS NULL
       ORDER BY o.created_at, o.payment_id
       FOR UPDATE OF o`,
    )) as PendingRow[];
    const heldBack = pending
      .filter((row) => row.credit_code === null)
      .map((row) => ({ paymentId: row.payment_id, reason: `the payee ${row.vendor_id} is not in the vendor registry, so its credit code is unknown` }));
    const ready = pending.filter((row) => row.credit_code !== null);
    if (ready.length === 0) {
      await runner.commitTransaction();
      return { file: null, count: 0, heldBack };
    }

    const name = exportFileName();
    partial = path.join(exportDir, `${name}${PARTIAL_SUFFIX}`);
    await writeDurably(partial, renderCsv(ready));
    const ids = ready.map((row) => row.payment_id);
    // The database records the export on each payment too (trigger payment_outbox_record_export): the
    // runtime role may not update payments.
    await runner.query(`UPDATE payment_outbox SET exported_at = now(), export_file = $1 WHERE payment_id = ANY($2::uuid[])`, [name, ids]);
    await runner.commitTransaction();

    const file = path.join(exportDir, name);
    await rename(partial, file);
    return { file, count: ready.length, heldBack };
  } catch (error) {
    if (runner.isTransactionActive) {
      await runner.rollbackTransaction();
      if (partial) await unlink(partial).catch(ignoreMissing);
    }
    throw error;
  }
}

/** Finishes what a crashed export left: a committed batch gets its final name, an uncommitted one is removed. */
async function recoverInterruptedExports(runner: QueryRunner, exportDir: string): Promise<void> {
  const leftovers = (await readdir(exportDir)).filter((entry) => entry.endsWith(`.csv${PARTIAL_SUFFIX}`));
  for (const leftover of leftovers) {
    const name = leftover.slice(0, -PARTIAL_SUFFIX.length);
    const committed = (await runner.query(`SELECT 1 FROM payment_outbox WHERE export_file = $1 LIMIT 1`, [name])) as unknown[];
    if (committed.length > 0) await rename(path.join(exportDir, leftover), path.join(exportDir, name));
    else await unlink(path.join(exportDir, leftover)).catch(ignoreMissing);
  }
}

function renderCsv(rows: readonly PendingRow[]): string {
  const lines = [TREASURY_EXPORT_COLUMNS.join(',')];
  for (const row of rows) {
    const fen = fenFromDatabase(row.amount_fen);
    const record: Record<(typeof TREASURY_EXPORT_COLUMNS)[number], string> = {
      payment_id: row.payment_id,
      payee_name: row.registry_name ?? row.payload.vendorName ?? '',
      payee_credit_code: row.credit_code ?? '',
      amount_fen: String(fen),
      amount_yuan: formatYuan(fen),
      tranche_id: row.tranche_id,
      fund: row.fund ?? '',
      cycle_id: row.cycle_id,
      contract_id: row.contract_id,
      idempotency_key: row.idempotency_key,
      instructed_at: row.instructed_at.toISOString(),
    };
    lines.push(TREASURY_EXPORT_COLUMNS.map((column) => csvCell(record[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * One CSV cell: quoted when it holds a comma, quote or line break (RFC 4180), and with a leading
 * apostrophe when it would otherwise start like a spreadsheet formula (a payee named "=…" must not run
 * as one when the file is opened in Excel or WPS).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function exportFileName(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `treasury-${stamp}-${randomBytes(4).toString('hex')}.csv`;
}

/** Writes a new file and flushes it to disk before returning, so a committed batch never points at lost bytes. */
async function writeDurably(file: string, content: string): Promise<void> {
  const handle = await open(file, 'wx', 0o640);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
