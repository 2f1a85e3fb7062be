import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import {
  JwksServer,
  ecKey,
  publicPem,
  randomKid,
  rsaKey,
  sailPointClaims,
  signHmac,
  signWith,
  unsigned,
  type TestKey,
} from './support/identity-provider';
import { startTestApp, type TestApp, useTestApp } from './support/test-app';

const ISSUER = 'https://idp.example.test/realms/acme';
const AUDIENCE = 'password-sync-groups';
const LIST = '/v3/password-sync-groups';

const unauthorized = (reason: string) => ({ error: `JWT validation failed: ${reason}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET the list with a token; the status and body a client sees. */
async function call(t: TestApp, token: string) {
  const res = await t.http().get(LIST).set('Authorization', `Bearer ${token}`);
  return { status: res.status, body: res.body as unknown, wwwAuthenticate: res.headers['www-authenticate'] };
}

describe('tokens from an identity provider: JWKS (JWT_JWKS_URI)', () => {
  const rsa1 = rsaKey('rsa-1');
  const ec1 = ecKey('ec-1');
  const rsa2 = rsaKey('rsa-2');
  let idp: JwksServer;
  const good = (key: TestKey, extra: Record<string, unknown> = {}) =>
    signWith(key, sailPointClaims(extra), { issuer: ISSUER, audience: AUDIENCE });

  beforeAll(async () => {
    idp = await new JwksServer().start([rsa1, ec1]);
  });
  const t = useTestApp('sqlite', () => ({
    JWT_SECRET: '',
    JWT_JWKS_URI: idp.uri,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: `other-api, ${AUDIENCE}`,
    JWT_JWKS_REFETCH_FLOOR_SECONDS: '1',
  }));
  afterAll(async () => {
    await idp?.stop();
  });

  it('fetches the keys once at startup and accepts RS256 and ES256 tokens without refetching', async () => {
    expect(idp.fetches).toBe(1);
    for (const key of [rsa1, ec1, rsa1, ec1]) {
      const res = await call(t, good(key));
      expect(res).toEqual({ status: 200, body: [], wwwAuthenticate: undefined });
    }
    expect(idp.fetches).toBe(1);
  });

  it('follows a key rotation: a new kid triggers one refetch, and the retired key stops working', async () => {
    idp.keys = [rsa2, ec1]; // the provider rotates rsa-1 out and rsa-2 in
    await sleep(1100); // past the 1 s refetch floor since the last fetch
    const before = idp.fetches;
    expect(await call(t, good(rsa2))).toMatchObject({ status: 200, body: [] });
    expect(idp.fetches).toBe(before + 1);
    // rsa-1 is no longer published: refused, and (within the floor) without another fetch.
    expect(await call(t, good(rsa1))).toEqual({
      status: 401,
      body: unauthorized('JWT key is unknown'),
      wwwAuthenticate: 'Bearer',
    });
    expect(idp.fetches).toBe(before + 1);
    expect(await call(t, good(ec1))).toMatchObject({ status: 200 });
  });

  it('refuses wrong or missing issuer and audience, naming which', async () => {
    const claims = sailPointClaims();
    expect(await call(t, signWith(ec1, claims, { issuer: 'https://evil.example', audience: AUDIENCE }))).toEqual({
      status: 401,
      body: unauthorized('JWT issuer is invalid'),
      wwwAuthenticate: 'Bearer',
    });
    expect((await call(t, signWith(ec1, claims, { audience: AUDIENCE }))).body).toEqual(
      unauthorized('JWT issuer is invalid'),
    );
    expect((await call(t, signWith(ec1, claims, { issuer: ISSUER, audience: 'another-api' }))).body).toEqual(
      unauthorized('JWT audience is invalid'),
    );
    expect((await call(t, signWith(ec1, claims, { issuer: ISSUER }))).body).toEqual(
      unauthorized('JWT audience is invalid'),
    );
    // Any one of the configured audiences will do.
    expect((await call(t, signWith(ec1, claims, { issuer: ISSUER, audience: ['x', 'other-api'] }))).status).toBe(200);
  });

  it('refuses expired and not-yet-valid tokens, with the configured clock tolerance (default 5 s)', async () => {
    const opts = { issuer: ISSUER, audience: AUDIENCE };
    expect((await call(t, signWith(ec1, sailPointClaims(), { ...opts, expiresIn: -60 }))).body).toEqual(
      unauthorized('JWT is expired'),
    );
    expect((await call(t, signWith(ec1, sailPointClaims(), { ...opts, notBefore: 120 }))).body).toEqual(
      unauthorized('JWT is not yet valid'),
    );
    // Expired one second ago: within the tolerance for clock skew between the IdP and us.
    expect((await call(t, signWith(ec1, sailPointClaims(), { ...opts, expiresIn: -1 }))).status).toBe(200);
  });

  it('refuses alg none, HS256 signed with the public key, and algorithms outside the allow-list', async () => {
    const claims = { ...sailPointClaims(), iss: ISSUER, aud: AUDIENCE };
    const notAllowed = { status: 401, body: unauthorized('JWT algorithm is not allowed'), wwwAuthenticate: 'Bearer' };
    expect(await call(t, unsigned(claims, { kid: ec1.kid }))).toEqual(notAllowed);
    expect(await call(t, unsigned(claims))).toEqual(notAllowed);
    // The classic confusion: HMAC "signed" with the provider's public key, as a verifier that
    // trusted the header's alg would check it.
    expect(await call(t, signHmac(publicPem(rsa2), claims, { kid: rsa2.kid }))).toEqual(notAllowed);
    const jwk = JSON.stringify(rsa2.publicKey.export({ format: 'jwk' }));
    expect(await call(t, signHmac(jwk, claims, { kid: rsa2.kid }))).toEqual(notAllowed);
    // RS384/PS256 with a genuine RSA key: not configured.
    for (const algorithm of ['RS384', 'PS256'] as const) {
      const token = sign(claims, rsa2.privateKey, { algorithm, keyid: rsa2.kid, expiresIn: 600 });
      expect(await call(t, token)).toEqual(notAllowed);
    }
    // ES256 claimed for the RSA key's kid: a key only serves its own algorithm.
    const crossed = sign(claims, ec1.privateKey, { algorithm: 'ES256', keyid: rsa2.kid, expiresIn: 600 });
    expect(await call(t, crossed)).toEqual(notAllowed);
  });

  it('refuses a token signed by a key other than the one its kid names', async () => {
    const impostor = { ...rsaKey(rsa2.kid) }; // same kid, a different private key
    expect(await call(t, good(impostor))).toEqual({
      status: 401,
      body: unauthorized('JWT signature is invalid'),
      wwwAuthenticate: 'Bearer',
    });
  });

  it('a token without kid is refused when the set holds several keys', async () => {
    const token = signWith(ec1, sailPointClaims(), { issuer: ISSUER, audience: AUDIENCE, kid: null });
    expect((await call(t, token)).body).toEqual(unauthorized('JWT key is unknown'));
  });
});

describe('JWKS refetch floor: a flood of unknown kids cannot hammer the identity provider', () => {
  const key = ecKey('only');
  let idp: JwksServer;
  beforeAll(async () => {
    idp = await new JwksServer().start([key]);
  });
  const t = useTestApp('sqlite', () => ({
    JWT_SECRET: '',
    JWT_JWKS_URI: idp.uri,
    JWT_JWKS_REFETCH_FLOOR_SECONDS: '3600',
  }));
  afterAll(async () => {
    await idp?.stop();
  });

  it('50 tokens with made-up kids (25 at once) cause no fetch beyond the one at startup', async () => {
    expect(idp.fetches).toBe(1);
    const flood = async () => {
      const forged = { ...ecKey(randomKid()) };
      return call(t, signWith(forged, sailPointClaims()));
    };
    const results = [...(await Promise.all(Array.from({ length: 25 }, flood)))];
    for (let i = 0; i < 25; i++) results.push(await flood());
    expect(results).toHaveLength(50);
    for (const res of results)
      expect(res).toEqual({ status: 401, body: unauthorized('JWT key is unknown'), wwwAuthenticate: 'Bearer' });
    expect(idp.fetches).toBe(1);
    // A genuine token (no kid: the set has exactly one key) still works.
    expect((await call(t, signWith(key, sailPointClaims(), { kid: null }))).status).toBe(200);
    expect(idp.fetches).toBe(1);
  });

  it('the first unknown kid after the floor triggers one fetch (a provider that was down at startup)', async () => {
    const down = new JwksServer();
    await down.start([]); // serves an empty set: nothing usable
    const late = await startTestApp('sqlite', {
      JWT_SECRET: '',
      JWT_JWKS_URI: down.uri,
      JWT_JWKS_REFETCH_FLOOR_SECONDS: '1',
    });
    try {
      expect(down.fetches).toBe(1);
      expect((await call(late, signWith(key, sailPointClaims()))).body).toEqual(unauthorized('JWT key is unknown'));
      down.keys = [key]; // the provider comes back with keys
      await sleep(1100);
      expect((await call(late, signWith(key, sailPointClaims()))).status).toBe(200);
      expect(down.fetches).toBe(2);
    } finally {
      await late.close();
      await down.stop();
    }
  });
});

describe('a PEM public key (JWT_PUBLIC_KEY)', () => {
  const ec = ecKey('pem-ec');
  const rsa = rsaKey('pem-rsa');
  // As an env file carries it: one line, "\n" written out.
  const t = useTestApp('sqlite', { JWT_SECRET: '', JWT_PUBLIC_KEY: publicPem(ec).trim().replace(/\n/g, '\\n') });

  it('accepts ES256 tokens of that key, with or without kid', async () => {
    expect((await call(t, signWith(ec, sailPointClaims()))).status).toBe(200);
    expect((await call(t, signWith(ec, sailPointClaims(), { kid: null }))).status).toBe(200);
  });

  it('refuses other keys, other algorithms and the HMAC confusion', async () => {
    expect((await call(t, signWith(ecKey('x'), sailPointClaims()))).body).toEqual(
      unauthorized('JWT signature is invalid'),
    );
    expect((await call(t, signWith(rsa, sailPointClaims()))).body).toEqual(
      unauthorized('JWT algorithm is not allowed'),
    );
    expect((await call(t, signHmac(publicPem(ec), sailPointClaims(), {}))).body).toEqual(
      unauthorized('JWT algorithm is not allowed'),
    );
    expect((await call(t, unsigned(sailPointClaims()))).body).toEqual(unauthorized('JWT algorithm is not allowed'));
  });

  it('an RSA key in JWT_PUBLIC_KEY accepts RS256', async () => {
    const rsaApp = await startTestApp('sqlite', { JWT_SECRET: '', JWT_PUBLIC_KEY: publicPem(rsa) });
    try {
      expect((await call(rsaApp, signWith(rsa, sailPointClaims()))).status).toBe(200);
      expect((await call(rsaApp, signWith(ec, sailPointClaims()))).body).toEqual(
        unauthorized('JWT algorithm is not allowed'),
      );
    } finally {
      await rsaApp.close();
    }
  });
});

describe('an HS256 secret (JWT_SECRET): HS256 only', () => {
  const t = useTestApp('sqlite');

  it('accepts its own HS256 tokens and refuses every other algorithm', async () => {
    expect((await call(t, t.token())).status).toBe(200);
    const claims = sailPointClaims();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs256 = sign(claims, privateKey, { algorithm: 'RS256', expiresIn: 600 });
    expect(await call(t, rs256)).toEqual({
      status: 401,
      body: unauthorized('JWT algorithm is not allowed'),
      wwwAuthenticate: 'Bearer',
    });
    expect((await call(t, unsigned(claims))).body).toEqual(unauthorized('JWT algorithm is not allowed'));
    const secret = t.config.jwt.key.mode === 'secret' ? t.config.jwt.key.secret : '';
    expect((await call(t, signHmac(secret, claims, {}, 'HS512'))).body).toEqual(
      unauthorized('JWT algorithm is not allowed'),
    );
    expect((await call(t, signHmac(randomBytes(32), claims, {}))).body).toEqual(
      unauthorized('JWT signature is invalid'),
    );
  });

  it('keeps the specific reasons for malformed and incomplete tokens', async () => {
    expect((await call(t, 'not-a-jwt')).body).toEqual(unauthorized('JWT is malformed'));
    expect((await call(t, 'bm90IGpzb24.e30.c2ln')).body).toEqual(unauthorized('JWT is malformed')); // header "not json"
    expect((await call(t, t.token({ tenant: '' }))).body).toEqual(unauthorized('JWT has no tenant'));
    const noExp = signHmac(
      t.config.jwt.key.mode === 'secret' ? t.config.jwt.key.secret : '',
      { ...sailPointClaims(), exp: undefined },
      {},
    );
    expect((await call(t, noExp)).body).toEqual(unauthorized('JWT has no expiry'));
    const res = await t.http().get(LIST);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('JWT is missing'));
  });

  it('enforces JWT_ISSUER and JWT_AUDIENCE in this mode too', async () => {
    const strict = await startTestApp('sqlite', { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
    try {
      const key = strict.config.jwt.key.mode === 'secret' ? strict.config.jwt.key.secret : '';
      const now = Math.floor(Date.now() / 1000);
      const base = { ...sailPointClaims(), iat: now, exp: now + 600 };
      expect((await call(strict, signHmac(key, { ...base, iss: ISSUER, aud: AUDIENCE }, {}))).status).toBe(200);
      expect((await call(strict, signHmac(key, { ...base, aud: AUDIENCE }, {}))).body).toEqual(
        unauthorized('JWT issuer is invalid'),
      );
      expect(
        (await call(strict, signHmac(key, { ...base, iss: 'https://elsewhere', aud: AUDIENCE }, {}))).body,
      ).toEqual(unauthorized('JWT issuer is invalid'));
      expect((await call(strict, signHmac(key, { ...base, iss: ISSUER }, {}))).body).toEqual(
        unauthorized('JWT audience is invalid'),
      );
    } finally {
      await strict.close();
    }
  });
});
