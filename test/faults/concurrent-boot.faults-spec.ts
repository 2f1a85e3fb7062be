import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/app-config';
import { MIGRATION_LOCK_ID } from '../../src/database/run-migrations';
import { buildDataSourceOptions } from '../../src/database/typeorm-options';
import { withClient } from '../support/databases';
import { AppProcess, sleep } from '../support/processes';
import { createThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres';
import {
  WriteLoad,
  api,
  discoverMigrations,
  faultSeed,
  migrateUpTo,
  migrationName,
  seededRandom,
  serviceAuth,
  serviceEnv,
  type ServiceAuth,
} from './fault-kit';
import { checkOutPreviousRelease } from './previous-release';

/**
 * Instances that start together against one PostgreSQL database, migrations on (the default):
 * a migration lock (pg_advisory_lock) makes them migrate in turn, so both come up and every
 * migration is applied exactly once, leaving the schema the migrations build when run alone. And
 * a rolling upgrade: an instance of the previous release (its code taken from git) keeps serving
 * while today's applies the last migration.
 */
const BOOT_LIMIT_MS = 90_000;

describe('instances booting together on one PostgreSQL database', () => {
  let pg: ThrowawayPostgres;
  const apps: AppProcess[] = [];
  /** Data directories, and the previous release's tree: removed in afterAll, also after a failure. */
  const dataDirs: string[] = [];
  let auth: ServiceAuth;

  beforeAll(async () => {
    pg = await createThrowawayPostgres();
    auth = serviceAuth();
  }, 120_000);

  afterAll(async () => {
    for (const app of apps) await app.kill();
    await pg?.destroy();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  /** A new empty database on the throwaway cluster. */
  async function emptyDatabase(): Promise<string> {
    const name = `boot_${randomBytes(4).toString('hex')}`;
    await withClient(pg.url, (c) => c.query(`CREATE DATABASE ${name}`));
    const url = new URL(pg.url);
    url.pathname = `/${name}`;
    return url.toString();
  }

  const envFor = (url: string, extra: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'psg-faults-boot-'));
    dataDirs.push(dir);
    return serviceEnv(url, dir, auth, { LOG_LEVEL: 'info', ...extra });
  };

  /** The DataSource options the service builds for `url`. */
  const optionsFor = (url: string) => buildDataSourceOptions(loadConfig({ ...envFor(url), NODE_ENV: 'test' }));

  const launch = async (env: Record<string, string>, root?: string) => {
    const app = await AppProcess.start(env, { waitUntilLive: false, root });
    apps.push(app);
    return app;
  };

  const appliedMigrations = async (url: string) =>
    withClient(url, async (c) => (await c.query<{ name: string }>('SELECT name FROM migrations ORDER BY id')).rows);

  const tablesIn = async (url: string) =>
    withClient(
      url,
      async (c) =>
        (
          await c.query<{ tablename: string }>(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
          )
        ).rows,
    );

  /**
   * What the migrations built: tables, columns, constraints, indexes, triggers and functions, in a
   * fixed order (names only depend on the migrations, never on the database's name).
   */
  const schemaOf = (url: string) =>
    withClient(url, async (c) => {
      const rows = async (sql: string) => (await c.query(sql)).rows as unknown[];
      return {
        tables: (await rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map(
          (t) => (t as { tablename: string }).tablename,
        ),
        columns: await rows(
          `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
           WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
        ),
        constraints: await rows(
          `SELECT conrelid::regclass::text AS table, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
           WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
        ),
        indexes: await rows(
          "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2",
        ),
        triggers: await rows(
          `SELECT tgrelid::regclass::text AS table, tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger
           WHERE NOT tgisinternal ORDER BY 1, 2`,
        ),
        functions: await rows(
          `SELECT proname, pg_get_functiondef(oid) AS def FROM pg_proc
           WHERE pronamespace = 'public'::regnamespace ORDER BY 1, 2`,
        ),
      };
    });

  let reference: ReturnType<typeof schemaOf> | undefined;
  /**
   * The schema of today's migrations run one after another on an empty database of the same
   * cluster, by the test (once): what booting instances must leave, whatever tables the
   * features add. It has a table for every entity, and the migrations table.
   */
  const expectedSchema = () =>
    (reference ??= (async () => {
      const url = await emptyDatabase();
      const options = optionsFor(url);
      const migrated = await migrateUpTo(options, (await discoverMigrations(options)).length);
      const entityTables = migrated.entityMetadatas.map((m) => m.tableName);
      await migrated.destroy();
      const schema = await schemaOf(url);
      const missing = ['migrations', ...entityTables].filter((table) => !schema.tables.includes(table));
      if (missing.length > 0) throw new Error(`the migrations create no table ${missing.join(', ')}`);
      return schema;
    })());

  it('while another session holds the migration lock, both wait; once it is released, both come up and every migration ran once', async () => {
    const url = await emptyDatabase();
    const options = optionsFor(url);
    const expected = (await discoverMigrations(options)).map(migrationName);
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      const [a, b] = await Promise.all([launch(envFor(url)), launch(envFor(url))]);
      for (const app of [a, b]) await app.waitForLog('waiting for another instance', BOOT_LIMIT_MS);
      // Nothing migrated while the lock is held elsewhere, and neither serves yet.
      expect(await tablesIn(url)).toEqual([]);
      expect(
        await fetch(`${a.url}/health/live`).then(
          (r) => r.status,
          () => 'refused',
        ),
      ).toBe('refused');
      const released = Date.now();
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
      await Promise.all([a.waitUntilLive(BOOT_LIMIT_MS), b.waitUntilLive(BOOT_LIMIT_MS)]);
      console.log(
        `concurrent boot: both live ${((Date.now() - released) / 1000).toFixed(1)} s after the lock was released`,
      );
      expect((await appliedMigrations(url)).map((m) => m.name)).toEqual(expected);
      expect(await schemaOf(url)).toEqual(await expectedSchema());
      // Exactly one of them applied the migrations; the other found nothing to do.
      const appliers = [a, b].filter((app) => app.logLines.some((l) => l.msg === 'database migrations applied'));
      expect(appliers).toHaveLength(1);
      await expectBothServe(a, b);
    } finally {
      await holder.end();
    }
  }, 300_000);

  it.each([1, 2, 3])(
    'two instances started at the same moment on an empty database both come up (attempt %i)',
    async () => {
      const url = await emptyDatabase();
      const options = optionsFor(url);
      const expected = (await discoverMigrations(options)).map(migrationName);
      const [a, b] = await Promise.all([launch(envFor(url)), launch(envFor(url))]);
      await Promise.all([a.waitUntilLive(BOOT_LIMIT_MS), b.waitUntilLive(BOOT_LIMIT_MS)]);
      expect((await appliedMigrations(url)).map((m) => m.name)).toEqual(expected);
      // Neither failed and retried its way up (TypeORM's connection retry would hide a race).
      expect([...problemsLogged(a), ...problemsLogged(b)]).toEqual([]);
      // Every table, column, index… once, none missing: what the migrations build when run alone.
      expect(await schemaOf(url)).toEqual(await expectedSchema());
      await expectBothServe(a, b);
    },
    300_000,
  );

  it("rolling upgrade: an instance of the previous release keeps serving writes while today's applies the last migration", async () => {
    const url = await emptyDatabase();
    const options = optionsFor(url);
    const migrations = await discoverMigrations(options);
    const newest = migrations[migrations.length - 1];

    // The old instance runs the previous release: the code from before the newest migration was
    // added (today's code may need what that migration creates). It migrates its own schema.
    const previous = checkOutPreviousRelease(newest);
    dataDirs.push(previous.root);
    console.log(`rolling upgrade: the old instance runs ${previous.commit}, before ${migrationName(newest)}`);
    const old = await launch(envFor(url), previous.root);
    await old.waitUntilLive(BOOT_LIMIT_MS);
    expect((await appliedMigrations(url)).map((m) => m.name)).toEqual(migrations.slice(0, -1).map(migrationName));
    const seed = faultSeed();
    console.log(`rolling upgrade: FAULTS_SEED=${seed}`);
    const load = new WriteLoad(auth.bearer, seededRandom(seed), 'rolling');
    const until = { stopped: false };
    const running = load.run(old.url, 3, until);
    try {
      await sleep(1000);
      const fresh = await launch(envFor(url));
      await fresh.waitUntilLive(BOOT_LIMIT_MS);
      const applied = fresh.logLines.find((l) => l.msg === 'database migrations applied');
      expect(applied?.migrations).toEqual([migrationName(newest)]);
      const before = load.acknowledged;
      const deadline = Date.now() + 30_000;
      while (load.acknowledged < before + 20 && Date.now() < deadline) await sleep(50);
      expect(load.acknowledged).toBeGreaterThanOrEqual(before + 20);
      until.stopped = true;
      await running;
      expect(load.unexpected).toEqual([]);
      // Every write the old instance acknowledged reads back through the new one.
      const check = await load.verify(fresh.url);
      expect(check.problems).toEqual([]);
      expect((await appliedMigrations(url)).map((m) => m.name)).toEqual(migrations.map(migrationName));
      await expectBothServe(old, fresh);
      console.log(`rolling upgrade: ${load.acknowledged} writes acknowledged by the old instance, 0 refused, 0 lost`);
    } finally {
      until.stopped = true;
      await running;
    }
  }, 300_000);

  /** Warnings and errors an instance logged, lines that are not our JSON logs, and anything on stderr. */
  const problemsLogged = (app: AppProcess) => [
    ...app.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter((line) => {
        try {
          return (JSON.parse(line) as { level?: number }).level! >= 40;
        } catch {
          return true;
        }
      }),
    ...(app.stderr.trim() === '' ? [] : [app.stderr]),
  ];

  /** A group created through one is read, updated and deleted through the other. */
  async function expectBothServe(a: AppProcess, b: AppProcess): Promise<void> {
    const body = { name: `both ${randomBytes(4).toString('hex')}`, passwordPolicyId: 'pp', sourceIds: ['s-' + a.port] };
    const created = await api(a.url, auth.bearer, 'POST', '/password-sync-groups', body);
    expect(created.status).toBe(200);
    const id = (created.body as { id: string }).id;
    expect((await api(b.url, auth.bearer, 'GET', `/password-sync-groups/${id}`)).body).toEqual(created.body);
    expect(
      (await api(b.url, auth.bearer, 'PUT', `/password-sync-groups/${id}`, { ...body, name: `${body.name}!` })).status,
    ).toBe(200);
    expect((await api(a.url, auth.bearer, 'DELETE', `/password-sync-groups/${id}`)).status).toBe(204);
  }
});
