import { Injectable } from '@nestjs/common';
import type { Database, Statement } from 'better-sqlite3';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { postgresPoolOf, resetSqliteTransaction, sqliteConnectionOf } from './driver-connections';
import type { SqlDialect } from './sql-dialect';

export { placeholdersFor, type SqlDialect } from './sql-dialect';

/**
 * A write transaction in progress, as `write` hands it to its work. A repository that must write
 * in another's transaction (the audit trail, say) takes it, so both commit or roll back together.
 */
export type Transaction = EntityManager;

/** Prepared statements kept per SQLite connection (the SQL of `query()` is a fixed set). */
const STATEMENT_CACHE_SIZE = 100;

/**
 * Runs database work atomically, on every supported database.
 *
 * PostgreSQL: writes run in a transaction on a pooled connection; reads run in a REPEATABLE
 * READ transaction, so every query of one read sees the same snapshot: a read that takes a
 * group and then its sources can never mix two versions of a group, nor show a group whose
 * sources a concurrent delete has just removed. (A transaction that only reads never fails
 * to serialize at this level.)
 * SQLite: TypeORM drives better-sqlite3 through ONE shared connection, so two transactions
 * would interleave on it and a reader could see another request's uncommitted rows. Here all
 * work is queued, one unit at a time (`oneAtATimeOnSqlite`; better-sqlite3 is synchronous
 * anyway, so this costs little).
 *
 * THE SQLITE RULE: reach the database only through a UnitOfWork (`read`, `write`, or `query`
 * in a repository). Code that injects `DataSource` or a TypeORM `Repository` and queries it
 * directly skips the queue, and on SQLite can see or break another request's open transaction
 * (docs/extending.md, "The unit of work").
 */
@Injectable()
export class UnitOfWork {
  readonly dialect: SqlDialect;
  /** SQLite: all work waits its turn on the one connection (see the class comment). */
  private readonly serializeOnSqlite: boolean;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly statements = new WeakMap<Database, Map<string, Statement>>();
  /** SQLite: told how long each piece of work waited for its turn (set by metrics when on). */
  onQueueWait?: (seconds: number) => void;

  constructor(private readonly dataSource: DataSource) {
    this.serializeOnSqlite = dataSource.options.type === 'better-sqlite3';
    this.dialect = this.serializeOnSqlite ? 'sqlite' : 'postgres';
  }

  /**
   * One statement, atomic on its own, for the hot read paths. A single statement sees one
   * snapshot of the database on PostgreSQL, so it needs no transaction (a REPEATABLE READ
   * transaction around it cost three more round trips: START, SET TRANSACTION, COMMIT); on
   * SQLite it waits its turn like all other work.
   * Both run on the driver directly (driver-connections.ts, the one place that reaches TypeORM's
   * internals): node-postgres's pool or better-sqlite3 with the statement prepared once,
   * skipping TypeORM's query runner around one statement (docs/performance.md). Errors are
   * TypeORM's QueryFailedError either way, with the driver's error inside. Rows come back as
   * the driver returns them. For repositories only: positional parameters stay inside them.
   */
  query<T>(sql: string, parameters: readonly unknown[]): Promise<T[]> {
    if (!this.serializeOnSqlite) return this.postgresQuery<T>(sql, parameters);
    return this.oneAtATimeOnSqlite(async () => {
      try {
        return this.sqliteStatement(sql).all(...parameters) as T[];
      } catch (err) {
        throw new QueryFailedError(sql, parameters as unknown[], err as Error);
      }
    });
  }

  read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serializeOnSqlite) return this.dataSource.transaction('REPEATABLE READ', work);
    return this.oneAtATimeOnSqlite(() => work(this.dataSource.manager));
  }

  write<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    if (!this.serializeOnSqlite) return this.dataSource.transaction(work);
    return this.oneAtATimeOnSqlite(async () => {
      try {
        return await this.dataSource.transaction(work);
      } catch (err) {
        // A failed COMMIT (SQLITE_FULL: the disk is full) may leave SQLite's transaction open,
        // or TypeORM's runner counting one SQLite already rolled back: every later write would
        // then run as a SAVEPOINT and be acknowledged without being committed (docs/reliability.md).
        resetSqliteTransaction(this.dataSource);
        throw err;
      }
    });
  }

  private async postgresQuery<T>(sql: string, parameters: readonly unknown[]): Promise<T[]> {
    const pool = postgresPoolOf(this.dataSource);
    // Not connected (never, or destroyed): TypeORM's own path reports it.
    if (pool === undefined) return this.dataSource.query<T[]>(sql, parameters as unknown[]);
    try {
      return (await pool.query(sql, parameters as unknown[])).rows as T[];
    } catch (err) {
      throw new QueryFailedError(sql, parameters as unknown[], err as Error);
    }
  }

  /** The prepared statement for `sql` on the current connection (first in, first out beyond the cache size). */
  private sqliteStatement(sql: string): Statement {
    const connection = sqliteConnectionOf(this.dataSource);
    let cache = this.statements.get(connection);
    if (cache === undefined) this.statements.set(connection, (cache = new Map<string, Statement>()));
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = connection.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    return statement;
  }

  /** Runs `work` after every unit queued before it has settled: the SQLite rule's queue. */
  private oneAtATimeOnSqlite<T>(work: () => Promise<T>): Promise<T> {
    let run = work;
    const observe = this.onQueueWait;
    if (observe) {
      const queued = performance.now();
      run = () => {
        observe((performance.now() - queued) / 1000);
        return work();
      };
    }
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
