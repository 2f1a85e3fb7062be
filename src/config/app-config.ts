import { resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

/**
 * Every environment variable the service reads, with its default.
 * `.env.example` documents the same list; `loadConfig` validates it once at boot.
 */
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return value;
};

class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  // class-validator checks a property's decorators bottom-up and stops at the first failure, so
  // @IsInt() sits last: a non-number reads "must be an integer", not "must not be greater than".
  @Transform(toInt)
  @Min(0)
  @Max(65535)
  @IsInt()
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

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

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (use a random value)' })
  JWT_SECRET?: string;

  @Transform(toInt)
  @Min(1)
  @IsInt()
  THROTTLE_LIMIT = 100;

  @Transform(toInt)
  @Min(1)
  @IsInt()
  THROTTLE_TTL_SECONDS = 10;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';
}

export type DatabaseConfig =
  | { type: 'sqlite'; database: string }
  | { type: 'postgres'; url: string };

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  migrationsRun: boolean;
  jwtSecret?: string;
  throttle: { limit: number; ttlSeconds: number };
  logLevel: EnvironmentVariables['LOG_LEVEL'];
}

/** Injection token for the validated, typed configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates configuration from an environment (process.env by default).
 * Throws ConfigError naming each offending variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    // An empty variable means "not set", as in most twelve-factor tooling.
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const vars = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(vars, { stopAtFirstError: true });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => {
        const message = Object.values(e.constraints ?? {})[0] ?? 'is invalid';
        return `${e.property} ${message.replace(new RegExp(`^${e.property} `), '')} (got ${JSON.stringify(e.value)})`;
      }),
    );
  }
  const dataDir = resolve(vars.DATA_DIR);
  return {
    env: vars.NODE_ENV,
    port: vars.PORT,
    host: vars.HOST,
    dataDir,
    database: parseDatabaseUrl(vars.DATABASE_URL, dataDir),
    migrationsRun: vars.DB_MIGRATIONS_RUN,
    jwtSecret: vars.JWT_SECRET,
    throttle: { limit: vars.THROTTLE_LIMIT, ttlSeconds: vars.THROTTLE_TTL_SECONDS },
    logLevel: vars.LOG_LEVEL,
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
