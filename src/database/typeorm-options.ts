import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { PasswordSyncGroupSource } from '../password-sync-groups/password-sync-group-source.entity';
import { PasswordSyncGroup } from '../password-sync-groups/password-sync-group.entity';
import { PersonalAccessToken } from '../personal-access-tokens/personal-access-token.entity';

/** Every entity of the service. A new feature module adds its entities here. */
export const ENTITIES = [PasswordSyncGroup, PasswordSyncGroupSource, PersonalAccessToken];

/** The personal-access-tokens feature keeps its migrations in its own folder. */
const PERSONAL_ACCESS_TOKEN_MIGRATIONS = join(__dirname, '..', 'personal-access-tokens', 'migrations');

/**
 * The one source of TypeORM options: the app (TypeOrmModule), the migration CLI
 * (`ormconfig.ts`) and the tests all build their DataSource from this function.
 * Migrations are kept per database dialect, since SQL differs between them.
 */
export function buildDataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    synchronize: false,
    migrationsRun: config.migrationsRun,
    migrationsTableName: 'migrations',
    logging: false,
  } as const;
  if (config.database.type === 'postgres') {
    const { size, statementTimeoutMs, connectionTimeoutMs } = config.pool;
    return {
      ...common,
      type: 'postgres',
      url: config.database.url,
      // Per instance: N instances open up to N × DB_POOL_SIZE connections.
      poolSize: size,
      // Waiting for a connection (new, or from an exhausted pool) fails after this, not never: a
      // server that does not answer (down behind a firewall, frozen) makes the request fail fast
      // (503) and the next one try again.
      connectTimeoutMS: connectionTimeoutMs,
      applicationName: 'password-sync-groups',
      // The server cancels a statement running longer than this; the request becomes a 500.
      extra: statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {},
      migrations: [
        join(__dirname, 'migrations', 'postgres', '*.{ts,js}'),
        join(PERSONAL_ACCESS_TOKEN_MIGRATIONS, 'postgres', '*.{ts,js}'),
      ],
      migrationsTransactionMode: 'each',
    };
  }
  const database = config.database.database;
  if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database,
    migrations: [
      join(__dirname, 'migrations', 'sqlite', '*.{ts,js}'),
      join(PERSONAL_ACCESS_TOKEN_MIGRATIONS, 'sqlite', '*.{ts,js}'),
    ],
    // WAL lets readers proceed while a writer commits; foreign keys enforce the cascade.
    enableWAL: database !== ':memory:',
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    },
  };
}
