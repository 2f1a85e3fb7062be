import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';
import { REPO_ROOT } from '../support/processes';
import { VALID_BODY, startTestApp, type TestApp } from '../support/test-app';

const run = promisify(execFile);
const DB_FILE = 'password-sync-groups.sqlite';

/** `npm run backup|restore -- …` as an operator types it; exit code, stdout and stderr. */
async function npm(command: 'backup' | 'restore', dataDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run('npm', ['run', command, '--', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const integrity = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
};

/**
 * Backup while a write load runs, then restore into a fresh data directory and start the
 * service there: every write acknowledged before the backup began must be in it.
 */
describe('SQLite backup and restore (npm run backup / npm run restore)', () => {
  let live: TestApp;
  let work: string;
  const secret = randomBytes(32).toString('hex');
  const acked: string[] = [];
  let ackedBeforeBackup: string[] = [];
  let backupFile: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'psg-backup-'));
    // The live service keeps its database at the default place in its data directory.
    live = await startTestApp('sqlite', { DATABASE_URL: '', JWT_SECRET: secret });
  });
  afterAll(async () => {
    await live?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('takes a consistent copy while writes keep being acknowledged', async () => {
    const base = await live.listen();
    const auth = live.bearer();
    let stop = false;
    let n = 0;
    const writer = async () => {
      while (!stop) {
        const i = n++;
        const res = await fetch(`${base}/v3/password-sync-groups`, {
          method: 'POST',
          headers: { Authorization: auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ ...VALID_BODY, name: `load ${i}`, sourceIds: [`src-${i}`] }),
        });
        expect(res.status).toBe(200);
        acked.push(((await res.json()) as { id: string }).id);
      }
    };
    const writers = [writer(), writer(), writer()];
    while (acked.length < 30) await new Promise((resolve) => setTimeout(resolve, 20));

    backupFile = join(work, 'backup.sqlite');
    ackedBeforeBackup = [...acked];
    const result = await npm('backup', live.config.dataDir, '--to', backupFile);
    const ackedAfterBackup = acked.length;
    stop = true;
    await Promise.all(writers);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toEqual({
      file: backupFile,
      bytes: expect.any(Number),
      schema: expect.stringMatching(/^\w+\d{13}$/),
      groups: expect.any(Number),
      integrity: 'ok',
    });
    // The load really ran during the backup, and the copy holds a point in time within it.
    expect(ackedAfterBackup).toBeGreaterThan(ackedBeforeBackup.length);
    expect(summary.groups).toBeGreaterThanOrEqual(ackedBeforeBackup.length);
    expect(integrity(backupFile)).toBe('ok');
    expect(readdirSync(work)).toEqual(['backup.sqlite']); // no partial file left behind
  });

  it('refuses to overwrite an existing backup file', async () => {
    const result = await npm('backup', live.config.dataDir, '--to', backupFile);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${backupFile} already exists; choose a new file name\n`);
  });

  it('refuses to restore into the data directory of a running service, and changes nothing', async () => {
    const before = (await live.http().get('/v3/password-sync-groups?count=true').set('Authorization', live.bearer()))
      .headers['x-total-count'];
    const result = await npm('restore', live.config.dataDir, '--from', backupFile);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is in use \(database is locked\): stop the service .* before restoring\n$/);
    const after = await live.http().get('/v3/password-sync-groups?count=true').set('Authorization', live.bearer());
    expect(after.status).toBe(200);
    expect(after.headers['x-total-count']).toBe(before);
    expect(readdirSync(live.config.dataDir).filter((f) => f.includes('before-restore'))).toEqual([]);
  });

  it('refuses a file that is not a sound database of this service, leaving the target alone', async () => {
    const target = mkdtempSync(join(work, 'target-'));
    const garbage = join(work, 'garbage.sqlite');
    writeFileSync(garbage, randomBytes(8192));
    const foreign = join(work, 'foreign.sqlite');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (a); INSERT INTO t VALUES (1)');
    db.close();
    const truncated = join(work, 'truncated.sqlite');
    writeFileSync(truncated, readFileSync(backupFile).subarray(0, 4096 * 3));

    const newer = join(work, 'newer.sqlite');
    copyFileSync(backupFile, newer);
    const newerDb = new Database(newer);
    newerDb.prepare('INSERT INTO migrations (timestamp, name) VALUES (?, ?)').run(9999999999999, 'Future9999999999999');
    newerDb.close();

    const cases: Array<[string, RegExp]> = [
      [
        newer,
        /was made by a newer version of the service \(migration Future9999999999999\); restore it with that version/,
      ],
      [join(work, 'missing.sqlite'), /missing\.sqlite does not exist/],
      [garbage, /is not a SQLite database or is damaged \(file is not a database\)/],
      [foreign, /is not a Password Sync Groups database \(no table migrations, password_sync_group, /],
      [truncated, /(fails PRAGMA integrity_check|is not a SQLite database or is damaged)/],
    ];
    for (const [file, message] of cases) {
      const result = await npm('restore', target, '--from', file);
      expect({ file, code: result.code, stdout: result.stdout }).toEqual({ file, code: 1, stdout: '' });
      expect(result.stderr).toMatch(message);
    }
    expect(readdirSync(target)).toEqual([]);
  });

  it('restores into a fresh data directory; the service started there has every acknowledged write', async () => {
    const dataDir = join(mkdtempSync(join(work, 'restored-')), 'data'); // not created yet
    const result = await npm('restore', dataDir, '--from', backupFile);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const restoredFile = join(dataDir, DB_FILE);
    expect(JSON.parse(result.stdout)).toMatchObject({ file: restoredFile, integrity: 'ok' });
    expect(integrity(restoredFile)).toBe('ok');

    let app: NestFastifyApplication | undefined;
    try {
      app = await createApp(loadConfig({ DATA_DIR: dataDir, JWT_SECRET: secret, LOG_LEVEL: 'silent' }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      const base = await app.getUrl();
      const found = new Set<string>();
      for (let offset = 0; ; offset += 250) {
        const res = await fetch(`${base}/v3/password-sync-groups?limit=250&offset=${offset}`, {
          headers: { Authorization: live.bearer() },
        });
        expect(res.status).toBe(200);
        const page = (await res.json()) as Array<{ id: string }>;
        page.forEach((group) => found.add(group.id));
        if (page.length < 250) break;
      }
      expect(ackedBeforeBackup.filter((id) => !found.has(id))).toEqual([]);
      // And it takes writes.
      const res = await fetch(`${base}/v3/password-sync-groups`, {
        method: 'POST',
        headers: { Authorization: live.bearer(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...VALID_BODY, name: 'after restore', sourceIds: ['after-restore'] }),
      });
      expect(res.status).toBe(200);
    } finally {
      await app?.close();
    }
    expect(integrity(restoredFile)).toBe('ok');
  });

  it('restoring over a stopped service keeps the database it replaces', async () => {
    const dataDir = mkdtempSync(join(work, 'replaced-'));
    copyFileSync(backupFile, join(dataDir, DB_FILE));
    const result = await npm('restore', dataDir, '--from', backupFile);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const { previous } = JSON.parse(result.stdout) as { previous: string };
    expect(previous).toMatch(new RegExp(`${DB_FILE}\\.before-restore-\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z$`));
    expect(existsSync(previous)).toBe(true);
    expect(integrity(previous)).toBe('ok');
  });
});
