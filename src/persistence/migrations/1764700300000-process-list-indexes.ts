import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the ops process list (`GET /ops/processes`): each kind is paged newest first by start
 * time and id (the keyset cursor), per jurisdiction; open tasks are found per workflow, by role and by
 * due time, for the `role` and `overdueBy` filters.
 */
export class ProcessListIndexes1764700300000 implements MigrationInterface {
  name = 'ProcessListIndexes1764700300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "cycles_ops_page_idx" ON "cycles" ("jurisdiction", "launched_at" DESC, "id")`);
    await queryRunner.query(`CREATE INDEX "cycles_ops_started_idx" ON "cycles" ("launched_at" DESC, "id")`);
    await queryRunner.query(`CREATE INDEX "contracts_ops_started_idx" ON "contracts" ("started_at" DESC, "id")`);
    await queryRunner.query(`CREATE INDEX "cases_ops_page_idx" ON "cases" ("jurisdiction", "enrolled_at" DESC, "workflow_id")`);
    await queryRunner.query(`CREATE INDEX "tasks_ops_open_idx" ON "tasks" ("workflow_id", "role", "due_at") WHERE "status" = 'open'`);
    await queryRunner.query(`CREATE INDEX "case_tasks_ops_open_idx" ON "case_tasks" ("case_id", "role", "due_at") WHERE "status" = 'open'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of ['case_tasks_ops_open_idx', 'tasks_ops_open_idx', 'cases_ops_page_idx', 'contracts_ops_started_idx', 'cycles_ops_started_idx', 'cycles_ops_page_idx']) {
      await queryRunner.query(`DROP INDEX "${index}"`);
    }
  }
}
