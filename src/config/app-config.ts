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
import { parsePublicKeyPem } from '../common/auth/public-key';

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

/** A claim name, or a dot path into nested claims (`realm_access.roles`). */
const CLAIM_PATH = /^[^.\s]+(\.[^.\s]+)*$/;
const CLAIM_PATH_MESSAGE = 'must be a claim name or a dot path such as realm_access.roles';

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

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (use a random value)' })
  JWT_SECRET?: string;

  @IsOptional()
  @IsString()
  JWT_PUBLIC_KEY?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s):// URL of a JSON Web Key Set' })
  JWT_JWKS_URI?: string;

  @Transform(toInt)
  @Min(1)
  @IsInt()
  JWT_JWKS_CACHE_SECONDS = 600;

  @Transform(toInt)
  @Min(0)
  @IsInt()
  JWT_JWKS_REFETCH_FLOOR_SECONDS = 30;

  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  @Transform(toInt)
  @Min(0)
  @Max(300)
  @IsInt()
  JWT_CLOCK_TOLERANCE_SECONDS = 5;

  @Matches(CLAIM_PATH, { message: CLAIM_PATH_MESSAGE })
  JWT_TENANT_CLAIM = 'tenant_id';

  @Matches(CLAIM_PATH, { message: CLAIM_PATH_MESSAGE })
  JWT_AUTHORITIES_CLAIM = 'authorities';

  @Matches(CLAIM_PATH, { message: CLAIM_PATH_MESSAGE })
  JWT_SCOPE_CLAIM = 'scope';

  @Matches(CLAIM_PATH, { message: CLAIM_PATH_MESSAGE })
  JWT_CLIENT_CLAIM = 'client_id';

  @Matches(CLAIM_PATH, { message: CLAIM_PATH_MESSAGE })
  JWT_USER_CLAIM = 'identity_id';

  @IsOptional()
  @Matches(/^\S{1,255}$/, { message: 'must be a tenant id: 1-255 characters, no whitespace' })
  DEFAULT_TENANT?: string;

  @Transform(toInt)
  @Min(1)
  @IsInt()
  THROTTLE_LIMIT = 100;

  @Transform(toInt)
  @Min(1)
  @IsInt()
  THROTTLE_TTL_SECONDS = 10;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @Matches(/^[\w:.{}|-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits and _ : . - | { }' })
  REDIS_KEY_PREFIX = 'psg:throttle:';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  @Transform(toInt)
  @Min(1)
  @Max(3600)
  @IsInt()
  SHUTDOWN_TIMEOUT_SECONDS = 25;

  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,/]+(\s*,\s*https?:\/\/[^\s,/]+)*)$/, {
    message: 'must be * or a comma-separated list of origins such as https://app.example.com,http://localhost:5173',
  })
  CORS_ORIGINS?: string;

  @Transform(toInt)
  @Min(1)
  @Max(3600)
  @IsInt()
  HTTP_REQUEST_TIMEOUT_SECONDS = 30;

  @Transform(toInt)
  @Min(1)
  @Max(3600)
  @IsInt()
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS = 72;

  // No hop count: it trusts whatever connects, so a client that reaches the service directly
  // could forge X-Forwarded-For (Fastify 5.12 ignores a number for this reason).
  @Matches(/^(true|false|(?!\d+$)[\da-fA-F:./]+(\s*,\s*[\da-fA-F:./]+)*)$/, {
    message:
      'must be false, true, or a comma-separated list of proxy IPs/CIDRs; a hop count is not accepted, since it ' +
      'cannot tell the proxy from a client that connects directly and forges X-Forwarded-For',
  })
  TRUST_PROXY = 'false';

  // Personal access tokens and POST /oauth/token.
  @Transform(toInt)
  @Min(1)
  @IsInt()
  OAUTH_FAILED_ATTEMPTS_PER_CLIENT = 10;

  @Transform(toInt)
  @Min(1)
  @IsInt()
  OAUTH_FAILED_ATTEMPTS_PER_IP = 50;

  @Transform(toInt)
  @Min(1)
  @Max(86400)
  @IsInt()
  OAUTH_FAILED_ATTEMPTS_WINDOW_SECONDS = 300;

  // How long an instance trusts that a personal access token it checked is still there: the
  // bound on how long its access tokens keep working on other instances after it is deleted.
  @Transform(toInt)
  @Min(0)
  @Max(300)
  @IsInt()
  PAT_CHECK_CACHE_SECONDS = 5;

  // development only: create a personal access token for the development user on first start.
  @Transform(toBool)
  @IsBoolean()
  DEV_PAT = true;
}

/** The names of every variable the service reads (`.env.example` must list each). */
export const environmentVariableNames = (): string[] => Object.keys(new EnvironmentVariables());

export type DatabaseConfig = { type: 'sqlite'; database: string } | { type: 'postgres'; url: string };

export interface DatabasePoolConfig {
  /** PostgreSQL only: connections per instance. */
  size: number;
  /** PostgreSQL only: server-side statement_timeout; 0 = none. */
  statementTimeoutMs: number;
  /** PostgreSQL only: how long to wait for a (new or pooled) connection. */
  connectionTimeoutMs: number;
}

/**
 * How tokens are verified. Exactly one mode: a JWKS endpoint, a PEM public key, an HS256
 * secret, or (development only) the secret generated in the data directory.
 */
export type JwtKeyConfig =
  | { mode: 'jwks'; jwksUri: string; cacheSeconds: number; refetchFloorSeconds: number }
  | { mode: 'public-key'; publicKeyPem: string }
  | { mode: 'secret'; secret: string }
  | { mode: 'dev-secret' };

/** Where the principal's fields are read from: claim names or dot paths. */
export interface ClaimNames {
  tenant: string;
  authorities: string;
  scope: string;
  client: string;
  user: string;
}

export interface JwtConfig {
  key: JwtKeyConfig;
  issuer?: string[];
  audience?: string[];
  clockToleranceSeconds: number;
  claims: ClaimNames;
  /** Tenant for tokens that carry none; only when DEFAULT_TENANT is set. */
  defaultTenant?: string;
}

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  migrationsRun: boolean;
  pool: DatabasePoolConfig;
  jwt: JwtConfig;
  throttle: { limit: number; ttlSeconds: number };
  redis?: { url: string; keyPrefix: string };
  logLevel: EnvironmentVariables['LOG_LEVEL'];
  shutdownTimeoutSeconds: number;
  /** Allowed browser origins; undefined = CORS off; true = any origin. */
  corsOrigins?: string[] | true;
  http: { requestTimeoutSeconds: number; keepAliveTimeoutSeconds: number; trustProxy: boolean | string[] };
  personalAccessTokens: PersonalAccessTokenConfig;
}

export interface PersonalAccessTokenConfig {
  /** Failed `/oauth/token` attempts allowed per client id, and per IP address, per window. */
  failedAttemptsPerClient: number;
  failedAttemptsPerIp: number;
  failedAttemptsWindowSeconds: number;
  /** How long an instance caches that a PAT exists (bound on revocation across instances). */
  checkCacheSeconds: number;
  /** Development: create a PAT for the development user at first start. */
  devPat: boolean;
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
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  /** The migration CLI verifies no tokens: it may run in production without a key. */
  { tokensVerified = true }: { tokensVerified?: boolean } = {},
): AppConfig {
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
  const key = jwtKeyConfig(vars, tokensVerified); // throws ConfigError
  const dataDir = resolve(vars.DATA_DIR);
  return {
    env: vars.NODE_ENV,
    port: vars.PORT,
    host: vars.HOST,
    dataDir,
    database: parseDatabaseUrl(vars.DATABASE_URL, dataDir),
    migrationsRun: vars.DB_MIGRATIONS_RUN,
    pool: {
      size: vars.DB_POOL_SIZE,
      statementTimeoutMs: vars.DB_STATEMENT_TIMEOUT_MS,
      connectionTimeoutMs: vars.DB_CONNECTION_TIMEOUT_MS,
    },
    jwt: {
      key,
      issuer: list(vars.JWT_ISSUER),
      audience: list(vars.JWT_AUDIENCE),
      clockToleranceSeconds: vars.JWT_CLOCK_TOLERANCE_SECONDS,
      claims: {
        tenant: vars.JWT_TENANT_CLAIM,
        authorities: vars.JWT_AUTHORITIES_CLAIM,
        scope: vars.JWT_SCOPE_CLAIM,
        client: vars.JWT_CLIENT_CLAIM,
        user: vars.JWT_USER_CLAIM,
      },
      defaultTenant: vars.DEFAULT_TENANT,
    },
    throttle: { limit: vars.THROTTLE_LIMIT, ttlSeconds: vars.THROTTLE_TTL_SECONDS },
    redis: vars.REDIS_URL ? { url: vars.REDIS_URL, keyPrefix: vars.REDIS_KEY_PREFIX } : undefined,
    logLevel: vars.LOG_LEVEL,
    shutdownTimeoutSeconds: vars.SHUTDOWN_TIMEOUT_SECONDS,
    corsOrigins:
      vars.CORS_ORIGINS === undefined ? undefined : vars.CORS_ORIGINS === '*' ? true : list(vars.CORS_ORIGINS),
    http: {
      requestTimeoutSeconds: vars.HTTP_REQUEST_TIMEOUT_SECONDS,
      keepAliveTimeoutSeconds: vars.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS,
      trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    },
    personalAccessTokens: {
      failedAttemptsPerClient: vars.OAUTH_FAILED_ATTEMPTS_PER_CLIENT,
      failedAttemptsPerIp: vars.OAUTH_FAILED_ATTEMPTS_PER_IP,
      failedAttemptsWindowSeconds: vars.OAUTH_FAILED_ATTEMPTS_WINDOW_SECONDS,
      checkCacheSeconds: vars.PAT_CHECK_CACHE_SECONDS,
      devPat: vars.DEV_PAT,
    },
  };
}

/** Comma-separated values, trimmed; undefined when there are none. */
function list(value: string | undefined): string[] | undefined {
  const items = (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

function parseTrustProxy(value: string): boolean | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return list(value) ?? false;
}

export const PRODUCTION_KEY_REQUIRED =
  'NODE_ENV=production needs a token verification key, and never uses the development secret generated in DATA_DIR. ' +
  "Set JWT_JWKS_URI to your identity provider's JWKS URL (RS256/ES256 tokens), " +
  'or JWT_PUBLIC_KEY to its PEM public key, or JWT_SECRET to an HS256 secret of at least 32 random characters.';

/** The one verification mode, from the three mutually exclusive variables. */
function jwtKeyConfig(vars: EnvironmentVariables, tokensVerified: boolean): JwtKeyConfig {
  const set = (['JWT_JWKS_URI', 'JWT_PUBLIC_KEY', 'JWT_SECRET'] as const).filter((name) => vars[name] !== undefined);
  if (set.length > 1) {
    throw new ConfigError([
      `${set.join(' and ')} are alternatives: set only one of JWT_JWKS_URI, JWT_PUBLIC_KEY, JWT_SECRET`,
    ]);
  }
  if (vars.JWT_JWKS_URI) {
    return {
      mode: 'jwks',
      jwksUri: vars.JWT_JWKS_URI,
      cacheSeconds: vars.JWT_JWKS_CACHE_SECONDS,
      refetchFloorSeconds: vars.JWT_JWKS_REFETCH_FLOOR_SECONDS,
    };
  }
  if (vars.JWT_PUBLIC_KEY) {
    const pem = normalizePem(vars.JWT_PUBLIC_KEY);
    const parsed = parsePublicKeyPem(pem);
    if (typeof parsed === 'string') throw new ConfigError([`JWT_PUBLIC_KEY ${parsed}`]);
    return { mode: 'public-key', publicKeyPem: pem };
  }
  if (vars.JWT_SECRET) return { mode: 'secret', secret: vars.JWT_SECRET };
  if (vars.NODE_ENV === 'production' && tokensVerified) throw new ConfigError([PRODUCTION_KEY_REQUIRED]);
  return { mode: 'dev-secret' };
}

/** Environment files often carry a PEM on one line with literal "\n" separators. */
function normalizePem(value: string): string {
  return value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
}

function parseDatabaseUrl(url: string | undefined, dataDir: string): DatabaseConfig {
  if (!url) return { type: 'sqlite', database: resolve(dataDir, 'password-sync-groups.sqlite') };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    return { type: 'sqlite', database: file === ':memory:' ? ':memory:' : resolve(file) };
  }
  return { type: 'postgres', url };
}
