import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Results follow the vendor (seed 000 §十: 考核评估结果作为以后年度…选择承接主体的重要依据): every decided
 * evaluation is a row of its vendor's performance history, keyed by the (workflow id, command seq) that
 * projected it so a retried projection adds nothing. A suspension names the role that may reinstate the
 * vendor (`performance.exit.reinstatedBy`); null means the roles that may suspend.
 */
export class VendorPerformanceHistory1764300002000 implements MigrationInterface {
  name = 'VendorPerformanceHistory1764300002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "vendor_performance_history" (
        "workflow_id" text NOT NULL,
        "seq" integer NOT NULL,
        "vendor_id" text NOT NULL,
        "vendor_name" text NOT NULL,
        "cycle_id" text NOT NULL,
        "contract_id" text NOT NULL,
        "definition_key" text NOT NULL,
        "definition_version" integer NOT NULL,
        "jurisdiction" text NOT NULL,
        "score" integer NOT NULL,
        "passed" boolean NOT NULL,
        "groups" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "grade_min" integer,
        "grade_label" jsonb,
        "period" integer,
        "evaluator_id" text NOT NULL,
        "evaluator_name" text NOT NULL,
        "evaluator_role" text NOT NULL,
        "exited" boolean NOT NULL,
        "evaluated_at" timestamptz NOT NULL,
        CONSTRAINT "vendor_performance_history_pkey" PRIMARY KEY ("workflow_id", "seq"),
        CONSTRAINT "vendor_performance_history_score_check" CHECK ("score" BETWEEN 0 AND 100),
        CONSTRAINT "vendor_performance_history_grade_check" CHECK (("grade_min" IS NULL) = ("grade_label" IS NULL)),
        CONSTRAINT "vendor_performance_history_period_check" CHECK ("period" IS NULL OR "period" >= 1)
      )`);
    await queryRunner.query(`CREATE INDEX "vendor_performance_history_vendor_idx" ON "vendor_performance_history" ("vendor_id", "evaluated_at", "seq")`);
    await queryRunner.query(`ALTER TABLE "vendors" ADD COLUMN "reinstatement_role" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "vendors" DROP COLUMN "reinstatement_role"`);
    await queryRunner.query(`DROP TABLE "vendor_performance_history"`);
  }
}
