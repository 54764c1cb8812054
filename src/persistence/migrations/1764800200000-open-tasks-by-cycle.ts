import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Open tasks by cycle, soonest due first. The inbox (`GET /tasks`) filters by the cycle's jurisdiction
 * and by role or escalation role; the OR of the two role conditions keeps `tasks_open_idx` (role, due_at)
 * out of the plan, so with 100,000 open tasks PostgreSQL scanned the whole tasks table and hash-joined it
 * to the jurisdiction's cycles. With this index it walks the jurisdiction's cycles and reads only their
 * open tasks: the work grows with one jurisdiction's open tasks, not with the country's, nor with the
 * decided tasks that accumulate beside them. Overdue lists of one jurisdiction use it the same way.
 */
export class OpenTasksByCycle1764800200000 implements MigrationInterface {
  name = 'OpenTasksByCycle1764800200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "tasks_open_cycle_idx" ON "tasks" ("cycle_id", "due_at") WHERE "status" = 'open'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "tasks_open_cycle_idx"`);
  }
}
