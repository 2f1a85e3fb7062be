import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { parsePublicKeyPem } from '../common/auth/public-key';
import { ConfigError, list, toInt } from './env-variables';

/** A claim name, or a dot path into nested claims (`realm_access.roles`). */
const CLAIM_PATH = /^[^.\s]+(\.[^.\s]+)*$/;
const CLAIM_PATH_MESSAGE = 'must be a claim name or a dot path such as realm_access.roles';

/** How bearer tokens are verified, and where the principal's fields are read from. */
export class AuthVariables {
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

export const PRODUCTION_KEY_REQUIRED =
  'NODE_ENV=production needs a token verification key, and never uses the development secret generated in DATA_DIR. ' +
  "Set JWT_JWKS_URI to your identity provider's JWKS URL (RS256/ES256 tokens), " +
  'or JWT_PUBLIC_KEY to its PEM public key, or JWT_SECRET to an HS256 secret of at least 32 random characters.';

/**
 * The JWT settings; throws ConfigError for keys that are valid alone but not together, or not
 * in production. `tokensVerified`: false for the migration CLI, which may run without a key.
 */
export function jwtConfig(vars: AuthVariables, production: boolean, tokensVerified: boolean): JwtConfig {
  return {
    key: jwtKeyConfig(vars, production && tokensVerified),
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
  };
}

/** The one verification mode, from the three mutually exclusive variables. */
function jwtKeyConfig(vars: AuthVariables, keyRequired: boolean): JwtKeyConfig {
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
  if (keyRequired) throw new ConfigError([PRODUCTION_KEY_REQUIRED]);
  return { mode: 'dev-secret' };
}

/** Environment files often carry a PEM on one line with literal "\n" separators. */
function normalizePem(value: string): string {
  return value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
}
