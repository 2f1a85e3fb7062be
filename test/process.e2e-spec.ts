import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { mintToken } from '../src/common/auth/dev-token';
import { resolveSigningSecret } from '../src/common/auth/signing-key';
import { PRODUCTION_KEY_REQUIRED } from '../src/config/app-config';
import { DATABASES, createTestDatabase, withClient, type TestDatabase } from './support/databases';
import { JwksServer, ecKey, sailPointClaims, signWith } from './support/identity-provider';
import { AppProcess, sleep } from './support/processes';
import { VALID_BODY } from './support/test-app';

/** The service run as its own process (`node src/main.ts`), as a process manager runs it. */
describe('the service process', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'psg-process-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('NODE_ENV=production without a verification key refuses to start, saying what to set', async () => {
    // Even with a development secret lying in the data directory.
    writeFileSync(join(dataDir, 'jwt-secret'), randomBytes(48).toString('base64url'), { mode: 0o600 });
    const app = await AppProcess.start({ NODE_ENV: 'production', DATA_DIR: dataDir }, { waitUntilLive: false });
    const exit = await app.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(app.stderr).toBe(
      `Invalid configuration:\n  - ${PRODUCTION_KEY_REQUIRED}\nSee .env.example for every variable and its meaning.\n`,
    );
    expect(app.stdout).toBe('');
  });

  it('NODE_ENV=production with a JWKS starts, logs JSON only, serves, and exits 0 on SIGINT', async () => {
    const key = ecKey('prod-1');
    const idp = await new JwksServer().start([key]);
    const jwksUri = idp.uri;
    const app = await AppProcess.start({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${join(dataDir, 'prod.sqlite')}`,
      JWT_JWKS_URI: jwksUri,
      LOG_LEVEL: 'info',
    });
    try {
      const res = await fetch(`${app.url}/v3/password-sync-groups`, {
        headers: { authorization: `Bearer ${signWith(key, sailPointClaims())}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([]);
      // A development token is refused: production verifies with the identity provider's keys only.
      const dev = mintToken(resolveSigningSecret(undefined, dataDir).key, { tenant: 'acme' });
      const refused = await fetch(`${app.url}/v3/password-sync-groups`, {
        headers: { authorization: `Bearer ${dev}` },
      });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ error: 'JWT validation failed: JWT algorithm is not allowed' });
      expect(await app.stop('SIGINT')).toEqual({ code: 0, signal: null });
    } finally {
      await app.kill();
      await idp.stop();
    }
    const lines = app.logLines; // throws if any stdout line is not JSON
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        `JWKS loaded from ${jwksUri}: kids "prod-1"`,
        'Password Sync Groups API listening',
        'shutting down: refusing new connections, finishing requests in flight',
        'shutdown complete: HTTP server, database and Redis closed',
      ]),
    );
    expect(lines.filter((l) => l.msg === 'request completed').map((l) => l.status)).toEqual([200, 401]);
    expect(app.stderr).toBe('');
  });
});

const describePostgres = DATABASES.includes('postgres') ? describe : describe.skip;

describePostgres('graceful shutdown (postgres)', () => {
  const secret = randomBytes(32).toString('hex');
  const bearer = `Bearer ${mintToken(resolveSigningSecret(secret, tmpdir()).key, { tenant: 'acme' })}`;
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('postgres');
  });
  afterEach(async () => {
    await db?.drop();
  });

  const start = (env: Record<string, string> = {}) =>
    AppProcess.start({ DATA_DIR: db.dataDir, DATABASE_URL: db.url, JWT_SECRET: secret, LOG_LEVEL: 'info', ...env });

  /** Makes the service's next queries wait: another session holds an exclusive lock on the table. */
  async function lockGroups(): Promise<Client> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE password_sync_group IN ACCESS EXCLUSIVE MODE');
    return client;
  }
  const waitingOnLock = async () =>
    (
      await withClient(db.url, (c) =>
        c.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'password-sync-groups' AND wait_event_type = 'Lock'`,
        ),
      )
    ).rows[0].n as number;
  async function untilWaiting(n: number) {
    const deadline = Date.now() + 30_000;
    while ((await waitingOnLock()) < n) {
      if (Date.now() > deadline) throw new Error(`fewer than ${n} requests reached the database`);
      await sleep(50);
    }
  }
  /** Resolves once the port refuses connections: the server stopped accepting. */
  async function untilRefused(app: AppProcess) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await fetch(`${app.url}/health/live`, { headers: { connection: 'close' } });
      } catch {
        return;
      }
      if (Date.now() > deadline) throw new Error('the server kept accepting connections');
      await sleep(50);
    }
  }

  it('SIGTERM with requests in flight: they complete with their normal responses, then the process exits 0', async () => {
    const app = await start();
    let lock: Client | undefined;
    try {
      const created = (await (
        await fetch(`${app.url}/password-sync-groups`, {
          method: 'POST',
          headers: { authorization: bearer, 'content-type': 'application/json' },
          body: JSON.stringify(VALID_BODY),
        })
      ).json()) as { id: string };

      lock = await lockGroups();
      const inFlight = [
        fetch(`${app.url}/v3/password-sync-groups`, { headers: { authorization: bearer } }),
        fetch(`${app.url}/password-sync-groups/${created.id}`, { headers: { authorization: bearer } }),
        fetch(`${app.url}/beta/password-sync-groups/${created.id}`, {
          method: 'PUT',
          headers: { authorization: bearer, 'content-type': 'application/json' },
          body: JSON.stringify({ ...VALID_BODY, name: 'Renamed during shutdown' }),
        }),
      ];
      await untilWaiting(3); // all three are inside the service, waiting on the database

      app.child.kill('SIGTERM');
      await app.waitForLog('shutting down');
      await untilRefused(app); // no new connections...
      expect(app.child.exitCode).toBeNull(); // ...but still running for the three in flight

      await lock.query('ROLLBACK');
      const [list, got, put] = await Promise.all(inFlight);
      expect(list.status).toBe(200);
      expect(await list.json()).toEqual([created]);
      expect(got.status).toBe(200);
      expect(await got.json()).toEqual(created);
      expect(put.status).toBe(200);
      expect(await put.json()).toMatchObject({ id: created.id, name: 'Renamed during shutdown' });

      expect(await app.exited).toEqual({ code: 0, signal: null });
      const messages = app.logLines.map(
        (l) => `${String(l.msg)}${l.status ? ` ${String(l.method)} ${Number(l.status)}` : ''}`,
      );
      const from = messages.indexOf('shutting down: refusing new connections, finishing requests in flight');
      expect(messages.slice(from).sort()).toEqual(
        [
          'shutting down: refusing new connections, finishing requests in flight',
          'request completed GET 200',
          'request completed GET 200',
          'request completed PUT 200',
          'audit event', // the PUT's (docs/operations.md)
          'shutdown complete: HTTP server, database and Redis closed',
        ].sort(),
      );
      // (No order among the last lines: a request's log line is written by its onResponse hook, which
      // may run just after the connection it answered on closed, so after "shutdown complete".)
      const [row] = (await withClient(db.url, (c) => c.query('SELECT name FROM password_sync_group'))).rows;
      expect(row).toEqual({ name: 'Renamed during shutdown' });
      // The service's database sessions are gone.
      const sessions = await withClient(db.url, (c) =>
        c.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'password-sync-groups'`,
        ),
      );
      expect(sessions.rows[0].n).toBe(0);
    } finally {
      await lock?.end().catch(() => undefined);
      await app.kill();
    }
  });

  it('SHUTDOWN_TIMEOUT_SECONDS bounds the wait: a request stuck past it is cut off and the exit status is 1', async () => {
    const app = await start({ SHUTDOWN_TIMEOUT_SECONDS: '1', DB_STATEMENT_TIMEOUT_MS: '0' });
    const lock = await lockGroups();
    try {
      const stuck = fetch(`${app.url}/password-sync-groups`, { headers: { authorization: bearer } }).then(
        (r) => `status ${r.status}`,
        (err: Error) => `failed: ${err.message}`,
      );
      await untilWaiting(1);
      app.child.kill('SIGTERM');
      expect(await app.exited).toEqual({ code: 1, signal: null });
      expect(await stuck).toBe('failed: fetch failed');
      expect(app.logLines.at(-1)).toMatchObject({
        level: 'error',
        timeoutSeconds: 1,
        msg: 'shutdown timed out: exiting with requests still in flight',
      });
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end().catch(() => undefined);
      await app.kill();
    }
  });
});
