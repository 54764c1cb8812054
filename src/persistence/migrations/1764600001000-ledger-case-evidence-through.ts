import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ledger submission whose case lines were compiled from case evidence, and the confirmation it opened,
 * keep the instant the evidence was counted up to (the submission's), so the confirming office sees as of
 * when. Every other task, and every task projected before, has none.
 */
export class LedgerCaseEvidenceThrough1764600001000 implements MigrationInterface {
  name = 'LedgerCaseEvidenceThrough1764600001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" ADD COLUMN "case_evidence_through" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "case_evidence_through"`);
  }
}
