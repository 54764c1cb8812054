import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Review groups (`performance.reviews`): each review period a contract reviewed when its last ledger
 * period was confirmed (`periodReviewed`), with its KPIs and whether it passed, one row per
 * (workflow, seq), so a retried projection cannot add a second row. And an evaluation's history row says
 * the last ledger period it covers when it covers several (a mid-term evaluation of periods 1–6).
 */
export class PeriodReviews1764300004000 implements MigrationInterface {
  name = 'PeriodReviews1764300004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "period_reviews" (
        "workflow_id" text NOT NULL,
        "seq" integer NOT NULL,
        "contract_id" text NOT NULL REFERENCES "contracts" ("id"),
        "cycle_id" text NOT NULL REFERENCES "cycles" ("id"),
        "review_id" text NOT NULL,
        "title" jsonb NOT NULL,
        "period" integer NOT NULL,
        "from_period" integer NOT NULL,
        "to_period" integer NOT NULL,
        "kpis" jsonb NOT NULL,
        "passed" boolean NOT NULL,
        "reviewed_at" timestamptz NOT NULL,
        PRIMARY KEY ("workflow_id", "seq"),
        CONSTRAINT "period_reviews_periods_check" CHECK ("period" >= 1 AND "from_period" >= 1 AND "to_period" >= "from_period")
      )`);
    await queryRunner.query(`CREATE INDEX "period_reviews_cycle_idx" ON "period_reviews" ("cycle_id")`);
    await queryRunner.query(`ALTER TABLE "vendor_performance_history" ADD COLUMN "period_through" integer`);
    await queryRunner.query(
      `ALTER TABLE "vendor_performance_history" ADD CONSTRAINT "vendor_performance_history_period_through_check" CHECK ("period_through" IS NULL OR ("period" IS NOT NULL AND "period_through" > "period"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "vendor_performance_history" DROP CONSTRAINT "vendor_performance_history_period_through_check"`);
    await queryRunner.query(`ALTER TABLE "vendor_performance_history" DROP COLUMN "period_through"`);
    await queryRunner.query(`DROP TABLE "period_reviews"`);
  }
}
