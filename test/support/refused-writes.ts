/** A connection of the database's owner: only the owner may create triggers on the read model's tables. */
export interface OwnerConnection {
  query(text: string): Promise<unknown>;
}

export interface RefusedWrites {
  /** The trigger's name (and its function's): one fault of that name at a time. */
  readonly name: string;
  readonly table: string;
  /** Which writes: `INSERT OR UPDATE` (the default) or `UPDATE`. */
  readonly on?: 'INSERT OR UPDATE' | 'UPDATE';
  /** SQL over `NEW` selecting the refused rows, e.g. `NEW.cycle_id = '…'`. */
  readonly when: string;
  /** SQL text expression of the error message, e.g. `'tasks are read-only during maintenance'`. */
  readonly message: string;
}

/**
 * A fault put in by the database's owner: PostgreSQL refuses the writes `fault` selects, as a violated
 * CHECK would (SQLSTATE 23514, naming the table). Resolves with the repair that lifts it.
 */
export async function refuseWrites(owner: OwnerConnection, fault: RefusedWrites): Promise<() => Promise<void>> {
  await owner.query(`
    CREATE FUNCTION ${fault.name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF ${fault.when} THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', TABLE = '${fault.table}', MESSAGE = ${fault.message};
      END IF;
      RETURN NEW;
    END $$`);
  await owner.query(`CREATE TRIGGER ${fault.name} BEFORE ${fault.on ?? 'INSERT OR UPDATE'} ON ${fault.table} FOR EACH ROW EXECUTE FUNCTION ${fault.name}()`);
  return async () => {
    await owner.query(`DROP TRIGGER ${fault.name} ON ${fault.table}`);
    await owner.query(`DROP FUNCTION ${fault.name}()`);
  };
}
