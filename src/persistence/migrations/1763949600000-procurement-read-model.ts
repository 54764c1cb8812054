import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The procurement read model (cycles, their steps and tasks, bids, contracts, payments and the
 * treasury outbox, public notices), the ledger that makes its projections idempotent, and the vendor
 * registry. Temporal is the source of truth for everything but the vendor registry: only activities
 * write these tables, each command once, keyed by (workflow id, command seq) in projection_log.
 */
export class ProcurementReadModel1763949600000 implements MigrationInterface {
  name = 'ProcurementReadModel1763949600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Largest amount a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER): the API maps fen to numbers.
    const maxFen = '9007199254740991';

    await queryRunner.query(`
      CREATE TABLE "vendors" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "credit_code" text NOT NULL,
        "jurisdiction" text NOT NULL,
        "registration_type" text NOT NULL,
        "evidence" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "verification_status" text NOT NULL DEFAULT 'pending',
        "verification_comment" text,
        "verified_by" text,
        "verified_at" timestamptz,
        "suspended" boolean NOT NULL DEFAULT false,
        "suspension_reason" text,
        "suspended_by" text,
        "suspended_at" timestamptz,
        "registered_by" text NOT NULL,
        "registered_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "vendors_credit_code_key" UNIQUE ("credit_code"),
        CONSTRAINT "vendors_credit_code_format" CHECK ("credit_code" ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'),
        CONSTRAINT "vendors_name_check" CHECK (length(btrim("name")) > 0),
        CONSTRAINT "vendors_registration_type_check" CHECK ("registration_type" IN
          ('socialGroup', 'socialServiceAgency', 'foundation', 'exemptSocialOrganisation', 'enterprise', 'otherInstitution')),
        CONSTRAINT "vendors_evidence_check" CHECK (jsonb_typeof("evidence") = 'array'),
        CONSTRAINT "vendors_verification_status_check" CHECK ("verification_status" IN ('pending', 'verified', 'rejected')),
        CONSTRAINT "vendors_verification_decided_check" CHECK (("verification_status" = 'pending') = ("verified_at" IS NULL)),
        CONSTRAINT "vendors_suspension_check" CHECK (
          ("suspended" AND "suspended_at" IS NOT NULL AND "suspension_reason" IS NOT NULL) OR (NOT "suspended" AND "suspended_at" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "vendors_jurisdiction_idx" ON "vendors" ("jurisdiction", "verification_status", "suspended")`);

    await queryRunner.query(`
      CREATE TABLE "cycles" (
        "id" text PRIMARY KEY,
        "definition_key" text NOT NULL,
        "definition_version" integer NOT NULL,
        "definition_hash" text NOT NULL,
        "jurisdiction" text NOT NULL,
        "title" jsonb NOT NULL,
        "status" text NOT NULL DEFAULT 'running',
        "current_step" text,
        "current_step_seq" integer NOT NULL DEFAULT -1,
        "inputs" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "selection_method" text,
        "bidding_round" integer,
        "bidding_open" boolean NOT NULL DEFAULT false,
        "bidding_until" timestamptz,
        "bids_received" integer,
        "bids_qualified" integer,
        "bidding_enough" boolean,
        "awarded_at" timestamptz,
        "launched_by" text NOT NULL,
        "launched_at" timestamptz NOT NULL,
        "ended_at" timestamptz,
        "end_reason" text,
        CONSTRAINT "cycles_definition_version_check" CHECK ("definition_version" >= 1),
        CONSTRAINT "cycles_definition_hash_check" CHECK ("definition_hash" ~ '^[0-9a-f]{64}$'),
        CONSTRAINT "cycles_status_check" CHECK ("status" IN ('running', 'awarded', 'completed', 'terminated', 'cancelled', 'failed')),
        CONSTRAINT "cycles_ended_check" CHECK (("status" IN ('running', 'awarded')) = ("ended_at" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "cycles_jurisdiction_idx" ON "cycles" ("jurisdiction", "status")`);

    await queryRunner.query(`
      CREATE TABLE "contracts" (
        "id" text PRIMARY KEY,
        "cycle_id" text NOT NULL REFERENCES "cycles" ("id"),
        "bid_id" text,
        "vendor_id" text NOT NULL,
        "vendor_name" text NOT NULL,
        "amount_fen" bigint NOT NULL,
        "status" text NOT NULL DEFAULT 'running',
        "current_step" text,
        "current_step_seq" integer NOT NULL DEFAULT -1,
        "started_at" timestamptz NOT NULL,
        "ended_at" timestamptz,
        "end_reason" text,
        CONSTRAINT "contracts_amount_fen_check" CHECK ("amount_fen" >= 0 AND "amount_fen" <= ${maxFen}),
        CONSTRAINT "contracts_status_check" CHECK ("status" IN ('running', 'completed', 'terminated', 'cancelled', 'failed')),
        CONSTRAINT "contracts_ended_check" CHECK (("status" = 'running') = ("ended_at" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "contracts_cycle_idx" ON "contracts" ("cycle_id")`);
    await queryRunner.query(`CREATE INDEX "contracts_vendor_idx" ON "contracts" ("vendor_id")`);

    await queryRunner.query(`
      CREATE TABLE "cycle_steps" (
        "id" BIGSERIAL PRIMARY KEY,
        "workflow_id" text NOT NULL,
        "cycle_id" text NOT NULL REFERENCES "cycles" ("id"),
        "contract_id" text REFERENCES "contracts" ("id"),
        "step_id" text NOT NULL,
        "kind" text NOT NULL,
        "entered_seq" integer NOT NULL,
        "entered_at" timestamptz NOT NULL,
        "ended_seq" integer,
        "ended_at" timestamptz,
        "outcome" text,
        CONSTRAINT "cycle_steps_workflow_seq_key" UNIQUE ("workflow_id", "entered_seq"),
        CONSTRAINT "cycle_steps_outcome_check" CHECK ("outcome" IN ('completed', 'terminated')),
        CONSTRAINT "cycle_steps_ended_check" CHECK (("ended_at" IS NULL) = ("outcome" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "cycle_steps_cycle_idx" ON "cycle_steps" ("cycle_id", "entered_at")`);

    await queryRunner.query(`
      CREATE TABLE "tasks" (
        "id" text PRIMARY KEY,
        "workflow_id" text NOT NULL,
        "task_instance_id" text NOT NULL,
        "cycle_id" text NOT NULL REFERENCES "cycles" ("id"),
        "contract_id" text REFERENCES "contracts" ("id"),
        "step_id" text NOT NULL,
        "node_id" text NOT NULL,
        "kind" text NOT NULL,
        "role" text NOT NULL,
        "escalated_to" text[] NOT NULL DEFAULT '{}',
        "escalate_to" text,
        "title" jsonb NOT NULL,
        "status" text NOT NULL,
        "opened_at" timestamptz NOT NULL,
        "due_at" timestamptz,
        "outcome" text,
        "decided_by" text,
        "decided_by_name" text,
        "decided_at" timestamptz,
        "period" integer,
        "parallel_id" text,
        "comment" text,
        "fields" jsonb,
        "last_seq" integer NOT NULL,
        CONSTRAINT "tasks_id_check" CHECK ("id" = "workflow_id" || '/' || "task_instance_id"),
        CONSTRAINT "tasks_kind_check" CHECK ("kind" IN ('form', 'award', 'evaluation', 'acceptance', 'ledgerSubmission', 'ledgerConfirmation')),
        CONSTRAINT "tasks_status_check" CHECK ("status" IN ('open', 'decided', 'withdrawn')),
        CONSTRAINT "tasks_outcome_check" CHECK ("outcome" IN ('submit', 'approve', 'return', 'reject')),
        CONSTRAINT "tasks_decided_check" CHECK (("status" = 'decided') = ("outcome" IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "tasks_cycle_idx" ON "tasks" ("cycle_id", "opened_at")`);
    await queryRunner.query(`CREATE INDEX "tasks_open_idx" ON "tasks" ("role", "due_at") WHERE "status" = 'open'`);

    await queryRunner.query(`
      CREATE TABLE "bids" (
        "cycle_id" text NOT NULL REFERENCES "cycles" ("id"),
        "bid_id" text NOT NULL,
        "round" integer,
        "vendor_id" text NOT NULL,
        "vendor_name" text NOT NULL,
        "price_fen" bigint NOT NULL,
        "qualified" boolean NOT NULL,
        "submitted_at" timestamptz NOT NULL,
        "won" boolean NOT NULL DEFAULT false,
        "awarded_amount_fen" bigint,
        "score" double precision,
        PRIMARY KEY ("cycle_id", "bid_id"),
        CONSTRAINT "bids_price_fen_check" CHECK ("price_fen" >= 0 AND "price_fen" <= ${maxFen}),
        CONSTRAINT "bids_awarded_amount_fen_check" CHECK ("awarded_amount_fen" >= 0 AND "awarded_amount_fen" <= ${maxFen}),
        CONSTRAINT "bids_won_check" CHECK ("won" = ("awarded_amount_fen" IS NOT NULL))
      )`);

    await queryRunner.query(`
      CREATE TABLE "payments" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "cycle_id" text NOT NULL REFERENCES "cycles" ("id"),
        "contract_id" text NOT NULL REFERENCES "contracts" ("id"),
        "workflow_id" text NOT NULL,
        "seq" integer NOT NULL,
        "tranche_id" text NOT NULL,
        "fund" text,
        "vendor_id" text NOT NULL,
        "vendor_name" text NOT NULL,
        "amount_fen" bigint NOT NULL,
        "idempotency_key" text NOT NULL,
        "status" text NOT NULL DEFAULT 'instructed',
        "instructed_at" timestamptz NOT NULL,
        "exported_at" timestamptz,
        CONSTRAINT "payments_idempotency_key_key" UNIQUE ("idempotency_key"),
        -- One payment per tranche of a contract, whatever command asked for it: the key is derived, not chosen.
        CONSTRAINT "payments_idempotency_key_check" CHECK ("idempotency_key" = "contract_id" || ':tranche:' || "tranche_id"),
        CONSTRAINT "payments_amount_fen_check" CHECK ("amount_fen" > 0 AND "amount_fen" <= ${maxFen}),
        CONSTRAINT "payments_status_check" CHECK ("status" IN ('instructed', 'exported')),
        CONSTRAINT "payments_exported_check" CHECK (("status" = 'exported') = ("exported_at" IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "payments_cycle_idx" ON "payments" ("cycle_id", "contract_id")`);

    await queryRunner.query(`
      CREATE TABLE "payment_outbox" (
        "payment_id" uuid PRIMARY KEY REFERENCES "payments" ("id"),
        "payload" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "exported_at" timestamptz,
        "export_file" text,
        CONSTRAINT "payment_outbox_exported_check" CHECK (("exported_at" IS NULL) = ("export_file" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "payment_outbox_pending_idx" ON "payment_outbox" ("created_at") WHERE "exported_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "payment_outbox_file_idx" ON "payment_outbox" ("export_file") WHERE "export_file" IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE "public_notices" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "workflow_id" text NOT NULL,
        "seq" integer NOT NULL,
        "cycle_id" text NOT NULL REFERENCES "cycles" ("id"),
        "contract_id" text REFERENCES "contracts" ("id"),
        "notice_id" text NOT NULL,
        "kind" text NOT NULL,
        "title" jsonb NOT NULL,
        "lines" jsonb NOT NULL,
        "published_at" timestamptz NOT NULL,
        CONSTRAINT "public_notices_workflow_seq_key" UNIQUE ("workflow_id", "seq"),
        CONSTRAINT "public_notices_lines_check" CHECK (jsonb_typeof("lines") = 'array')
      )`);
    await queryRunner.query(`CREATE INDEX "public_notices_published_idx" ON "public_notices" ("published_at" DESC)`);
    await queryRunner.query(`CREATE INDEX "public_notices_cycle_idx" ON "public_notices" ("cycle_id")`);

    await queryRunner.query(`
      CREATE TABLE "projection_log" (
        "workflow_id" text NOT NULL,
        "seq" integer NOT NULL,
        "command_type" text NOT NULL,
        "applied_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workflow_id", "seq"),
        CONSTRAINT "projection_log_seq_check" CHECK ("seq" >= 0)
      )`);

    // Evidence stays evidence: a published notice, the ledger of applied commands, and a payment's
    // who-what-how-much are never changed or removed; a payment only moves from instructed to exported,
    // and an outbox row is exported once.
    await queryRunner.query(`
      CREATE FUNCTION "procurement_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
      END $$`);
    for (const table of ['public_notices', 'projection_log']) {
      await queryRunner.query(`
        CREATE TRIGGER "${table}_append_only" BEFORE UPDATE OR DELETE ON "${table}"
        FOR EACH ROW EXECUTE FUNCTION "procurement_refuse_change"()`);
    }
    await queryRunner.query(`
      CREATE FUNCTION "payments_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'payments are never deleted: DELETE refused';
        END IF;
        IF (NEW.id, NEW.cycle_id, NEW.contract_id, NEW.workflow_id, NEW.seq, NEW.tranche_id, NEW.fund, NEW.vendor_id,
            NEW.vendor_name, NEW.amount_fen, NEW.idempotency_key, NEW.instructed_at)
           IS DISTINCT FROM
           (OLD.id, OLD.cycle_id, OLD.contract_id, OLD.workflow_id, OLD.seq, OLD.tranche_id, OLD.fund, OLD.vendor_id,
            OLD.vendor_name, OLD.amount_fen, OLD.idempotency_key, OLD.instructed_at) THEN
          RAISE EXCEPTION 'an instructed payment never changes: only its export may be recorded';
        END IF;
        IF OLD.status = 'exported' AND (NEW.status, NEW.exported_at) IS DISTINCT FROM (OLD.status, OLD.exported_at) THEN
          RAISE EXCEPTION 'payment % is already exported', OLD.id;
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "payments_guard" BEFORE UPDATE OR DELETE ON "payments"
      FOR EACH ROW EXECUTE FUNCTION "payments_guard"()`);
    await queryRunner.query(`
      CREATE FUNCTION "payment_outbox_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'payment_outbox rows are never deleted: DELETE refused';
        END IF;
        IF (NEW.payment_id, NEW.payload, NEW.created_at) IS DISTINCT FROM (OLD.payment_id, OLD.payload, OLD.created_at) THEN
          RAISE EXCEPTION 'a payment_outbox row never changes: only its export may be recorded';
        END IF;
        IF OLD.exported_at IS NOT NULL THEN
          RAISE EXCEPTION 'payment % is already exported (in %): a payment is exported once', OLD.payment_id, OLD.export_file;
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "payment_outbox_guard" BEFORE UPDATE OR DELETE ON "payment_outbox"
      FOR EACH ROW EXECUTE FUNCTION "payment_outbox_guard"()`);
    // A vendor leaves the registry by suspension (seed 003's exit mechanism), never by deletion; who it is
    // (its credit code) and who registered it never change.
    await queryRunner.query(`
      CREATE FUNCTION "vendors_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'vendors are never deleted: suspend the vendor instead';
        END IF;
        IF (NEW.id, NEW.credit_code, NEW.registered_by, NEW.registered_at) IS DISTINCT FROM
           (OLD.id, OLD.credit_code, OLD.registered_by, OLD.registered_at) THEN
          RAISE EXCEPTION 'a vendor''s id, credit code and registration never change';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "vendors_guard" BEFORE UPDATE OR DELETE ON "vendors"
      FOR EACH ROW EXECUTE FUNCTION "vendors_guard"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['projection_log', 'public_notices', 'payment_outbox', 'payments', 'bids', 'tasks', 'cycle_steps', 'contracts', 'cycles', 'vendors']) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
    for (const fn of ['procurement_refuse_change', 'payments_guard', 'payment_outbox_guard', 'vendors_guard']) {
      await queryRunner.query(`DROP FUNCTION "${fn}"()`);
    }
  }
}
