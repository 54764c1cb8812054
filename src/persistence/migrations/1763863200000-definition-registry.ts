import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DefinitionRegistry1763863200000 implements MigrationInterface {
  name = 'DefinitionRegistry1763863200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "definition_versions" (
        "id" BIGSERIAL PRIMARY KEY,
        "key" text NOT NULL,
        "kind" text NOT NULL,
        "version" integer NOT NULL,
        "content_hash" text NOT NULL,
        "title" jsonb NOT NULL,
        "jurisdiction" text,
        "source_file" text NOT NULL,
        "source_text" text NOT NULL,
        "compiled" jsonb NOT NULL,
        "deployed_by" text NOT NULL,
        "deployed_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "definition_versions_key_version_key" UNIQUE ("key", "version"),
        CONSTRAINT "definition_versions_key_content_hash_key" UNIQUE ("key", "content_hash"),
        CONSTRAINT "definition_versions_version_check" CHECK ("version" >= 1),
        CONSTRAINT "definition_versions_content_hash_check" CHECK ("content_hash" ~ '^[0-9a-f]{64}$'),
        CONSTRAINT "definition_versions_kind_check" CHECK ("kind" IN ('Procedure', 'SupervisionLifecycle', 'Calendar'))
      )`);
    await queryRunner.query(`CREATE INDEX "definition_versions_kind_idx" ON "definition_versions" ("kind", "key")`);
    // A running cycle is pinned to a version for years: once deployed, a version is never changed or removed.
    await queryRunner.query(`
      CREATE FUNCTION "definition_versions_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'definition_versions is immutable: % refused; deploy a new version instead', TG_OP;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "definition_versions_immutable" BEFORE UPDATE OR DELETE ON "definition_versions"
      FOR EACH ROW EXECUTE FUNCTION "definition_versions_refuse_change"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "definition_versions"`);
    await queryRunner.query(`DROP FUNCTION "definition_versions_refuse_change"()`);
  }
}
