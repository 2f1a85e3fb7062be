import { Logger } from '@nestjs/common';
import { generateKeyPairSync } from 'node:crypto';
import { JwksKeySet, type JwksFetcher } from './jwks-key-set';

const jwk = (kid: string) => ({
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
  kid,
  alg: 'ES256',
  use: 'sig',
});

/** A provider whose key set the test changes, counting fetches; a clock the test moves. */
function setup(options: { cacheSeconds?: number; refetchFloorSeconds?: number } = {}) {
  const state = { keys: [jwk('a')] as object[], fetches: 0, fail: false, now: 0 };
  let release: (() => void) | undefined;
  const fetcher: JwksFetcher = async () => {
    state.fetches += 1;
    if (release) await new Promise<void>((resolve) => (release = resolve));
    if (state.fail) throw new Error('HTTP 503');
    return { keys: state.keys };
  };
  const set = new JwksKeySet(
    {
      uri: 'https://idp.test/jwks',
      cacheSeconds: options.cacheSeconds ?? 600,
      refetchFloorSeconds: options.refetchFloorSeconds ?? 30,
    },
    fetcher,
    () => state.now,
  );
  const hold = () => (release = () => undefined);
  const letGo = () => {
    const r = release;
    release = undefined;
    r?.();
  };
  return { state, set, hold, letGo };
}

describe('JwksKeySet', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('refetches on an unknown kid at most once per floor, and picks up a rotation after it', async () => {
    const { state, set } = setup({ refetchFloorSeconds: 30 });
    await set.refresh();
    expect(state.fetches).toBe(1);
    state.keys = [jwk('b')];
    state.now = 10_000;
    expect(await set.keyFor('b')).toBeUndefined(); // within the floor: no fetch
    expect(state.fetches).toBe(1);
    state.now = 30_000;
    expect((await set.keyFor('b'))?.algorithm).toBe('ES256');
    expect(state.fetches).toBe(2);
    expect(await set.keyFor('a')).toBeUndefined(); // retired
    expect(set.kids).toEqual(['b']);
  });

  it('concurrent misses share one fetch', async () => {
    const { state, set, hold, letGo } = setup();
    hold();
    const lookups = Promise.all([set.keyFor('a'), set.keyFor('x'), set.keyFor('y')]);
    await Promise.resolve();
    letGo();
    const [a, x, y] = await lookups;
    expect(state.fetches).toBe(1);
    expect(a?.algorithm).toBe('ES256');
    expect([x, y]).toEqual([undefined, undefined]);
  });

  it('a failed fetch keeps the keys held; it is retried after the floor', async () => {
    const { state, set } = setup({ refetchFloorSeconds: 30 });
    await set.refresh();
    state.fail = true;
    state.now = 31_000;
    expect(await set.keyFor('new')).toBeUndefined();
    expect(state.fetches).toBe(2);
    expect((await set.keyFor('a'))?.algorithm).toBe('ES256');
    state.fail = false;
    state.keys = [jwk('a'), jwk('new')];
    state.now = 62_000;
    expect((await set.keyFor('new'))?.algorithm).toBe('ES256');
  });

  it('after cacheSeconds a hit still answers from the cache and refreshes in the background', async () => {
    const { state, set } = setup({ cacheSeconds: 600 });
    await set.refresh();
    state.keys = [jwk('c')];
    state.now = 601_000;
    expect((await set.keyFor('a'))?.algorithm).toBe('ES256'); // served from the cache...
    await set.refreshIfAllowed(); // ...while the background fetch (already running) completes
    expect(state.fetches).toBe(2);
    expect(await set.keyFor('a')).toBeUndefined();
    expect(set.kids).toEqual(['c']);
  });

  it('skips keys it cannot use and says why', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { state, set } = setup();
    const rsa1024 = {
      ...generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }),
      kid: 'weak',
    };
    state.keys = [rsa1024, { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }, { ...jwk('enc'), use: 'enc' }, jwk('good')];
    await set.refresh();
    expect(set.kids).toEqual(['good']);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'JWKS key "weak" from https://idp.test/jwks is skipped: it is an RSA key shorter than 2048 bits',
      'JWKS key "hmac" from https://idp.test/jwks is skipped: it has kty "oct"; only RSA and EC are supported',
      'JWKS key "enc" from https://idp.test/jwks is skipped: it has use "enc", not "sig"',
    ]);
    warn.mockRestore();
  });
});
