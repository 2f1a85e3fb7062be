import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail: one row per successful change, append-only (a trigger refuses UPDATE,
 * DELETE and TRUNCATE; only the table's owner can drop the trigger).
 */
export class AuditEvents1795250000000 implements MigrationInterface {
  name = 'AuditEvents1795250000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_event" ("id" bigserial NOT NULL, "occurred_at" character varying(24) NOT NULL, "tenant_id" character varying(255) NOT NULL, "identity_id" character varying(255), "client_id" character varying(255), "action" character varying(16) NOT NULL, "resource_type" character varying(64) NOT NULL, "resource_id" character varying(36) NOT NULL, "changes" text NOT NULL, "tracking_id" character varying(64), CONSTRAINT "PK_audit_event" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_event_tenant_time" ON "audit_event" ("tenant_id", "occurred_at", "id")`,
    );
    await queryRunner.query(
      `CREATE FUNCTION "audit_event_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_event_append_only" BEFORE UPDATE OR DELETE ON "audit_event" FOR EACH ROW EXECUTE PROCEDURE "audit_event_append_only"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_event_no_truncate" BEFORE TRUNCATE ON "audit_event" FOR EACH STATEMENT EXECUTE PROCEDURE "audit_event_append_only"()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_event"`);
    await queryRunner.query(`DROP FUNCTION "audit_event_append_only"()`);
  }
}
