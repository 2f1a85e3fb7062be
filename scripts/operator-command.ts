import { ConfigError, loadConfig } from '../src/config/app-config';

/**
 * Runs an operator command (backup, restore, audit): its result as JSON on stdout, exit 0; any
 * refusal as one line on stderr, exit 1 (never a stack trace for a bad argument or file).
 */
export function runOperatorCommand(command: () => Promise<unknown>): void {
  command().then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

/** The SQLite file the service with this environment uses; refused for PostgreSQL. */
export function sqliteFileOf(command: string, postgresTool: string): string {
  let config;
  try {
    config = loadConfig(process.env, { tokensVerified: false });
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(err.message, { cause: err });
    throw err;
  }
  if (config.database.type !== 'sqlite' || config.database.database === ':memory:') {
    throw new Error(
      `npm run ${command} works on the embedded SQLite database; for PostgreSQL use ${postgresTool} (docs/operations.md)`,
    );
  }
  return config.database.database;
}
