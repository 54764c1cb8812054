import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ensureDatabase } from '../../src/infra/postgres/local-postgres.js';
import { ENTITIES, MIGRATIONS } from '../../src/persistence/data-source.js';
import { DefinitionServiceType1764222000000 } from '../../src/persistence/migrations/1764222000000-definition-service-type.js';
import { sharedPostgresUrl } from '../support/test-environment.js';

/**
 * A registry written before procedures' service types were kept: the migration reads each version's
 * service type from its compiled definition, and the registry stays immutable afterwards.
 */
describe('a registry deployed before service types were kept', () => {
  it('gets each procedure version’s service type from its compiled definition, and none for other kinds', async () => {
    const url = await ensureDatabase(sharedPostgresUrl(), `test_service_type_${randomUUID().slice(0, 8)}`);
    const upTo = MIGRATIONS.indexOf(DefinitionServiceType1764222000000);
    expect(upTo).toBeGreaterThan(0);
    const before = new DataSource({ type: 'postgres', url, entities: [], migrations: MIGRATIONS.slice(0, upTo), migrationsTableName: 'schema_migrations' });
    await before.initialize();
    try {
      await before.runMigrations({ transaction: 'each' });
      for (const [key, kind, compiled] of [
        ['old-mediation', 'Procedure', { kind: 'Procedure', metadata: { key: 'old-mediation', serviceType: 'peopleMediation' } }],
        ['old-calendar', 'Calendar', { kind: 'Calendar', metadata: { key: 'old-calendar' } }],
      ] as const) {
        await before.query(
          `INSERT INTO definition_versions (key, kind, version, content_hash, title, jurisdiction, source_file, source_text, compiled, deployed_by)
           VALUES ($1, $2, 1, $3, '{"zh":"旧","en":"Old"}', 'zj-deqing', 'old.yaml', 'old', $4, 'wang.fang')`,
          [key, kind, (kind === 'Procedure' ? 'a' : 'c').repeat(64), JSON.stringify(compiled)],
        );
      }
    } finally {
      await before.destroy();
    }

    const after = new DataSource({ type: 'postgres', url, entities: ENTITIES, migrations: MIGRATIONS, migrationsTableName: 'schema_migrations' });
    await after.initialize();
    try {
      await after.runMigrations({ transaction: 'each' });
      expect(await after.query(`SELECT key, service_type FROM definition_versions ORDER BY key`)).toEqual([
        { key: 'old-calendar', service_type: null },
        { key: 'old-mediation', service_type: 'peopleMediation' },
      ]);
      // The backfill held the immutability trigger off only for itself.
      await expect(after.query(`UPDATE definition_versions SET service_type = 'resettlement'`)).rejects.toThrow(/definition_versions/);
    } finally {
      await after.destroy();
    }
  });
});
