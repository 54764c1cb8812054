import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { fenFromDatabase } from '../../../../src/money/fen.js';
import type { PaymentStatus } from '../../../../src/procurement/read-model.js';

export interface PaymentRecord {
  readonly id: string;
  readonly cycleId: string;
  readonly contractId: string;
  readonly jurisdiction: string;
  readonly trancheId: string;
  readonly fund: string | null;
  readonly vendorId: string;
  readonly vendorName: string;
  readonly amountFen: number;
  readonly idempotencyKey: string;
  readonly status: PaymentStatus;
  readonly instructedAt: Date;
  readonly exportedAt: Date | null;
  readonly exportFile: string | null;
}

export interface PaymentFilter {
  /** Only payments of cycles of these jurisdictions; undefined: every jurisdiction. */
  readonly jurisdictions?: readonly string[];
  readonly cycleId?: string;
  readonly contractId?: string;
  /** Only this vendor's payments (for its own staff). */
  readonly vendorId?: string;
  readonly status?: PaymentStatus;
  readonly limit: number;
  readonly offset: number;
}

/** Instructed payments (tables payments and payment_outbox, with their cycles' jurisdictions). */
@Injectable()
export class PaymentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Payments matching `filter`, newest instruction first, and how many match in all. */
  async list(filter: PaymentFilter): Promise<{ payments: PaymentRecord[]; total: number }> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const add = (condition: (placeholder: string) => string, value: unknown) => {
      parameters.push(value);
      conditions.push(condition(`$${parameters.length}`));
    };
    if (filter.jurisdictions) add((p) => `c.jurisdiction = ANY(${p}::text[])`, [...filter.jurisdictions]);
    if (filter.cycleId !== undefined) add((p) => `p.cycle_id = ${p}`, filter.cycleId);
    if (filter.contractId !== undefined) add((p) => `p.contract_id = ${p}`, filter.contractId);
    if (filter.vendorId !== undefined) add((p) => `p.vendor_id = ${p}`, filter.vendorId);
    if (filter.status !== undefined) add((p) => `p.status = ${p}`, filter.status);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const from = `FROM payments p JOIN cycles c ON c.id = p.cycle_id LEFT JOIN payment_outbox o ON o.payment_id = p.id ${where}`;
    const [{ count }] = (await this.dataSource.query(`SELECT count(*) AS count ${from}`, parameters)) as [{ count: string }];
    const rows = (await this.dataSource.query(
      `SELECT p.id, p.cycle_id, p.contract_id, c.jurisdiction, p.tranche_id, p.fund, p.vendor_id, p.vendor_name, p.amount_fen,
              p.idempotency_key, p.status, p.instructed_at, p.exported_at, o.export_file
       ${from}
       ORDER BY p.instructed_at DESC, p.id
       LIMIT $${parameters.length + 1} OFFSET $${parameters.length + 2}`,
      [...parameters, filter.limit, filter.offset],
    )) as RawPayment[];
    return { payments: rows.map(toRecord), total: Number(count) };
  }
}

interface RawPayment {
  id: string;
  cycle_id: string;
  contract_id: string;
  jurisdiction: string;
  tranche_id: string;
  fund: string | null;
  vendor_id: string;
  vendor_name: string;
  amount_fen: string;
  idempotency_key: string;
  status: PaymentStatus;
  instructed_at: Date;
  exported_at: Date | null;
  export_file: string | null;
}

function toRecord(row: RawPayment): PaymentRecord {
  return {
    id: row.id,
    cycleId: row.cycle_id,
    contractId: row.contract_id,
    jurisdiction: row.jurisdiction,
    trancheId: row.tranche_id,
    fund: row.fund,
    vendorId: row.vendor_id,
    vendorName: row.vendor_name,
    amountFen: fenFromDatabase(row.amount_fen),
    idempotencyKey: row.idempotency_key,
    status: row.status,
    instructedAt: row.instructed_at,
    exportedAt: row.exported_at,
    exportFile: row.export_file,
  };
}
