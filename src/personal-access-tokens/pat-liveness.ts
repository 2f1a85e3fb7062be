import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Claims, Principal } from '../common/auth/principal';
import { TokenChecks } from '../common/auth/token-checks';
import { PersonalAccessTokensRepository } from './personal-access-tokens.repository';
import { PatSecretHasher } from './pat-secrets';

/** The claim that marks an access token minted from a PAT, holding the PAT's id. */
export const PAT_CLAIM = 'pat_id';
export const REVOKED_REASON = 'JWT is revoked (its personal access token was deleted or has expired)';

/** Entries kept at most; beyond it the oldest are dropped (they are simply checked again). */
const MAX_ENTRIES = 10_000;

interface Entry {
  /** Undefined: the PAT is gone. Null: it never expires. Else its expiry, epoch ms. */
  expiresAt: number | null | undefined;
  checkedAt: number;
}

/**
 * Revocation of access tokens minted from a PAT. Every request with such a token (one carrying
 * `pat_id`) asks whether the PAT still exists and has not expired. The answer is kept per
 * instance for PAT_CHECK_CACHE_SECONDS (default 5), so the cost is one Map lookup for most
 * requests and one indexed read per PAT per interval:
 *
 * - expiry is checked against the clock on every request, so it takes effect at once;
 * - deleting a PAT takes effect at once on the instance that deleted it (it forgets the entry),
 *   and on the others within PAT_CHECK_CACHE_SECONDS, when they read the PAT again.
 *
 * Concurrent misses for one PAT share one read. Registered only where the service signs its own
 * tokens (otherwise none carries `pat_id` from this service).
 */
@Injectable()
export class PatLiveness implements OnModuleInit {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();
  private readonly ttlMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly checks: TokenChecks,
    private readonly repository: PersonalAccessTokensRepository,
  ) {
    this.ttlMs = config.personalAccessTokens.checkCacheSeconds * 1000;
  }

  onModuleInit(): void {
    if (PatSecretHasher.of(this.config)) this.checks.add((claims, principal) => this.check(claims, principal));
  }

  /** The refusal reason for a token minted from a PAT that is gone or expired; undefined otherwise. */
  check(claims: Claims, principal: Principal): string | undefined | Promise<string | undefined> {
    const patId = claims[PAT_CLAIM];
    if (patId === undefined) return undefined;
    if (typeof patId !== 'string') return REVOKED_REASON;
    const key = `${principal.tenantId}\u0000${patId}`;
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.checkedAt < this.ttlMs) return verdict(entry, now);
    return this.load(key, principal.tenantId, patId).then((loaded) => verdict(loaded, Date.now()));
  }

  /** After a delete or an expiry change on this instance: the next request reads the PAT again. */
  forget(tenantId: string, patId: string): void {
    this.entries.delete(`${tenantId}\u0000${patId}`);
  }

  private load(key: string, tenantId: string, id: string): Promise<Entry> {
    let pending = this.pending.get(key);
    if (pending) return pending;
    const checkedAt = Date.now();
    pending = this.repository
      .expiryOf({ tenantId, id })
      .then((row) => {
        const entry: Entry = {
          expiresAt:
            row === undefined ? undefined : row.expirationDate === null ? null : Date.parse(row.expirationDate),
          checkedAt,
        };
        if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(key, entry);
        return entry;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, pending);
    return pending;
  }
}

function verdict(entry: Entry, now: number): string | undefined {
  if (entry.expiresAt === undefined) return REVOKED_REASON;
  if (entry.expiresAt !== null && entry.expiresAt <= now) return REVOKED_REASON;
  return undefined;
}
