import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { mintToken } from '../src/common/auth/dev-token';
import { resolveSigningSecret } from '../src/common/auth/signing-key';
import { DATABASES, createTestDatabase, withClient, type TestDatabase } from './support/databases';
import { AppProcess, REPO_ROOT } from './support/processes';
import { TEST_REDIS_URL, assertRedisReachable, deleteKeys, keysUnder, uniqueKeyPrefix } from './support/redis';
import { VALID_BODY } from './support/test-app';

const run = promisify(execFile);
const RATE_LIMITED = { message: ' Rate Limit Exceeded ' };
/** A line of the test's own account of what happened (shown in the test output). */
const say = (line: string) => process.stdout.write(`    [two instances] ${line}\n`);

const runnable = DATABASES.includes('postgres') && TEST_REDIS_URL !== undefined;

/**
 * THE deployment test: two instances of the service, as two processes on two ports, behind no
 * load balancer but this test (which picks the instance per request), against one PostgreSQL
 * database and one Redis, migrated beforehand as a separate step.
 */
(runnable ? describe : describe.skip)('two instances on one PostgreSQL and one Redis', () => {
  const secret = randomBytes(32).toString('hex');
  const key = resolveSigningSecret(secret, tmpdir()).key;
  const bearer = (clientId: string) => `Bearer ${mintToken(key, { tenant: 'acme', clientId })}`;
  const prefix = uniqueKeyPrefix();
  let db: TestDatabase;
  let a: AppProcess;
  let b: AppProcess;

  beforeAll(async () => {
    await assertRedisReachable(TEST_REDIS_URL!);
    db = await createTestDatabase('postgres');
    // Migrations as their own step (production: no token key needed for that).
    const migration = await run('npm', ['run', 'migration:run'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: db.url, DATA_DIR: db.dataDir },
    });
    expect(migration.stdout).toContain('Migration InitialSchema1795241300000 has been executed successfully.');
    const env = {
      NODE_ENV: 'production',
      DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
      DB_MIGRATIONS_RUN: 'false',
      JWT_SECRET: secret,
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: prefix,
      THROTTLE_LIMIT: '100',
      THROTTLE_TTL_SECONDS: '60', // a window long enough that 101 requests surely fall in one
      LOG_LEVEL: 'warn',
    };
    [a, b] = await Promise.all([AppProcess.start(env), AppProcess.start(env)]);
    say(
      `instance A on port ${a.port}, instance B on port ${b.port}, database ${new URL(db.url).pathname.slice(1)}, Redis prefix ${prefix}`,
    );
  });

  afterAll(async () => {
    const exits = await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([a?.kill(), b?.kill()]);
    await db?.drop();
    if (!a) return; // never started: nothing of ours in Redis
    await deleteKeys(TEST_REDIS_URL!, prefix);
    expect(await keysUnder(TEST_REDIS_URL!, prefix)).toEqual([]);
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
  });

  const get = (instance: AppProcess, path: string, client: string) =>
    fetch(`${instance.url}${path}`, { headers: { authorization: bearer(client) } });

  it('both are ready: database and Redis up', async () => {
    for (const instance of [a, b]) {
      const res = await fetch(`${instance.url}/health/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        status: 'ok',
        info: { database: { status: 'up' }, redis: { status: 'up', role: 'rate limit store' } },
        error: {},
        details: { database: { status: 'up' }, redis: { status: 'up', role: 'rate limit store' } },
      });
    }
  });

  it.each([
    ['alternating A and B', 'client-alternating', (i: number) => (i % 2 === 0 ? 'A' : 'B'), 'B'],
    ['all on A', 'client-on-a', () => 'A', 'B'],
    ['all on B', 'client-on-b', () => 'B', 'A'],
  ] as Array<[string, string, (i: number) => 'A' | 'B', 'A' | 'B']>)(
    'THROTTLE_LIMIT=100: 100 requests %s are served, the 101st gets 429 whichever instance receives it',
    async (_how, client, pick, last) => {
      const counts = { A: 0, B: 0 };
      for (let i = 0; i < 100; i++) {
        const which = pick(i);
        const res = await get(which === 'A' ? a : b, '/v3/password-sync-groups', client);
        expect(res.status).toBe(200);
        counts[which] += 1;
      }
      const limited = await get(last === 'A' ? a : b, '/v3/password-sync-groups', client);
      expect(limited.status).toBe(429);
      expect(await limited.json()).toEqual(RATE_LIMITED);
      const retryAfter = limited.headers.get('retry-after');
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
      // And the other instance refuses it too: one budget, not one per instance.
      const other = await get(last === 'A' ? b : a, '/v3/password-sync-groups', client);
      expect(other.status).toBe(429);
      say(
        `${client}: 100 × 200 (A ${counts.A}, B ${counts.B}); 101st on ${last}: 429, Retry-After ${retryAfter}; then on ${last === 'A' ? 'B' : 'A'}: ${other.status}`,
      );
      // Another version prefix is another budget, on either instance.
      expect((await get(a, '/beta/password-sync-groups', client)).status).toBe(200);
      expect(await keysUnder(TEST_REDIS_URL!, prefix)).toEqual(
        expect.arrayContaining([
          `${prefix}{default|v3|client|acme|${client}:default}:hits`,
          `${prefix}{default|v3|client|acme|${client}:default}:blocked`,
        ]),
      );
    },
  );

  it('a group created through A is read, updated and deleted through B', async () => {
    const auth = bearer('crud-client');
    const json = { authorization: auth, 'content-type': 'application/json' };
    const createdRes = await fetch(`${a.url}/v3/password-sync-groups`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(VALID_BODY),
    });
    expect(createdRes.status).toBe(200);
    const created = (await createdRes.json()) as typeof VALID_BODY & { id: string; created: string; modified: string };
    expect(created).toMatchObject(VALID_BODY);

    const read = await fetch(`${b.url}/v3/password-sync-groups/${created.id}`, { headers: { authorization: auth } });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(created);
    const list = await fetch(`${b.url}/v3/password-sync-groups?count=true`, { headers: { authorization: auth } });
    expect(list.headers.get('x-total-count')).toBe('1');
    expect(await list.json()).toEqual([created]);

    const update = { ...VALID_BODY, name: 'Updated through B', sourceIds: ['2c918084660f45d6016617daa9210999'] };
    const updatedRes = await fetch(`${b.url}/v3/password-sync-groups/${created.id}`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify(update),
    });
    expect(updatedRes.status).toBe(200);
    const updated = await updatedRes.json();
    expect(updated).toEqual({ ...created, ...update, modified: expect.any(String) });
    expect(
      await (
        await fetch(`${a.url}/v3/password-sync-groups/${created.id}`, { headers: { authorization: auth } })
      ).json(),
    ).toEqual(updated);

    const deleted = await fetch(`${b.url}/v3/password-sync-groups/${created.id}`, {
      method: 'DELETE',
      headers: { authorization: auth },
    });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    const gone = await fetch(`${a.url}/v3/password-sync-groups/${created.id}`, { headers: { authorization: auth } });
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { detailCode: string }).detailCode).toBe('404 Not found');

    const rows = await withClient(db.url, async (c) => [
      (await c.query('SELECT count(*)::int AS n FROM password_sync_group')).rows[0].n,
      (await c.query('SELECT count(*)::int AS n FROM password_sync_group_source')).rows[0].n,
    ]);
    expect(rows).toEqual([0, 0]);
    say(
      `group ${created.id}: created on A (200), read on B (200), updated on B (200, seen on A), deleted on B (204), gone on A (404); database empty`,
    );
  });

  it('a PAT made on A mints a token on B; deleting it on B stops that token on A within PAT_CHECK_CACHE_SECONDS', async () => {
    const user = `Bearer ${mintToken(key, { tenant: 'acme', clientId: 'pat-maker', identityId: 'alice' })}`;
    const made = await fetch(`${a.url}/personal-access-tokens`, {
      method: 'POST',
      headers: { authorization: user, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'two instances', userAwareTokenNeverExpires: true }),
    });
    expect(made.status).toBe(200);
    const pat = (await made.json()) as { id: string; secret: string };
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: pat.id,
      client_secret: pat.secret,
    });
    const minted = await fetch(`${b.url}/oauth/token`, { method: 'POST', body: form });
    expect(minted.status).toBe(200);
    const auth = { authorization: `Bearer ${((await minted.json()) as { access_token: string }).access_token}` };
    // A checks the PAT and remembers it is alive.
    expect((await fetch(`${a.url}/v3/password-sync-groups`, { headers: auth })).status).toBe(200);

    const deleted = await fetch(`${b.url}/personal-access-tokens/${pat.id}`, {
      method: 'DELETE',
      headers: { authorization: user },
    });
    expect(deleted.status).toBe(204);
    const deletedAt = Date.now();
    expect((await fetch(`${b.url}/v3/password-sync-groups`, { headers: auth })).status).toBe(401);
    expect((await fetch(`${a.url}/oauth/token`, { method: 'POST', body: form })).status).toBe(401);
    let status = 200;
    while (status === 200 && Date.now() - deletedAt < 10_000) {
      status = (await fetch(`${a.url}/v3/password-sync-groups`, { headers: auth })).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const after = Date.now() - deletedAt;
    expect(status).toBe(401);
    expect(after).toBeLessThanOrEqual(5_000 + 500);
    say(
      `PAT ${pat.id}: made on A, minted on B, deleted on B: refused on B at once, on A after ${after} ms (bound 5 s)`,
    );
  });
});
