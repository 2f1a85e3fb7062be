import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { PasswordSyncGroupSource } from '../password-sync-groups/password-sync-group-source.entity';
import { PasswordSyncGroup } from '../password-sync-groups/password-sync-group.entity';

/** Every entity of the service. A new feature module adds its entities here. */
export const ENTITIES = [PasswordSyncGroup, PasswordSyncGroupSource];

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
    return {
      ...common,
      type: 'postgres',
      url: config.database.url,
      migrations: [join(__dirname, 'migrations', 'postgres', '*.{ts,js}')],
      migrationsTransactionMode: 'each',
      // Without a bound, a connection attempt to a server that does not answer (down behind a
      // firewall, frozen) waits forever and so does the request; with it, the request fails
      // fast (503) and the next one tries again.
      connectTimeoutMS: 5000,
    };
  }
  const database = config.database.database;
  if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database,
    migrations: [join(__dirname, 'migrations', 'sqlite', '*.{ts,js}')],
    // WAL lets readers proceed while a writer commits; foreign keys enforce the cascade.
    enableWAL: database !== ':memory:',
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    },
  };
}
