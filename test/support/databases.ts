import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ensureApplicationDatabase } from '../../src/infra/postgres/database-roles.js';
import { openDatabase } from '../../src/persistence/data-source.js';
import { sharedPostgresUrl } from './test-environment.js';

/**
 * A new, migrated database of its own on the shared test server, set up as the application's is: the
 * owner role ran the migrations (`migrationUrl`), and `dataSource` and `url` are the runtime role's.
 */
export async function freshDatabase(label: string): Promise<{ url: string; migrationUrl: string; dataSource: DataSource }> {
  const name = `test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomUUID().slice(0, 8)}`;
  const { url, migrationUrl } = await ensureApplicationDatabase(sharedPostgresUrl(), name);
  return { url, migrationUrl, dataSource: await openDatabase(url, { migrationUrl }) };
}
