import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795241300000 implements MigrationInterface {
  name = 'InitialSchema1795241300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "password_sync_group" ("id" varchar(36) PRIMARY KEY NOT NULL, "tenant_id" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "name_key" varchar(255) NOT NULL, "password_policy_id" varchar(128) NOT NULL, "created" varchar(24) NOT NULL, "modified" varchar(24) NOT NULL, "version" integer NOT NULL DEFAULT (1))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_password_sync_group_tenant_created_id" ON "password_sync_group" ("tenant_id", "created", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_password_sync_group_tenant_name" ON "password_sync_group" ("tenant_id", "name_key") `,
    );
    await queryRunner.query(
      `CREATE TABLE "password_sync_group_source" ("tenant_id" varchar(255) NOT NULL, "source_id" varchar(128) NOT NULL, "group_id" varchar(36) NOT NULL, "position" integer NOT NULL, CONSTRAINT "FK_040d538d8bc56bce4d53202c339" FOREIGN KEY ("group_id") REFERENCES "password_sync_group" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("tenant_id", "source_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_password_sync_group_source_group" ON "password_sync_group_source" ("group_id", "position") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_password_sync_group_source_group"`);
    await queryRunner.query(`DROP TABLE "password_sync_group_source"`);
    await queryRunner.query(`DROP INDEX "UQ_password_sync_group_tenant_name"`);
    await queryRunner.query(`DROP INDEX "IDX_password_sync_group_tenant_created_id"`);
    await queryRunner.query(`DROP TABLE "password_sync_group"`);
  }
}
