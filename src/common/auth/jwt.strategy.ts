import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { UnauthorizedError } from '../errors/domain-error';
import { principalFromClaims, type Principal, type SailPointClaims } from './principal';
import { resolveSigningSecret } from './signing-key';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, not a string: jsonwebtoken re-parses string keys on every verification.
      secretOrKey: resolveSigningSecret(config.jwtSecret, config.dataDir).key as unknown as string,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  validate(claims: SailPointClaims): Principal {
    const principal = principalFromClaims(claims);
    if (typeof principal === 'string') throw new UnauthorizedError(principal);
    return principal;
  }
}
