import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { sign, verify, type SignOptions, type VerifyOptions } from 'jsonwebtoken';
import { loadConfig } from '../../config/app-config';
import { UnauthorizedError } from '../errors/domain-error';
import { Public } from './access.decorator';
import { AuthenticationGuard, failureReason } from './authentication.guard';
import { mintToken } from './dev-token';
import { JwtStrategy } from './jwt.strategy';
import type { Principal } from './principal';
import { TokenChecks } from './token-checks';
import { VerificationKeys } from './verification-keys';
import type { AuthenticatedRequest } from './request-context';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const KEY = createSecretKey(Buffer.from(SECRET, 'utf8'));
const CLAIMS = { tenant_id: 'acme', client_id: 'cli' };

const requestWith = (authorization?: string): AuthenticatedRequest =>
  ({
    headers: authorization === undefined ? {} : { authorization },
    raw: { rawHeaders: authorization === undefined ? [] : ['Authorization', authorization] },
  }) as unknown as AuthenticatedRequest;

/** The error jsonwebtoken itself raises when verifying `token` as the service does (HS256 only). */
function verificationError(token: string, options: VerifyOptions = {}): Error {
  try {
    verify(token, KEY, { algorithms: ['HS256'], ...options });
  } catch (err) {
    return err as Error;
  }
  throw new Error('the token verified');
}

const signed = (options: SignOptions = {}, key: KeyObject = KEY) =>
  sign(CLAIMS, key, { algorithm: 'HS256', expiresIn: 3600, ...options });

describe('failureReason', () => {
  const req = requestWith('Bearer x');

  it('maps TokenExpiredError to "JWT is expired"', () => {
    const error = verificationError(signed({ expiresIn: -10 }));
    expect(error.name).toBe('TokenExpiredError');
    expect(failureReason(error, req)).toBe('JWT is expired');
  });

  it('maps NotBeforeError to "JWT is not yet valid"', () => {
    const error = verificationError(signed({ notBefore: 3600 }));
    expect(error.name).toBe('NotBeforeError');
    expect(failureReason(error, req)).toBe('JWT is not yet valid');
  });

  it('maps a signature made with another key to "JWT signature is invalid"', () => {
    const error = verificationError(
      signed({}, createSecretKey(Buffer.from('another-secret-also-long-enough-xxxxxxxx'))),
    );
    expect(error.message).toBe('invalid signature');
    expect(failureReason(error, req)).toBe('JWT signature is invalid');
  });

  it('maps a disallowed algorithm (HS512) to "JWT algorithm is not allowed"', () => {
    const error = verificationError(signed({ algorithm: 'HS512' }));
    expect(error.message).toBe('invalid algorithm');
    expect(failureReason(error, req)).toBe('JWT algorithm is not allowed');
  });

  it('maps an unsigned token (alg "none") to "JWT algorithm is not allowed"', () => {
    const unsigned = sign(CLAIMS, null as unknown as string, { algorithm: 'none', expiresIn: 3600 });
    const error = verificationError(unsigned);
    expect(error.message).toBe('jwt signature is required');
    expect(failureReason(error, req)).toBe('JWT algorithm is not allowed');
  });

  it('maps a malformed token to "JWT is malformed"', () => {
    const error = verificationError('not-a-jwt');
    expect(error.message).toBe('jwt malformed');
    expect(failureReason(error, req)).toBe('JWT is malformed');
  });

  it('maps an audience mismatch to "JWT audience is invalid"', () => {
    const error = verificationError(signed({ audience: 'someone-else' }), { audience: 'psg' });
    expect(error.message).toMatch(/^jwt audience invalid/);
    expect(failureReason(error, req)).toBe('JWT audience is invalid');
  });

  it('maps an issuer mismatch to "JWT issuer is invalid"', () => {
    const error = verificationError(signed({ issuer: 'evil' }), { issuer: 'https://acme.identitynow.com' });
    expect(error.message).toMatch(/^jwt issuer invalid/);
    expect(failureReason(error, req)).toBe('JWT issuer is invalid');
  });

  describe('"No auth token" (passport-jwt found no bearer token)', () => {
    const noToken = new Error('No auth token');

    it('without an Authorization header → "JWT is missing"', () => {
      expect(failureReason(noToken, requestWith())).toBe('JWT is missing');
    });

    it.each(['', 'Bearer', 'bearer ', 'Bearer   '])('with Authorization %j (no token) → "JWT is missing"', (header) => {
      expect(failureReason(noToken, requestWith(header))).toBe('JWT is missing');
    });

    it.each(['Basic dXNlcjpwdw==', 'Token abc', 'eyJhbGciOiJIUzI1NiJ9.e30.x'])(
      'with Authorization: %s → must be "Bearer <JWT>"',
      (header) => {
        expect(failureReason(noToken, requestWith(header))).toBe('Authorization header must be "Bearer <JWT>"');
      },
    );
  });

  it('passes through the reason of an UnauthorizedError (raised by JwtStrategy.validate)', () => {
    expect(failureReason(new UnauthorizedError('JWT has no tenant'), req)).toBe('JWT has no tenant');
  });

  it('falls back to "JWT is malformed" for anything unrecognised', () => {
    expect(failureReason(undefined, req)).toBe('JWT is malformed');
    expect(failureReason(null, req)).toBe('JWT is malformed');
    expect(failureReason('boom', req)).toBe('JWT is malformed');
    expect(failureReason(new Error('jwt id invalid. expected: 1'), req)).toBe('JWT is malformed');
  });
});

/** A Nest ExecutionContext over one request, for a handler of a given controller class. */
function contextFor(request: AuthenticatedRequest, handler: () => void, cls: new () => unknown): ExecutionContext {
  return {
    getHandler: () => handler,
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}), getNext: () => undefined }),
  } as unknown as ExecutionContext;
}

class OpenController {
  @Public()
  docs() {}
}

@Public()
class OpenClass {
  anything() {}
}

class ClosedController {
  list() {}
}

describe('AuthenticationGuard.handleRequest', () => {
  const guard = new AuthenticationGuard(new Reflector());
  const principal = { tenantId: 't' } as unknown as Principal;

  it('returns the user and records no failure when authentication succeeded', () => {
    const request = requestWith('Bearer x');
    const ctx = contextFor(request, ClosedController.prototype.list, ClosedController);
    expect(guard.handleRequest(null, principal, undefined, ctx)).toBe(principal);
    expect(request.authFailure).toBeUndefined();
  });

  it('does not throw on failure: it records the reason and returns null', () => {
    const request = requestWith('Bearer x');
    const ctx = contextFor(request, ClosedController.prototype.list, ClosedController);
    const expired = verificationError(signed({ expiresIn: -10 }));
    expect(guard.handleRequest(null, false, expired, ctx)).toBeNull();
    expect(request.authFailure).toBe('JWT is expired');
  });

  it('prefers the error over the info', () => {
    const request = requestWith('Bearer x');
    const ctx = contextFor(request, ClosedController.prototype.list, ClosedController);
    guard.handleRequest(new UnauthorizedError('JWT has no expiry'), false, new Error('No auth token'), ctx);
    expect(request.authFailure).toBe('JWT has no expiry');
  });

  it('treats an error with a user as a failure', () => {
    const request = requestWith('Bearer x');
    const ctx = contextFor(request, ClosedController.prototype.list, ClosedController);
    expect(guard.handleRequest(new Error('invalid signature'), principal, undefined, ctx)).toBeNull();
    expect(request.authFailure).toBe('JWT signature is invalid');
  });
});

describe('AuthenticationGuard.canActivate with the real JwtStrategy', () => {
  const guard = new AuthenticationGuard(new Reflector());
  const config = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: '/nonexistent' });
  // Registers the 'jwt' strategy with passport, as the Nest module does at boot.
  new JwtStrategy(config, new VerificationKeys(config), new TokenChecks());

  async function authenticate(authorization?: string): Promise<AuthenticatedRequest> {
    const request = requestWith(authorization);
    await expect(
      guard.canActivate(contextFor(request, ClosedController.prototype.list, ClosedController)),
    ).resolves.toBe(true);
    return request;
  }

  it('lets public routes through without looking at the token', async () => {
    for (const [handler, cls] of [
      [OpenController.prototype.docs, OpenController],
      [OpenClass.prototype.anything, OpenClass],
    ] as const) {
      const request = requestWith('Bearer garbage');
      await expect(guard.canActivate(contextFor(request, handler, cls))).resolves.toBe(true);
      expect(request.user).toBeUndefined();
      expect(request.authFailure).toBeUndefined();
    }
  });

  it('attaches the principal for a valid token', async () => {
    const request = await authenticate(
      `Bearer ${mintToken(KEY, { tenant: 'acme', clientId: 'cli', identityId: 'id-1' })}`,
    );
    expect(request.authFailure).toBeUndefined();
    expect(request.user).toMatchObject({ tenantId: 'acme', clientId: 'cli', identityId: 'id-1' });
  });

  it.each([
    [undefined, 'JWT is missing'],
    ['Basic dXNlcjpwdw==', 'Authorization header must be "Bearer <JWT>"'],
    ['Bearer not-a-jwt', 'JWT is malformed'],
    [`Bearer ${signed({ expiresIn: -10 })}`, 'JWT is expired'],
    [`Bearer ${signed({ algorithm: 'HS512' })}`, 'JWT algorithm is not allowed'],
    [
      `Bearer ${signed({}, createSecretKey(Buffer.from('another-secret-also-long-enough-xxxxxxxx')))}`,
      'JWT signature is invalid',
    ],
    [`Bearer ${sign({ client_id: 'cli' }, KEY, { expiresIn: 3600 })}`, 'JWT has no tenant'],
    [`Bearer ${sign({ tenant_id: 'acme' }, KEY)}`, 'JWT has no expiry'],
  ])('Authorization: %s → no principal, authFailure "%s"', async (header, reason) => {
    const request = await authenticate(header);
    expect(request.user).toBeNull();
    expect(request.authFailure).toBe(reason);
  });
});
