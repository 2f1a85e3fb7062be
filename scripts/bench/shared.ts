/**
 * What the benchmark's parts share: tenants, the token, the database target and small helpers.
 * Nothing here imports the service: the baseline and the load generator must not depend on it.
 */
import { createSecretKey } from 'node:crypto';
import { sign } from 'jsonwebtoken';

/** Tenants the benchmark owns; it deletes their rows before and after a run, nothing else. */
export const TENANT_PREFIX = 'bench-';
export const READ_TENANT = 'bench-read';
export const WRITE_TENANT = 'bench-write';
export const SCALE_TENANT = 'bench-scale';

export const API = '/v3/password-sync-groups';
/** SailPoint's per-service path: the `get-v1` case compares GET by id there with `/v3`. */
export const SERVICE_API = '/password-sync-groups/v1';
export const POLICY_ID = '2c91808d744ba0ce01746f93b6204501';

export type DbKind = 'sqlite' | 'postgres';

/** Where a run's data lives: a SQLite file, or a PostgreSQL database given by URL. */
export interface DbTarget {
  kind: DbKind;
  /** SQLite: the file path. PostgreSQL: the connection URL. */
  location: string;
  /** The DATABASE_URL the service is started with. */
  databaseUrl: string;
}

/** A full-access user token shaped like SailPoint's (the same claims `npm run token` mints). */
export function benchToken(secret: string, tenant: string, clientId = 'bench'): string {
  return sign(
    {
      tenant_id: tenant,
      client_id: clientId,
      authorities: ['ORG_ADMIN'],
      scope: ['sp:scopes:all'],
      sub: 'bench-admin',
      identity_id: 'bench-admin',
      user_name: 'bench.admin',
    },
    createSecretKey(Buffer.from(secret, 'utf8')),
    { algorithm: 'HS256', expiresIn: 24 * 3600 },
  );
}

/** A small deterministic PRNG (mulberry32), so runs visit ids in the same order. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], seed = 42): T[] {
  const out = [...items];
  const random = prng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
