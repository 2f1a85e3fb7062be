import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../../config/app-config';

export const DEV_SECRET_FILE = 'jwt-secret';

export interface SigningSecret {
  /** The HS256 secret as a KeyObject: jsonwebtoken parses a string key on every call. */
  key: KeyObject;
  /** Where it came from, for the startup message. */
  source: 'JWT_SECRET' | 'generated' | 'data-dir';
}

/**
 * The HS256 secret: `JWT_SECRET` when set; otherwise a random secret generated on first start
 * and kept in the data directory with mode 0600 (never hard-coded). `npm run token` reads the
 * same file, so the tokens it mints are accepted by the running service.
 */
export function resolveSigningSecret(jwtSecret: string | undefined, dataDir: string): SigningSecret {
  if (jwtSecret) return { key: createSecretKey(Buffer.from(jwtSecret, 'utf8')), source: 'JWT_SECRET' };
  const file = join(dataDir, DEV_SECRET_FILE);
  try {
    return { key: createSecretKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8')), source: 'data-dir' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  try {
    // 'wx' fails if another process created the file meanwhile; then read theirs.
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return resolveSigningSecret(undefined, dataDir);
  }
  return { key: createSecretKey(Buffer.from(secret, 'utf8')), source: 'generated' };
}

/** The HS256 secret of an app in secret or dev-secret mode; undefined with asymmetric keys. */
export function signingSecretOf(config: AppConfig): SigningSecret | undefined {
  const { key } = config.jwt;
  if (key.mode === 'secret') return resolveSigningSecret(key.secret, config.dataDir);
  if (key.mode === 'dev-secret') return resolveSigningSecret(undefined, config.dataDir);
  return undefined;
}
