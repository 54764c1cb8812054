import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities/index.js';
import { AuditEntryEntity } from '../../src/persistence/entities/audit-entry.entity.js';
import { freshDatabase } from '../support/databases.js';
import { testDataConverter } from '../support/payload-encryption.js';
import { sharedTemporalAddress } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';


describe('a workflow on the real Temporal dev server writing through TypeORM to the real PostgreSQL', () => {
  let dataSource: DataSource;
  let connection: Connection;
  let nativeConnection: NativeConnection;
  let workflowBundle: { code: string };

  beforeAll(async () => {
    ({ dataSource } = await freshDatabase('roundtrip'));
    connection = await Connection.connect({ address: sharedTemporalAddress() });
    nativeConnection = await NativeConnection.connect({ address: sharedTemporalAddress() });
    workflowBundle = await bundleTestWorkflows('integration/fixtures/foundation.workflows.ts');
  });

  afterAll(async () => {
    await nativeConnection?.close();
    await connection?.close();
    await dataSource?.destroy();
  });

  it('records an audit entry once, even when the activity runs twice with the same key', async () => {
    const taskQueue = `roundtrip-${randomUUID()}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createActivities({ dataSource, exportDir: path.join(tmpdir(), 'procureflow-roundtrip-exports') }),
      dataConverter: testDataConverter(),
    });
    const client = new Client({ connection, dataConverter: testDataConverter() });
    const idempotencyKey = `request-${randomUUID()}`;

    const result = await worker.runUntil(
      client.workflow.execute('recordTwiceWorkflow', {
        taskQueue,
        workflowId: `roundtrip-${randomUUID()}`,
        args: [
          {
            idempotencyKey,
            occurredAt: '2026-03-02T09:30:00.000Z',
            actorId: 'u-finance-01',
            actorRole: 'finance-bureau',
            jurisdiction: 'zj-deqing',
            action: 'task.approved',
            subjectType: 'task',
            subjectId: 'budget-review',
            comment: '预算审核通过',
            details: { amountFen: 12_000_000 },
          },
        ],
      }),
    );

    expect(result).toEqual({ first: true, second: false });
    const rows = await dataSource.getRepository(AuditEntryEntity).findBy({ idempotencyKey });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorId: 'u-finance-01',
      actorRole: 'finance-bureau',
      jurisdiction: 'zj-deqing',
      action: 'task.approved',
      comment: '预算审核通过',
      details: { amountFen: 12_000_000 },
      occurredAt: new Date('2026-03-02T09:30:00.000Z'),
    });
  });

  it('refuses to change or delete an audit entry once written', async () => {
    const { recordAuditEntry } = createActivities({ dataSource, exportDir: path.join(tmpdir(), 'procureflow-roundtrip-exports') });
    const idempotencyKey = `request-${randomUUID()}`;
    await recordAuditEntry({
      idempotencyKey,
      occurredAt: new Date().toISOString(),
      actorId: 'u-1',
      actorRole: 'justice-bureau',
      jurisdiction: 'fj-xiamen',
      action: 'cycle.launched',
      subjectType: 'cycle',
      subjectId: 'c-1',
    });
    // The runtime role may only append (the owner is stopped by a trigger, and caught by the hash chain: audit-chain.test.ts).
    await expect(dataSource.query(`UPDATE audit_entries SET comment = 'edited' WHERE idempotency_key = $1`, [idempotencyKey])).rejects.toThrow(
      /permission denied for table audit_entries/,
    );
    await expect(dataSource.query(`DELETE FROM audit_entries WHERE idempotency_key = $1`, [idempotencyKey])).rejects.toThrow(/permission denied for table audit_entries/);
  });
});

