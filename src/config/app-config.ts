import { IsIn, IsOptional } from 'class-validator';
import { jwtConfig, AuthVariables, type JwtConfig } from './auth.config';
import { databaseSettings, DatabaseVariables, type DatabaseSettings } from './database.config';
import { ConfigError, readVariables, setVariables } from './env-variables';
import { httpSettings, HttpVariables, type HttpSettings } from './http.config';
import { LoggingVariables, type LogLevel } from './logging.config';
import { metricsSettings, MetricsVariables, type MetricsSettings } from './metrics.config';
import { signInSettings, SignInVariables, type SignInSettings } from './sign-in.config';
import { rateLimitSettings, RateLimitVariables, type RateLimitSettings } from './rate-limit.config';

export { ConfigError } from './env-variables';
export { PRODUCTION_KEY_REQUIRED } from './auth.config';
export type { ClaimNames, JwtConfig, JwtKeyConfig } from './auth.config';
export type { DatabaseConfig, DatabasePoolConfig } from './database.config';
export type { PersonalAccessTokenConfig } from './sign-in.config';

class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';
}

/**
 * Every variable the service reads, one class per concern (each with its defaults and rules),
 * validated in this order. `.env.example` documents the same list.
 */
const CONCERNS = [
  EnvironmentVariables,
  DatabaseVariables,
  AuthVariables,
  RateLimitVariables,
  LoggingVariables,
  HttpVariables,
  MetricsVariables,
  SignInVariables,
] as const;

/** The names of every variable the service reads (`.env.example` must list each). */
export const environmentVariableNames = (): string[] => CONCERNS.flatMap((concern) => Object.keys(new concern()));

/** The validated, typed configuration: one section per concern (see src/config/*.config.ts). */
export interface AppConfig extends DatabaseSettings, RateLimitSettings, HttpSettings, MetricsSettings, SignInSettings {
  env: EnvironmentVariables['NODE_ENV'];
  jwt: JwtConfig;
  logLevel: LogLevel;
}

/** Injection token for the validated, typed configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Reads and validates configuration from an environment (process.env by default).
 * Throws ConfigError naming each offending variable.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  /** The migration CLI verifies no tokens: it may run in production without a key. */
  { tokensVerified = true }: { tokensVerified?: boolean } = {},
): AppConfig {
  const raw = setVariables(env);
  const problems: string[] = [];
  const read = <T extends object>(concern: new () => T): T => {
    const result = readVariables(concern, raw);
    problems.push(...result.problems);
    return result.vars;
  };
  const core = read(EnvironmentVariables);
  const database = read(DatabaseVariables);
  const auth = read(AuthVariables);
  const rateLimit = read(RateLimitVariables);
  const logging = read(LoggingVariables);
  const http = read(HttpVariables);
  const metrics = read(MetricsVariables);
  const signIn = read(SignInVariables);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: core.NODE_ENV,
    ...databaseSettings(database),
    jwt: jwtConfig(auth, core.NODE_ENV === 'production', tokensVerified), // throws ConfigError
    ...rateLimitSettings(rateLimit),
    logLevel: logging.LOG_LEVEL,
    ...httpSettings(http),
    ...metricsSettings(metrics),
    ...signInSettings(signIn),
  };
}
