import { spawn, type ChildProcess } from 'node:child_process';
import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request, { type Response } from 'supertest';
import { mintToken } from '../../src/common/auth/dev-token';
import { withClient } from '../support/databases';
import { TRACKING_ID } from '../support/test-app';
import { createThrowawayPostgres, freePort, type ThrowawayPostgres } from '../support/throwaway-postgres';

/**
 * Fault injection (`npm run test:faults`): the real service, as its own process, on a
 * PostgreSQL cluster this test owns; PostgreSQL is stopped while requests flow, then started
 * again. Requests must fail fast with the 503 envelope and Retry-After, the process must stay
 * up, service must resume by itself once PostgreSQL is back, and nothing committed may be lost.
 */
const REQUEST_DEADLINE_MS = 20_000;
const RETRY_AFTER = '5';

interface Sent {
  op: 'create' | 'get' | 'list';
  status: number;
  res: Response;
  body?: { name: string; passwordPolicyId: string; sourceIds: string[] };
  /** Sent after the stop had completed (so it must be a 503). */
  afterStop: boolean;
}

describe('PostgreSQL outage while requests flow', () => {
  let pg: ThrowawayPostgres;
  let app: ChildProcess;
  let output = '';
  let base: string;
  let dataDir: string;
  let bearer: string;
  const committed = new Map<string, object>(); // id → the body the service answered with 200

  beforeAll(async () => {
    pg = await createThrowawayPostgres();
    dataDir = mkdtempSync(join(tmpdir(), 'psg-faults-app-'));
    const secret = randomBytes(32).toString('hex');
    bearer = `Bearer ${mintToken(createSecretKey(Buffer.from(secret, 'utf8')), { tenant: 'acme' })}`;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: join(__dirname, '..', '..'),
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: pg.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        JWT_SECRET: secret,
        LOG_LEVEL: 'warn',
        THROTTLE_LIMIT: '1000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    app.stdout!.on('data', (chunk) => (output += chunk));
    app.stderr!.on('data', (chunk) => (output += chunk));
    // Ready when its liveness probe answers (bounded; the machine is shared).
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (app.exitCode !== null) throw new Error(`the service exited (${app.exitCode}) while starting:\n${output}`);
      const live = await fetch(`${base}/health/live`).then(
        (r) => r.status,
        () => 0,
      );
      if (live === 200) break;
      if (Date.now() > deadline) throw new Error(`the service did not start in 90 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 180_000);

  afterAll(async () => {
    if (app && app.exitCode === null) {
      app.kill('SIGTERM');
      await new Promise((resolve) => app.once('exit', resolve));
    }
    await pg?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  const http = () => request(base);
  let seq = 0;
  const newBody = () => {
    const n = ++seq;
    return { name: `fault group ${n}`, passwordPolicyId: 'pp', sourceIds: [`fault-src-${n}-a`, `fault-src-${n}-b`] };
  };
  const create = (body: object) =>
    http()
      .post('/password-sync-groups')
      .set('Authorization', bearer)
      .send(body)
      .timeout({ deadline: REQUEST_DEADLINE_MS });
  const get = (id: string) =>
    http().get(`/password-sync-groups/${id}`).set('Authorization', bearer).timeout({ deadline: REQUEST_DEADLINE_MS });
  const list = () =>
    http()
      .get('/password-sync-groups?count=true')
      .set('Authorization', bearer)
      .timeout({ deadline: REQUEST_DEADLINE_MS });

  const processIsUp = () => app.exitCode === null && app.signalCode === null && process.kill(app.pid!, 0);

  /** Mixed traffic from `workers` loops until `stop()` is called; every answer is recorded. */
  function traffic(workers: number, state: { stopped: boolean }) {
    const sent: Sent[] = [];
    let running = true;
    const knownIds = () => [...committed.keys()];
    const loop = async (w: number) => {
      for (let i = 0; running && i < 10_000; i++) {
        const afterStop = state.stopped;
        const pick = (i + w) % 3;
        if (pick === 0) {
          const body = newBody();
          const res = await create(body);
          if (res.status === 200) committed.set(res.body.id, res.body);
          sent.push({ op: 'create', status: res.status, res, body, afterStop });
        } else if (pick === 1 && knownIds().length > 0) {
          const ids = knownIds();
          const res = await get(ids[(i * 7 + w) % ids.length]);
          sent.push({ op: 'get', status: res.status, res, afterStop });
        } else {
          const res = await list();
          sent.push({ op: 'list', status: res.status, res, afterStop });
        }
      }
    };
    const done = Promise.all(Array.from({ length: workers }, (_, w) => loop(w)));
    return {
      sent,
      async until(condition: () => boolean, what: string, limitMs = 60_000) {
        const giveUp = Date.now() + limitMs;
        while (!condition()) {
          if (Date.now() > giveUp)
            throw new Error(
              `gave up waiting for ${what}; answers so far: ${JSON.stringify(countByStatus(sent))}\n${output.slice(-3000)}`,
            );
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      async finish() {
        running = false;
        await done;
      },
    };
  }

  const countByStatus = (sent: Sent[]) =>
    sent.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.status]: (acc[s.status] ?? 0) + 1 }), {});

  function expectUnavailable(res: Response): void {
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe(RETRY_AFTER);
    expect(res.headers['x-tracking-id']).toMatch(TRACKING_ID);
    expect(res.body).toEqual({
      detailCode: '503 Service Unavailable',
      trackingId: res.headers['x-tracking-id'],
      messages: [
        {
          locale: 'en-US',
          localeOrigin: 'DEFAULT',
          text: 'The server is currently unable to handle the request; retry after the time given in Retry-After.',
        },
      ],
      causes: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: 'The database is unavailable.' }],
    });
  }

  /** Every group answered 200 is stored exactly as answered; a create that got 503 is whole or absent. */
  async function expectNothingLost(sent: Sent[]): Promise<void> {
    const all = await list();
    expect(all.status).toBe(200);
    const byName = new Map<string, { id: string; sourceIds: string[] }>(
      all.body.map((g: { id: string; name: string; sourceIds: string[] }) => [g.name, g]),
    );
    for (const [id, body] of committed) {
      const res = await get(id);
      expect({ id, status: res.status, body: res.body }).toEqual({ id, status: 200, body });
    }
    expect(all.headers['x-total-count']).toBe(String(all.body.length));
    for (const s of sent.filter((x) => x.op === 'create' && x.status === 503)) {
      const stored = byName.get(s.body!.name);
      if (stored) expect(stored.sourceIds).toEqual(s.body!.sourceIds); // committed just before the connection died: whole
    }
    // The same, read straight from the database.
    const rows = await withClient(
      pg.url,
      async (c) =>
        (
          await c.query(
            'SELECT g.id, count(s.source_id)::int AS n FROM password_sync_group g LEFT JOIN password_sync_group_source s ON s.group_id = g.id GROUP BY g.id',
          )
        ).rows,
    );
    expect(rows.length).toBe(all.body.length);
    for (const row of rows) expect(row.n).toBe(2);
  }

  it('serves requests on the throwaway cluster (never the machine\u2019s own on 5432)', async () => {
    expect(pg.port).not.toBe(5432);
    for (let i = 0; i < 5; i++) {
      const res = await create(newBody());
      expect(res.status).toBe(200);
      committed.set(res.body.id, res.body);
    }
    expect((await list()).body).toHaveLength(5);
  });

  it.each([
    ['an orderly shutdown (pg_ctl stop -m fast)', 'fast' as const],
    ['a crash (pg_ctl stop -m immediate: recovery from WAL on restart)', 'immediate' as const],
  ])(
    '%s: 503s while down, the process stays up, service resumes by itself, nothing committed is lost',
    async (_label, mode) => {
      expect((await http().get('/health/ready')).status).toBe(200);
      const state = { stopped: false };
      const load = traffic(4, state);
      try {
        // Requests flowing and succeeding.
        await load.until(() => load.sent.filter((s) => s.status === 200).length >= 20, '20 successful requests');

        await pg.stop(mode);
        state.stopped = true;
        const stoppedAt = load.sent.length;
        // While it is down: requests keep getting answers, fast, and they are the 503 envelope.
        await load.until(
          () => load.sent.filter((s) => s.afterStop).length >= 30,
          '30 answers while PostgreSQL is down',
        );
        expect(processIsUp()).toBe(true);
        for (const s of load.sent.filter((x) => x.afterStop)) expectUnavailable(s.res);
        expect((await http().get('/health/ready')).status).toBe(503);

        await pg.start();
        state.stopped = false;
        const restartedAt = load.sent.length;
        // Back by itself: no restart of the service, just the next requests.
        await load.until(
          () => load.sent.slice(restartedAt).filter((s) => s.status === 200).length >= 30,
          '30 successful requests after PostgreSQL is back',
        );
        expect((await http().get('/health/ready')).status).toBe(200);
        expect(stoppedAt).toBeGreaterThan(0);
      } finally {
        await load.finish();
      }

      expect(processIsUp()).toBe(true);
      // Only two kinds of answer, ever: success, or the 503 envelope. Never a 500.
      expect(Object.keys(countByStatus(load.sent)).sort()).toEqual(['200', '503']);
      for (const s of load.sent.filter((x) => x.status === 503)) expectUnavailable(s.res);
      // Once a request succeeded after the restart, all later ones did too.
      const firstOk = load.sent.findIndex(
        (s, i) => i > 0 && s.status === 200 && load.sent.slice(0, i).some((p) => p.afterStop),
      );
      expect(load.sent.slice(firstOk + 20).filter((s) => s.status !== 200)).toEqual([]);
      await expectNothingLost(load.sent);
    },
    240_000,
  );

  it('the service never logged an unhandled error, and is still the same process', () => {
    expect(processIsUp()).toBe(true);
    expect(output).not.toContain('unhandled error');
    expect(output).toContain('database unavailable');
  });
});
