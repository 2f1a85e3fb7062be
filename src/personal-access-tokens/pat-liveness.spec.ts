import { loadConfig } from '../config/app-config';
import type { Principal } from '../common/auth/principal';
import { TokenChecks } from '../common/auth/token-checks';
import { PAT_CLAIM, PatLiveness, REVOKED_REASON } from './pat-liveness';
import type { PersonalAccessTokensRepository } from './personal-access-tokens.repository';

const principal = { tenantId: 'acme' } as Principal;
const ID = 'a'.repeat(32);

function setup(rows: Map<string, { expirationDate: string | null }>, cacheSeconds = 5) {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), PAT_CHECK_CACHE_SECONDS: String(cacheSeconds) });
  const reads: string[] = [];
  const repository = {
    expiryOf: ({ tenantId, id }: { tenantId: string; id: string }) => {
      reads.push(`${tenantId}/${id}`);
      return Promise.resolve(rows.get(id));
    },
  } as unknown as PersonalAccessTokensRepository;
  const checks = new TokenChecks();
  const liveness = new PatLiveness(config, checks, repository);
  liveness.onModuleInit();
  return { liveness, checks, reads };
}

describe('PatLiveness (revocation of PAT-minted access tokens)', () => {
  afterEach(() => jest.useRealTimers());

  it('registers itself where the service signs tokens; tokens without pat_id pass synchronously, with no read', () => {
    const { checks, reads } = setup(new Map());
    expect(checks.empty).toBe(false);
    expect(checks.run({ tenant_id: 'acme' }, principal)).toBeUndefined();
    expect(reads).toEqual([]);
  });

  it('reads a PAT once per interval, shares concurrent reads, and answers from memory meanwhile', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z') });
    const { liveness, reads } = setup(new Map([[ID, { expirationDate: null }]]));
    const claims = { [PAT_CLAIM]: ID };
    expect(await Promise.all([liveness.check(claims, principal), liveness.check(claims, principal)])).toEqual([
      undefined,
      undefined,
    ]);
    expect(reads).toEqual([`acme/${ID}`]);
    expect(liveness.check(claims, principal)).toBeUndefined(); // synchronous: from memory
    jest.advanceTimersByTime(5000);
    await liveness.check(claims, principal);
    expect(reads).toHaveLength(2);
  });

  it('a deleted PAT is refused after the interval (or at once once forgotten); an expiry is checked on every request', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z') });
    const rows = new Map([
      [ID, { expirationDate: null as string | null }],
      ['b'.repeat(32), { expirationDate: '2026-12-01T00:00:01.000Z' }],
    ]);
    const { liveness } = setup(rows);
    const claims = { [PAT_CLAIM]: ID };
    await liveness.check(claims, principal);
    rows.delete(ID);
    expect(liveness.check(claims, principal)).toBeUndefined(); // still within the interval
    liveness.forget('acme', ID);
    expect(await liveness.check(claims, principal)).toBe(REVOKED_REASON);

    const expiring = { [PAT_CLAIM]: 'b'.repeat(32) };
    expect(await liveness.check(expiring, principal)).toBeUndefined();
    jest.advanceTimersByTime(1000);
    expect(liveness.check(expiring, principal)).toBe(REVOKED_REASON); // from memory, no read needed
    expect(await liveness.check({ [PAT_CLAIM]: 42 }, principal)).toBe(REVOKED_REASON);
  });

  it('is not registered where the service cannot sign (JWT_JWKS_URI / JWT_PUBLIC_KEY)', () => {
    const config = loadConfig({ JWT_JWKS_URI: 'https://idp.example/jwks.json' });
    const checks = new TokenChecks();
    new PatLiveness(config, checks, {} as PersonalAccessTokensRepository).onModuleInit();
    expect(checks.empty).toBe(true);
  });
});
