import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { UnauthorizedError } from '../errors/domain-error';
import { IS_PUBLIC } from './access.decorator';
import type { Principal } from './principal';
import type { AuthenticatedRequest } from './request-context';

/**
 * First of the three global guards (authentication → rate limit → authorization).
 * It verifies the bearer JWT but does not reject: a failure is recorded on the request, so
 * the rate limiter can count the caller by IP before `AuthorizationGuard` answers 401.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) {
      return true;
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // Node keeps only the first of repeated Authorization fields; a proxy may keep the last.
    // Credentials that two parties could read differently are refused outright.
    if (countHeader(request.raw.rawHeaders, 'authorization') > 1) {
      request.authFailure = 'Authorization header must be sent once';
      return true;
    }
    try {
      return (await super.canActivate(context)) as boolean;
    } catch (err) {
      // jsonwebtoken throws (rather than reporting) on some well-signed but absurd payloads,
      // e.g. `null`: whatever escapes verification is a token we cannot read. Fail closed.
      if (!(err instanceof UnauthorizedError)) request.log.warn({ err }, 'JWT verification threw');
      request.authFailure = err instanceof UnauthorizedError ? err.reason : 'JWT is malformed';
      return true;
    }
  }

  override handleRequest<T = Principal>(err: unknown, user: T | false, info: unknown, context: ExecutionContext): T {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (user && !err) return user;
    request.authFailure = failureReason(err ?? info, request);
    return null as T;
  }
}

/** Short, specific reasons for the 401 body. */
export function failureReason(error: unknown, request: AuthenticatedRequest): string {
  if (error instanceof UnauthorizedError) return error.reason;
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  if (name === 'TokenExpiredError') return 'JWT is expired';
  if (name === 'NotBeforeError') return 'JWT is not yet valid';
  if (message === 'No auth token') {
    const header = request.headers.authorization;
    if (header === undefined || /^\s*(bearer\s*)?$/i.test(header)) return 'JWT is missing';
    return 'Authorization header must be "Bearer <JWT>"';
  }
  switch (message) {
    case 'invalid signature':
      return 'JWT signature is invalid';
    case 'invalid algorithm':
    case 'jwt signature is required':
      return 'JWT algorithm is not allowed';
    default:
      // jsonwebtoken's key-type checks; VerificationKeys refuses these earlier, this is a backstop.
      if (message?.startsWith('secretOrPublicKey must be') || message?.startsWith('"alg" parameter')) {
        return 'JWT algorithm is not allowed';
      }
      if (message?.startsWith('jwt audience invalid')) return 'JWT audience is invalid';
      if (message?.startsWith('jwt issuer invalid')) return 'JWT issuer is invalid';
      return 'JWT is malformed';
  }
}

function countHeader(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name) count++;
  return count;
}
