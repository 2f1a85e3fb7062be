/**
 * Puts a backup made by `npm run backup` in place of the embedded SQLite database of a
 * STOPPED service (refused while any process has the database open):
 *   npm run restore -- --from /backups/psg-2026-12-07.sqlite
 * Reads DATA_DIR / DATABASE_URL like the service. Prints a JSON summary on stdout.
 * PostgreSQL: use pg_restore (docs/operations.md).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { restoreDatabase } from '../src/backup/sqlite-backup';
import { runOperatorCommand, sqliteFileOf } from './operator-command';

runOperatorCommand(async () => {
  const { values } = parseArgs({ options: { from: { type: 'string' } }, strict: true });
  if (!values.from) throw new Error('usage: npm run restore -- --from FILE');
  return restoreDatabase(resolve(values.from), sqliteFileOf('restore', 'pg_restore'));
});
