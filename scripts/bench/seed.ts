/**
 * Fills a tenant with password sync groups (2 sources each) using batched inserts.
 *
 *   npm run bench:seed -- --rows 100000 --tenant dev
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/psg npm run bench:seed -- --rows 100000
 *
 * It uses the same configuration as the service (DATABASE_URL, DATA_DIR), runs any pending
 * migrations first, and appends after the tenant's existing groups. The benchmark calls
 * `seedGroups` directly.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/typeorm-options';
import { POLICY_ID, TENANT_PREFIX, type DbTarget } from './shared';

/** Groups are created one second apart from here, so `created` order is index order. */
const BASE_TIME = Date.parse('2026-01-01T00:00:00.000Z');
const SQLITE_BATCH = 500; // rows per INSERT statement (8 parameters each, well under SQLite's limit)
const PG_BATCH = 10_000; // rows per INSERT … SELECT FROM unnest(…) statement

interface GroupRow {
  id: string;
  name: string;
  created: string;
  sources: [string, string];
}

function groupRow(tenant: string, index: number): GroupRow {
  return {
    id: randomUUID(),
    name: `Bench Group ${String(index).padStart(6, '0')}`,
    created: new Date(BASE_TIME + index * 1000).toISOString(),
    sources: [`${tenant}-src-${index}-a`, `${tenant}-src-${index}-b`],
  };
}

/**
 * Appends `count` groups to `tenant`, numbered from `startIndex`; returns their ids in
 * creation order. One transaction; batched multi-row inserts.
 */
export async function seedGroups(target: DbTarget, tenant: string, count: number, startIndex = 0): Promise<string[]> {
  const rows = Array.from({ length: count }, (_, i) => groupRow(tenant, startIndex + i));
  if (target.kind === 'sqlite') seedSqlite(target.location, tenant, rows);
  else await seedPostgres(target.location, tenant, rows);
  return rows.map((r) => r.id);
}

function seedSqlite(file: string, tenant: string, rows: GroupRow[]): void {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    const groupSql = (n: number) =>
      `INSERT INTO password_sync_group (id, tenant_id, name, name_key, password_policy_id, created, modified, version) VALUES ${Array(n).fill('(?, ?, ?, ?, ?, ?, ?, 1)').join(', ')}`;
    const sourceSql = (n: number) =>
      `INSERT INTO password_sync_group_source (tenant_id, source_id, group_id, position) VALUES ${Array(n).fill('(?, ?, ?, ?)').join(', ')}`;
    const statements = new Map<number, { groups: Database.Statement; sources: Database.Statement }>();
    const statementsFor = (n: number) => {
      let s = statements.get(n);
      if (!s) statements.set(n, (s = { groups: db.prepare(groupSql(n)), sources: db.prepare(sourceSql(n * 2)) }));
      return s;
    };
    db.transaction(() => {
      for (let i = 0; i < rows.length; i += SQLITE_BATCH) {
        const batch = rows.slice(i, i + SQLITE_BATCH);
        const { groups, sources } = statementsFor(batch.length);
        groups.run(batch.flatMap((r) => [r.id, tenant, r.name, r.name.toLowerCase(), POLICY_ID, r.created, r.created]));
        sources.run(batch.flatMap((r) => [tenant, r.sources[0], r.id, 0, tenant, r.sources[1], r.id, 1]));
      }
    })();
  } finally {
    db.close();
  }
}

async function seedPostgres(url: string, tenant: string, rows: GroupRow[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (let i = 0; i < rows.length; i += PG_BATCH) {
      const batch = rows.slice(i, i + PG_BATCH);
      await client.query(
        `INSERT INTO password_sync_group (id, tenant_id, name, name_key, password_policy_id, created, modified, version)
         SELECT g.id, $1, g.name, lower(g.name), $2, g.created, g.created, 1
         FROM unnest($3::varchar[], $4::varchar[], $5::varchar[]) AS g(id, name, created)`,
        [tenant, POLICY_ID, batch.map((r) => r.id), batch.map((r) => r.name), batch.map((r) => r.created)],
      );
      await client.query(
        `INSERT INTO password_sync_group_source (tenant_id, source_id, group_id, position)
         SELECT $1, s.source_id, s.group_id, s.position
         FROM unnest($2::varchar[], $3::varchar[], $4::int[]) AS s(source_id, group_id, position)`,
        [tenant, batch.flatMap((r) => r.sources), batch.flatMap((r) => [r.id, r.id]), batch.flatMap(() => [0, 1])],
      );
    }
    await client.query('COMMIT');
    // What autovacuum would do soon after a bulk load: fresh statistics and a visibility map
    // (index-only scans need it). Done here so measurements do not depend on its timing.
    await client.query('VACUUM (ANALYZE) password_sync_group');
    await client.query('VACUUM (ANALYZE) password_sync_group_source');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

/** Removes every row of the benchmark's own tenants (`bench-*`), and nothing else. */
export async function deleteBenchTenants(target: DbTarget): Promise<void> {
  const like = `${TENANT_PREFIX}%`;
  if (target.kind === 'sqlite') {
    const db = new Database(target.location);
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare('DELETE FROM password_sync_group_source WHERE tenant_id LIKE ?').run(like);
      db.prepare('DELETE FROM password_sync_group WHERE tenant_id LIKE ?').run(like);
      db.prepare('DELETE FROM personal_access_token WHERE tenant_id LIKE ?').run(like);
    } finally {
      db.close();
    }
    return;
  }
  const client = new Client({ connectionString: target.location });
  await client.connect();
  try {
    await client.query('DELETE FROM password_sync_group_source WHERE tenant_id LIKE $1', [like]);
    await client.query('DELETE FROM password_sync_group WHERE tenant_id LIKE $1', [like]);
    await client.query('DELETE FROM personal_access_token WHERE tenant_id LIKE $1', [like]);
    await client.query('VACUUM (ANALYZE) password_sync_group');
    await client.query('VACUUM (ANALYZE) password_sync_group_source');
  } finally {
    await client.end();
  }
}

/** How many groups a tenant has (to append after them). */
export async function countGroups(target: DbTarget, tenant: string): Promise<number> {
  if (target.kind === 'sqlite') {
    const db = new Database(target.location, { readonly: true });
    try {
      return (
        db.prepare('SELECT COUNT(*) AS n FROM password_sync_group WHERE tenant_id = ?').get(tenant) as { n: number }
      ).n;
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: target.location });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM password_sync_group WHERE tenant_id = $1',
      [tenant],
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '100000' },
      tenant: { type: 'string', default: 'dev' },
    },
    strict: true,
  });
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 1 || rows > 10_000_000) {
    process.stderr.write(`--rows must be an integer from 1 to 10000000 (got ${values.rows})\n`);
    process.exit(2);
  }
  const config = loadConfig();
  const ds = new DataSource(buildDataSourceOptions({ ...config, migrationsRun: false }));
  await ds.initialize();
  try {
    await ds.runMigrations();
  } finally {
    await ds.destroy();
  }
  const target: DbTarget =
    config.database.type === 'sqlite'
      ? { kind: 'sqlite', location: config.database.database, databaseUrl: `sqlite:${config.database.database}` }
      : { kind: 'postgres', location: config.database.url, databaseUrl: config.database.url };
  const tenant = values.tenant;
  const existing = await countGroups(target, tenant);
  const started = performance.now();
  await seedGroups(target, tenant, rows, existing);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `Seeded ${rows} groups (${rows * 2} sources) into tenant '${tenant}' on ${target.kind} in ${seconds.toFixed(2)} s ` +
      `(${Math.round(rows / seconds)} groups/s); the tenant now has ${existing + rows}.\n`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
