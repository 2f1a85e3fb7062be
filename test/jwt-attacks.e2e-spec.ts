import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { sign, type Algorithm } from 'jsonwebtoken';
import type { Response } from 'supertest';
import { VALID_BODY, snapshot, TRACKING_ID, groupNotFound, type TestApp, useTestApp } from './support/test-app';

const b64url = (text: string | Buffer) => Buffer.from(text).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A complete SailPoint-shaped claim set for tenant acme, full access (what the app would accept). */
const goodClaims = () => ({
  tenant_id: 'acme',
  client_id: 'attacker-cli',
  authorities: ['ORG_ADMIN'],
  scope: ['sp:scopes:all'],
  identity_id: 'someone',
  sub: 'someone',
  exp: now() + 3600,
});

/**
 * Hostile bearer tokens and Authorization headers against every route. Each is refused with
 * exactly SailPoint's 401 body (or, past Node's header limit, the 431 envelope) — never a 500,
 * never any group's data, never a write.
 *
 * Not covered here: issuer and audience checks (this tree configures neither; `failureReason`
 * already maps jsonwebtoken's "jwt issuer/audience invalid" should they be added).
 */
/** The HS256 secret the app verifies with (startTestApp sets JWT_SECRET). */
function hsSecret(app: TestApp): string {
  const key = app.config.jwt.key;
  if (key.mode !== 'secret') throw new Error(`expected JWT_SECRET mode, got ${key.mode}`);
  return key.secret;
}

describe('JWT attack suite', () => {
  const t = useTestApp('sqlite');
  let key: KeyObject;
  let groupId: string;
  beforeAll(async () => {
    key = createSecretKey(Buffer.from(hsSecret(t), 'utf8'));
    const created = await t.http().post('/password-sync-groups').set('Authorization', t.bearer()).send(VALID_BODY);
    expect(created.status).toBe(200);
    groupId = created.body.id;
  });

  /** Signs `header.payload` (raw text, so anything can be put in) with HMAC-SHA256 and the app's secret. */
  const hs256Raw = (header: string, payload: string, secret: string | Buffer = hsSecret(t)) => {
    const signingInput = `${b64url(header)}.${b64url(payload)}`;
    return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
  };
  const hs256 = (claims: unknown) => hs256Raw(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), JSON.stringify(claims));
  const valid = () => hs256(goodClaims());

  const routes = () => [
    { name: 'list', send: () => t.http().get('/password-sync-groups') },
    {
      name: 'create',
      send: () =>
        t
          .http()
          .post('/password-sync-groups')
          .send({ ...VALID_BODY, name: 'Intruder', sourceIds: ['intruder'] }),
    },
    { name: 'get', send: () => t.http().get(`/password-sync-groups/${groupId}`) },
    {
      name: 'update',
      send: () =>
        t
          .http()
          .put(`/password-sync-groups/${groupId}`)
          .send({ ...VALID_BODY, name: 'Hijacked' }),
    },
    { name: 'delete', send: () => t.http().delete(`/password-sync-groups/${groupId}`) },
  ];

  /** Sends `authorization` (a value, several values, or none) to every route; each must be exactly this 401. */
  async function expectRefused(authorization: string | string[] | undefined, reason: string): Promise<void> {
    const before = await snapshot(t.dataSource);
    for (const route of routes()) {
      const req = route.send();
      if (authorization !== undefined) void req.set('Authorization', authorization as string);
      const res: Response = await req;
      expect({ route: route.name, status: res.status, body: res.body }).toEqual({
        route: route.name,
        status: 401,
        body: { error: `JWT validation failed: ${reason}` },
      });
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['x-tracking-id']).toMatch(TRACKING_ID);
    }
    expect(await snapshot(t.dataSource)).toEqual(before);
  }

  it('control: the well-formed token used as a base for the attacks is accepted, with any case of "Bearer"', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await t.http().get(`/password-sync-groups/${groupId}`).set('Authorization', `${scheme} ${valid()}`);
      expect(res.status).toBe(200);
    }
  });

  describe('the Authorization header itself', () => {
    it.each([
      ['absent', undefined, 'JWT is missing'],
      ['empty', '', 'JWT is missing'],
      ['only the scheme', 'Bearer', 'JWT is missing'],
      ['the scheme and blanks', 'Bearer    ', 'JWT is missing'],
      ['the token without a scheme', '<valid>', 'Authorization header must be "Bearer <JWT>"'],
      ['Basic credentials', `Basic ${b64url('admin:admin')}`, 'Authorization header must be "Bearer <JWT>"'],
      ['the token under the Basic scheme', 'Basic <valid>', 'Authorization header must be "Bearer <JWT>"'],
      ['the token under a made-up scheme', 'Token <valid>', 'Authorization header must be "Bearer <JWT>"'],
      ['"Bearer:" with a colon', 'Bearer: <valid>', 'Authorization header must be "Bearer <JWT>"'],
      ['Latin-1 bytes', 'Bearer \u00e9\u00e8\u00ff.\u00e9.\u00e9', 'JWT is malformed'],
    ])('%s', async (_label, header, reason) => {
      await expectRefused(header?.replace('<valid>', valid()), reason);
    });

    it.each([
      ['two valid tokens', () => [`Bearer ${valid()}`, `Bearer ${valid()}`]],
      ['a valid token, then junk', () => [`Bearer ${valid()}`, 'Bearer junk']],
      ['junk, then a valid token', () => ['Bearer junk', `Bearer ${valid()}`]],
      [
        'a valid token, then another tenant\u2019s',
        () => [`Bearer ${valid()}`, `Bearer ${hs256({ ...goodClaims(), tenant_id: 'globex' })}`],
      ],
    ])('repeated: %s (Node keeps the first, a proxy may keep the last: refused)', async (_label, headers) => {
      await expectRefused(headers(), 'Authorization header must be sent once');
    });
  });

  describe('algorithms', () => {
    const noneToken = (alg: string, signature = '') =>
      `${b64url(JSON.stringify({ alg, typ: 'JWT' }))}.${b64url(JSON.stringify(goodClaims()))}.${signature}`;

    it.each([
      ['alg "none", no signature', () => noneToken('none')],
      ['alg "none" with a signature', () => noneToken('none', 'c2lnbmF0dXJl')],
      ['alg "None"', () => noneToken('None')],
      ['alg "NONE"', () => noneToken('NONE')],
      ['alg "HS256" with the signature stripped', () => valid().split('.').slice(0, 2).join('.') + '.'],
    ])('%s', async (_label, token) => {
      await expectRefused(`Bearer ${token()}`, 'JWT algorithm is not allowed');
    });

    it('no alg at all (the header is the JSON string "HS256", not an object) is malformed', async () => {
      await expectRefused(
        `Bearer ${b64url('"HS256"')}.${b64url(JSON.stringify(goodClaims()))}.sig`,
        'JWT is malformed',
      );
    });

    const { privateKey: rsaPrivate, publicKey: rsaPublic } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { privateKey: ecPrivate } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    it.each<[string, () => string]>([
      ['RS256, signed with the attacker\u2019s RSA key', () => sign(goodClaims(), rsaPrivate, { algorithm: 'RS256' })],
      ['PS256, signed with the attacker\u2019s RSA key', () => sign(goodClaims(), rsaPrivate, { algorithm: 'PS256' })],
      ['ES256, signed with the attacker\u2019s EC key', () => sign(goodClaims(), ecPrivate, { algorithm: 'ES256' })],
      ...(['HS384', 'HS512'] as Algorithm[]).map((alg): [string, () => string] => [
        `${alg}, signed with the service\u2019s own secret`,
        () => sign(goodClaims(), key, { algorithm: alg }),
      ]),
    ])('%s', async (_label, token) => {
      await expectRefused(`Bearer ${token()}`, 'JWT algorithm is not allowed');
    });

    it('HS/RS confusion: HS256 keyed with an RSA public key (the classic confusion) is just a bad signature', async () => {
      const pem = rsaPublic.export({ type: 'spki', format: 'pem' });
      await expectRefused(
        `Bearer ${hs256Raw(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), JSON.stringify(goodClaims()), pem)}`,
        'JWT signature is invalid',
      );
    });

    it('header fields that point at attacker keys (jwk, jku, x5u, kid) are ignored: the signature is still checked with the service\u2019s key', async () => {
      const attackerSecret = randomBytes(32);
      const header = JSON.stringify({
        alg: 'HS256',
        typ: 'JWT',
        kid: '../../../../dev/null',
        jku: 'http://127.0.0.1:1/jwks.json',
        x5u: 'http://127.0.0.1:1/cert.pem',
        jwk: { kty: 'oct', k: attackerSecret.toString('base64url') },
      });
      await expectRefused(
        `Bearer ${hs256Raw(header, JSON.stringify(goodClaims()), attackerSecret)}`,
        'JWT signature is invalid',
      );
    });
  });

  describe('signatures and claims', () => {
    it('a tampered payload (tenant switched, signature kept) is refused', async () => {
      const [header, , signature] = valid().split('.');
      const forged = b64url(JSON.stringify({ ...goodClaims(), tenant_id: 'globex' }));
      await expectRefused(`Bearer ${header}.${forged}.${signature}`, 'JWT signature is invalid');
    });

    it('a tampered header (typ changed, signature kept) is refused', async () => {
      const [, payload, signature] = valid().split('.');
      await expectRefused(
        `Bearer ${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWS' }))}.${payload}.${signature}`,
        'JWT signature is invalid',
      );
    });

    it('a token signed with another secret is refused', async () => {
      await expectRefused(
        `Bearer ${sign(goodClaims(), createSecretKey(randomBytes(32)), { algorithm: 'HS256' })}`,
        'JWT signature is invalid',
      );
    });

    it.each<[string, () => unknown, string]>([
      // JWT_CLOCK_TOLERANCE_SECONDS defaults to 5: a second past that is expired.
      ['expired a second past the clock tolerance', () => ({ ...goodClaims(), exp: now() - 6 }), 'JWT is expired'],
      ['expired in 1970', () => ({ ...goodClaims(), exp: 1 }), 'JWT is expired'],
      ['not valid before tomorrow', () => ({ ...goodClaims(), nbf: now() + 86400 }), 'JWT is not yet valid'],
      ['exp as a string', () => ({ ...goodClaims(), exp: String(now() + 3600) }), 'JWT is malformed'],
      ['nbf as a string', () => ({ ...goodClaims(), nbf: 'yesterday' }), 'JWT is malformed'],
      ['no exp', () => ({ ...goodClaims(), exp: undefined }), 'JWT has no expiry'],
      ['no tenant', () => ({ ...goodClaims(), tenant_id: undefined }), 'JWT has no tenant'],
      ['an empty tenant', () => ({ ...goodClaims(), tenant_id: '' }), 'JWT has no tenant'],
      ['a numeric tenant', () => ({ ...goodClaims(), tenant_id: 42 }), 'JWT has no tenant'],
      ['a tenant array', () => ({ ...goodClaims(), tenant_id: ['acme'] }), 'JWT has no tenant'],
      ['payload null', () => null, 'JWT is malformed'],
      ['payload an array', () => [goodClaims()], 'JWT is malformed'],
      ['payload a string', () => 'acme', 'JWT is malformed'],
      ['payload a number', () => 42, 'JWT is malformed'],
    ])('a correctly signed token whose claims are %s', async (_label, claims, reason) => {
      await expectRefused(`Bearer ${hs256(claims())}`, reason);
    });
  });

  describe('structure', () => {
    it.each<[string, () => string]>([
      ['one segment', () => 'abc'],
      ['two segments', () => valid().split('.').slice(0, 2).join('.')],
      ['four segments', () => `${valid()}.extra`],
      ['empty segments', () => '..'],
      ['a header that is not JSON', () => `${b64url('not json')}.${b64url(JSON.stringify(goodClaims()))}.sig`],
      [
        'a payload that is not JSON, correctly signed',
        () => hs256Raw(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), '{"tenant_id": "acme", '),
      ],
      ['characters outside base64url', () => '!!!.@@@.###'],
      [
        'a token of 15 KB (under the header limit) that is garbage',
        () => `${'a'.repeat(5000)}.${'b'.repeat(5000)}.${'c'.repeat(5000)}`,
      ],
    ])('%s', async (_label, token) => {
      await expectRefused(`Bearer ${token()}`, 'JWT is malformed');
    });

    it('a correctly signed token of 15 KB is simply a token: size alone is not a reason to refuse', async () => {
      const big = hs256({ ...goodClaims(), padding: 'x'.repeat(11_000) });
      expect(big.length).toBeGreaterThan(14_000);
      const res = await t.http().get(`/password-sync-groups/${groupId}`).set('Authorization', `Bearer ${big}`);
      expect(res.status).toBe(200);
    });

    it.each([
      ['100 KB', 100 * 1024],
      ['1 MB', 1024 * 1024],
    ])(
      'an absurdly large token (%s) is refused by the HTTP layer with the 431 envelope, no data, no write',
      async (_label, size) => {
        const before = await snapshot(t.dataSource);
        const token = `${'a'.repeat(size / 2)}.${'b'.repeat(size / 2)}.c`;
        for (const route of routes()) {
          const res = await route.send().set('Authorization', `Bearer ${token}`);
          expect({ route: route.name, status: res.status }).toEqual({ route: route.name, status: 431 });
          expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
          expect(res.headers['x-tracking-id']).toMatch(TRACKING_ID);
          expect(res.body).toEqual({
            detailCode: '431 Request Header Fields Too Large',
            trackingId: res.headers['x-tracking-id'],
            messages: [
              {
                locale: 'en-US',
                localeOrigin: 'DEFAULT',
                text: 'The server is unwilling to process the request because its header fields are too large.',
              },
            ],
            causes: [
              {
                locale: 'en-US',
                localeOrigin: 'DEFAULT',
                text: 'The request header fields exceed the limit of 16 KiB.',
              },
            ],
          });
        }
        expect(await snapshot(t.dataSource)).toEqual(before);
        // The server is unharmed.
        expect((await t.http().get(`/password-sync-groups/${groupId}`).set('Authorization', t.bearer())).status).toBe(
          200,
        );
      },
    );
  });

  describe('a valid token of another tenant', () => {
    it('sees none of acme\u2019s groups and cannot touch them: 404 exactly as for a missing id; its list is its own (empty)', async () => {
      const before = await snapshot(t.dataSource);
      const globex = `Bearer ${hs256({ ...goodClaims(), tenant_id: 'globex' })}`;
      const list = await t.http().get('/password-sync-groups?count=true').set('Authorization', globex);
      expect(list.status).toBe(200);
      expect(list.body).toEqual([]);
      expect(list.headers['x-total-count']).toBe('0');
      const responses = [
        await t.http().get(`/password-sync-groups/${groupId}`).set('Authorization', globex),
        await t.http().head(`/password-sync-groups/${groupId}`).set('Authorization', globex),
        await t
          .http()
          .put(`/password-sync-groups/${groupId}`)
          .set('Authorization', globex)
          .send({ ...VALID_BODY, name: 'Hijacked' }),
        await t
          .http()
          .put(`/password-sync-groups/${groupId}`)
          .set('Authorization', globex)
          .set('If-Match', '*')
          .send({ ...VALID_BODY, name: 'Hijacked' }),
        await t.http().delete(`/password-sync-groups/${groupId}`).set('Authorization', globex),
        await t.http().delete(`/password-sync-groups/${groupId}`).set('Authorization', globex).set('If-Match', '"1"'),
      ];
      for (const res of responses) {
        expect(res.status).toBe(404);
        expect(res.headers.etag).toBeUndefined();
        if (res.request.method !== 'HEAD')
          expect(res.body).toEqual(groupNotFound(res.headers['x-tracking-id'], groupId));
      }
      expect(await snapshot(t.dataSource)).toEqual(before);
    });
  });
});
