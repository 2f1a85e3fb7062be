import { Client } from 'pg';
import { sleep } from './support/processes';
import { DATABASES, withClient } from './support/databases';
import { VALID_BODY, internalBody, snapshot, startTestApp, type TestApp, useTestApp } from './support/test-app';

const describePostgres = DATABASES.includes('postgres') ? describe : describe.skip;
const LIST = '/password-sync-groups';

/**
 * Holds an ACCESS EXCLUSIVE lock on the groups table from another session, so the service's
 * queries wait on it: a slow query, made on demand, through the real code path.
 */
async function lockGroups(url: string): Promise<{ release(): Promise<void> }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE password_sync_group IN ACCESS EXCLUSIVE MODE');
  return {
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

/** The service's sessions in its database, and how many wait on a lock (asked on a session of our own). */
async function serviceSessions(t: TestApp): Promise<{ total: number; waitingOnLock: number }> {
  const { rows } = await withClient(t.db.url, (c) =>
    c.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS "waitingOnLock"
         FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'password-sync-groups'`,
    ),
  );
  return rows[0];
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}

describePostgres('PostgreSQL statement timeout (DB_STATEMENT_TIMEOUT_MS)', () => {
  const t = useTestApp('postgres', { DB_STATEMENT_TIMEOUT_MS: '500' }, { captureLogs: true });

  it('is set on the service\u2019s connections', async () => {
    expect(await t.dataSource.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '500ms' }]);
  });

  it('a query over the limit becomes the 500 envelope (no SQL in it), a write over it changes nothing', async () => {
    const before = await snapshot(t.dataSource);
    const lock = await lockGroups(t.db.url);
    let read, write;
    try {
      read = await t.http().get(LIST).set('Authorization', t.bearer());
      write = await t.http().post(LIST).set('Authorization', t.bearer()).send(VALID_BODY);
    } finally {
      await lock.release();
    }
    expect(read.status).toBe(500);
    expect(read.body).toEqual(internalBody(read.headers['x-tracking-id']));
    expect(write.status).toBe(500);
    expect(write.body).toEqual(internalBody(write.headers['x-tracking-id']));
    expect(await snapshot(t.dataSource)).toEqual(before);
    // The cause is in the log, under the request's trackingId, not in the response.
    const logged = t.logs().find((l) => l.trackingId === read.headers['x-tracking-id'] && l.msg === 'unhandled error');
    expect(JSON.stringify(logged)).toContain('canceling statement due to statement timeout');
    // And the service is fine afterwards.
    expect((await t.http().post(LIST).set('Authorization', t.bearer()).send(VALID_BODY)).status).toBe(200);
  });
});

describePostgres('PostgreSQL pool (DB_POOL_SIZE, DB_CONNECTION_TIMEOUT_MS)', () => {
  it('never opens more than DB_POOL_SIZE connections; requests beyond it queue and then complete', async () => {
    const t = await startTestApp('postgres', { DB_POOL_SIZE: '2', DB_STATEMENT_TIMEOUT_MS: '0' });
    try {
      const lock = await lockGroups(t.db.url);
      let responses;
      try {
        const pending = Array.from({ length: 5 }, () =>
          t
            .http()
            .get(LIST)
            .set('Authorization', t.bearer())
            .then((r) => r),
        );
        await until(
          async () => (await serviceSessions(t)).waitingOnLock === 2,
          'both pooled connections to wait on the lock',
        );
        // Two connections busy, three requests queued for one: still two sessions.
        expect(await serviceSessions(t)).toEqual({ total: 2, waitingOnLock: 2 });
        await lock.release();
        responses = await Promise.all(pending);
      } finally {
        await lock.release().catch(() => undefined);
      }
      expect(responses.map((r) => [r.status, r.body])).toEqual(Array(5).fill([200, []]));
    } finally {
      await t.close();
    }
  });

  it('a request that cannot get a connection in time is a 503 with Retry-After, not a hang', async () => {
    const t = await startTestApp('postgres', {
      DB_POOL_SIZE: '1',
      DB_CONNECTION_TIMEOUT_MS: '1000',
      DB_STATEMENT_TIMEOUT_MS: '0',
    });
    try {
      const lock = await lockGroups(t.db.url);
      try {
        const first = t
          .http()
          .get(LIST)
          .set('Authorization', t.bearer())
          .then((r) => r);
        await until(
          async () => (await serviceSessions(t)).waitingOnLock === 1,
          'the one connection to wait on the lock',
        );
        const asked = Date.now();
        const second = await t.http().get(LIST).set('Authorization', t.bearer());
        // Not a hang: the 1 s connection timeout, with room for a loaded 2-core machine.
        expect(Date.now() - asked).toBeLessThan(10_000);
        expect(second.status).toBe(503);
        expect(second.headers['retry-after']).toBe('5');
        expect(second.body).toEqual({
          detailCode: '503 Service Unavailable',
          trackingId: second.headers['x-tracking-id'],
          messages: [
            {
              locale: 'en-US',
              localeOrigin: 'DEFAULT',
              text: 'The server is currently unable to handle the request; retry after the time given in Retry-After.',
            },
          ],
          causes: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: 'The database is unavailable.' }],
        });
        await lock.release();
        expect((await first).status).toBe(200);
      } finally {
        await lock.release().catch(() => undefined);
      }
    } finally {
      await t.close();
    }
  });
});
