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

/**
 * Instances that start together against one PostgreSQL database, migrations on (the default):
 * a migration lock (pg_advisory_lock) makes them migrate in turn, so both come up and every
 * migration is applied exactly once. And a rolling upgrade: an instance of the previous
 * schema keeps serving while a new one applies the last migration.
 */
const BOOT_LIMIT_MS = 90_000;

describe('instances booting together on one PostgreSQL database', () => {
  let pg: ThrowawayPostgres;
  const apps: AppProcess[] = [];
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

  const launch = async (env: Record<string, string>) => {
    const app = await AppProcess.start(env, { waitUntilLive: false });
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

  it('while another session holds the migration lock, both wait; once it is released, both come up and every migration ran once', async () => {
    const url = await emptyDatabase();
    const options = buildDataSourceOptions(loadConfig({ ...envFor(url), NODE_ENV: 'test' }));
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
      const options = buildDataSourceOptions(loadConfig({ ...envFor(url), NODE_ENV: 'test' }));
      const expected = (await discoverMigrations(options)).map(migrationName);
      const [a, b] = await Promise.all([launch(envFor(url)), launch(envFor(url))]);
      await Promise.all([a.waitUntilLive(BOOT_LIMIT_MS), b.waitUntilLive(BOOT_LIMIT_MS)]);
      expect((await appliedMigrations(url)).map((m) => m.name)).toEqual(expected);
      // Neither failed and retried its way up (TypeORM's connection retry would hide a race).
      expect([...problemsLogged(a), ...problemsLogged(b)]).toEqual([]);
      expect((await tablesIn(url)).map((t) => t.tablename)).toEqual([
        'migrations',
        'password_sync_group',
        'password_sync_group_source',
      ]);
      await expectBothServe(a, b);
    },
    300_000,
  );

  it('rolling upgrade: an instance on the previous schema keeps serving writes while a new one applies the last migration', async () => {
    const url = await emptyDatabase();
    const options = buildDataSourceOptions(loadConfig({ ...envFor(url), NODE_ENV: 'test' }));
    const migrations = await discoverMigrations(options);
    await (await migrateUpTo(options, migrations.length - 1)).destroy();

    // The old instance: the previous schema, migrations off (it has nothing to apply).
    const old = await launch(envFor(url, { DB_MIGRATIONS_RUN: 'false' }));
    await old.waitUntilLive(BOOT_LIMIT_MS);
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
      expect(applied?.migrations).toEqual([migrationName(migrations[migrations.length - 1])]);
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
