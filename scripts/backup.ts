/**
 * A consistent copy of the embedded SQLite database, taken while the service serves:
 *   npm run backup -- --to /backups/psg-2026-12-07.sqlite
 * Reads DATA_DIR / DATABASE_URL like the service. Prints a JSON summary on stdout.
 * PostgreSQL: use pg_dump (docs/operations.md).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { backupDatabase } from '../src/backup/sqlite-backup';
import { runOperatorCommand, sqliteFileOf } from './operator-command';

runOperatorCommand(async () => {
  const { values } = parseArgs({ options: { to: { type: 'string' } }, strict: true });
  if (!values.to) throw new Error('usage: npm run backup -- --to FILE');
  return backupDatabase(sqliteFileOf('backup', 'pg_dump'), resolve(values.to));
});
