import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ledger submission task lists the lines the vendor does not type because they are filled from case
 * evidence (`source: { cases }`), which holds 0 until that evidence exists: the read model keeps the
 * list, so the task shows it. Every other task, and every task projected before, lists none.
 */
export class LedgerCaseEvidence1764300001000 implements MigrationInterface {
  name = 'LedgerCaseEvidence1764300001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" ADD COLUMN "awaiting_case_evidence" text[] NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "awaiting_case_evidence"`);
  }
}
