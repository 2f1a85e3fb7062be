import { AsyncResource } from 'node:async_hooks';
import type { Database, Statement } from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Called as a statement starts, with its SQL; returns what to call when it ends (with the
 * error, if it failed). Metrics time statements with it, tracing opens a span per statement.
 */
export type StatementListener = (sql: string) => (error?: unknown) => void;

/**
 * Every SQL statement the service runs, TypeORM's and UnitOfWork's alike, seen where they meet
 * the driver: better-sqlite3's Statement#run/get/all, node-postgres' client.query. Installed only
 * when metrics or tracing is on (off, the drivers are untouched).
 */
export function instrumentStatements(
  dataSource: DataSource,
  listener: StatementListener,
  /** Tracing: from when on statements must run in their own request's async context (see bindConnectCallbacks). */
  { keepAsyncContext }: { keepAsyncContext?: () => boolean } = {},
): void {
  if (dataSource.options.type === 'better-sqlite3') {
    instrumentSqlite((dataSource.driver as BetterSqlite3Driver).databaseConnection as Database, listener);
  } else {
    instrumentPool((dataSource.driver as PostgresDriver).master as Pool, listener, keepAsyncContext);
  }
}

/** The statement's first keyword (SELECT, INSERT, COMMIT…), a bounded label; anything else is OTHER. */
export function operationOf(sql: string): string {
  const word = /^\s*([a-z]+)/i.exec(sql)?.[1]?.toUpperCase();
  return word !== undefined && OPERATIONS.has(word) ? word : 'OTHER';
}
const OPERATIONS = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'WITH',
  'BEGIN',
  'START',
  'SET',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'PRAGMA',
]);

type QueryFunction = (this: unknown, ...args: unknown[]) => unknown;

const sqliteListeners = new WeakMap<Database, StatementListener[]>();
const SQLITE_PATCHED = Symbol('statement listeners installed');

/**
 * TypeORM and UnitOfWork keep prepared statements (some prepared during migrations, before this
 * runs), so the methods are wrapped on Statement's prototype, once per process, and dispatch on
 * the statement's database: a database without listeners pays one WeakMap lookup.
 */
function instrumentSqlite(db: Database, listener: StatementListener): void {
  const listeners = sqliteListeners.get(db) ?? [];
  listeners.push(listener);
  sqliteListeners.set(db, listeners);
  type Methods = Record<'run' | 'get' | 'all', QueryFunction> & { [SQLITE_PATCHED]?: true };
  const prototype = Object.getPrototypeOf(db.prepare('SELECT 1')) as Methods;
  if (prototype[SQLITE_PATCHED]) return;
  prototype[SQLITE_PATCHED] = true;
  for (const method of ['run', 'get', 'all'] as const) {
    const original = prototype[method];
    Object.defineProperty(prototype, method, {
      configurable: true,
      writable: true,
      value: function (this: Statement, ...args: unknown[]): unknown {
        const active = sqliteListeners.get(this.database);
        if (active === undefined) return original.apply(this, args);
        const ends = active.map((start) => start(this.source));
        let result: unknown;
        try {
          result = original.apply(this, args);
        } catch (err) {
          for (const end of ends) end(err);
          throw err;
        }
        for (const end of ends) end();
        return result;
      },
    });
  }
}

/** Wraps the query method of each pooled connection: those open now and those opened later. */
function instrumentPool(pool: Pool, listener: StatementListener, keepAsyncContext?: () => boolean): void {
  // node-postgres keeps its connections in `_clients` (no public accessor); the migrations' one
  // is already there when this runs.
  const open = (pool as unknown as { _clients?: PoolClient[] })._clients ?? [];
  for (const client of open) instrumentClient(client, listener);
  pool.on('connect', (client) => instrumentClient(client, listener));
  // Metrics need no async context; binding one costs an AsyncResource per statement's connect.
  if (keepAsyncContext) bindConnectCallbacks(pool, keepAsyncContext);
}

const BOUND = Symbol('connect callbacks bound');

/**
 * pool.query waits for a connection through a callback that, when the pool is busy, the pool
 * calls from whichever request releases one: the statement would then run (and be traced) in
 * that other request's context. Bound to the caller's async context, it runs in its own. Until
 * a request has entered a trace's context (`when`), every context is the empty one: no binding.
 */
function bindConnectCallbacks(pool: Pool & { [BOUND]?: true }, when: () => boolean): void {
  if (pool[BOUND]) return;
  pool[BOUND] = true;
  const connect = pool.connect.bind(pool) as (callback?: (...args: unknown[]) => void) => unknown;
  (pool as unknown as { connect: typeof connect }).connect = (callback) =>
    typeof callback !== 'function' ? connect() : connect(when() ? AsyncResource.bind(callback) : callback);
}

function instrumentClient(client: PoolClient, listener: StatementListener): void {
  const original = (client as unknown as { query: QueryFunction }).query;
  const query: QueryFunction = function (this: unknown, ...args: unknown[]): unknown {
    const config = args[0] as string | { text?: string; submit?: unknown } | undefined;
    // A Submittable (cursor, stream) reports through its own events: not timed.
    if (typeof config === 'object' && config !== null && typeof config.submit === 'function') {
      return original.apply(this, args);
    }
    const end = listener(typeof config === 'string' ? config : (config?.text ?? ''));
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (err: unknown, result: unknown) => void;
      args[last] = (err: unknown, result: unknown) => {
        end(err ?? undefined);
        callback(err, result);
      };
      return original.apply(this, args);
    }
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (err) {
      end(err);
      throw err;
    }
    if (result instanceof Promise) {
      result.then(
        () => end(),
        (err: unknown) => end(err),
      );
    } else end();
    return result;
  };
  (client as unknown as { query: QueryFunction }).query = query;
}
