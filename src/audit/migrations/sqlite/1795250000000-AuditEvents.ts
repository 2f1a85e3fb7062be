import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit trail: one row per successful change, append-only (triggers refuse UPDATE and DELETE). */
export class AuditEvents1795250000000 implements MigrationInterface {
  name = 'AuditEvents1795250000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_event" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "occurred_at" varchar(24) NOT NULL, "tenant_id" varchar(255) NOT NULL, "identity_id" varchar(255), "client_id" varchar(255), "action" varchar(16) NOT NULL, "resource_type" varchar(64) NOT NULL, "resource_id" varchar(36) NOT NULL, "changes" text NOT NULL, "tracking_id" varchar(64))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_event_tenant_time" ON "audit_event" ("tenant_id", "occurred_at", "id")`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_event_no_update" BEFORE UPDATE ON "audit_event" BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_event_no_delete" BEFORE DELETE ON "audit_event" BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "audit_event_no_delete"`);
    await queryRunner.query(`DROP TRIGGER "audit_event_no_update"`);
    await queryRunner.query(`DROP INDEX "IDX_audit_event_tenant_time"`);
    await queryRunner.query(`DROP TABLE "audit_event"`);
  }
}
