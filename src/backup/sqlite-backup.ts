import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { loadConfig } from '../config/app-config';
import { buildDataSourceOptions } from '../database/typeorm-options';

/**
 * Backup and restore of the embedded SQLite database (`npm run backup` / `npm run restore`).
 * Every refusal is a BackupError with a message for the operator; nothing else is thrown on
 * bad input.
 */
export class BackupError extends Error {
  override name = 'BackupError';
}

/** The tables a database of this service has; a file without them is someone else's. */
const REQUIRED_TABLES = ['migrations', 'password_sync_group', 'password_sync_group_source'];

export interface BackupSummary {
  file: string;
  bytes: number;
  /** Name of the newest migration in the copy: the schema version it needs. */
  schema: string;
  groups: number;
  integrity: 'ok';
}

/**
 * The newest migration this code knows (by timestamp), from the file names in the SQLite
 * migration folders the service itself runs (buildDataSourceOptions).
 */
export function knownMigrationTimestamp(): number {
  const options = buildDataSourceOptions(loadConfig({ DATABASE_URL: 'sqlite::memory:' }, { tokensVerified: false }));
  const folders = (options.migrations as string[]).flatMap((pattern) => foldersOf(dirname(pattern)));
  const stamps = folders
    .flatMap((folder) => readdirSync(folder))
    .map((file) => /^(\d+)-.+\.(ts|js)$/.exec(file)?.[1])
    .filter((stamp): stamp is string => stamp !== undefined)
    .map(Number);
  return Math.max(...stamps);
}

/** The folders a migration folder pattern names (a `*` segment: every feature folder that has one). */
function foldersOf(pattern: string): string[] {
  const parts = pattern.split(sep);
  const star = parts.indexOf('*');
  if (star < 0) return existsSync(pattern) ? [pattern] : [];
  const parent = parts.slice(0, star).join(sep) || sep;
  return readdirSync(parent).flatMap((entry) => foldersOf([parent, entry, ...parts.slice(star + 1)].join(sep)));
}

/**
 * Checks that `file` is a sound database of this service that this version can run: SQLite's
 * own `PRAGMA integrity_check`, our tables, and no migration newer than this code knows (a
 * backup from a newer release would be started with a schema this code does not understand).
 */
export function inspect(file: string): Omit<BackupSummary, 'file' | 'bytes'> {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new BackupError(`${file} cannot be opened as a SQLite database (${(err as Error).message})`);
  }
  try {
    let problems: string[];
    try {
      problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check);
    } catch (err) {
      throw new BackupError(`${file} is not a SQLite database or is damaged (${(err as Error).message})`);
    }
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new BackupError(`${file} fails PRAGMA integrity_check: ${problems.slice(0, 5).join('; ')}`);
    }
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map(
        (row) => row.name,
      ),
    );
    const missing = REQUIRED_TABLES.filter((table) => !tables.has(table));
    if (missing.length > 0) {
      throw new BackupError(`${file} is not a Password Sync Groups database (no table ${missing.join(', ')})`);
    }
    const newest = db.prepare('SELECT name, timestamp FROM migrations ORDER BY timestamp DESC LIMIT 1').get() as
      { name: string; timestamp: number } | undefined;
    if (!newest) throw new BackupError(`${file} has no migrations recorded: it is not a database this service made`);
    if (Number(newest.timestamp) > knownMigrationTimestamp()) {
      throw new BackupError(
        `${file} was made by a newer version of the service (migration ${newest.name}); restore it with that version`,
      );
    }
    const { groups } = db.prepare('SELECT COUNT(*) AS groups FROM password_sync_group').get() as { groups: number };
    return { schema: newest.name, groups, integrity: 'ok' };
  } finally {
    db.close();
  }
}

/**
 * A consistent copy of the live database into `target`, through SQLite's online backup API
 * (better-sqlite3's `backup`). It reads one snapshot: in WAL mode the service keeps reading
 * and writing meanwhile, and every transaction committed before the copy started is in it.
 * The copy is written beside `target` and renamed into place once checked, so `target` is
 * never a half-written file.
 */
export async function backupDatabase(source: string, target: string): Promise<BackupSummary> {
  if (!existsSync(source)) throw new BackupError(`There is no database at ${source} (is DATA_DIR/DATABASE_URL right?)`);
  if (existsSync(target)) throw new BackupError(`${target} already exists; choose a new file name`);
  const partial = join(dirname(target), `.${basename(target)}.partial`);
  rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true, timeout: 5000 });
  try {
    // Each step copies pages; a write by another connection between steps restarts the copy.
    // After the first step every remaining page goes in one step, so a busy service cannot
    // keep restarting it.
    await db.backup(partial, { progress: ({ totalPages }) => Math.max(totalPages, 100) });
  } catch (err) {
    rmSync(partial, { force: true });
    throw new BackupError(`The backup failed: ${(err as Error).message}`);
  } finally {
    db.close();
  }
  try {
    // The copy keeps the live database's WAL mode; one self-contained file is what a backup
    // should be (the service turns WAL back on when it opens a restored copy).
    const copy = new Database(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    const summary = inspect(partial);
    renameSync(partial, target);
    return { file: target, bytes: statSync(target).size, ...summary };
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  }
}

/**
 * Puts the backup `from` in place of the database at `target`, which no process may have
 * open. The backup is checked first (integrity, ours, not newer than this code); the database
 * it replaces is kept beside it as `<name>.before-restore-<time>`, with its WAL checkpointed in.
 */
export async function restoreDatabase(
  from: string,
  target: string,
  now: Date = new Date(),
): Promise<BackupSummary & { previous?: string }> {
  inspect(from);
  let previous: string | undefined;
  if (existsSync(target)) {
    assertNotInUse(target);
    previous = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, previous);
  }
  mkdirSync(dirname(target), { recursive: true }); // a data directory not created yet
  // Stale -wal/-shm files next to the new database would be replayed into it.
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
  const partial = join(dirname(target), `.${basename(target)}.restoring`);
  rmSync(partial, { force: true });
  const source = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await source.backup(partial);
  } finally {
    source.close();
  }
  renameSync(partial, target);
  const summary = inspect(target);
  return { file: target, bytes: statSync(target).size, ...summary, previous };
}

/**
 * Refuses when any process has the database open (a running service). Leaving WAL mode needs
 * the database to itself: SQLite answers SQLITE_BUSY while another connection is open, even an
 * idle one, so this tells a stopped service from a running one without a pid file that a
 * crash could leave behind. On success the WAL is checkpointed into the file and removed.
 */
function assertNotInUse(target: string): void {
  let db: Database.Database;
  try {
    db = new Database(target, { fileMustExist: true, timeout: 0 });
  } catch (err) {
    throw new BackupError(`${target} cannot be opened (${(err as Error).message})`);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    const [{ journal_mode: mode }] = db.pragma('journal_mode = DELETE') as Array<{ journal_mode: string }>;
    if (mode !== 'delete') throw new Error(`journal mode stayed ${mode}`);
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    throw new BackupError(
      `${target} is in use (${(err as Error).message}): stop the service (every instance using this DATA_DIR) before restoring`,
    );
  } finally {
    db.close();
  }
}
