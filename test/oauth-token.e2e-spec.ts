import FormData from 'form-data';
import { decode } from 'jsonwebtoken';
import { DATABASES } from './support/databases';
import { ecKey, publicPem } from './support/identity-provider';
import { PAT, clearPats, daysFromNow, patRows } from './support/personal-access-tokens';
import { ISO_UTC, startTestApp, type TestApp } from './support/test-app';

const TOKEN = '/oauth/token';
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };
const REVOKED = {
  error: 'JWT validation failed: JWT is revoked (its personal access token was deleted or has expired)',
};
type Res = { status: number; body: unknown; headers: Record<string, string> };

describe.each(DATABASES)('POST /oauth/token with personal access tokens (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { OAUTH_FAILED_ATTEMPTS_PER_CLIENT: '3', OAUTH_FAILED_ATTEMPTS_PER_IP: '1000' });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await clearPats(t.dataSource);
  });

  const owner = (extra: Parameters<TestApp['bearer']>[0] = {}) =>
    t.bearer({ identityId: 'alice', userName: 'alice.name', authorities: ['ORG_ADMIN'], ...extra });
  async function makePat(body: object = {}, auth = owner()): Promise<{ id: string; secret: string }> {
    const res = await t
      .http()
      .post(PAT)
      .set('Authorization', auth)
      .send({ name: 'sdk', userAwareTokenNeverExpires: true, ...body });
    expect(res.status).toBe(200);
    return res.body as { id: string; secret: string };
  }
  const form = (fields: Record<string, string>) => t.http().post(TOKEN).type('form').send(fields);
  const expectInvalidClient = (res: Res) => {
    expect([res.status, res.body]).toEqual([401, INVALID_CLIENT]);
    expect(res.headers['www-authenticate']).toBe('Basic realm="oauth", charset="UTF-8"');
    expect(res.headers['cache-control']).toBe('no-store');
  };

  it('exchanges a PAT (form-urlencoded) for an access token that acts as its owner', async () => {
    const pat = await makePat({
      scope: ['idn:password-sync-group:read', 'sp:scopes:all'],
      accessTokenValiditySeconds: 600,
    });
    const res = await form({ grant_type: 'client_credentials', client_id: pat.id, client_secret: pat.secret });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['pragma']).toBe('no-cache');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 600,
      scope: 'idn:password-sync-group:read sp:scopes:all',
      tenant_id: 'acme',
      pod: 'self-hosted',
      strong_auth_supported: false,
      org: 'acme',
      identity_id: 'alice',
      user_name: 'alice.name',
      strong_auth: false,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const claims = decode(res.body.access_token) as Record<string, unknown>;
    expect(claims).toEqual({
      tenant_id: 'acme',
      client_id: pat.id,
      identity_id: 'alice',
      user_name: 'alice.name',
      authorities: ['ORG_ADMIN'],
      scope: ['idn:password-sync-group:read', 'sp:scopes:all'],
      pat_id: pat.id,
      jti: res.body.jti,
      iat: expect.any(Number),
      exp: (claims.iat as number) + 600,
    });
    // The API accepts it: a user token of tenant acme, so it can create a group.
    const auth = `Bearer ${res.body.access_token}`;
    const created = await t
      .http()
      .post('/v3/password-sync-groups')
      .set('Authorization', auth)
      .send({ name: 'via PAT', passwordPolicyId: 'pp', sourceIds: ['s1'] });
    expect(created.status).toBe(200);
    expect((await t.http().delete(`/password-sync-groups/${created.body.id}`).set('Authorization', auth)).status).toBe(
      204,
    );
    // lastUsed is recorded.
    const [row] = await patRows(t.dataSource);
    expect(row.last_used).toMatch(ISO_UTC);
  });

  it("takes multipart/form-data (as SailPoint's SDK sends), the query string, and HTTP Basic", async () => {
    const pat = await makePat();
    const multipart = new FormData();
    multipart.append('grant_type', 'client_credentials');
    multipart.append('client_id', pat.id);
    multipart.append('client_secret', pat.secret);
    const viaMultipart = await t.http().post(TOKEN).set(multipart.getHeaders()).send(multipart.getBuffer());
    expect(viaMultipart.status).toBe(200);
    expect(viaMultipart.body.identity_id).toBe('alice');

    const viaQuery = await t
      .http()
      .post(`${TOKEN}?grant_type=client_credentials&client_id=${pat.id}&client_secret=${pat.secret}`);
    expect(viaQuery.status).toBe(200);

    const viaBasic = await t
      .http()
      .post(TOKEN)
      .auth(pat.id, pat.secret)
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.body.scope).toBe('sp:scopes:all');
  });

  it('narrows with scope, never widens (invalid_scope)', async () => {
    const pat = await makePat({ scope: ['idn:password-sync-group:read', 'idn:password-sync-group:manage'] });
    const creds = { grant_type: 'client_credentials', client_id: pat.id, client_secret: pat.secret };
    const narrowed = await form({ ...creds, scope: 'idn:password-sync-group:read' });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('idn:password-sync-group:read');
    const readOnly = `Bearer ${narrowed.body.access_token}`;
    expect((await t.http().get('/password-sync-groups').set('Authorization', readOnly)).status).toBe(200);
    const write = await t
      .http()
      .post('/password-sync-groups')
      .set('Authorization', readOnly)
      .send({ name: 'x', passwordPolicyId: 'p', sourceIds: ['s'] });
    expect(write.status).toBe(403);

    const wider = await form({ ...creds, scope: 'sp:scopes:all' });
    expect([wider.status, wider.body]).toEqual([
      400,
      { error: 'invalid_scope', error_description: 'The personal access token does not hold: sp:scopes:all.' },
    ]);
  });

  it('refuses bad requests with RFC 6749 bodies, never saying which half was wrong', async () => {
    const pat = await makePat();
    const creds = { grant_type: 'client_credentials', client_id: pat.id, client_secret: pat.secret };
    expectInvalidClient(await form({ ...creds, client_secret: 'f'.repeat(64) }));
    expectInvalidClient(await form({ ...creds, client_id: 'f'.repeat(32) }));
    expectInvalidClient(await form({ ...creds, client_id: 'not-a-pat-id' }));
    expectInvalidClient(await form({ grant_type: 'client_credentials', client_id: pat.id }));
    expectInvalidClient(
      await t
        .http()
        .post(TOKEN)
        .set('Authorization', 'Basic !!!')
        .type('form')
        .send({ grant_type: 'client_credentials' }),
    );

    const cases: Array<[() => Promise<Res>, number, Record<string, string>]> = [
      [
        () => form({ client_id: pat.id, client_secret: pat.secret }),
        400,
        { error: 'invalid_request', error_description: 'grant_type is required.' },
      ],
      [
        () => form({ ...creds, grant_type: 'password' }),
        400,
        { error: 'unsupported_grant_type', error_description: 'Only grant_type=client_credentials is supported.' },
      ],
      [
        () => form({ ...creds, grant_type: 'authorization_code' }),
        400,
        { error: 'unsupported_grant_type', error_description: 'Only grant_type=client_credentials is supported.' },
      ],
      [
        () => t.http().post(`${TOKEN}?client_id=${pat.id}`).type('form').send(creds),
        400,
        { error: 'invalid_request', error_description: 'client_id must be sent once.' },
      ],
      [
        () =>
          t
            .http()
            .post(TOKEN)
            .type('form')
            .send(
              `grant_type=client_credentials&grant_type=client_credentials&client_id=${pat.id}&client_secret=${pat.secret}`,
            ),
        400,
        { error: 'invalid_request', error_description: 'grant_type must be sent once.' },
      ],
      [
        () => t.http().post(TOKEN).auth(pat.id, pat.secret).type('form').send(creds),
        400,
        {
          error: 'invalid_request',
          error_description: 'Authenticate the client one way: HTTP Basic or client_id and client_secret.',
        },
      ],
      [
        () => t.http().post(TOKEN).send(creds),
        400,
        {
          error: 'invalid_request',
          error_description:
            'Send the parameters as application/x-www-form-urlencoded or multipart/form-data, or in the query string.',
        },
      ],
    ];
    for (const [send, status, body] of cases) {
      const res = await send();
      expect([res.status, res.body]).toEqual([status, body]);
    }
    const text = await t.http().post(TOKEN).set('Content-Type', 'text/plain').send('grant_type=client_credentials');
    expect(text.status).toBe(415);
    // Nothing of the secret in any answer; the PAT is unchanged (never used).
    expect((await patRows(t.dataSource))[0].last_used).toBeNull();
  });

  it('form bodies are refused (415) on every other route', async () => {
    const res = await t
      .http()
      .post('/password-sync-groups')
      .set('Authorization', owner())
      .type('form')
      .send({ name: 'x' });
    expect(res.status).toBe(415);
    const multipart = new FormData();
    multipart.append('name', 'x');
    const mp = await t
      .http()
      .post(PAT)
      .set('Authorization', owner())
      .set(multipart.getHeaders())
      .send(multipart.getBuffer());
    expect(mp.status).toBe(415);
    expect(await patRows(t.dataSource)).toEqual([]);
  });

  it('rate limits failed attempts per client id (429 + Retry-After), even for the right secret', async () => {
    const pat = await makePat();
    for (let i = 0; i < 3; i++)
      expectInvalidClient(
        await form({ grant_type: 'client_credentials', client_id: pat.id, client_secret: String(i) }),
      );
    const blocked = await form({ grant_type: 'client_credentials', client_id: pat.id, client_secret: pat.secret });
    expect([blocked.status, blocked.body]).toEqual([429, { message: ' Rate Limit Exceeded ' }]);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(300);
  });

  it('a deleted PAT mints nothing more, and its access tokens stop at once on this instance', async () => {
    const pat = await makePat();
    const creds = { grant_type: 'client_credentials', client_id: pat.id, client_secret: pat.secret };
    const issued = `Bearer ${(await form(creds)).body.access_token}`;
    expect((await t.http().get('/password-sync-groups').set('Authorization', issued)).status).toBe(200);
    expect((await t.http().delete(`${PAT}/${pat.id}`).set('Authorization', owner())).status).toBe(204);
    const refused = await t.http().get('/password-sync-groups').set('Authorization', issued);
    expect([refused.status, refused.body]).toEqual([401, REVOKED]);
    expectInvalidClient(await form(creds));
  });

  it('an expired PAT mints nothing, and its access tokens stop when it expires', async () => {
    const pat = await makePat({ expirationDate: daysFromNow(1), userAwareTokenNeverExpires: false });
    const creds = { grant_type: 'client_credentials', client_id: pat.id, client_secret: pat.secret };
    const issued = `Bearer ${(await form(creds)).body.access_token}`;
    expect((await t.http().get('/password-sync-groups').set('Authorization', issued)).status).toBe(200);
    // Expire it in the database, as time would.
    await t.dataSource.query(`UPDATE personal_access_token SET expiration_date = '2001-01-01T00:00:00.000Z'`);
    expectInvalidClient(await form(creds));
    // This instance cached the PAT as alive for PAT_CHECK_CACHE_SECONDS; the expiry is re-read after that.
    await new Promise((resolve) => setTimeout(resolve, 5200));
    const refused = await t.http().get('/password-sync-groups').set('Authorization', issued);
    expect([refused.status, refused.body]).toEqual([401, REVOKED]);
  });
});

describe('POST /oauth/token without a signing key (JWT_PUBLIC_KEY)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { JWT_SECRET: '', JWT_PUBLIC_KEY: publicPem(ecKey('k')) });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers unsupported_grant_type saying why', async () => {
    const res = await t
      .http()
      .post(TOKEN)
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: 'a'.repeat(32), client_secret: 'b' });
    expect([res.status, res.body]).toEqual([
      400,
      {
        error: 'unsupported_grant_type',
        error_description:
          'This service verifies tokens from an outside identity provider (JWT_JWKS_URI or JWT_PUBLIC_KEY) and has no key to sign its own; get tokens from that identity provider.',
      },
    ]);
  });
});
