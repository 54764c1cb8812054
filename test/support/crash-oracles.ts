import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { TREASURY_EXPORT_COLUMNS } from '../../activities/treasury.js';
import type { ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';
import { type WorkflowSnapshot, workflowSnapshotQuery } from '../../workflows/procurement/messages.js';

/**
 * Oracles of the crash test. They read what the outside world sees — the treasury's export files, the
 * read model the API serves, the workflows' own answers — and none of them restates a database
 * constraint (a unique key cannot be broken, so checking it proves nothing).
 */

/** One payment line of a treasury export file, and the file it is in. */
export interface ExportedPayment {
  readonly file: string;
  readonly paymentId: string;
  readonly idempotencyKey: string;
  readonly amountFen: string;
  readonly payeeCreditCode: string;
}

/** Every line of every final export file (`*.csv`) in `exportDir`, and the names of any `.partial` files. */
export async function readTreasuryExports(exportDir: string): Promise<{ lines: ExportedPayment[]; partials: string[] }> {
  const entries = (await readdir(exportDir)).sort();
  const lines: ExportedPayment[] = [];
  for (const file of entries.filter((entry) => entry.endsWith('.csv'))) {
    const [header, ...records] = parseCsv(await readFile(path.join(exportDir, file), 'utf8'));
    if (header?.join(',') !== TREASURY_EXPORT_COLUMNS.join(',')) throw new Error(`${file} does not start with the export's header: ${header?.join(',')}`);
    const column = (record: string[], name: (typeof TREASURY_EXPORT_COLUMNS)[number]) => record[TREASURY_EXPORT_COLUMNS.indexOf(name)] ?? '';
    for (const record of records) {
      lines.push({
        file,
        paymentId: column(record, 'payment_id'),
        idempotencyKey: column(record, 'idempotency_key'),
        amountFen: column(record, 'amount_fen'),
        payeeCreditCode: column(record, 'payee_credit_code'),
      });
    }
  }
  return { lines, partials: entries.filter((entry) => entry.endsWith('.partial')) };
}

/** RFC 4180 records (quoted cells may hold commas, quotes and line breaks); a final line break ends the last record. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i++;
    } else cell += char;
  }
  if (cell !== '' || record.length > 0) records.push([...record, cell]);
  return records;
}

/**
 * What the treasury received compared with what procureflow recorded: every payment's idempotency key
 * in exactly one final file, no other key in any file, the same amount and payee, the file the database
 * names for it, and no `.partial` file left.
 */
export async function treasuryDiscrepancies(dataSource: DataSource, exportDir: string): Promise<string[]> {
  const { lines, partials } = await readTreasuryExports(exportDir);
  const payments = (await dataSource.query(
    `SELECT p.id, p.idempotency_key, p.amount_fen::text AS amount_fen, v.credit_code, o.export_file
     FROM payments p JOIN payment_outbox o ON o.payment_id = p.id LEFT JOIN vendors v ON v.id::text = p.vendor_id
     ORDER BY p.idempotency_key`,
  )) as Array<{ id: string; idempotency_key: string; amount_fen: string; credit_code: string | null; export_file: string | null }>;
  const problems: string[] = partials.map((file) => `${file} is left over: an export was interrupted and never finished`);
  const byKey = new Map<string, ExportedPayment[]>();
  for (const line of lines) byKey.set(line.idempotencyKey, [...(byKey.get(line.idempotencyKey) ?? []), line]);
  for (const payment of payments) {
    const exported = byKey.get(payment.idempotency_key) ?? [];
    byKey.delete(payment.idempotency_key);
    if (exported.length !== 1) {
      problems.push(`payment ${payment.idempotency_key} is in ${exported.length} export lines (${exported.map((line) => line.file).join(', ') || 'none'}), not exactly one`);
      continue;
    }
    const [line] = exported as [ExportedPayment];
    if (line.paymentId !== payment.id) problems.push(`payment ${payment.idempotency_key} is exported as payment ${line.paymentId}, recorded as ${payment.id}`);
    if (line.amountFen !== payment.amount_fen) problems.push(`payment ${payment.idempotency_key} is exported for ${line.amountFen} fen, recorded for ${payment.amount_fen}`);
    if (line.payeeCreditCode !== (payment.credit_code ?? '')) problems.push(`payment ${payment.idempotency_key} is exported to ${line.payeeCreditCode}, its payee's credit code is ${payment.credit_code}`);
    if (line.file !== payment.export_file) problems.push(`payment ${payment.idempotency_key} is in ${line.file}, the database says ${payment.export_file}`);
  }
  for (const [key, extra] of byKey) problems.push(`${key} is exported (${extra.map((line) => line.file).join(', ')}) but is no payment of procureflow`);
  return problems;
}

/** The live state of a workflow, through its query (a worker must be polling). */
export function liveSnapshot(client: Client, workflowId: string): Promise<WorkflowSnapshot> {
  return client.workflow.getHandle(workflowId).query(workflowSnapshotQuery);
}

/**
 * Where the read model disagrees with the workflows' own state: each workflow's status, current step and
 * open tasks, and the cycle's contracts with their vendors, amounts and statuses. Empty when they agree.
 */
export async function readModelDiscrepancies(client: Client, dataSource: DataSource, cycleId: string): Promise<string[]> {
  const problems: string[] = [];
  const cycle = await liveSnapshot(client, cycleId);
  const [row] = (await dataSource.query(`SELECT status, current_step FROM cycles WHERE id = $1`, [cycleId])) as Array<{ status: string; current_step: string | null }>;
  // The cycle's own steps are over while its contracts run: the read model calls that `awarded`.
  const cycleStatus = cycle.status === 'awaitingContracts' ? 'awarded' : cycle.status;
  if (row?.status !== cycleStatus) problems.push(`cycle ${cycleId}: status ${row?.status} in the read model, ${cycleStatus} in the workflow`);
  if ((row?.current_step ?? null) !== cycle.stepId) problems.push(`cycle ${cycleId}: current step ${row?.current_step} in the read model, ${cycle.stepId} in the workflow`);
  await compareOpenTasks(dataSource, cycleId, cycle, problems);

  const contracts = (await dataSource.query(`SELECT id, vendor_id, amount_fen::text AS amount_fen, status, current_step FROM contracts WHERE cycle_id = $1 ORDER BY id`, [cycleId])) as Array<{
    id: string;
    vendor_id: string;
    amount_fen: string;
    status: string;
    current_step: string | null;
  }>;
  const expected = [...cycle.contracts].sort((a, b) => a.contractId.localeCompare(b.contractId));
  const shown = (list: Array<{ id: string; vendor: string; amount: string; status: string }>) => list.map((c) => `${c.id} ${c.vendor} ${c.amount} ${c.status}`).join('; ');
  const fromReadModel = shown(contracts.map((c) => ({ id: c.id, vendor: c.vendor_id, amount: c.amount_fen, status: c.status })));
  const fromWorkflow = shown(expected.map((c) => ({ id: c.contractId, vendor: c.vendorId, amount: String(c.amountFen), status: c.status })));
  if (fromReadModel !== fromWorkflow) problems.push(`cycle ${cycleId}: contracts [${fromReadModel}] in the read model, [${fromWorkflow}] in the workflow`);
  for (const contract of contracts) {
    // The contract is recorded just before its workflow starts: until it runs, that is a difference too.
    const live = await liveSnapshot(client, contract.id).catch((error: unknown) => (error instanceof WorkflowNotFoundError ? undefined : Promise.reject(error)));
    if (!live) {
      problems.push(`contract ${contract.id} is in the read model but its workflow is not running`);
      continue;
    }
    if (contract.status !== live.status) problems.push(`contract ${contract.id}: status ${contract.status} in the read model, ${live.status} in its workflow`);
    if ((contract.current_step ?? null) !== live.stepId) problems.push(`contract ${contract.id}: current step ${contract.current_step} in the read model, ${live.stepId} in its workflow`);
    await compareOpenTasks(dataSource, contract.id, live, problems);
  }
  return problems;
}

async function compareOpenTasks(dataSource: DataSource, workflowId: string, live: WorkflowSnapshot, problems: string[]): Promise<void> {
  const rows = (await dataSource.query(`SELECT task_instance_id FROM tasks WHERE workflow_id = $1 AND status = 'open' ORDER BY task_instance_id`, [workflowId])) as Array<{
    task_instance_id: string;
  }>;
  const fromReadModel = rows.map((r) => r.task_instance_id).join(', ');
  const fromWorkflow = live.openTasks
    .map((t) => t.id)
    .sort()
    .join(', ');
  if (fromReadModel !== fromWorkflow) problems.push(`${workflowId}: open tasks [${fromReadModel}] in the read model, [${fromWorkflow}] in the workflow`);
}

/**
 * Notices published more often than the definition publishes them: a cycle that runs each step once
 * publishes each notice once per `publish` node naming it. Counted by kind, per cycle, so a notice
 * published again under another sequence number (which no unique key forbids) is caught.
 */
export async function noticeDiscrepancies(dataSource: DataSource, definition: ProcedureDefinition, cycleIds: readonly string[]): Promise<string[]> {
  const expected = new Map<string, number>();
  for (const step of definition.steps) {
    for (const node of step.flow.nodes) {
      if (node.type !== 'publish') continue;
      const kind = definition.notices.find((notice) => notice.id === node.notice)?.kind ?? `unknown notice ${node.notice}`;
      expected.set(kind, (expected.get(kind) ?? 0) + 1);
    }
  }
  const problems: string[] = [];
  for (const cycleId of cycleIds) {
    const rows = (await dataSource.query(`SELECT kind, count(*)::int AS count FROM public_notices WHERE cycle_id = $1 GROUP BY kind`, [cycleId])) as Array<{ kind: string; count: number }>;
    const counted = new Map(rows.map((row) => [row.kind, row.count]));
    for (const kind of new Set([...expected.keys(), ...counted.keys()])) {
      if ((counted.get(kind) ?? 0) !== (expected.get(kind) ?? 0)) problems.push(`cycle ${cycleId}: ${counted.get(kind) ?? 0} ${kind} notices published, the definition publishes ${expected.get(kind) ?? 0}`);
    }
  }
  return problems;
}
