import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditTrail1763776800000 implements MigrationInterface {
  name = 'AuditTrail1763776800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_entries" (
        "id" BIGSERIAL PRIMARY KEY,
        "idempotency_key" text NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "actor_id" text NOT NULL,
        "actor_role" text NOT NULL,
        "jurisdiction" text NOT NULL,
        "action" text NOT NULL,
        "subject_type" text NOT NULL,
        "subject_id" text NOT NULL,
        "comment" text,
        "details" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "recorded_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "audit_entries_idempotency_key_key" UNIQUE ("idempotency_key")
      )`);
    await queryRunner.query(
      `CREATE INDEX "audit_entries_subject_idx" ON "audit_entries" ("subject_type", "subject_id", "occurred_at")`,
    );
    // The audit trail is evidence: once written, an entry can be read but never changed or removed.
    await queryRunner.query(`
      CREATE FUNCTION "audit_entries_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_entries_append_only" BEFORE UPDATE OR DELETE ON "audit_entries"
      FOR EACH ROW EXECUTE FUNCTION "audit_entries_refuse_change"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_entries"`);
    await queryRunner.query(`DROP FUNCTION "audit_entries_refuse_change"()`);
  }
}
