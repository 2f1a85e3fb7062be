import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for listing at scale (docs/performance.md):
 * - (tenant_id): `count=true` counts a tenant's groups from this narrow index alone (on
 *   PostgreSQL it is deduplicated to a few hundred kB per 100,000 rows).
 * - (tenant_id, group_id, position, source_id): the sources of a page of groups, in order,
 *   straight from the index; without it SQLite scanned and sorted all of the tenant's sources.
 */
export class ListIndexes1795244060000 implements MigrationInterface {
  name = 'ListIndexes1795244060000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_password_sync_group_tenant" ON "password_sync_group" ("tenant_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_password_sync_group_source_tenant_group" ON "password_sync_group_source" ("tenant_id", "group_id", "position", "source_id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_password_sync_group_source_tenant_group"`);
    await queryRunner.query(`DROP INDEX "IDX_password_sync_group_tenant"`);
  }
}
