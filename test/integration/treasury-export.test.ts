import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createProcurementProjectionActivities } from '../../activities/procurement-projections.js';
import { createTreasuryActivities, TREASURY_EXPORT_COLUMNS } from '../../activities/treasury.js';
import type { EngineCommand } from '../../workflows/engine/types.js';
import { freshDatabase } from '../support/databases.js';
import { insertVendor, launchCycle, startContract } from '../support/procurement-fixtures.js';
import { scratchDir } from '../support/test-environment.js';

/**
 * The default treasury adapter on real PostgreSQL and a real directory: pending payments go out in a
 * CSV file exactly once, amounts in fen and in yuan computed from integers.
 */
describe('the treasury export', () => {
  let dataSource: DataSource;
  let exportDir: string;
  let exportTreasuryPayments: () => Promise<{ file: string | null; count: number; heldBack: ReadonlyArray<{ paymentId: string; reason: string }> }>;
  let cycleId: string;
  let seq = 0;

  beforeAll(async () => {
    ({ dataSource } = await freshDatabase('treasury'));
    exportDir = path.join(await scratchDir('treasury'), 'treasury-exports');
    ({ exportTreasuryPayments } = createTreasuryActivities({ dataSource, exportDir }));
    cycleId = await launchCycle(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** Instructs one payment to `vendorId` under a contract of its own; returns the contract id. */
  const instruct = async (vendorId: string, vendorName: string, trancheId: string, amountFen: number): Promise<string> => {
    const contractId = await startContract(dataSource, cycleId, { vendorId, vendorName });
    const command: EngineCommand = { type: 'instructPayment', seq: seq++, at: '2026-06-15T02:00:00.000Z', trancheId, fund: 'working', amountFen, vendorId, vendorName };
    await createProcurementProjectionActivities({ dataSource }).applyCommands({ workflowId: contractId, cycleId, contractId, commands: [command] });
    return contractId;
  };
  const csvFiles = async () => (await readdir(exportDir)).filter((name) => name.endsWith('.csv')).sort();
  const parse = (text: string) => text.replace(/\r\n$/, '').split('\r\n');

  it('writes pending payments to one file, amounts in fen and in yuan, and marks them exported', async () => {
    const sunshine = await insertVendor(dataSource, { name: '德清县阳光社会工作服务中心' });
    const quoted = await insertVendor(dataSource, { name: '=HYPERLINK("x"),德清"同心"社工' });
    const sunshineContract = await instruct(sunshine.id, '德清县阳光社会工作服务中心', 'signing', 12_345);
    const quotedContract = await instruct(quoted.id, 'irrelevant: the registry name is used', 'acceptance', Number.MAX_SAFE_INTEGER);
    await instruct('not-in-registry', '无名机构', 'signing', 500);

    const result = await exportTreasuryPayments();
    expect(result.count).toBe(2);
    expect(result.heldBack).toEqual([{ paymentId: expect.any(String), reason: expect.stringContaining('not-in-registry is not in the vendor registry') }]);
    expect(result.file).toMatch(new RegExp(`^${exportDir}/treasury-\\d{8}T\\d{6}Z-[0-9a-f]{8}\\.csv$`));
    expect(await csvFiles()).toEqual([path.basename(result.file ?? '')]);

    const lines = parse(await readFile(result.file ?? '', 'utf8'));
    expect(lines[0]).toBe(TREASURY_EXPORT_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    const [first, second] = (await dataSource.query(
      `SELECT p.id FROM payments p WHERE p.contract_id = ANY($1) ORDER BY p.seq`,
      [[sunshineContract, quotedContract]],
    )) as Array<{ id: string }>;
    expect(lines[1]).toBe(
      [first?.id, '德清县阳光社会工作服务中心', sunshine.creditCode, '12345', '123.45', 'signing', 'working', cycleId, sunshineContract, `${sunshineContract}:tranche:signing`, '2026-06-15T02:00:00.000Z'].join(','),
    );
    // Quotes doubled, the cell quoted for its comma, and a leading apostrophe so no spreadsheet runs it as a formula.
    expect(lines[2]).toBe(
      [
        second?.id,
        `"'=HYPERLINK(""x""),德清""同心""社工"`,
        quoted.creditCode,
        '9007199254740991',
        '90071992547409.91',
        'acceptance',
        'working',
        cycleId,
        quotedContract,
        `${quotedContract}:tranche:acceptance`,
        '2026-06-15T02:00:00.000Z',
      ].join(','),
    );

    const states = (await dataSource.query(
      `SELECT p.status, p.exported_at IS NOT NULL AS exported, o.export_file FROM payments p JOIN payment_outbox o ON o.payment_id = p.id ORDER BY p.seq`,
    )) as unknown[];
    expect(states).toEqual([
      { status: 'exported', exported: true, export_file: path.basename(result.file ?? '') },
      { status: 'exported', exported: true, export_file: path.basename(result.file ?? '') },
      { status: 'instructed', exported: false, export_file: null },
    ]);
  });

  it('exports nothing the second time: no new file, no row twice', async () => {
    const before = await csvFiles();
    const again = await exportTreasuryPayments();
    expect(again).toEqual({ file: null, count: 0, heldBack: [expect.objectContaining({ reason: expect.stringContaining('not-in-registry') })] });
    expect(await csvFiles()).toEqual(before);
  });

  it('exports a payment instructed later in a file of its own, and concurrent exports never share a row', async () => {
    const vendor = await insertVendor(dataSource, { name: '德清县晨光社工事务所' });
    await instruct(vendor.id, '德清县晨光社工事务所', 'signing', 5);
    const results = await Promise.all([exportTreasuryPayments(), exportTreasuryPayments(), exportTreasuryPayments()]);
    expect(results.map((r) => r.count).sort()).toEqual([0, 0, 1]);
    const written = results.find((r) => r.count === 1)?.file ?? '';
    const lines = parse(await readFile(written, 'utf8'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',5,0.05,signing,');
    expect(await csvFiles()).toHaveLength(2);
  });

  it('refuses, in the database, to export a payment twice', async () => {
    await expect(dataSource.query(`UPDATE payment_outbox SET export_file = 'again.csv', exported_at = now() WHERE exported_at IS NOT NULL`)).rejects.toThrow(
      /already exported .*a payment is exported once/,
    );
  });

  it('finishes an export interrupted after its commit, and discards one interrupted before', async () => {
    const vendor = await insertVendor(dataSource, { name: '德清县春晖社会工作服务社' });
    const contractId = await instruct(vendor.id, '德清县春晖社会工作服务社', 'signing', 700);
    // As if an export had committed its batch and crashed before renaming its file.
    await dataSource.query(
      `UPDATE payment_outbox SET exported_at = now(), export_file = 'treasury-crashed.csv' WHERE payment_id = (SELECT id FROM payments WHERE contract_id = $1)`,
      [contractId],
    );
    await writeFile(path.join(exportDir, 'treasury-crashed.csv.partial'), 'committed batch\r\n');
    // As if an export had written its file and crashed before committing.
    await writeFile(path.join(exportDir, 'treasury-uncommitted.csv.partial'), 'uncommitted batch\r\n');

    const result = await exportTreasuryPayments();
    expect(result.count).toBe(0);
    const entries = await readdir(exportDir);
    expect(entries).toContain('treasury-crashed.csv');
    expect(entries.filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect(await readFile(path.join(exportDir, 'treasury-crashed.csv'), 'utf8')).toBe('committed batch\r\n');
  });
});
