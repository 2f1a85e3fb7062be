import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { parseJwk, type VerificationKey } from './public-key';

export interface JwksOptions {
  uri: string;
  /** After this long the keys are refetched in the background (they stay in use meanwhile). */
  cacheSeconds: number;
  /** At most one fetch per this many seconds, however many unknown `kid`s arrive. */
  refetchFloorSeconds: number;
  /** A fetch that takes longer fails. */
  timeoutMs?: number;
}

export type JwksFetcher = (uri: string, signal: AbortSignal) => Promise<unknown>;

/** GET the JWKS document as JSON. */
export const fetchJwksDocument: JwksFetcher = async (uri, signal) => {
  const response = await fetch(uri, { signal, headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
};

/**
 * The keys of an identity provider's JWKS endpoint, parsed once into `KeyObject`s and kept by
 * `kid`. A token whose `kid` is not cached triggers a refetch (the provider rotated its keys),
 * but never more than once per `refetchFloorSeconds`, so a flood of made-up `kid`s cannot
 * hammer the provider; concurrent misses share one fetch. A failed fetch keeps the keys held.
 */
export class JwksKeySet {
  private readonly logger = new Logger('Jwks');
  private keys = new Map<string, VerificationKey>();
  private lastAttempt = -Infinity;
  private lastSuccess = -Infinity;
  private inflight?: Promise<void>;

  constructor(
    private readonly options: JwksOptions,
    private readonly fetchDocument: JwksFetcher = fetchJwksDocument,
    /** Milliseconds on a monotonic clock; injectable for unit tests. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The key for a token's `kid` (a token without `kid` matches a set of exactly one key). */
  async keyFor(kid: string | undefined): Promise<VerificationKey | undefined> {
    const cached = this.lookup(kid);
    if (cached) {
      if (this.now() - this.lastSuccess > this.options.cacheSeconds * 1000) void this.refreshIfAllowed();
      return cached;
    }
    await this.refreshIfAllowed();
    return this.lookup(kid);
  }

  /** Refetches, unless a fetch is running (then waits for it) or the last began within the floor. */
  refreshIfAllowed(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (this.now() - this.lastAttempt < this.options.refetchFloorSeconds * 1000) return Promise.resolve();
    return this.refresh();
  }

  /** Fetches now (startup). Never rejects: a failure is logged and the cached keys stay. */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.lastAttempt = this.now();
    this.inflight = this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** The `kid`s currently held. */
  get kids(): string[] {
    return [...this.keys.keys()];
  }

  private lookup(kid: string | undefined): VerificationKey | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    return this.keys.size === 1 ? [...this.keys.values()][0] : undefined;
  }

  private async load(): Promise<void> {
    const { uri, timeoutMs = 5000 } = this.options;
    try {
      const document = (await this.fetchDocument(uri, AbortSignal.timeout(timeoutMs))) as { keys?: unknown };
      if (!document || !Array.isArray(document.keys)) throw new Error('the document has no "keys" array');
      const keys = new Map<string, VerificationKey>();
      for (const [index, entry] of (document.keys as unknown[]).entries()) {
        const jwk = typeof entry === 'object' && entry !== null ? (entry as Parameters<typeof parseJwk>[0]) : undefined;
        const kid = typeof jwk?.kid === 'string' ? jwk.kid : '';
        const parsed = jwk ? parseJwk(jwk) : 'is not an object';
        if (typeof parsed === 'string') {
          this.logger.warn(`JWKS key ${kid ? `"${kid}"` : `#${index}`} from ${uri} is skipped: it ${parsed}`);
          continue;
        }
        keys.set(kid, parsed);
      }
      if (keys.size === 0) throw new Error('the document has no usable signing key (RSA ≥ 2048 bits or EC P-256)');
      this.keys = keys;
      this.lastSuccess = this.now();
      this.logger.log(`JWKS loaded from ${uri}: kids ${[...keys.keys()].map((k) => JSON.stringify(k)).join(', ')}`);
    } catch (err) {
      this.logger.error(
        `JWKS fetch from ${uri} failed (${(err as Error).message}); keeping the ${this.keys.size} key(s) held. ` +
          'Tokens signed with any other key are refused until a fetch succeeds.',
      );
    }
  }
}
