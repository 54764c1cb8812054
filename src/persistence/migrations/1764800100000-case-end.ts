import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How a case ended. `status` is its workflow's (running, completed, cancelled, terminated); `ended_at`
 * and `end_reason` say when and why ops ended it, `end_request_id` by which request (a repeat of it answers as the first did). A case task open when its case was cancelled or
 * terminated is `withdrawn`. Cases already in a final state are `completed`.
 */
export class CaseEnd1764800100000 implements MigrationInterface {
  name = 'CaseEnd1764800100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cases" ADD COLUMN "status" text NOT NULL DEFAULT 'running'`);
    await queryRunner.query(`ALTER TABLE "cases" ADD COLUMN "ended_at" timestamptz`);
    await queryRunner.query(`ALTER TABLE "cases" ADD COLUMN "end_reason" text`);
    await queryRunner.query(`ALTER TABLE "cases" ADD COLUMN "end_request_id" text`);
    await queryRunner.query(`UPDATE "cases" SET "status" = 'completed', "ended_at" = "updated_at" WHERE "final"`);
    await queryRunner.query(`ALTER TABLE "cases" ADD CONSTRAINT "cases_status_check" CHECK ("status" IN ('running', 'completed', 'cancelled', 'terminated'))`);
    await queryRunner.query(`CREATE INDEX "cases_status_idx" ON "cases" ("status", "jurisdiction")`);
    await queryRunner.query(`ALTER TABLE "case_tasks" DROP CONSTRAINT "case_tasks_status_check"`);
    await queryRunner.query(`ALTER TABLE "case_tasks" ADD CONSTRAINT "case_tasks_status_check" CHECK ("status" IN ('open', 'done', 'withdrawn'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "case_tasks" SET "status" = 'done' WHERE "status" = 'withdrawn'`);
    await queryRunner.query(`ALTER TABLE "case_tasks" DROP CONSTRAINT "case_tasks_status_check"`);
    await queryRunner.query(`ALTER TABLE "case_tasks" ADD CONSTRAINT "case_tasks_status_check" CHECK ("status" IN ('open', 'done'))`);
    await queryRunner.query(`DROP INDEX "cases_status_idx"`);
    await queryRunner.query(`ALTER TABLE "cases" DROP COLUMN "end_request_id"`);
    await queryRunner.query(`ALTER TABLE "cases" DROP COLUMN "end_reason"`);
    await queryRunner.query(`ALTER TABLE "cases" DROP COLUMN "ended_at"`);
    await queryRunner.query(`ALTER TABLE "cases" DROP COLUMN "status"`);
  }
}
