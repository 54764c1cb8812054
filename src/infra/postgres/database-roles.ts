import pg from 'pg';

/**
 * The two login roles of a procureflow database on a server procureflow sets up itself (the embedded
 * PostgreSQL, the test servers): the owner, which owns the database and its schema and runs the
 * migrations, and the runtime role the API and the worker connect as, which cannot rewrite the audit
 * trail or payments (see src/persistence/runtime-privileges.ts). Their passwords are as well known as
 * the embedded server's own, which listens on loopback only; docker-compose sets up the same two roles
 * (scripts/postgres-roles.sh).
 */
export const DATABASE_ROLES = {
  owner: { name: 'procureflow_owner', password: 'procureflow_owner' },
  runtime: { name: 'procureflow_app', password: 'procureflow_app' },
} as const;

export interface ApplicationDatabase {
  /** The runtime role's connection string (DATABASE_URL). */
  readonly url: string;
  /** The owner's connection string (DATABASE_MIGRATION_URL). */
  readonly migrationUrl: string;
}

/**
 * Creates the owner and runtime roles on the server behind `superuserUrl` when they are missing; runs
 * one at a time across processes (test files start at once), and changes nothing about roles that exist.
 */
export async function ensureDatabaseRoles(superuserUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    // Roles belong to the whole cluster; an advisory lock of the maintenance database keeps two creators apart.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('procureflow.database-roles'))`);
    for (const { name, password } of Object.values(DATABASE_ROLES)) {
      const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      if (found.rowCount === 0) {
        await client.query(`CREATE ROLE ${client.escapeIdentifier(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${client.escapeLiteral(password)}`);
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Creates `database` owned by the owner role (after `ensureDatabaseRoles`) unless it exists, and returns
 * the runtime and owner connection strings. A database an earlier version created as the superuser is
 * handed over to the owner role first, tables and functions included, so its migrations can go on.
 */
export async function ensureApplicationDatabase(superuserUrl: string, database: string): Promise<ApplicationDatabase> {
  await ensureDatabaseRoles(superuserUrl);
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  const owner = client.escapeIdentifier(DATABASE_ROLES.owner.name);
  let adopt = false;
  try {
    const found = await client.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
      [database],
    );
    const existing = found.rows[0];
    if (!existing) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${owner}`);
    } else if (existing.owner !== DATABASE_ROLES.owner.name) {
      await client.query(`ALTER DATABASE ${client.escapeIdentifier(database)} OWNER TO ${owner}`);
      adopt = true;
    }
  } finally {
    await client.end();
  }
  if (adopt) await handOverSchema(withDatabase(superuserUrl, database));
  return {
    url: withDatabase(superuserUrl, database, DATABASE_ROLES.runtime),
    migrationUrl: withDatabase(superuserUrl, database, DATABASE_ROLES.owner),
  };
}

/** Makes the owner role the owner of every table and function of the public schema (sequences follow their tables; extensions keep theirs). */
async function handOverSchema(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`
      DO $$
      DECLARE
        object record;
      BEGIN
        FOR object IN
          SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) <> ${client.escapeLiteral(DATABASE_ROLES.owner.name)}
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        LOOP
          EXECUTE format('ALTER TABLE %s OWNER TO %I', object.name, ${client.escapeLiteral(DATABASE_ROLES.owner.name)});
        END LOOP;
        FOR object IN
          SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> ${client.escapeLiteral(DATABASE_ROLES.owner.name)}
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
        LOOP
          EXECUTE format('ALTER FUNCTION %s OWNER TO %I', object.name, ${client.escapeLiteral(DATABASE_ROLES.owner.name)});
        END LOOP;
      END $$`);
  } finally {
    await client.end();
  }
}

function withDatabase(serverUrl: string, database: string, role?: { name: string; password: string }): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  if (role) {
    url.username = encodeURIComponent(role.name);
    url.password = encodeURIComponent(role.password);
  }
  return url.toString();
}
