import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { resolve } from 'node:path';
import { toBool, toInt } from './env-variables';

/** Where data lives: the data directory and the database (SQLite by default, or PostgreSQL). */
export class DatabaseVariables {
  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  @IsOptional()
  @Matches(/^(postgres(ql)?:\/\/.+|sqlite:.+)$/, {
    message: 'must be a postgres://… URL or sqlite:<file> (sqlite::memory: for a throwaway database)',
  })
  DATABASE_URL?: string;

  @Transform(toBool)
  @IsBoolean()
  DB_MIGRATIONS_RUN = true;

  // class-validator checks a property's decorators bottom-up and stops at the first failure, so
  // @IsInt() sits last: a non-number reads "must be an integer", not "must not be greater than".
  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  DB_POOL_SIZE = 10;

  // 0 turns the limit off (not recommended: a stuck query then holds its request forever).
  @Transform(toInt)
  @Min(0)
  @IsInt()
  DB_STATEMENT_TIMEOUT_MS = 15000;

  @Transform(toInt)
  @Min(100)
  @IsInt()
  DB_CONNECTION_TIMEOUT_MS = 10000;
}

export type DatabaseConfig = { type: 'sqlite'; database: string } | { type: 'postgres'; url: string };

export interface DatabasePoolConfig {
  /** PostgreSQL only: connections per instance. */
  size: number;
  /** PostgreSQL only: server-side statement_timeout; 0 = none. */
  statementTimeoutMs: number;
  /** PostgreSQL only: how long to wait for a (new or pooled) connection. */
  connectionTimeoutMs: number;
}

export interface DatabaseSettings {
  dataDir: string;
  database: DatabaseConfig;
  migrationsRun: boolean;
  pool: DatabasePoolConfig;
}

export function databaseSettings(vars: DatabaseVariables): DatabaseSettings {
  const dataDir = resolve(vars.DATA_DIR);
  return {
    dataDir,
    database: parseDatabaseUrl(vars.DATABASE_URL, dataDir),
    migrationsRun: vars.DB_MIGRATIONS_RUN,
    pool: {
      size: vars.DB_POOL_SIZE,
      statementTimeoutMs: vars.DB_STATEMENT_TIMEOUT_MS,
      connectionTimeoutMs: vars.DB_CONNECTION_TIMEOUT_MS,
    },
  };
}

function parseDatabaseUrl(url: string | undefined, dataDir: string): DatabaseConfig {
  if (!url) return { type: 'sqlite', database: resolve(dataDir, 'password-sync-groups.sqlite') };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    return { type: 'sqlite', database: file === ':memory:' ? ':memory:' : resolve(file) };
  }
  return { type: 'postgres', url };
}
