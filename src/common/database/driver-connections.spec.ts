import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { postgresPoolOf, sqliteConnectionOf } from './driver-connections';

/**
 * A tripwire for TypeORM upgrades: the driver internals UnitOfWork.query uses must still be
 * where driver-connections.ts reads them. (PostgreSQL's pool is checked against a real server
 * by test/request-path.e2e-spec.ts.)
 */
describe('driver connections behind a DataSource', () => {
  it("SQLite: TypeORM's one better-sqlite3 connection, the one its own queries run on", async () => {
    const ds = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await ds.initialize();
    try {
      const connection = sqliteConnectionOf(ds);
      expect(connection).toBeInstanceOf(Database);
      connection.prepare('CREATE TABLE t (n integer)').run();
      connection.prepare('INSERT INTO t (n) VALUES (?)').run(7);
      expect(await ds.query('SELECT n FROM t')).toEqual([{ n: 7 }]);
    } finally {
      await ds.destroy();
    }
  });

  it('PostgreSQL: no pool before the DataSource connects (UnitOfWork then falls back to TypeORM)', () => {
    const ds = new DataSource({ type: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none' });
    expect(postgresPoolOf(ds)).toBeUndefined();
  });
});
