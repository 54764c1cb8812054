import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Makes the audit trail tamper-evident. Privileges and triggers stop the runtime role from changing an
 * entry, but the role that owns the tables (or a superuser) can still disable a trigger and edit a row;
 * the hash chain makes such an edit visible afterwards (`GET /audit/verify`, `procureflow audit verify`).
 *
 * Every entry carries
 * - `hash`: SHA-256 of a canonical serialisation of every column of the entry (see audit_entry_canonical),
 *   including the two links below, so changing any stored value, or a link, changes the hash;
 * - `prev_hash`: the hash of the entry before it in the global chain (every entry, in id order), so a
 *   removed or inserted entry breaks the link of the entry after it;
 * - `chain_cycle_id` and `cycle_prev_hash`: for entries about a procurement cycle (the cycle itself, or a
 *   task, bid, contract or payment whose details name the cycle, as the cycle detail reads them), the hash
 *   of the cycle's previous entry, so one cycle's trail can be checked on its own; its entries are
 *   anchored in the global chain by their `prev_hash`.
 * `audit_chain_heads` records the last entry and the length of each chain, so removing the newest
 * entries (which would leave every remaining link intact) is detected too.
 *
 * The database, not the application, computes all of it, in a BEFORE INSERT trigger that runs as the
 * table owner: the runtime role can only append, cannot choose an entry's id, time of record or links,
 * and cannot write the chain heads. Appends serialise on the global head row (SELECT … FOR UPDATE), so
 * ids follow chain order and two transactions never link to the same predecessor; the lock is held until
 * the appending transaction ends, and a transaction that rolls back leaves the chain as it was.
 */
export class AuditHashChain1764036000000 implements MigrationInterface {
  name = 'AuditHashChain1764036000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_chain_heads" (
        "chain" text PRIMARY KEY,
        "last_id" bigint NOT NULL,
        "last_hash" text NOT NULL,
        "length" bigint NOT NULL,
        CONSTRAINT "audit_chain_heads_chain_check" CHECK ("chain" = 'global' OR "chain" LIKE 'cycle:_%'),
        CONSTRAINT "audit_chain_heads_last_hash_check" CHECK ("last_hash" ~ '^[0-9a-f]{64}$'),
        CONSTRAINT "audit_chain_heads_length_check" CHECK ("length" >= 0)
      )`);
    // The genesis link: the first entry of every chain links to 64 zeros.
    await queryRunner.query(`INSERT INTO "audit_chain_heads" ("chain", "last_id", "last_hash", "length") VALUES ('global', 0, repeat('0', 64), 0)`);

    await queryRunner.query(`
      ALTER TABLE "audit_entries"
        ADD COLUMN "chain_cycle_id" text,
        ADD COLUMN "prev_hash" text,
        ADD COLUMN "cycle_prev_hash" text,
        ADD COLUMN "hash" text`);

    // Canonical serialisation: a JSON object of every column, as jsonb renders it (keys in jsonb's fixed
    // order, shortest first then bytewise; nested details normalised the same way), with times as
    // ISO-8601 UTC at the column's full microsecond precision so that no stored difference is lost.
    await queryRunner.query(`
      CREATE FUNCTION "audit_time"(t timestamptz) RETURNS text LANGUAGE sql STABLE STRICT AS $$
        SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION "audit_entry_canonical"(e "audit_entries") RETURNS text LANGUAGE sql STABLE AS $$
        SELECT jsonb_build_object(
          'id', e.id,
          'idempotencyKey', e.idempotency_key,
          'occurredAt', audit_time(e.occurred_at),
          'recordedAt', audit_time(e.recorded_at),
          'actorId', e.actor_id,
          'actorRole', e.actor_role,
          'jurisdiction', e.jurisdiction,
          'action', e.action,
          'subjectType', e.subject_type,
          'subjectId', e.subject_id,
          'comment', e.comment,
          'details', e.details,
          'chainCycleId', e.chain_cycle_id,
          'prevHash', e.prev_hash,
          'cyclePrevHash', e.cycle_prev_hash
        )::text
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION "audit_entry_hash"(e "audit_entries") RETURNS text LANGUAGE sql STABLE AS $$
        SELECT encode(sha256(convert_to(audit_entry_canonical(e), 'UTF8')), 'hex')
      $$`);

    // Links one entry (id and time of record already set) to the heads of its chains, hashes it and
    // advances the heads. Only the owner runs it: through the trigger below, and here for existing rows.
    await queryRunner.query(`
      CREATE FUNCTION "audit_entries_link"(e "audit_entries") RETURNS "audit_entries" LANGUAGE plpgsql AS $$
      DECLARE
        genesis CONSTANT text := repeat('0', 64);
        cycle_hash text;
      BEGIN
        e.chain_cycle_id := CASE WHEN e.subject_type = 'cycle' THEN e.subject_id ELSE e.details ->> 'cycleId' END;
        SELECT last_hash INTO STRICT e.prev_hash FROM audit_chain_heads WHERE chain = 'global';
        e.cycle_prev_hash := NULL;
        IF e.chain_cycle_id IS NOT NULL THEN
          SELECT last_hash INTO cycle_hash FROM audit_chain_heads WHERE chain = 'cycle:' || e.chain_cycle_id FOR UPDATE;
          e.cycle_prev_hash := COALESCE(cycle_hash, genesis);
        END IF;
        e.hash := audit_entry_hash(e);
        UPDATE audit_chain_heads SET last_id = e.id, last_hash = e.hash, length = length + 1 WHERE chain = 'global';
        IF e.chain_cycle_id IS NOT NULL THEN
          INSERT INTO audit_chain_heads AS h (chain, last_id, last_hash, length) VALUES ('cycle:' || e.chain_cycle_id, e.id, e.hash, 1)
          ON CONFLICT (chain) DO UPDATE SET last_id = EXCLUDED.last_id, last_hash = EXCLUDED.last_hash, length = h.length + 1;
        END IF;
        RETURN e;
      END $$`);
    await queryRunner.query(`REVOKE ALL ON FUNCTION "audit_entries_link"("audit_entries") FROM PUBLIC`);

    // Existing entries join the chain in id order, as if appended now.
    await queryRunner.query(`ALTER TABLE "audit_entries" DISABLE TRIGGER "audit_entries_append_only"`);
    await queryRunner.query(`
      DO $$
      DECLARE
        entry audit_entries;
      BEGIN
        FOR entry IN SELECT * FROM audit_entries ORDER BY id LOOP
          entry := audit_entries_link(entry);
          UPDATE audit_entries
             SET chain_cycle_id = entry.chain_cycle_id, prev_hash = entry.prev_hash, cycle_prev_hash = entry.cycle_prev_hash, hash = entry.hash
           WHERE id = entry.id;
        END LOOP;
      END $$`);
    await queryRunner.query(`ALTER TABLE "audit_entries" ENABLE TRIGGER "audit_entries_append_only"`);

    await queryRunner.query(`
      ALTER TABLE "audit_entries"
        ALTER COLUMN "prev_hash" SET NOT NULL,
        ALTER COLUMN "hash" SET NOT NULL,
        ADD CONSTRAINT "audit_entries_hash_check" CHECK ("hash" ~ '^[0-9a-f]{64}$' AND "prev_hash" ~ '^[0-9a-f]{64}$'),
        ADD CONSTRAINT "audit_entries_cycle_link_check" CHECK (
          ("chain_cycle_id" IS NULL AND "cycle_prev_hash" IS NULL) OR ("chain_cycle_id" IS NOT NULL AND "cycle_prev_hash" ~ '^[0-9a-f]{64}$'))`);
    await queryRunner.query(`CREATE INDEX "audit_entries_chain_cycle_idx" ON "audit_entries" ("chain_cycle_id", "id") WHERE "chain_cycle_id" IS NOT NULL`);

    // SECURITY DEFINER: the runtime role appends without any privilege on the heads; search_path is fixed
    // (pg_temp last) so no object of the caller's can stand in for the owner's.
    await queryRunner.query(`
      CREATE FUNCTION "audit_entries_chain"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        -- Serialises every append until this transaction ends. Under REPEATABLE READ, a head moved since the
        -- snapshot fails with a serialization error instead of forking the chain.
        PERFORM 1 FROM audit_chain_heads WHERE chain = 'global' FOR UPDATE;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'audit_chain_heads has no global head: the audit trail cannot be extended';
        END IF;
        -- A BEFORE trigger runs before ON CONFLICT is judged, so a repeated idempotency key is skipped here,
        -- as the append's ON CONFLICT DO NOTHING would, and never advances a head for a row not stored.
        IF EXISTS (SELECT 1 FROM audit_entries WHERE idempotency_key = NEW.idempotency_key) THEN
          RETURN NULL;
        END IF;
        -- The id is drawn under the lock so that id order is chain order.
        NEW.id := nextval(pg_get_serial_sequence('audit_entries', 'id'));
        NEW.recorded_at := now();
        RETURN audit_entries_link(NEW);
      END $$`);
    await queryRunner.query(`REVOKE ALL ON FUNCTION "audit_entries_chain"() FROM PUBLIC`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_entries_chain" BEFORE INSERT ON "audit_entries"
      FOR EACH ROW EXECUTE FUNCTION "audit_entries_chain"()`);
    // Only the trigger numbers entries (a default drawn before the lock would leave every other id unused),
    // and with the trigger disabled an insert has no id and fails: nothing enters the trail unchained.
    await queryRunner.query(`ALTER TABLE "audit_entries" ALTER COLUMN "id" DROP DEFAULT`);

    // The runtime role gets no UPDATE on payments at all (runtime-privileges.ts): when the treasury export
    // marks an outbox row exported, the owner records it on the payment, which payments_guard still
    // limits to status and exported_at, once.
    await queryRunner.query(`
      CREATE FUNCTION "payment_outbox_record_export"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        IF OLD.exported_at IS NULL AND NEW.exported_at IS NOT NULL THEN
          UPDATE payments SET status = 'exported', exported_at = NEW.exported_at WHERE id = NEW.payment_id;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`REVOKE ALL ON FUNCTION "payment_outbox_record_export"() FROM PUBLIC`);
    await queryRunner.query(`
      CREATE TRIGGER "payment_outbox_record_export" AFTER UPDATE OF "exported_at" ON "payment_outbox"
      FOR EACH ROW EXECUTE FUNCTION "payment_outbox_record_export"()`);

    // Row triggers do not see TRUNCATE; these refuse it even to the owner, as UPDATE and DELETE are.
    await queryRunner.query(`
      CREATE TRIGGER "audit_entries_no_truncate" BEFORE TRUNCATE ON "audit_entries"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit_entries_refuse_change"()`);
    for (const table of ['audit_chain_heads', 'payments', 'payment_outbox']) {
      await queryRunner.query(`
        CREATE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION "procurement_refuse_change"()`);
    }
    await queryRunner.query(`
      CREATE TRIGGER "audit_chain_heads_no_delete" BEFORE DELETE ON "audit_chain_heads"
      FOR EACH ROW EXECUTE FUNCTION "procurement_refuse_change"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_chain_heads', 'payments', 'payment_outbox']) {
      await queryRunner.query(`DROP TRIGGER "${table}_no_truncate" ON "${table}"`);
    }
    await queryRunner.query(`DROP TRIGGER "audit_entries_no_truncate" ON "audit_entries"`);
    await queryRunner.query(`DROP TRIGGER "payment_outbox_record_export" ON "payment_outbox"`);
    await queryRunner.query(`DROP FUNCTION "payment_outbox_record_export"()`);
    await queryRunner.query(`ALTER TABLE "audit_entries" ALTER COLUMN "id" SET DEFAULT nextval(pg_get_serial_sequence('audit_entries', 'id'))`);
    await queryRunner.query(`DROP TRIGGER "audit_entries_chain" ON "audit_entries"`);
    await queryRunner.query(`DROP FUNCTION "audit_entries_chain"()`);
    await queryRunner.query(`DROP INDEX "audit_entries_chain_cycle_idx"`);
    await queryRunner.query(`ALTER TABLE "audit_entries" DROP CONSTRAINT "audit_entries_cycle_link_check", DROP CONSTRAINT "audit_entries_hash_check"`);
    await queryRunner.query(`DROP FUNCTION "audit_entries_link"("audit_entries")`);
    await queryRunner.query(`DROP FUNCTION "audit_entry_hash"("audit_entries")`);
    await queryRunner.query(`DROP FUNCTION "audit_entry_canonical"("audit_entries")`);
    await queryRunner.query(`DROP FUNCTION "audit_time"(timestamptz)`);
    await queryRunner.query(`ALTER TABLE "audit_entries" DROP COLUMN "hash", DROP COLUMN "cycle_prev_hash", DROP COLUMN "prev_hash", DROP COLUMN "chain_cycle_id"`);
    await queryRunner.query(`DROP TABLE "audit_chain_heads"`);
  }
}
