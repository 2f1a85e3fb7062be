import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from '../support/processes';
import { TRACKING_ID } from '../support/test-app';
import {
  HALF_WRITTEN_SQL,
  api,
  faultDatabase,
  listAll,
  serviceAuth,
  serviceEnv,
  type FaultDatabase,
  type StoredGroup,
} from './fault-kit';

/**
 * A full disk under SQLite: the data directory is a small tmpfs this test mounts (root only),
 * filled to the last byte by a filler file. Writes must answer SailPoint's 503 envelope with
 * Retry-After and nothing internal; reads keep working; the process stays up; once the filler
 * is removed, writes work again without a restart; nothing acknowledged is lost, nothing
 * refused is stored, and SQLite's integrity check says ok. Three fill/free cycles.
 */
const CYCLES = 3;
const TMPFS_SIZE = '8m';
/** Writes sent while the disk is full, per cycle. */
const WRITES_WHILE_FULL = 12;

describe('disk full under SQLite (a tmpfs the test mounts)', () => {
  let mountPoint: string | undefined;
  let db: FaultDatabase;
  let app: AppProcess | undefined;
  const auth = serviceAuth();

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('npm run test:faults runs as root: this test mounts a tmpfs');
    const dir = mkdtempSync(join(tmpdir(), 'psg-faults-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE},mode=0700`, 'tmpfs', dir]);
    mountPoint = dir;
    db = await faultDatabase('sqlite', dir);
    app = await AppProcess.start(serviceEnv(db.url, db.dataDir, auth));
  }, 120_000);

  afterAll(async () => {
    await app?.kill();
    if (mountPoint) {
      execFileSync('umount', [mountPoint]);
      rmdirSync(mountPoint);
    }
  }, 60_000);

  const acknowledged = new Map<string, StoredGroup>();
  let n = 0;
  const newBody = () => {
    n++;
    return {
      name: `disk full group ${n}`,
      passwordPolicyId: 'pp',
      sourceIds: Array.from({ length: 8 }, (_, i) => `disk-full-source-${n}-${i}-${'x'.repeat(80)}`),
    };
  };
  const create = async () => {
    const body = newBody();
    const res = await api(app!.url, auth.bearer, 'POST', '/password-sync-groups', body);
    if (res.status === 200) acknowledged.set((res.body as StoredGroup).id, res.body as StoredGroup);
    return { res, body };
  };

  /** Fills the file system to the last byte; returns the filler's path. */
  function fill(): string {
    const file = join(mountPoint!, `filler-${Date.now()}`);
    const fd = openSync(file, 'w');
    try {
      for (const size of [1 << 20, 1 << 16, 4096, 512, 1]) {
        const chunk = Buffer.alloc(size, 1);
        for (;;) {
          try {
            writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
            throw err;
          }
        }
      }
    } finally {
      closeSync(fd);
    }
    expect(statfsSync(mountPoint!).bavail).toBe(0);
    return file;
  }

  function expectUnavailable(res: Awaited<ReturnType<typeof api>>): void {
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('x-tracking-id')).toMatch(TRACKING_ID);
    expect(res.body).toEqual({
      detailCode: '503 Service Unavailable',
      trackingId: res.headers.get('x-tracking-id'),
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

  it('starts with data on the tmpfs', async () => {
    for (let i = 0; i < 20; i++) expect((await create()).res.status).toBe(200);
    expect(await listAll(app!.url, auth.bearer)).toHaveLength(20);
  });

  it.each(Array.from({ length: CYCLES }, (_, i) => i + 1))(
    'cycle %i: full disk → writes 503, reads 200, process up; freed → writes 200 at once; nothing lost or corrupted',
    async () => {
      const filler = fill();
      const refused: string[] = [];
      try {
        const target = [...acknowledged.values()][0];
        for (let i = 0; i < WRITES_WHILE_FULL; i++) {
          const kind = i % 3;
          if (kind === 0) {
            const { res, body } = await create();
            expectUnavailable(res);
            refused.push(body.name);
          } else if (kind === 1) {
            const res = await api(app!.url, auth.bearer, 'PUT', `/password-sync-groups/${target.id}`, {
              ...newBody(),
            });
            expectUnavailable(res);
          } else {
            const victim = [...acknowledged.values()][i];
            expectUnavailable(await api(app!.url, auth.bearer, 'DELETE', `/password-sync-groups/${victim.id}`));
          }
          // Reads keep working while the disk is full.
          const read = await api(app!.url, auth.bearer, 'GET', `/password-sync-groups/${target.id}`);
          expect({ status: read.status, body: read.body }).toEqual({ status: 200, body: target });
        }
        expect(await listAll(app!.url, auth.bearer)).toHaveLength(acknowledged.size);
        expect(app!.child.exitCode).toBeNull();
        expect((await api(app!.url, auth.bearer, 'GET', '/health/live')).status).toBe(200);
      } finally {
        unlinkSync(filler);
      }
      const freed = Date.now();
      const after = await create();
      const recoveryMs = Date.now() - freed;
      expect(after.res.status).toBe(200);
      expect(recoveryMs).toBeLessThan(10_000);
      console.log(`disk full: first write after freeing space answered 200 in ${recoveryMs} ms`);

      // Everything acknowledged reads back exactly; nothing refused was stored.
      const stored = await listAll(app!.url, auth.bearer);
      const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
      expect(stored.sort(byId)).toEqual([...acknowledged.values()].sort(byId));
      expect(stored.filter((g) => refused.includes(g.name))).toEqual([]);
      expect(await db.query(HALF_WRITTEN_SQL)).toEqual([]);
      expect(await db.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    },
    120_000,
  );

  it('logged what filled up for the operator, never an unhandled error; the process is the same one', () => {
    expect(app!.child.exitCode).toBeNull();
    expect(app!.stdout).not.toContain('unhandled error');
    const warnings = app!.logLines.filter((l) => l.msg === 'database unavailable');
    expect(warnings.length).toBeGreaterThanOrEqual(CYCLES * WRITES_WHILE_FULL);
    expect(warnings.every((l) => String(l.reason).includes('SQLITE_FULL'))).toBe(true);
  });
});
