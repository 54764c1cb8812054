import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ensureDatabase } from '../../src/infra/postgres/local-postgres.js';
import { openDatabase } from '../../src/persistence/data-source.js';
import { sharedPostgresUrl } from './test-environment.js';

/** A new, migrated database of its own on the shared test server. */
export async function freshDatabase(label: string): Promise<{ url: string; dataSource: DataSource }> {
  const name = `test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomUUID().slice(0, 8)}`;
  const url = await ensureDatabase(sharedPostgresUrl(), name);
  return { url, dataSource: await openDatabase(url) };
}
