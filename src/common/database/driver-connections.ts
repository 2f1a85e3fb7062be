import type { Database } from 'better-sqlite3';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/*
 * The one place that reaches past TypeORM's public API: the drivers' own connection objects,
 * for UnitOfWork.query's single-statement path, which skips TypeORM's query runner (its cost:
 * docs/performance.md), and the SQLite runner's transaction state after a failed write. TypeORM documents neither property, so an upgrade may move them:
 * driver-connections.spec.ts (SQLite) and test/request-path.e2e-spec.ts ("UnitOfWork.query",
 * both databases: no query runner may be created) fail when it does.
 */

/** node-postgres's pool behind a PostgreSQL DataSource; undefined before connecting or after destroy. */
export function postgresPoolOf(dataSource: DataSource): Pool | undefined {
  return (dataSource.driver as PostgresDriver).master as Pool | undefined;
}

/** The one better-sqlite3 connection of a SQLite DataSource (TypeORM opens exactly one). */
export function sqliteConnectionOf(dataSource: DataSource): Database {
  return (dataSource.driver as BetterSqlite3Driver).databaseConnection as Database;
}

/**
 * After a failed write on SQLite, the connection and TypeORM's one query runner must both be
 * outside any transaction again. A COMMIT that fails (SQLITE_FULL) may leave SQLite's
 * transaction open, or SQLite may have rolled it back itself, in which case TypeORM's ROLLBACK
 * fails and its runner still counts an open transaction. test/faults/disk-full fails when an
 * upgrade renames these fields.
 */
export function resetSqliteTransaction(dataSource: DataSource): void {
  const driver = dataSource.driver as BetterSqlite3Driver;
  const connection = driver.databaseConnection as Database;
  if (connection.inTransaction) connection.exec('ROLLBACK');
  const runner = driver.queryRunner as unknown as
    { isTransactionActive: boolean; transactionDepth: number } | undefined;
  if (runner) {
    runner.isTransactionActive = false;
    runner.transactionDepth = 0;
  }
}
