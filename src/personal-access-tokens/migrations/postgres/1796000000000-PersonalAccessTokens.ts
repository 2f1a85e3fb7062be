import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PersonalAccessTokens1796000000000 implements MigrationInterface {
  name = 'PersonalAccessTokens1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "personal_access_token" ("id" character varying(32) NOT NULL, "tenant_id" character varying(255) NOT NULL, "owner_id" character varying(255) NOT NULL, "owner_name" character varying(255) NOT NULL, "name" character varying(255) NOT NULL, "scopes" text NOT NULL, "authorities" text NOT NULL, "secret_hash" character varying(64) NOT NULL, "access_token_validity_seconds" integer NOT NULL, "expiration_date" character varying(24), "user_aware_token_never_expires" boolean NOT NULL, "created" character varying(24) NOT NULL, "last_used" character varying(24), CONSTRAINT "PK_4f29b258be0b657a3f81b75f0b7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_personal_access_token_owner_name" ON "personal_access_token" ("tenant_id", "owner_id", "name") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_personal_access_token_tenant_created_id" ON "personal_access_token" ("tenant_id", "created", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_personal_access_token_tenant_created_id"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_personal_access_token_owner_name"`);
    await queryRunner.query(`DROP TABLE "personal_access_token"`);
  }
}
