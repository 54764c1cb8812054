import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The case read model: one row per supervised person's case, every accepted event (payload without its
 * confidential fields, which live apart in case_confidential), each closed obligation period, the
 * breaches and the tasks they raised. `cases.next_due_at` is when the earliest running obligation period
 * ends, for listing cases with an obligation due before a date. Rows are written only by the case projections, once per
 * (workflow id, seq) through projection_log.
 */
export class CaseReadModel1764500002000 implements MigrationInterface {
  name = 'CaseReadModel1764500002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "cases" (
        "id" text PRIMARY KEY,
        "workflow_id" text NOT NULL UNIQUE,
        "lifecycle_key" text NOT NULL,
        "lifecycle_version" integer NOT NULL,
        "lifecycle_hash" text NOT NULL,
        "jurisdiction" text NOT NULL,
        "vendor_id" text,
        "contract_id" text,
        "state" text NOT NULL,
        "final" boolean NOT NULL DEFAULT false,
        "attributes" jsonb NOT NULL,
        "enrolled_at" timestamptz NOT NULL,
        "enrolled_by" text NOT NULL,
        "next_due_at" timestamptz,
        "last_seq" integer NOT NULL,
        "updated_at" timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "cases_jurisdiction_idx" ON "cases" ("jurisdiction", "state")`);
    await queryRunner.query(`CREATE INDEX "cases_vendor_idx" ON "cases" ("vendor_id")`);
    await queryRunner.query(`
      CREATE TABLE "case_events" (
        "workflow_id" text NOT NULL,
        "seq" integer NOT NULL,
        "case_id" text NOT NULL REFERENCES "cases" ("id"),
        "type" text NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL,
        "actor_id" text NOT NULL,
        "actor_name" text NOT NULL,
        "role" text NOT NULL,
        "vendor_id" text,
        "request_id" text NOT NULL,
        "payload" jsonb NOT NULL,
        "state_before" text NOT NULL,
        "state_after" text NOT NULL,
        PRIMARY KEY ("workflow_id", "seq")
      )`);
    await queryRunner.query(`CREATE INDEX "case_events_case_idx" ON "case_events" ("case_id", "seq")`);
    await queryRunner.query(`
      CREATE TABLE "case_confidential" (
        "workflow_id" text NOT NULL,
        "seq" integer NOT NULL,
        "case_id" text NOT NULL REFERENCES "cases" ("id"),
        "field" text NOT NULL,
        "value" jsonb NOT NULL,
        "readable_by" text[] NOT NULL,
        PRIMARY KEY ("workflow_id", "seq", "field"),
        FOREIGN KEY ("workflow_id", "seq") REFERENCES "case_events" ("workflow_id", "seq")
      )`);
    await queryRunner.query(`
      CREATE TABLE "case_obligation_periods" (
        "workflow_id" text NOT NULL,
        "seq" integer NOT NULL,
        "case_id" text NOT NULL REFERENCES "cases" ("id"),
        "state" text NOT NULL,
        "stay" integer NOT NULL,
        "obligation" text NOT NULL,
        "period" integer,
        "started_at" timestamptz,
        "ended_at" timestamptz,
        "total" integer NOT NULL,
        "required" integer NOT NULL,
        "met" boolean NOT NULL,
        "partial" boolean NOT NULL,
        "closed_by" text NOT NULL,
        PRIMARY KEY ("workflow_id", "seq")
      )`);
    await queryRunner.query(`CREATE INDEX "case_obligation_periods_case_idx" ON "case_obligation_periods" ("case_id", "ended_at")`);
    await queryRunner.query(`
      CREATE TABLE "case_breaches" (
        "workflow_id" text NOT NULL,
        "seq" integer NOT NULL,
        "case_id" text NOT NULL REFERENCES "cases" ("id"),
        "vendor_id" text,
        "state" text NOT NULL,
        "obligation" text NOT NULL,
        "period" integer,
        "started_at" timestamptz,
        "ended_at" timestamptz,
        "total" integer NOT NULL,
        "required" integer NOT NULL,
        "task_id" text,
        PRIMARY KEY ("workflow_id", "seq")
      )`);
    await queryRunner.query(`CREATE INDEX "case_breaches_case_idx" ON "case_breaches" ("case_id")`);
    await queryRunner.query(`
      CREATE TABLE "case_tasks" (
        "case_id" text NOT NULL REFERENCES "cases" ("id"),
        "id" text NOT NULL,
        "kind" text NOT NULL,
        "title" jsonb NOT NULL,
        "role" text NOT NULL,
        "obligation" text NOT NULL,
        "period" integer,
        "status" text NOT NULL,
        "opened_at" timestamptz NOT NULL,
        "due_at" timestamptz,
        "decided_by" text,
        "decided_at" timestamptz,
        "comment" text,
        "last_seq" integer NOT NULL,
        PRIMARY KEY ("case_id", "id"),
        CONSTRAINT "case_tasks_status_check" CHECK ("status" IN ('open', 'done'))
      )`);
    await queryRunner.query(`CREATE INDEX "case_tasks_role_idx" ON "case_tasks" ("role", "status")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['case_tasks', 'case_breaches', 'case_obligation_periods', 'case_confidential', 'case_events', 'cases']) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
