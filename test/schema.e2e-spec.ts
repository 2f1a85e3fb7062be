import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { buildDataSourceOptions } from '../src/database/typeorm-options';
import { DATABASES, createTestDatabase, type TestDatabase } from './support/databases';

describe.each(DATABASES)('migrations (%s)', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    // The same options the app and the migration CLI use, with migrations run explicitly.
    ds = new DataSource(
      buildDataSourceOptions(loadConfig({ DATA_DIR: db.dataDir, DATABASE_URL: db.url, DB_MIGRATIONS_RUN: 'false' })),
    );
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('produce exactly the entities\u2019 schema: TypeORM reports no pending change', async () => {
    const applied = await ds.runMigrations();
    expect(applied.map((m) => m.name)).toEqual([
      'InitialSchema1795241300000',
      'ListIndexes1795244060000',
      'SourceIndexGroupFirst1795246000000',
      'AuditEvents1795250000000',
      'PersonalAccessTokens1796000000000',
    ]);
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('revert cleanly and apply again', async () => {
    for (let i = 0; i < ds.migrations.length; i++) await ds.undoLastMigration();
    const tables = await ds.query(
      kind === 'sqlite'
        ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'password_sync%'"
        : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'password_sync%'",
    );
    expect(tables).toEqual([]);
    await ds.runMigrations();
    expect((await ds.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
  });

  it('enforces the uniqueness rules in the database itself', async () => {
    const insertGroup = (id: string, name: string) =>
      ds.query(
        `INSERT INTO password_sync_group (id, tenant_id, name, name_key, password_policy_id, created, modified, version) VALUES ('${id}', 't', '${name}', '${name.toLowerCase()}', 'p', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)`,
      );
    const insertSource = (groupId: string, sourceId: string) =>
      ds.query(
        `INSERT INTO password_sync_group_source (tenant_id, source_id, group_id, position) VALUES ('t', '${sourceId}', '${groupId}', 0)`,
      );
    await insertGroup('00000000-0000-4000-8000-000000000001', 'Alpha');
    await insertGroup('00000000-0000-4000-8000-000000000002', 'Beta');
    await expect(insertGroup('00000000-0000-4000-8000-000000000003', 'ALPHA')).rejects.toThrow();
    await insertSource('00000000-0000-4000-8000-000000000001', 's1');
    await expect(insertSource('00000000-0000-4000-8000-000000000002', 's1')).rejects.toThrow();
    // Deleting a group cascades to its sources.
    await ds.query("DELETE FROM password_sync_group WHERE id = '00000000-0000-4000-8000-000000000001'");
    expect(await ds.query('SELECT source_id FROM password_sync_group_source')).toEqual([]);
  });
});
