import type { SqlExecutor } from './audit-append.js';

/** Name of TypeORM's table of applied migrations (data-source.ts configures it). */
export const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * What the runtime role (DATABASE_URL) may do to the tables whose rows are evidence. Every other table
 * of the schema gets SELECT, INSERT, UPDATE and DELETE, so a table a later migration adds is usable at
 * once; a new evidence table is added here. The runtime role never gets TRUNCATE, and never owns a
 * table, so it cannot disable a trigger or grant itself more.
 */
export const EVIDENCE_TABLE_PRIVILEGES: Readonly<Record<string, readonly string[]>> = {
  audit_entries: ['SELECT', 'INSERT'],
  // Advanced only by the audit chain trigger, which runs as the owner.
  audit_chain_heads: ['SELECT'],
  definition_versions: ['SELECT', 'INSERT'],
  public_notices: ['SELECT', 'INSERT'],
  projection_log: ['SELECT', 'INSERT'],
  // A payment is never updated by the runtime role: the export is recorded on its outbox row, and the
  // owner's trigger payment_outbox_record_export copies it onto the payment.
  payments: ['SELECT', 'INSERT'],
  payment_outbox: ['SELECT', 'INSERT', 'UPDATE (exported_at, export_file)'],
  // What a case's evidence was: written once by the case projections, never rewritten.
  case_events: ['SELECT', 'INSERT'],
  case_confidential: ['SELECT', 'INSERT'],
  case_obligation_periods: ['SELECT', 'INSERT'],
  case_breaches: ['SELECT', 'INSERT'],
  [MIGRATIONS_TABLE]: ['SELECT'],
};

const ORDINARY_TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/** Rewrites of history the runtime role must not be able to make; `evidenceRewritesAllowed` checks them. */
const FORBIDDEN_REWRITES: ReadonlyArray<readonly [table: string, privilege: string]> = ['audit_entries', 'payments'].flatMap((table) =>
  ['UPDATE', 'DELETE', 'TRUNCATE'].map((privilege) => [table, privilege] as const),
);

/**
 * Gives `runtimeRole` exactly the privileges above on every table and sequence of the current schema,
 * revoking anything else it held there. Run through the owner's connection after the migrations,
 * serialised with them; idempotent.
 */
export async function grantRuntimePrivileges(owner: SqlExecutor, runtimeRole: string): Promise<void> {
  const role = quoteIdentifier(runtimeRole);
  const [{ schema }] = (await owner.query(`SELECT current_schema() AS schema`)) as [{ schema: string }];
  const tables = (await owner.query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)) as Array<{
    tablename: string;
  }>;
  await owner.query(`GRANT USAGE ON SCHEMA ${quoteIdentifier(schema)} TO ${role}`);
  for (const { tablename } of tables) {
    const table = `${quoteIdentifier(schema)}.${quoteIdentifier(tablename)}`;
    await owner.query(`REVOKE ALL ON TABLE ${table} FROM ${role}`);
    await owner.query(`GRANT ${(EVIDENCE_TABLE_PRIVILEGES[tablename] ?? ORDINARY_TABLE_PRIVILEGES).join(', ')} ON TABLE ${table} TO ${role}`);
  }
  // Identity columns draw from sequences: the runtime role draws, and may read where they stand.
  await owner.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${quoteIdentifier(schema)} TO ${role}`);
}

/**
 * Which of UPDATE, DELETE and TRUNCATE on audit_entries and payments the connection's own role holds
 * (as their owner, a superuser or by grant), as `table: PRIVILEGE` strings; empty when it holds none.
 */
export async function evidenceRewritesAllowed(connection: SqlExecutor): Promise<string[]> {
  const rows = (await connection.query(
    `SELECT t.name AS "table", t.privilege
       FROM unnest($1::text[], $2::text[]) AS t(name, privilege)
      WHERE to_regclass(t.name) IS NOT NULL AND has_table_privilege(current_user, t.name, t.privilege)`,
    [FORBIDDEN_REWRITES.map(([table]) => table), FORBIDDEN_REWRITES.map(([, privilege]) => privilege)],
  )) as Array<{ table: string; privilege: string }>;
  return rows.map((row) => `${row.table}: ${row.privilege}`);
}

/** A role or table name as an SQL identifier, quoted so any name is taken literally. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
