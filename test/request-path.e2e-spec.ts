import Database from 'better-sqlite3';
import { QueryFailedError } from 'typeorm';
import { UnitOfWork } from '../src/common/database/unit-of-work';
import { DATABASES } from './support/databases';
import { VALID_BODY, useTestApp } from './support/test-app';

/**
 * UnitOfWork.query, the read path of GET and list: on the driver directly (node-postgres's pool,
 * or better-sqlite3 with statements prepared once), without a TypeORM query runner per statement.
 */
describe.each(DATABASES)('UnitOfWork.query (%s)', (kind) => {
  const t = useTestApp(kind);
  let uow: UnitOfWork;
  let id: string;

  beforeAll(async () => {
    uow = t.app.get(UnitOfWork);
    const res = await t.http().post('/v3/password-sync-groups').set({ Authorization: t.bearer() }).send(VALID_BODY);
    if (res.status !== 200) throw new Error(`setup: create answered ${res.status}`);
    id = res.body.id;
  });

  it('returns the rows as the driver does, without a TypeORM query runner', async () => {
    const runners = jest.spyOn(t.dataSource, 'createQueryRunner');
    try {
      const sql = `SELECT id, name FROM password_sync_group WHERE id = ${kind === 'postgres' ? '$1' : '?'}`;
      expect(await uow.query(sql, [id])).toEqual([{ id, name: VALID_BODY.name }]);
      expect(await uow.query(sql, ['no such id'])).toEqual([]);
      expect(runners).not.toHaveBeenCalled();
    } finally {
      runners.mockRestore();
    }
  });

  it("fails with TypeORM's QueryFailedError carrying the driver's error, and the next query runs", async () => {
    const failure = await uow.query('SELECT nope FROM password_sync_group', []).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect(failure).toMatchObject({
      query: 'SELECT nope FROM password_sync_group',
      driverError:
        kind === 'postgres'
          ? { code: '42703', message: 'column "nope" does not exist' }
          : { code: 'SQLITE_ERROR', message: 'no such column: nope' },
    });
    expect(await uow.query('SELECT COUNT(*) AS n FROM password_sync_group', [])).toEqual([
      { n: kind === 'postgres' ? '1' : 1 },
    ]);
  });

  if (kind !== 'sqlite') return;

  it('prepares a statement on first use only, and keeps at most 100: the oldest is prepared again', async () => {
    const prepare = jest.spyOn(Database.prototype, 'prepare');
    try {
      const nth = (i: number) => `SELECT ${i} AS n -- request-path cache`;
      for (let i = 0; i <= 100; i++) expect(await uow.query(nth(i), [])).toEqual([{ n: i }]);
      expect(prepare).toHaveBeenCalledTimes(101);
      await uow.query(nth(100), []);
      expect(prepare).toHaveBeenCalledTimes(101);
      await uow.query(nth(0), []);
      expect(prepare).toHaveBeenCalledTimes(102);
    } finally {
      prepare.mockRestore();
    }
  });

  it('waits for a write transaction in progress: a read never sees its uncommitted rows', async () => {
    let inside!: () => void;
    const insideWrite = new Promise<void>((resolve) => (inside = resolve));
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const write = uow.write(async (m) => {
      await m.query(`UPDATE password_sync_group SET name = 'uncommitted' WHERE id = ?`, [id]);
      inside();
      await finished;
      throw new Error('roll back');
    });
    await insideWrite;
    const read = uow.query<{ name: string }>('SELECT name FROM password_sync_group WHERE id = ?', [id]);
    finish();
    await expect(write).rejects.toThrow('roll back');
    expect(await read).toEqual([{ name: VALID_BODY.name }]);
  });
});
