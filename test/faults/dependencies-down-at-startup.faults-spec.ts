import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import { AppProcess, freePort, sleep } from '../support/processes';
import { JwksServer, rsaKey } from '../support/identity-provider';
import { ThrowawayRedis } from '../support/redis';
import { createThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres';
import { api, serviceAuth, serviceEnv } from './fault-kit';

/**
 * What the service does when a dependency is down at the moment it starts (not only mid-run):
 * - PostgreSQL: it retries for a bounded time (10 attempts, 3 s apart), comes up if the
 *   database appears meanwhile, and otherwise exits 1 with one line saying what to fix.
 * - Redis: it starts anyway after a short wait and serves without the rate limit (fails open),
 *   says so at error level and again every 30 s while requests go unthrottled, and enforces
 *   the limit again once Redis answers, without a restart.
 * - The identity provider's JWKS, refusing or hanging: startup waits at most the fetch timeout
 *   (5 s), logs the failure, refuses tokens meanwhile (401), and accepts them once it answers.
 * Every bound below is generous for a loaded 2-core machine.
 */
const dataDirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'psg-faults-deps-'));
  dataDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('PostgreSQL down at startup', () => {
  let pg: ThrowawayPostgres;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    pg = await createThrowawayPostgres();
    await pg.stop('fast');
  }, 120_000);

  afterAll(async () => {
    await app?.kill();
    await pg?.destroy();
  }, 120_000);

  it('never reachable: exit 1 within about 30 s, one line naming what to fix, no credentials, no stack', async () => {
    const auth = serviceAuth();
    const url = new URL(pg.url);
    url.password = 'not-for-logs-4711';
    const started = Date.now();
    app = await AppProcess.start(serviceEnv(url.toString(), dataDir(), auth), { waitUntilLive: false });
    const exit = await app.exited;
    const tookMs = Date.now() - started;
    expect(exit.code).toBe(1);
    expect(tookMs).toBeLessThan(90_000);
    expect(tookMs).toBeGreaterThan(20_000); // it did retry
    expect(app.stderr).toContain(
      `Startup failed: the database is unreachable (connect ECONNREFUSED 127.0.0.1:${pg.port}) after 10 attempts 3 s apart. ` +
        'Check that PostgreSQL is running and accepting connections, and that DATABASE_URL points at it.',
    );
    expect(app.stderr).not.toContain('    at ');
    expect(app.stdout + app.stderr).not.toContain('not-for-logs-4711');
    console.log(`PostgreSQL down at startup: exit 1 after ${(tookMs / 1000).toFixed(1)} s`);
  }, 120_000);

  it('reachable a few seconds after the start: the service waits for it and comes up by itself', async () => {
    const auth = serviceAuth();
    const started = Date.now();
    app = await AppProcess.start(serviceEnv(pg.url, dataDir(), auth), { waitUntilLive: false });
    await app.waitForLog('Unable to connect to the database', 60_000);
    await pg.start();
    const pgUp = Date.now();
    await app.waitUntilLive(60_000);
    const created = await api(app.url, auth.bearer, 'POST', '/password-sync-groups', {
      name: 'after the wait',
      passwordPolicyId: 'pp',
      sourceIds: ['s1'],
    });
    expect(created.status).toBe(200);
    expect((await api(app.url, auth.bearer, 'GET', '/health/ready')).status).toBe(200);
    console.log(
      `PostgreSQL late at startup: live ${((Date.now() - pgUp) / 1000).toFixed(1)} s after PostgreSQL started ` +
        `(${((Date.now() - started) / 1000).toFixed(1)} s after the service)`,
    );
    expect((await app.stop()).code).toBe(0);
  }, 120_000);
});

describe('Redis down at startup', () => {
  let app: AppProcess | undefined;
  const redis = new ThrowawayRedis();

  afterAll(async () => {
    await app?.kill();
    await redis.stop();
  }, 60_000);

  it('starts, serves without the limit, repeats the warning, and enforces the limit once Redis answers', async () => {
    const auth = serviceAuth();
    const redisPort = await freePort();
    const dir = dataDir();
    const started = Date.now();
    app = await AppProcess.start(
      serviceEnv(`sqlite:${join(dir, 'data.sqlite')}`, dir, auth, {
        LOG_LEVEL: 'info',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        THROTTLE_LIMIT: '3',
        THROTTLE_TTL_SECONDS: '60',
      }),
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    const warning = await app.waitForLog('RATE LIMIT NOT ENFORCED');
    expect(warning).toMatchObject({ level: 'error', reason: expect.stringContaining('not reachable at startup') });

    // Fails open: more than the limit of 3 in the window, all served.
    for (let i = 0; i < 6; i++)
      expect((await api(app.url, auth.bearer, 'GET', '/password-sync-groups')).status).toBe(200);
    // The reminder comes every 30 s while requests go unthrottled.
    const reminderBy = Date.now() + 45_000;
    while (!app.stdout.includes('RATE LIMIT STILL NOT ENFORCED') && Date.now() < reminderBy) {
      expect((await api(app.url, auth.bearer, 'GET', '/password-sync-groups')).status).toBe(200);
      await sleep(1000);
    }
    const reminder = await app.waitForLog('RATE LIMIT STILL NOT ENFORCED', 1000);
    expect(reminder).toMatchObject({ level: 'error', unthrottledRequests: expect.any(Number) });
    expect(reminder.unthrottledRequests as number).toBeGreaterThanOrEqual(6);

    await redis.start(redisPort);
    const redisUp = Date.now();
    const recovered = await app.waitForLog('rate limit enforced again', 30_000);
    const recoveryMs = Date.now() - redisUp;
    expect(recovered).toMatchObject({ level: 'warn' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await api(app.url, auth.bearer, 'GET', '/password-sync-groups')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    console.log(`Redis down at startup: limit enforced again ${(recoveryMs / 1000).toFixed(1)} s after Redis started`);
    expect((await app.stop()).code).toBe(0);
  }, 180_000);
});

/** A JWKS endpoint that can refuse connections, hang (accept and never answer) or serve. */
class FlakyJwks {
  readonly keys = [rsaKey('k1')];
  private readonly real = new JwksServer();
  private hangServer?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async init(): Promise<this> {
    this.port = await freePort();
    return this;
  }

  get uri(): string {
    return `http://127.0.0.1:${this.port}/jwks.json`;
  }

  async hang(): Promise<void> {
    this.hangServer = createServer((socket) => this.sockets.add(socket));
    await new Promise<void>((resolve) => this.hangServer!.listen(this.port, '127.0.0.1', resolve));
  }

  async serve(): Promise<void> {
    await this.close();
    await this.real.start(this.keys, this.port);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.hangServer) await new Promise<void>((resolve) => this.hangServer!.close(() => resolve()));
    this.hangServer = undefined;
    await this.real.stop();
  }

  token(): string {
    const key = this.keys[0];
    return sign(
      { tenant_id: 'acme', client_id: 'c', authorities: ['ORG_ADMIN'], scope: ['sp:scopes:all'] },
      key.privateKey,
      {
        algorithm: 'RS256',
        keyid: key.kid,
        expiresIn: 600,
      },
    );
  }
}

describe.each([
  ['refusing connections', 'refuse'],
  ['accepting connections and never answering', 'hang'],
] as const)('the JWKS %s at startup', (_label, mode) => {
  let app: AppProcess | undefined;
  let jwks: FlakyJwks;

  beforeAll(async () => {
    jwks = await new FlakyJwks().init();
  });

  afterAll(async () => {
    await app?.kill();
    await jwks?.close();
  }, 60_000);

  it('startup waits a bounded time, logs why, refuses tokens meanwhile, accepts them once it answers', async () => {
    if (mode === 'hang') await jwks.hang();
    const dir = dataDir();
    const started = Date.now();
    app = await AppProcess.start({
      DATABASE_URL: `sqlite:${join(dir, 'data.sqlite')}`,
      DATA_DIR: dir,
      JWT_JWKS_URI: jwks.uri,
      JWT_JWKS_REFETCH_FLOOR_SECONDS: '1',
      LOG_LEVEL: 'info',
    });
    const startMs = Date.now() - started;
    expect(startMs).toBeLessThan(60_000);
    const failure = await app.waitForLog(`JWKS fetch from ${jwks.uri} failed`);
    expect(failure.level).toBe('error');
    const bearer = `Bearer ${jwks.token()}`;
    const refused = await api(app.url, bearer, 'GET', '/password-sync-groups');
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 401,
      body: { error: 'JWT validation failed: JWT key is unknown' },
    });

    await jwks.serve();
    const answering = Date.now();
    let status = 0;
    while (Date.now() - answering < 30_000) {
      status = (await api(app.url, bearer, 'GET', '/password-sync-groups')).status;
      if (status === 200) break;
      await sleep(250);
    }
    const recoveryMs = Date.now() - answering;
    expect(status).toBe(200);
    expect(recoveryMs).toBeLessThan(30_000);
    await app.waitForLog(`JWKS loaded from ${jwks.uri}`);
    console.log(
      `JWKS ${mode} at startup: live after ${(startMs / 1000).toFixed(1)} s; tokens accepted ${(recoveryMs / 1000).toFixed(1)} s after it answered`,
    );
    expect((await app.stop()).code).toBe(0);
  }, 120_000);
});
