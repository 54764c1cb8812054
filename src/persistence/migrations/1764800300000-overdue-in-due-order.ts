import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Open tasks and open case tasks in the overdue list's order: due time, then the item's id compared by
 * code unit (as the API compares the cursor). The national list (`GET /ops/overdue` of a `cn` user) has
 * no jurisdiction to start from; with these indexes a page walks the open items from the longest overdue
 * and stops at the page's end, instead of reading every past-due item of the country and sorting it.
 * A case task's id in the list is `<case>/<task>`, hence the expression.
 */
export class OverdueInDueOrder1764800300000 implements MigrationInterface {
  name = 'OverdueInDueOrder1764800300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "tasks_open_due_idx" ON "tasks" ("due_at", "id" COLLATE "C") WHERE "status" = 'open'`);
    await queryRunner.query(`CREATE INDEX "case_tasks_open_due_idx" ON "case_tasks" ("due_at", ("case_id" || '/' || "id") COLLATE "C") WHERE "status" = 'open'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "case_tasks_open_due_idx"`);
    await queryRunner.query(`DROP INDEX "tasks_open_due_idx"`);
  }
}
