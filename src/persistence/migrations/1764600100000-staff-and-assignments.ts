import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Vendors' staff and who serves each case.
 *
 * `vendor_staff`: the social workers and volunteers an undertaking organisation registers. A member counts
 * from `member_from` (the start of `joined_on`, +08:00) until `member_until` (the start of `left_on`);
 * the days are kept as the vendor wrote them, the instants for comparisons. `request_key` makes a
 * registration idempotent per caller and request id.
 *
 * `case_assignments`: every assignment of a member to a case, never deleted: a reassignment ends the
 * row (`ended_at`) and adds another, so the history says who served when. At most one open row per
 * (case, member). `case_assignment_requests` remembers each assignment request (caller and request id)
 * with what it asked, so a repeated request has one effect.
 */
export class StaffAndAssignments1764600100000 implements MigrationInterface {
  name = 'StaffAndAssignments1764600100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "vendor_staff" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "vendor_id" uuid NOT NULL REFERENCES "vendors" ("id"),
        "name" text NOT NULL,
        "kind" text NOT NULL,
        "qualification" text,
        "joined_on" date NOT NULL,
        "left_on" date,
        "member_from" timestamptz NOT NULL,
        "member_until" timestamptz,
        "registered_by" text NOT NULL,
        "registered_at" timestamptz NOT NULL,
        "request_key" text NOT NULL UNIQUE,
        "request_fingerprint" text NOT NULL,
        "departure_key" text UNIQUE,
        "departure_fingerprint" text,
        "departure_recorded_by" text,
        "departure_recorded_at" timestamptz,
        CONSTRAINT "vendor_staff_kind_check" CHECK ("kind" IN ('socialWorker', 'volunteer')),
        CONSTRAINT "vendor_staff_left_check" CHECK ("left_on" IS NULL OR "left_on" > "joined_on"),
        CONSTRAINT "vendor_staff_until_check" CHECK (("left_on" IS NULL) = ("member_until" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "vendor_staff_vendor_idx" ON "vendor_staff" ("vendor_id", "kind")`);
    await queryRunner.query(`
      CREATE TABLE "case_assignment_requests" (
        "request_key" text PRIMARY KEY,
        "case_id" text NOT NULL REFERENCES "cases" ("id"),
        "fingerprint" text NOT NULL,
        "made_by" text NOT NULL,
        "made_at" timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "case_assignments" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "case_id" text NOT NULL REFERENCES "cases" ("id"),
        "staff_id" uuid NOT NULL REFERENCES "vendor_staff" ("id"),
        "kind" text NOT NULL,
        "assigned_at" timestamptz NOT NULL,
        "assigned_by" text NOT NULL,
        "assigned_request" text NOT NULL REFERENCES "case_assignment_requests" ("request_key"),
        "ended_at" timestamptz,
        "ended_by" text,
        "ended_request" text REFERENCES "case_assignment_requests" ("request_key"),
        CONSTRAINT "case_assignments_kind_check" CHECK ("kind" IN ('socialWorker', 'volunteer')),
        CONSTRAINT "case_assignments_ended_check" CHECK (("ended_at" IS NULL) = ("ended_by" IS NULL))
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "case_assignments_open_idx" ON "case_assignments" ("case_id", "staff_id") WHERE "ended_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "case_assignments_staff_idx" ON "case_assignments" ("staff_id", "ended_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['case_assignments', 'case_assignment_requests', 'vendor_staff']) await queryRunner.query(`DROP TABLE "${table}"`);
  }
}
