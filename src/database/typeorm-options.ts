import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';

/** The folder that holds the feature folders: src/ (dist/src/ once built). */
const FEATURES_ROOT = join(__dirname, '..');

/**
 * Where a feature keeps its schema, by convention, so no shared list names a feature: its
 * entities are `*.entity.ts` anywhere in its folder, its migrations `migrations/<dialect>/*.ts`
 * (SQL differs between the databases). `featureDir` may be a glob (`src/*`: every feature).
 */
export function featureSchemaFiles(featureDir: string, dialect: 'sqlite' | 'postgres') {
  return {
    entities: join(featureDir, '**', '*.entity.{ts,js}'),
    migrations: join(featureDir, 'migrations', dialect, '*.{ts,js}'),
  };
}

/**
 * The one source of TypeORM options: the app (TypeOrmModule), the migration CLI
 * (`ormconfig.ts`) and the tests all build their DataSource from this function. Entities and
 * migrations are those of every feature folder (`featureSchemaFiles`); TypeORM runs migrations
 * in timestamp order across features. The app itself takes its entities from the feature
 * modules instead (`TypeOrmModule.forFeature`, see CoreModule). `moreFeatureDirs`: feature
 * folders outside src/ (the tests' fixture module).
 */
export function buildDataSourceOptions(config: AppConfig, moreFeatureDirs: readonly string[] = []): DataSourceOptions {
  const schema = [join(FEATURES_ROOT, '*'), ...moreFeatureDirs].map((dir) =>
    featureSchemaFiles(dir, config.database.type),
  );
  const common = {
    entities: schema.map((files) => files.entities),
    migrations: schema.map((files) => files.migrations),
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
      migrationsTransactionMode: 'each',
    };
  }
  const database = config.database.database;
  if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database,
    // WAL lets readers proceed while a writer commits; foreign keys enforce the cascade.
    enableWAL: database !== ':memory:',
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    },
  };
}
