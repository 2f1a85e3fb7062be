import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { toBool, toInt } from './env-variables';

/** Signing in like SailPoint: personal access tokens and POST /oauth/token. */
export class SignInVariables {
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

export interface SignInSettings {
  personalAccessTokens: PersonalAccessTokenConfig;
}

export function signInSettings(vars: SignInVariables): SignInSettings {
  return {
    personalAccessTokens: {
      failedAttemptsPerClient: vars.OAUTH_FAILED_ATTEMPTS_PER_CLIENT,
      failedAttemptsPerIp: vars.OAUTH_FAILED_ATTEMPTS_PER_IP,
      failedAttemptsWindowSeconds: vars.OAUTH_FAILED_ATTEMPTS_WINDOW_SECONDS,
      checkCacheSeconds: vars.PAT_CHECK_CACHE_SECONDS,
      devPat: vars.DEV_PAT,
    },
  };
}
