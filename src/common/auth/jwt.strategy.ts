import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { UnauthorizedError } from '../errors/domain-error';
import { principalFromClaims, type ClaimMapping, type Claims, type Principal } from './principal';
import { TokenChecks } from './token-checks';
import { VerificationKeys } from './verification-keys';

/**
 * passport-jwt with a key provider: `VerificationKeys` picks the KeyObject for each token (by
 * algorithm and `kid`) and refuses algorithms outside the configured mode; jsonwebtoken then
 * checks the signature with the same allow-list, the expiry (with the clock tolerance) and,
 * when configured, the issuer and audience.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly mapping: ClaimMapping;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    keys: VerificationKeys,
    private readonly checks: TokenChecks,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // jsonwebtoken takes KeyObjects (its typings say string | Buffer); a KeyObject is never re-parsed.
      secretOrKeyProvider: (_request, rawJwt, done) => {
        const provide = (key: KeyObject) => done(null, key as unknown as string);
        let key: KeyObject | Promise<KeyObject>;
        try {
          key = keys.keyFor(rawJwt as string);
        } catch (err) {
          return done(err);
        }
        if (key instanceof Promise) key.then(provide, (err: unknown) => done(err));
        else provide(key);
      },
      algorithms: [...keys.algorithms],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: config.jwt.clockToleranceSeconds },
    });
    this.mapping = { ...config.jwt.claims, defaultTenant: config.jwt.defaultTenant };
  }

  validate(claims: Claims): Principal | Promise<Principal> {
    const principal = principalFromClaims(claims, this.mapping);
    if (typeof principal === 'string') throw new UnauthorizedError(principal);
    if (this.checks.empty) return principal;
    // Checks registered by feature modules (e.g. a revoked personal access token), after the signature.
    const verdict = this.checks.run(claims, principal);
    if (verdict === undefined) return principal;
    if (typeof verdict === 'string') throw new UnauthorizedError(verdict);
    return verdict.then((reason) => {
      if (reason !== undefined) throw new UnauthorizedError(reason);
      return principal;
    });
  }
}
