import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795241300000 implements MigrationInterface {
  name = 'InitialSchema1795241300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "password_sync_group" ("id" character varying(36) NOT NULL, "tenant_id" character varying(255) NOT NULL, "name" character varying(255) NOT NULL, "name_key" character varying(255) NOT NULL, "password_policy_id" character varying(128) NOT NULL, "created" character varying(24) NOT NULL, "modified" character varying(24) NOT NULL, "version" integer NOT NULL DEFAULT '1', CONSTRAINT "PK_7dff16db0d57d501a6165aab94c" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_password_sync_group_tenant_created_id" ON "password_sync_group"  ("tenant_id", "created", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_password_sync_group_tenant_name" ON "password_sync_group"  ("tenant_id", "name_key") `,
    );
    await queryRunner.query(
      `CREATE TABLE "password_sync_group_source" ("tenant_id" character varying(255) NOT NULL, "source_id" character varying(128) NOT NULL, "group_id" character varying(36) NOT NULL, "position" integer NOT NULL, CONSTRAINT "PK_d2d7f7db879aa52f3bcef4d5bca" PRIMARY KEY ("tenant_id", "source_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_password_sync_group_source_group" ON "password_sync_group_source"  ("group_id", "position") `,
    );
    await queryRunner.query(
      `ALTER TABLE "password_sync_group_source" ADD CONSTRAINT "FK_040d538d8bc56bce4d53202c339" FOREIGN KEY ("group_id") REFERENCES "password_sync_group"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "password_sync_group_source" DROP CONSTRAINT "FK_040d538d8bc56bce4d53202c339"`,
    );
    await queryRunner.query(`DROP INDEX "public"."IDX_password_sync_group_source_group"`);
    await queryRunner.query(`DROP TABLE "password_sync_group_source"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_password_sync_group_tenant_name"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_password_sync_group_tenant_created_id"`);
    await queryRunner.query(`DROP TABLE "password_sync_group"`);
  }
}
