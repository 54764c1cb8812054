import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Challenges (质疑) against a cycle's result, as the cycle workflow records them: who filed what and
 * when, whether it may affect the result, and the answer. A challenge's answer is a task of the new
 * kind `challengeAnswer`.
 */
export class Challenges1764133200000 implements MigrationInterface {
  name = 'Challenges1764133200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "challenges" (
        "cycle_id" text NOT NULL REFERENCES "cycles" ("id"),
        "challenge_id" text NOT NULL,
        "vendor_id" text NOT NULL,
        "vendor_name" text NOT NULL,
        "filed_by" text NOT NULL,
        "filed_by_name" text NOT NULL,
        "filed_at" timestamptz NOT NULL,
        "grounds" text NOT NULL,
        "affects_result" boolean NOT NULL,
        "task_id" text NOT NULL,
        "answer_due_at" timestamptz,
        "status" text NOT NULL,
        "answered_at" timestamptz,
        "answered_by" text,
        "reasons" text,
        "last_seq" integer NOT NULL,
        PRIMARY KEY ("cycle_id", "challenge_id"),
        CONSTRAINT "challenges_status_check" CHECK ("status" IN ('open', 'upheld', 'dismissed')),
        CONSTRAINT "challenges_answer_check" CHECK (("status" = 'open') = ("answered_at" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "challenges_vendor_idx" ON "challenges" ("vendor_id")`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP CONSTRAINT "tasks_kind_check"`);
    await queryRunner.query(
      `ALTER TABLE "tasks" ADD CONSTRAINT "tasks_kind_check" CHECK ("kind" IN ('form', 'award', 'evaluation', 'acceptance', 'ledgerSubmission', 'ledgerConfirmation', 'challengeAnswer'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" DROP CONSTRAINT "tasks_kind_check"`);
    await queryRunner.query(
      `ALTER TABLE "tasks" ADD CONSTRAINT "tasks_kind_check" CHECK ("kind" IN ('form', 'award', 'evaluation', 'acceptance', 'ledgerSubmission', 'ledgerConfirmation'))`,
    );
    await queryRunner.query(`DROP TABLE "challenges"`);
  }
}
