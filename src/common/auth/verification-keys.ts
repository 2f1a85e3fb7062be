import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { UnauthorizedError } from '../errors/domain-error';
import { JwksKeySet } from './jwks-key-set';
import { parsePublicKeyPem } from './public-key';
import { resolveSigningSecret } from './signing-key';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/**
 * The keys tokens are verified with, and the algorithm allow-list, both derived from the one
 * configured mode:
 *
 * | mode                 | accepts        |
 * |----------------------|----------------|
 * | `JWT_JWKS_URI`       | RS256, ES256 (each key only its own algorithm) |
 * | `JWT_PUBLIC_KEY`     | RS256 or ES256, as the key is RSA or EC P-256   |
 * | `JWT_SECRET` / dev   | HS256          |
 *
 * So `alg: none`, an HS256 token "signed" with a public key, and any algorithm outside the
 * mode are refused before a signature is checked. Keys are `KeyObject`s parsed once (at boot,
 * or when the JWKS is fetched); verification never parses key material.
 */
@Injectable()
export class VerificationKeys implements OnApplicationBootstrap {
  private readonly logger = new Logger('Authentication');
  readonly algorithms: readonly JwtAlgorithm[];
  private readonly fixed?: { key: KeyObject; algorithm: JwtAlgorithm };
  private readonly jwks?: JwksKeySet;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const mode = config.jwt.key;
    switch (mode.mode) {
      case 'jwks':
        this.jwks = new JwksKeySet({
          uri: mode.jwksUri,
          cacheSeconds: mode.cacheSeconds,
          refetchFloorSeconds: mode.refetchFloorSeconds,
        });
        this.algorithms = ['RS256', 'ES256'];
        break;
      case 'public-key': {
        const parsed = parsePublicKeyPem(mode.publicKeyPem);
        if (typeof parsed === 'string') throw new Error(`JWT_PUBLIC_KEY ${parsed}`); // loadConfig checked it
        this.fixed = parsed;
        this.algorithms = [parsed.algorithm];
        break;
      }
      case 'secret':
      case 'dev-secret':
        this.fixed = {
          key: resolveSigningSecret(mode.mode === 'secret' ? mode.secret : undefined, config.dataDir).key,
          algorithm: 'HS256',
        };
        this.algorithms = ['HS256'];
        break;
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const { key } = this.config.jwt;
    const source =
      key.mode === 'jwks'
        ? `the JWKS at ${key.jwksUri}`
        : key.mode === 'public-key'
          ? 'JWT_PUBLIC_KEY'
          : key.mode === 'secret'
            ? 'JWT_SECRET'
            : `the development secret in ${this.config.dataDir} (never used in production)`;
    this.logger.log(`Tokens are verified with ${source}; algorithms allowed: ${this.algorithms.join(', ')}`);
    if (this.jwks) await this.jwks.refresh();
  }

  /**
   * The key that must have signed this token, or an UnauthorizedError with the 401 reason.
   * Synchronous except when the JWKS has to be (re)fetched.
   */
  keyFor(rawJwt: string): KeyObject | Promise<KeyObject> {
    const header = headerOf(rawJwt);
    if (!header) throw new UnauthorizedError('JWT is malformed');
    const alg = header.alg;
    if (typeof alg !== 'string' || !(this.algorithms as readonly string[]).includes(alg)) {
      throw new UnauthorizedError('JWT algorithm is not allowed');
    }
    if (this.fixed) return this.fixed.key;
    const kid = header.kid;
    if (kid !== undefined && typeof kid !== 'string') throw new UnauthorizedError('JWT is malformed');
    return this.jwks!.keyFor(kid).then((entry) => {
      if (!entry) throw new UnauthorizedError('JWT key is unknown');
      if (entry.algorithm !== alg) throw new UnauthorizedError('JWT algorithm is not allowed');
      return entry.key;
    });
  }
}

/** The decoded JOSE header, or undefined when the token does not start with one. */
function headerOf(rawJwt: string): { alg?: unknown; kid?: unknown } | undefined {
  const end = rawJwt.indexOf('.');
  if (end <= 0) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(rawJwt.slice(0, end), 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header) ? header : undefined;
  } catch {
    return undefined;
  }
}
