import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PersonalAccessTokens1796000000000 implements MigrationInterface {
  name = 'PersonalAccessTokens1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "personal_access_token" ("id" varchar(32) PRIMARY KEY NOT NULL, "tenant_id" varchar(255) NOT NULL, "owner_id" varchar(255) NOT NULL, "owner_name" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "scopes" text NOT NULL, "authorities" text NOT NULL, "secret_hash" varchar(64) NOT NULL, "access_token_validity_seconds" integer NOT NULL, "expiration_date" varchar(24), "user_aware_token_never_expires" boolean NOT NULL, "created" varchar(24) NOT NULL, "last_used" varchar(24))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_personal_access_token_owner_name" ON "personal_access_token" ("tenant_id", "owner_id", "name") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_personal_access_token_tenant_created_id" ON "personal_access_token" ("tenant_id", "created", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_personal_access_token_tenant_created_id"`);
    await queryRunner.query(`DROP INDEX "UQ_personal_access_token_owner_name"`);
    await queryRunner.query(`DROP TABLE "personal_access_token"`);
  }
}
