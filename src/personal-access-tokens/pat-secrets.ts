import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { signingSecretOf } from '../common/auth/signing-key';

/** A PAT id (also its OAuth client id): 128 random bits as 32 lowercase hex characters, as SailPoint's. */
export const newPatId = (): string => randomBytes(16).toString('hex');
/** A PAT secret: 256 random bits as 64 lowercase hex characters, as SailPoint's. */
export const newPatSecret = (): string => randomBytes(32).toString('hex');

export const PAT_ID = /^[0-9a-f]{32}$/;

/**
 * Hashes and checks PAT secrets. A secret is 256 random bits, so a fast keyed hash is right:
 * nothing can be guessed from it, and a slow password hash would make `/oauth/token` a CPU
 * sink for anyone who posts wrong secrets. The key is derived (HKDF) from the service's HS256
 * signing secret, so a copy of the database alone does not let anyone test candidate secrets
 * offline; every instance with the same secret derives the same key. Rotating JWT_SECRET
 * therefore retires every PAT, as it retires every token the service issued.
 */
export class PatSecretHasher {
  private constructor(private readonly key: Buffer) {}

  /** The hasher of a service that signs its own tokens; undefined with JWT_JWKS_URI / JWT_PUBLIC_KEY. */
  static of(config: AppConfig): PatSecretHasher | undefined {
    const signing = signingSecretOf(config);
    if (!signing) return undefined;
    const material = signing.key.export();
    return new PatSecretHasher(
      Buffer.from(hkdfSync('sha256', material, 'personal-access-tokens', 'pat secret hash v1', 32)),
    );
  }

  hash(secret: string): string {
    return createHmac('sha256', this.key).update(secret, 'utf8').digest('hex');
  }

  /** Constant time in the secret: the comparison never stops at the first differing byte. */
  matches(secret: string, storedHash: string): boolean {
    const candidate = Buffer.from(this.hash(secret), 'hex');
    const stored = Buffer.from(storedHash, 'hex');
    return candidate.length === stored.length && timingSafeEqual(candidate, stored);
  }
}
