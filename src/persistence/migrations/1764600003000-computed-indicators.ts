import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An evaluation task lists the indicators whose score the definition computes from the contract's KPIs
 * (`indicators[].score`), which the evaluator does not give: the read model keeps the list, so the task
 * shows it. Every other task, and every task projected before, lists none.
 */
export class ComputedIndicators1764600003000 implements MigrationInterface {
  name = 'ComputedIndicators1764600003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" ADD COLUMN "computed_indicators" text[] NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "computed_indicators"`);
  }
}
