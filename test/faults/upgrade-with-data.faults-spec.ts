import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/typeorm-options';
import type { AppProcess } from '../support/processes';
import {
  api,
  bearerFor,
  discoverMigrations,
  migrateUpTo,
  migrationName,
  faultDatabase,
  listAll,
  serviceAuth,
  serviceEnv,
  startTimed,
  type FaultDatabase,
} from './fault-kit';

/**
 * An upgrade from the first released schema, with data in it. The database is built by running
 * the FIRST migration only (found the way the service finds them: through the DataSource
 * options), rows are inserted in that first schema's shape, then today's service starts and
 * runs every later migration. Each row must read back through the API exactly as it was
 * stored. A migration added tomorrow is picked up by the same discovery, so it joins this test
 * without an edit here (the test also checks that every discovered migration was applied).
 */
const ROWS_PER_TENANT = 24;

interface OldRow {
  id: string;
  tenant: string;
  name: string;
  passwordPolicyId: string;
  created: string;
  modified: string;
  version: number;
  sourceIds: string[];
}

/** Rows in the first schema's shape: several tenants, odd names, sources stored out of order. */
function oldRows(): OldRow[] {
  const rows: OldRow[] = [];
  for (const tenant of ['acme', 'other-tenant']) {
    for (let i = 0; i < ROWS_PER_TENANT; i++) {
      const n = String(i).padStart(2, '0');
      const day = String(1 + (i % 28)).padStart(2, '0');
      rows.push({
        id: `${tenant === 'acme' ? 'aaaaaaaa' : 'bbbbbbbb'}-0000-4000-8000-0000000000${n}`,
        tenant,
        name: [`Group ${n}`, `Grüppe ${n} – ünïcode`, `O'Brien "quoted" ${n}`, `  spaced  ${n}`][i % 4],
        passwordPolicyId: `2c91808${n}e1f2a3b4c5d6e7f8a9b0c1d2`,
        created: `2025-${String(1 + (i % 12)).padStart(2, '0')}-${day}T0${i % 10}:1${i % 10}:2${i % 10}.${String(i * 37)
          .padStart(3, '0')
          .slice(-3)}Z`,
        modified: `2026-01-${day}T12:00:00.000Z`,
        version: 1 + (i % 5),
        sourceIds: Array.from({ length: 1 + (i % 4) }, (_, s) => `${tenant}-source-${n}-${s}`),
      });
    }
  }
  return rows;
}

describe.each(['sqlite', 'postgres'] as const)('upgrade from the first schema with data in it (%s)', (kind) => {
  let db: FaultDatabase;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    db = await faultDatabase(kind);
  }, 120_000);

  afterAll(async () => {
    await app?.kill();
    await db?.destroy();
  }, 120_000);

  it("every row written in the first schema's shape reads back identically after today's migrations", async () => {
    const auth = serviceAuth('acme');
    const env = serviceEnv(db.url, db.dataDir, auth);
    const options = buildDataSourceOptions(loadConfig({ ...env, NODE_ENV: 'test' }));

    // Discover every migration the service would run, in order; apply the first one only.
    const migrations = await discoverMigrations(options);
    const first = await migrateUpTo(options, 1);
    const rows = oldRows();
    const p = (i: number) => (kind === 'postgres' ? `$${i}` : '?');
    for (const row of rows) {
      await first.query(
        `INSERT INTO password_sync_group (id, tenant_id, name, name_key, password_policy_id, created, modified, version) VALUES (${[1, 2, 3, 4, 5, 6, 7, 8].map(p).join(', ')})`,
        [
          row.id,
          row.tenant,
          row.name,
          row.name.toLowerCase(),
          row.passwordPolicyId,
          row.created,
          row.modified,
          row.version,
        ],
      );
      // Sources inserted last-first: the API must order them by position, not by insertion.
      for (const [position, sourceId] of [...row.sourceIds.entries()].reverse()) {
        await first.query(
          `INSERT INTO password_sync_group_source (tenant_id, source_id, group_id, position) VALUES (${[1, 2, 3, 4].map(p).join(', ')})`,
          [row.tenant, sourceId, row.id, position],
        );
      }
    }
    await first.destroy();

    // Today's service: it runs every later migration on start.
    const started = await startTimed(env);
    app = started.app;
    const applied = await db.query<{ name: string }>('SELECT name FROM migrations ORDER BY timestamp');
    expect(applied.map((m) => m.name)).toEqual(migrations.map(migrationName));

    const expected = (row: OldRow) => ({
      id: row.id,
      name: row.name,
      passwordPolicyId: row.passwordPolicyId,
      sourceIds: row.sourceIds,
      created: row.created,
      modified: row.modified,
    });
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    for (const tenant of ['acme', 'other-tenant']) {
      const bearer = bearerFor(auth.secret, tenant);
      const theirs = rows.filter((r) => r.tenant === tenant);
      for (const row of theirs) {
        const res = await api(app.url, bearer, 'GET', `/password-sync-groups/${row.id}`);
        expect({ status: res.status, body: res.body, etag: res.headers.get('etag') }).toEqual({
          status: 200,
          body: expected(row),
          etag: `"${row.version}"`,
        });
      }
      expect((await listAll(app.url, bearer)).sort(byId)).toEqual(theirs.map(expected).sort(byId));
    }
    const mine = rows.filter((r) => r.tenant === 'acme');

    // The old rows are live data: an update and a delete work on them.
    const target = mine[1];
    const updated = await api(app.url, auth.bearer, 'PUT', `/password-sync-groups/${target.id}`, {
      name: `${target.name} renamed`,
      passwordPolicyId: target.passwordPolicyId,
      sourceIds: [...target.sourceIds].reverse(),
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ created: target.created, sourceIds: [...target.sourceIds].reverse() });
    expect(updated.headers.get('etag')).toBe(`"${target.version + 1}"`);
    expect((await api(app.url, auth.bearer, 'DELETE', `/password-sync-groups/${mine[2].id}`)).status).toBe(204);
    expect((await app.stop()).code).toBe(0);
    console.log(
      `upgrade (${kind}): ${rows.length} rows from ${migrationName(migrations[0])} through ${migrations.length} migrations; ` +
        `start with migrations took ${(started.startMs / 1000).toFixed(1)} s`,
    );
  }, 300_000);
});
