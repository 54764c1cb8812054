import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two things the workflows decide that the read model now keeps, so the API shows the workflow's view
 * and not one of its own:
 * - each service level a contract measured on a confirmed ledger period (`serviceLevelMeasured`), one
 *   row per (contract, service level, period), so a retried projection cannot add a second row;
 * - when a task became overdue (its deadline timer fired with the task open), and the instant it was due
 *   then: the API's `overdue` flag reads these instead of comparing `due_at` with the server's clock.
 */
export class ServiceLevelsAndOverdue1764220000000 implements MigrationInterface {
  name = 'ServiceLevelsAndOverdue1764220000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "service_level_measurements" (
        "contract_id" text NOT NULL REFERENCES "contracts" ("id"),
        "service_level_id" text NOT NULL,
        "period" integer NOT NULL,
        "cycle_id" text NOT NULL REFERENCES "cycles" ("id"),
        "title" jsonb NOT NULL,
        "kpi_id" text NOT NULL,
        "value" jsonb NOT NULL,
        "target" jsonb NOT NULL,
        "met" boolean NOT NULL,
        "measured_at" timestamptz NOT NULL,
        "seq" integer NOT NULL,
        PRIMARY KEY ("contract_id", "service_level_id", "period"),
        CONSTRAINT "service_level_measurements_period_check" CHECK ("period" >= 1)
      )`);
    await queryRunner.query(`CREATE INDEX "service_level_measurements_cycle_idx" ON "service_level_measurements" ("cycle_id")`);
    await queryRunner.query(`ALTER TABLE "tasks" ADD COLUMN "overdue_at" timestamptz`);
    await queryRunner.query(`ALTER TABLE "tasks" ADD COLUMN "overdue_due_at" timestamptz`);
    await queryRunner.query(
      `ALTER TABLE "tasks" ADD CONSTRAINT "tasks_overdue_check" CHECK (("overdue_at" IS NULL) = ("overdue_due_at" IS NULL))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" DROP CONSTRAINT "tasks_overdue_check"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "overdue_due_at"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "overdue_at"`);
    await queryRunner.query(`DROP TABLE "service_level_measurements"`);
  }
}
