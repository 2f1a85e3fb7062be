import type { Database } from 'better-sqlite3';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/*
 * The one place that reaches past TypeORM's public API: the drivers' own connection objects,
 * for UnitOfWork.query's single-statement path, which skips TypeORM's query runner (its cost:
 * docs/performance.md). TypeORM documents neither property, so an upgrade may move them:
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
