import { sleep, type AppProcess } from '../support/processes';
import {
  HALF_WRITTEN_SQL,
  WriteLoad,
  faultDatabase,
  faultSeed,
  seededRandom,
  serviceAuth,
  serviceEnv,
  startTimed,
  type FaultDatabase,
} from './fault-kit';

/**
 * `kill -9` of the service while clients create, update and delete groups, then a restart on
 * the same data, several times over, on both databases. After every restart each acknowledged
 * write (200/204 received) must be there exactly as answered; a write that was in flight may
 * have landed or not, but whole; nothing half-written and nothing unknown is visible; SQLite's
 * own integrity check says ok; and the service starts by itself (no repair step exists).
 * The kill points come from a seeded schedule printed at the start: FAULTS_SEED=<seed> replays it.
 */
const KILLS = 4;
const WORKERS = 4;
/** Acknowledged writes each round must see before its kill may come (so kills land mid-load). */
const WRITES_BEFORE_KILL = 15;
/** A restart on a loaded 2-core machine (ts-node compiles the service on each start). */
const RESTART_LIMIT_MS = 90_000;

describe.each(['sqlite', 'postgres'] as const)('kill -9 during a mixed write load, then restart (%s)', (kind) => {
  let db: FaultDatabase;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    db = await faultDatabase(kind);
  }, 120_000);

  afterAll(async () => {
    await app?.kill();
    await db?.destroy();
  }, 120_000);

  it(`${KILLS} kills at seeded points: every acknowledged write survives, intact; nothing half-written`, async () => {
    const seed = faultSeed();
    const random = seededRandom(seed);
    const schedule = Array.from({ length: KILLS }, () => Math.round(random() * 1500));
    console.log(
      `crash (${kind}): FAULTS_SEED=${seed}; kill -9 at +[${schedule.join(', ')}] ms after ${WRITES_BEFORE_KILL} acknowledged writes of each round`,
    );
    const auth = serviceAuth();
    const env = serviceEnv(db.url, db.dataDir, auth);
    const load = new WriteLoad(auth.bearer, seededRandom(seed + 1), `crash-${kind}`);
    const restarts: number[] = [];
    let lost = 0;

    for (const [round, delay] of schedule.entries()) {
      const started = await startTimed(env);
      app = started.app;
      if (round > 0) restarts.push(started.startMs);
      expect(started.startMs).toBeLessThan(RESTART_LIMIT_MS);
      const check = await load.verify(app.url);
      lost += check.lost;
      expect({ round, problems: check.problems }).toEqual({ round, problems: [] });
      await expectConsistentStorage(db);
      // Started as usual: nothing to repair, nothing it complained about.
      expect(app.logLines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);

      const until = { stopped: false };
      const before = load.acknowledged;
      const running = load.run(app.url, WORKERS, until);
      const deadline = Date.now() + 60_000;
      while (load.acknowledged < before + WRITES_BEFORE_KILL && load.unexpected.length === 0) {
        if (Date.now() > deadline) throw new Error(`round ${round}: too few writes acknowledged\n${app.stderr}`);
        await sleep(20);
      }
      await sleep(delay);
      app.child.kill('SIGKILL');
      const exit = await app.exited;
      until.stopped = true;
      await running;
      expect(exit.signal).toBe('SIGKILL');
      expect(load.unexpected).toEqual([]);
    }

    // The last restart: everything is checked once more, then an orderly stop.
    const last = await startTimed(env);
    app = last.app;
    restarts.push(last.startMs);
    const check = await load.verify(app.url);
    lost += check.lost;
    expect(check.problems).toEqual([]);
    await expectConsistentStorage(db);
    expect(lost).toBe(0);
    const exit = await app.stop();
    expect(exit.code).toBe(0);
    await expectConsistentStorage(db);
    console.log(
      `crash (${kind}): ${KILLS} kills, ${load.acknowledged} acknowledged writes, ${lost} lost; ` +
        `restart to /health/live: ${restarts.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s`,
    );
  }, 900_000);
});

/** No group without its sources; on SQLite, the file passes SQLite's own integrity check. */
async function expectConsistentStorage(db: FaultDatabase): Promise<void> {
  expect(await db.query(HALF_WRITTEN_SQL)).toEqual([]);
  if (db.kind === 'sqlite') expect(await db.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
}
