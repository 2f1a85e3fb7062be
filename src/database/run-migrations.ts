import type { Logger } from 'pino';
import { DataSource, MigrationExecutor, type DataSourceOptions } from 'typeorm';

/**
 * The key of the PostgreSQL advisory lock held while migrations run ("PSG " as a 32-bit
 * integer). Every instance of this service takes the same key, so instances starting together
 * against one database migrate one after the other: the first applies what is pending, the
 * others then find nothing to do. Nothing else in the database uses advisory locks.
 */
export const MIGRATION_LOCK_ID = 0x50534720;

/**
 * A database that cannot be reached at startup is tried this often, this far apart, before the
 * process exits (status 1, saying what to fix): long enough to ride out a database that starts
 * alongside the service, short enough that a wrong DATABASE_URL is reported within a minute.
 */
export const STARTUP_CONNECT_ATTEMPTS = 10;
export const STARTUP_CONNECT_DELAY_MS = 3000;

/**
 * Opens the DataSource and, when `options.migrationsRun` is set, runs the pending migrations
 * under the migration lock. TypeORM's own `migrationsRun` takes no lock: two instances booting
 * at the same moment would both try to create the tables and one would fail.
 */
export async function initializeDataSource(options: DataSourceOptions, logger: Logger): Promise<DataSource> {
  const dataSource = await new DataSource({ ...options, migrationsRun: false }).initialize();
  if (!options.migrationsRun) return dataSource;
  try {
    await runMigrationsLocked(dataSource, logger);
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
  return dataSource;
}

async function runMigrationsLocked(dataSource: DataSource, logger: Logger): Promise<void> {
  // SQLite: one process owns the file (a second writer waits on SQLite's own lock).
  if (dataSource.options.type !== 'postgres') return void (await dataSource.runMigrations());
  // The lock, the migrations and the unlock on ONE connection: a session-level advisory lock
  // belongs to its connection, and a process that dies mid-migration releases it with the
  // connection (its migration's transaction rolls back).
  const runner = dataSource.createQueryRunner();
  try {
    const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_ID])) as [
      { locked: boolean },
    ];
    if (!locked) {
      logger.info({ lockId: MIGRATION_LOCK_ID }, 'waiting for another instance to finish the database migrations');
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    }
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = dataSource.options.migrationsTransactionMode ?? 'all';
      const applied = await executor.executePendingMigrations();
      if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'database migrations applied');
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    await runner.release();
  }
}
