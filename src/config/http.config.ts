import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { list, toInt } from './env-variables';

/** Where the service listens and how it treats connections, browsers and proxies. */
export class HttpVariables {
  @Transform(toInt)
  @Min(0)
  @Max(65535)
  @IsInt()
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

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
}

export interface HttpSettings {
  port: number;
  host: string;
  shutdownTimeoutSeconds: number;
  /** Allowed browser origins; undefined = CORS off; true = any origin. */
  corsOrigins?: string[] | true;
  http: { requestTimeoutSeconds: number; keepAliveTimeoutSeconds: number; trustProxy: boolean | string[] };
}

export function httpSettings(vars: HttpVariables): HttpSettings {
  return {
    port: vars.PORT,
    host: vars.HOST,
    shutdownTimeoutSeconds: vars.SHUTDOWN_TIMEOUT_SECONDS,
    corsOrigins:
      vars.CORS_ORIGINS === undefined ? undefined : vars.CORS_ORIGINS === '*' ? true : list(vars.CORS_ORIGINS),
    http: {
      requestTimeoutSeconds: vars.HTTP_REQUEST_TIMEOUT_SECONDS,
      keepAliveTimeoutSeconds: vars.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS,
      trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    },
  };
}

function parseTrustProxy(value: string): boolean | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return list(value) ?? false;
}
