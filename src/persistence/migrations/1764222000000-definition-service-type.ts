import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A procedure's service type (metadata.serviceType) as a column of the registry, so definitions and
 * the cycles that run them can be listed by the service they buy. Versions already deployed get it
 * from their compiled definition: the immutability trigger is held off for that one backfill only,
 * inside this migration's transaction, and nothing else in a row changes.
 */
export class DefinitionServiceType1764222000000 implements MigrationInterface {
  name = 'DefinitionServiceType1764222000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "definition_versions" ADD COLUMN "service_type" text`);
    await queryRunner.query(`ALTER TABLE "definition_versions" DISABLE TRIGGER "definition_versions_immutable"`);
    await queryRunner.query(
      `UPDATE "definition_versions" SET "service_type" = "compiled" #>> '{metadata,serviceType}' WHERE "kind" = 'Procedure'`,
    );
    await queryRunner.query(`ALTER TABLE "definition_versions" ENABLE TRIGGER "definition_versions_immutable"`);
    await queryRunner.query(`CREATE INDEX "definition_versions_service_type_idx" ON "definition_versions" ("service_type", "key")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "definition_versions_service_type_idx"`);
    await queryRunner.query(`ALTER TABLE "definition_versions" DROP COLUMN "service_type"`);
  }
}
