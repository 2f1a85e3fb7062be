import fc from 'fast-check';
import FormData from 'form-data';
import type { Response } from 'supertest';
import { PersonalAccessToken } from '../src/personal-access-tokens/personal-access-token.entity';
import { DATABASES } from './support/databases';
import { PAT, clearPats, patRows } from './support/personal-access-tokens';
import {
  TEST_REDIS_URL,
  assertRedisReachable,
  deleteKeys,
  describeWithRedis,
  keysUnder,
  uniqueKeyPrefix,
} from './support/redis';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Attacks on personal access tokens and /oauth/token: secret guessing, malformed token
 * requests, and fast-check over both (seeded like test/fuzz.e2e-spec.ts: FUZZ_SEED, FUZZ_RUNS).
 * Whatever is sent: no 5xx, the right error, nothing stored by a refused request, and a token
 * only for exactly the right credentials.
 */
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20261121;
const RUNS = process.env.FUZZ_RUNS !== undefined ? Number(process.env.FUZZ_RUNS) : 150;
const TOKEN = '/oauth/token';
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };

describe.each(DATABASES)('personal access tokens under attack (%s)', (kind) => {
  describe('secret guessing', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind, { OAUTH_FAILED_ATTEMPTS_PER_CLIENT: '5', OAUTH_FAILED_ATTEMPTS_PER_IP: '12' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('per client id: after 5 wrong secrets even the right one is a 429; per IP: after 12 failures any client id is', async () => {
      const make = async (name: string) =>
        (
          await t
            .http()
            .post(PAT)
            .set('Authorization', t.bearer({ identityId: 'alice' }))
            .send({ name, userAwareTokenNeverExpires: true })
        ).body as { id: string; secret: string };
      const [victim, other] = [await make('victim'), await make('other')];
      const attempt = (id: string, secret: string) =>
        t
          .http()
          .post(TOKEN)
          .type('form')
          .send({ grant_type: 'client_credentials', client_id: id, client_secret: secret });
      for (let i = 0; i < 5; i++) {
        const guess = await attempt(victim.id, i.toString(16).padStart(64, '0'));
        expect([guess.status, guess.body]).toEqual([401, INVALID_CLIENT]);
      }
      const right = await attempt(victim.id, victim.secret);
      expect([right.status, right.body]).toEqual([429, { message: ' Rate Limit Exceeded ' }]);
      expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
      // Another PAT is not locked by the victim's failures...
      expect((await attempt(other.id, other.secret)).status).toBe(200);
      // ...until this IP has failed 12 times in all (5 so far, 7 more on made-up ids).
      for (let i = 0; i < 7; i++) expect((await attempt(i.toString(16).padStart(32, 'a'), 'x')).status).toBe(401);
      expect((await attempt(other.id, other.secret)).status).toBe(429);
      expect((await patRows(t.dataSource)).map((r) => r.last_used === null)).toEqual([true, false]);
    });
  });

  describe('malformed token requests and fuzzing', () => {
    let t: TestApp;
    let pat: { id: string; secret: string };
    beforeAll(async () => {
      t = await startTestApp(kind, {
        OAUTH_FAILED_ATTEMPTS_PER_CLIENT: '1000000',
        OAUTH_FAILED_ATTEMPTS_PER_IP: '1000000',
      });
      await clearPats(t.dataSource);
      pat = (
        await t
          .http()
          .post(PAT)
          .set('Authorization', t.bearer({ identityId: 'alice' }))
          .send({ name: 'target', scope: ['idn:password-sync-group:read'], userAwareTokenNeverExpires: true })
      ).body;
    });
    afterAll(async () => {
      await t?.close();
    });

    /** Puts the table back as it was: every run starts from the same one PAT. */
    async function restore(rows: Array<Record<string, unknown>>): Promise<void> {
      await clearPats(t.dataSource);
      await t.dataSource.getRepository(PersonalAccessToken).insert(
        rows.map((r) => ({
          id: r.id as string,
          tenantId: r.tenant_id as string,
          ownerId: r.owner_id as string,
          ownerName: r.owner_name as string,
          name: r.name as string,
          scopes: r.scopes as string,
          authorities: r.authorities as string,
          secretHash: r.secret_hash as string,
          accessTokenValiditySeconds: Number(r.access_token_validity_seconds),
          expirationDate: r.expiration_date as string | null,
          userAwareTokenNeverExpires: r.user_aware_token_never_expires as boolean,
          created: r.created as string,
          lastUsed: r.last_used as string | null,
        })),
      );
    }

    const unchanged = async () => (await patRows(t.dataSource)).map(({ last_used: _ignored, ...row }) => row);

    it('huge, wrong-typed and broken bodies: the right error, nothing stored, no 5xx', async () => {
      const before = await unchanged();
      const huge = `grant_type=client_credentials&client_id=${pat.id}&client_secret=${'a'.repeat(70_000)}`;
      const withFile = new FormData();
      withFile.append('grant_type', 'client_credentials');
      withFile.append('file', Buffer.from('x'), { filename: 'x.txt' });
      const cases: Array<[string, () => Promise<Response>, number]> = [
        ['form body over 64 KiB', () => t.http().post(TOKEN).type('form').send(huge), 413],
        ['JSON body', () => t.http().post(TOKEN).send({ grant_type: 'client_credentials' }), 400],
        ['text/plain', () => t.http().post(TOKEN).set('Content-Type', 'text/plain').send('grant_type=x'), 415],
        ['a file in multipart', () => t.http().post(TOKEN).set(withFile.getHeaders()).send(withFile.getBuffer()), 400],
        [
          'multipart without a boundary',
          () => t.http().post(TOKEN).set('Content-Type', 'multipart/form-data').send('garbage'),
          400,
        ],
        [
          'multipart cut short',
          () =>
            t
              .http()
              .post(TOKEN)
              .set('Content-Type', 'multipart/form-data; boundary=XYZ')
              .send('--XYZ\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_'),
          400,
        ],
        ['no body at all', () => t.http().post(TOKEN), 400],
        ['GET', () => t.http().get(TOKEN), 405],
        [
          'Basic without a colon',
          () =>
            t
              .http()
              .post(`${TOKEN}?grant_type=client_credentials`)
              .set('Authorization', `Basic ${Buffer.from(pat.id).toString('base64')}`),
          401,
        ],
        [
          'Bearer instead of Basic',
          () => t.http().post(`${TOKEN}?grant_type=client_credentials`).set('Authorization', 'Bearer x'),
          401,
        ],
      ];
      for (const [name, send, status] of cases) {
        const res = await send();
        expect({ name, status: res.status }).toEqual({ name, status });
      }
      expect(await unchanged()).toEqual(before);
      expect((await patRows(t.dataSource))[0].last_used).toBeNull();
    });

    it('fast-check: any token request is a token only for the exact credentials, else an OAuth error; never a 5xx', async () => {
      process.stdout.write(`    [pat fuzz] seed ${SEED}, ${RUNS} runs\n`);
      const before = await unchanged();
      // Weighted towards the right values, so that exact credentials come up often enough to be tested.
      const field = fc.oneof(
        { arbitrary: fc.constant('client_credentials'), weight: 4 },
        fc.constantFrom('password', 'authorization_code', '', ' client_credentials'),
        fc.string({ maxLength: 40 }),
      );
      const id = fc.oneof(
        { arbitrary: fc.constant(pat.id), weight: 4 },
        fc.constant(pat.id.toUpperCase()),
        fc.stringMatching(/^[0-9a-f]{32}$/),
        fc.string({ maxLength: 40 }),
      );
      const secret = fc.oneof(
        { arbitrary: fc.constant(pat.secret), weight: 4 },
        fc.constant(`${pat.secret} `),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        fc.string({ maxLength: 80 }),
      );
      let tokens = 0;
      const scope = fc.option(fc.constantFrom('', 'idn:password-sync-group:read', 'sp:scopes:all', 'a b', '\u0000'), {
        nil: undefined,
      });
      const transport = fc.constantFrom('form', 'multipart', 'query', 'basic', 'json', 'duplicate');
      await fc.assert(
        fc.asyncProperty(
          field,
          id,
          secret,
          scope,
          transport,
          async (grantType, clientId, clientSecret, scopeValue, how) => {
            const fields: Record<string, string> = {
              grant_type: grantType,
              client_id: clientId,
              client_secret: clientSecret,
            };
            if (scopeValue !== undefined) fields.scope = scopeValue;
            let res: Response;
            if (how === 'form') res = await t.http().post(TOKEN).type('form').send(fields);
            else if (how === 'query') res = await t.http().post(`${TOKEN}?${new URLSearchParams(fields).toString()}`);
            else if (how === 'json') res = await t.http().post(TOKEN).send(fields);
            else if (how === 'duplicate') {
              res = await t
                .http()
                .post(TOKEN)
                .type('form')
                .send(`${new URLSearchParams(fields).toString()}&client_id=${pat.id}`);
            } else if (how === 'basic') {
              const { client_id: _id, client_secret: _secret, ...rest } = fields;
              const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
                'base64',
              );
              res = await t.http().post(TOKEN).set('Authorization', `Basic ${basic}`).type('form').send(rest);
            } else {
              const form = new FormData();
              for (const [k, v] of Object.entries(fields)) form.append(k, v);
              res = await t.http().post(TOKEN).set(form.getHeaders()).send(form.getBuffer());
            }
            expect(res.status).toBeLessThan(500);
            const exact =
              grantType === 'client_credentials' &&
              clientId === pat.id &&
              clientSecret === pat.secret &&
              how !== 'json' &&
              how !== 'duplicate' &&
              (scopeValue === undefined || scopeValue === '' || scopeValue === 'idn:password-sync-group:read');
            if (exact) {
              expect(res.status).toBe(200);
              expect(res.body.identity_id).toBe('alice');
              tokens++;
            } else {
              expect(res.status).not.toBe(200);
              expect([400, 401, 415]).toContain(res.status);
              expect([
                'invalid_request',
                'invalid_client',
                'unsupported_grant_type',
                'invalid_scope',
                undefined,
              ]).toContain((res.body as { error?: string }).error);
              expect(JSON.stringify(res.body)).not.toContain(pat.secret);
            }
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
      expect(await unchanged()).toEqual(before);
      process.stdout.write(`    [pat fuzz] ${tokens} of ${RUNS} requests got a token\n`);
      expect(tokens).toBeGreaterThan(0);
    });

    it('fast-check: PAT create/patch/delete by any caller never 5xx, and a refusal changes nothing', async () => {
      const caller = fc.record({
        tenant: fc.constantFrom('acme', 'globex'),
        identityId: fc.constantFrom('alice', 'bob', undefined),
        authorities: fc.constantFrom<string[]>(['ORG_ADMIN'], ['HELPDESK'], []),
        scopes: fc.constantFrom<string[]>(
          ['sp:scopes:all'],
          ['sp:my-personal-access-tokens:manage'],
          ['idn:password-sync-group:read'],
        ),
      });
      const value = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
        fc.constantFrom('2099-01-01T00:00:00Z', '2001-01-01T00:00:00Z', 'sp:scopes:all'),
      );
      const createBody = fc.dictionary(
        fc.constantFrom(
          'name',
          'scope',
          'expirationDate',
          'userAwareTokenNeverExpires',
          'accessTokenValiditySeconds',
          'secret',
          'owner',
        ),
        value,
        { maxKeys: 5 },
      );
      const op = fc.record({
        op: fc.constantFrom('replace', 'add', 'remove', 'move', 'test', 'x'),
        path: fc.constantFrom(
          '/name',
          '/scope',
          '/expirationDate',
          '/userAwareTokenNeverExpires',
          '/owner',
          '/id',
          'name',
          '',
        ),
        value,
      });
      const action = fc.oneof(
        fc.record({ kind: fc.constant('create' as const), body: createBody }),
        fc.record({ kind: fc.constant('patch' as const), body: fc.oneof(fc.array(op, { maxLength: 4 }), value) }),
        fc.record({ kind: fc.constant('delete' as const), body: fc.constant(null) }),
      );
      await fc.assert(
        fc.asyncProperty(caller, action, fc.constantFrom(pat.id, 'f'.repeat(32), 'nope'), async (who, act, id) => {
          const auth = t.bearer({
            tenant: who.tenant,
            identityId: who.identityId,
            authorities: who.authorities,
            scopes: who.scopes,
          });
          const before = await patRows(t.dataSource);
          const res =
            act.kind === 'create'
              ? await t.http().post(PAT).set('Authorization', auth).send(act.body)
              : act.kind === 'patch'
                ? await t
                    .http()
                    .patch(`${PAT}/${id}`)
                    .set('Authorization', auth)
                    .set('Content-Type', 'application/json')
                    .send(JSON.stringify(act.body))
                : await t.http().delete(`${PAT}/${id}`).set('Authorization', auth);
          expect(res.status).toBeLessThan(500);
          const after = await patRows(t.dataSource);
          if (res.status >= 400) expect(after).toEqual(before);
          // The target belongs to acme/alice: nobody else ever changes it.
          const target = (rows: typeof before) => rows.find((r) => r.id === pat.id);
          if (who.tenant !== 'acme' || who.identityId !== 'alice') {
            if (!(res.status === 204 && who.tenant === 'acme' && who.authorities.includes('ORG_ADMIN'))) {
              expect(target(after)).toEqual(target(before));
            }
          }
          await restore(before);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  });
});

describeWithRedis('failed token requests counted in Redis, across instances', () => {
  const prefix = uniqueKeyPrefix();
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    await assertRedisReachable(TEST_REDIS_URL!);
    const env = { REDIS_URL: TEST_REDIS_URL!, REDIS_KEY_PREFIX: prefix, OAUTH_FAILED_ATTEMPTS_PER_CLIENT: '3' };
    a = await startTestApp('sqlite', env);
    b = await startTestApp('sqlite', env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await deleteKeys(TEST_REDIS_URL!, prefix);
  });

  it('3 failures on A block that client id on B too (429 with Retry-After)', async () => {
    const guess = (t: TestApp) =>
      t
        .http()
        .post(TOKEN)
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: 'c'.repeat(32), client_secret: 'guess' });
    for (let i = 0; i < 3; i++) expect((await guess(a)).status).toBe(401);
    const blocked = await guess(b);
    expect([blocked.status, blocked.body]).toEqual([429, { message: ' Rate Limit Exceeded ' }]);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(290);
    expect((await keysUnder(TEST_REDIS_URL!, prefix)).filter((k) => k.includes('oauth-failures'))).toHaveLength(2);
  });
});
