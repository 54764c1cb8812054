import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A bulk repair's selection: the exact workflow ids its dry run listed, frozen with the filter, who chose
 * them and why, when, and until when they may be acted on. Its execution acts on that list only and keeps its
 * per-process outcome here, so a second execution (same request id) answers the first one's outcome.
 * Written by the API (ops bulk actions), not by a workflow.
 */
export class OpsBulkSelections1764700500000 implements MigrationInterface {
  name = 'OpsBulkSelections1764700500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "ops_bulk_selections" (
        "id" uuid PRIMARY KEY,
        "action" text NOT NULL,
        "filter" jsonb NOT NULL,
        "reason" text NOT NULL,
        "workflow_ids" text[] NOT NULL,
        "jurisdiction" text NOT NULL,
        "selected_by" text NOT NULL,
        "selected_at" timestamptz NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "execution_request_id" text,
        "execution_reason" text,
        "executed_by" text,
        "executed_at" timestamptz,
        "outcomes" jsonb,
        CONSTRAINT "ops_bulk_selections_action_check" CHECK ("action" IN ('cancel', 'terminate')),
        CONSTRAINT "ops_bulk_selections_expiry_check" CHECK ("expires_at" > "selected_at"),
        CONSTRAINT "ops_bulk_selections_execution_check" CHECK (("execution_request_id" IS NULL) = ("executed_by" IS NULL))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "ops_bulk_selections"`);
  }
}
