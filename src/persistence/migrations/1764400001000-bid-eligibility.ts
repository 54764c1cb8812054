import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The award rule (`selection.awards.eligibility`): a bid whose vendor may not win keeps the rule's reason,
 * so the bids list shows it as not eligible. NULL for a bid that may win, and for every bid from before.
 */
export class BidEligibility1764400001000 implements MigrationInterface {
  name = 'BidEligibility1764400001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "bids" ADD COLUMN "ineligible_reason" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "bids" DROP COLUMN "ineligible_reason"`);
  }
}
