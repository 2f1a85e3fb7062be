import type { PasswordSyncGroupView } from '../src/password-sync-groups/dto/password-sync-group.dto';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { sign, type Algorithm } from 'jsonwebtoken';
import type { KeyObject } from 'node:crypto';
import type { Test } from 'supertest';
import { signingSecretOf } from '../src/common/auth/signing-key';
import { ALL_PATHS, BARE_PATH, CONTRACT_PATHS } from './support/api-paths';
import { DATABASES } from './support/databases';
import {
  badRequestBody,
  forbiddenBody,
  groupNotFound,
  snapshot,
  TRACKING_ID,
  VALID_BODY,
  useTestApp,
} from './support/test-app';

/** The causes AuthorizationGuard writes into a 403 (src/common/auth/authorization.guard.ts). */
const NO_AUTHORITY = 'The token lacks the required user level (authority) ORG_ADMIN.';
const NO_READ_SCOPE =
  'The token lacks a required scope: one of idn:password-sync-group:read, idn:password-sync-group:manage, sp:scopes:all.';
const NO_MANAGE_SCOPE = 'The token lacks a required scope: one of idn:password-sync-group:manage, sp:scopes:all.';
const NO_USER = 'This operation requires a user token (one with identity_id); application tokens cannot use it.';

const READ = 'idn:password-sync-group:read';
const MANAGE = 'idn:password-sync-group:manage';
const ALL = 'sp:scopes:all';

const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const FOREIGN_SECRET = randomBytes(32).toString('hex');

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

type OpName = 'list' | 'get' | 'create' | 'update' | 'delete';
const OPS: OpName[] = ['list', 'get', 'create', 'update', 'delete'];
const READS: OpName[] = ['list', 'get'];
const WRITES: OpName[] = ['create', 'update', 'delete'];
const SUCCESS: Record<OpName, number> = { list: 200, get: 200, create: 200, update: 200, delete: 204 };

const CREATE_BODY = { ...VALID_BODY, name: 'Created by caller', sourceIds: ['created-src'] };
const UPDATE_BODY = { ...VALID_BODY, name: 'Updated by caller', sourceIds: ['updated-src'] };

describe.each(DATABASES)('authentication, authorization and tenant isolation (%s)', (kind) => {
  const t = useTestApp(kind, {}, { clearBeforeEach: true });
  let key: KeyObject;
  /** The group of tenant "acme" that every test starts with. */
  let seeded: PasswordSyncGroupView;

  beforeAll(() => {
    key = signingSecretOf(t.config)!.key;
  });
  beforeEach(async () => {
    const res = await t.http().post('/password-sync-groups').set('Authorization', t.bearer()).send(VALID_BODY);
    expect(res.status).toBe(200);
    seeded = res.body;
  });

  /** Claims of a full-access user token of tenant acme, valid for an hour; an `undefined` in `extra` removes a claim. */
  const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => {
    const all: Record<string, unknown> = {
      tenant_id: 'acme',
      client_id: 'crafted-client',
      sub: 'crafted-user',
      identity_id: 'crafted-user',
      authorities: ['ORG_ADMIN'],
      scope: [ALL],
      exp: now() + 3600,
      ...extra,
    };
    return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  };
  const craft = (payload: Record<string, unknown>, algorithm: Algorithm = 'HS256') => sign(payload, key, { algorithm });

  /** One request of each operation; `auth` undefined sends no Authorization header. */
  /** `base` is the collection in one of its URL shapes (test/support/api-paths.ts). */
  const call = (op: OpName, auth: string | undefined, id = seeded.id, base = BARE_PATH): Test => {
    const req = (() => {
      switch (op) {
        case 'list':
          return t.http().get(`${base}?count=true`);
        case 'get':
          return t.http().get(`${base}/${id}`);
        case 'create':
          return t.http().post(base).send(CREATE_BODY);
        case 'update':
          return t.http().put(`${base}/${id}`).send(UPDATE_BODY);
        case 'delete':
          return t.http().delete(`${base}/${id}`);
      }
    })();
    return auth === undefined ? req : req.set('Authorization', auth);
  };

  describe('401: the exact body and reason for every way a token can be unusable', () => {
    const cases: Array<[string, () => string | undefined, string]> = [
      ['no Authorization header', () => undefined, 'JWT is missing'],
      ['an empty Authorization header', () => '', 'JWT is missing'],
      ['the Basic scheme', () => 'Basic abc', 'Authorization header must be "Bearer <JWT>"'],
      ['the Token scheme', () => 'Token x', 'Authorization header must be "Bearer <JWT>"'],
      ['a valid JWT without a scheme', () => t.token(), 'Authorization header must be "Bearer <JWT>"'],
      ['"Bearer" without a token', () => 'Bearer', 'JWT is missing'],
      ['"Bearer " and spaces without a token', () => 'Bearer   ', 'JWT is missing'],
      ['a token that is not a JWT', () => 'Bearer not-a-jwt', 'JWT is malformed'],
      ['three garbage segments', () => 'Bearer a.b.c', 'JWT is malformed'],
      ['a JWT with a truncated signature', () => `Bearer ${t.token().slice(0, -5)}`, 'JWT signature is invalid'],
      [
        'a JWT signed with another key',
        () => `Bearer ${sign(claims(), FOREIGN_SECRET, { algorithm: 'HS256' })}`,
        'JWT signature is invalid',
      ],
      [
        'a JWT whose payload was altered after signing',
        () => {
          const [h, , s] = t.token().split('.');
          return `Bearer ${h}.${b64(claims({ tenant_id: 'evil' }))}.${s}`;
        },
        'JWT signature is invalid',
      ],
      ['an expired JWT', () => `Bearer ${craft(claims({ exp: now() - 60 }))}`, 'JWT is expired'],
      ['an expired JWT from dev-token', () => t.bearer({ expiresInSeconds: -10 }), 'JWT is expired'],
      [
        'an expired JWT that also has no tenant',
        () => `Bearer ${craft(claims({ exp: now() - 60, tenant_id: undefined }))}`,
        'JWT is expired',
      ],
      [
        'a JWT not valid before a future time',
        () => `Bearer ${craft(claims({ nbf: now() + 600 }))}`,
        'JWT is not yet valid',
      ],
      ['a JWT without tenant_id', () => `Bearer ${craft(claims({ tenant_id: undefined }))}`, 'JWT has no tenant'],
      ['a JWT with an empty tenant_id', () => `Bearer ${craft(claims({ tenant_id: '' }))}`, 'JWT has no tenant'],
      ['a JWT with a numeric tenant_id', () => `Bearer ${craft(claims({ tenant_id: 42 }))}`, 'JWT has no tenant'],
      ['a JWT without exp', () => `Bearer ${craft(claims({ exp: undefined }))}`, 'JWT has no expiry'],
      [
        'an unsigned JWT (alg none, no signature)',
        () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`,
        'JWT algorithm is not allowed',
      ],
      [
        'an alg-none JWT carrying a signature',
        () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.${Buffer.from('sig').toString('base64url')}`,
        'JWT algorithm is not allowed',
      ],
      [
        'an RS256-signed JWT',
        () => `Bearer ${sign(claims(), RSA, { algorithm: 'RS256' })}`,
        'JWT algorithm is not allowed',
      ],
      [
        'an HS384 JWT signed with the service key',
        () => `Bearer ${craft(claims(), 'HS384')}`,
        'JWT algorithm is not allowed',
      ],
    ];

    it.each(cases)('%s → 401 on every operation, database unchanged', async (_name, header, reason) => {
      const auth = header();
      const before = await snapshot(t.dataSource);
      for (const op of OPS) {
        const res = await call(op, auth);
        expect({ op, status: res.status }).toEqual({ op, status: 401 });
        expect(res.text).toBe(JSON.stringify({ error: `JWT validation failed: ${reason}` }));
        expect(res.body).toEqual({ error: `JWT validation failed: ${reason}` });
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(res.headers['x-tracking-id']).toMatch(TRACKING_ID);
      }
      expect(await snapshot(t.dataSource)).toEqual(before);
    });

    it('the controls: a well-formed crafted token, a lower-case scheme and a dev-token are accepted', async () => {
      for (const auth of [`Bearer ${craft(claims())}`, `bearer ${craft(claims())}`, t.bearer()]) {
        const res = await call('get', auth);
        expect(res.status).toBe(200);
        expect(res.body).toEqual(seeded);
      }
    });

    it('authentication is checked before the route validates anything (an invalid id or body is still 401)', async () => {
      const before = await snapshot(t.dataSource);
      const badId = await t.http().get('/password-sync-groups/not-a-uuid');
      const badBody = await t.http().post('/password-sync-groups').set('Authorization', 'Bearer x').send({ name: 42 });
      expect([badId.status, badBody.status]).toEqual([401, 401]);
      expect(badId.body).toEqual({ error: 'JWT validation failed: JWT is missing' });
      expect(badBody.body).toEqual({ error: 'JWT validation failed: JWT is malformed' });
      expect(await snapshot(t.dataSource)).toEqual(before);
    });
  });

  describe('403: authority, scope and user-token requirements', () => {
    /** Asserts the exact 403 envelope for each op, and that nothing was written. */
    async function expectForbidden(ops: OpName[], auth: string, causes: string[]): Promise<void> {
      const before = await snapshot(t.dataSource);
      for (const op of ops) {
        const res = await call(op, auth);
        expect({ op, status: res.status }).toEqual({ op, status: 403 });
        expect(res.headers['x-tracking-id']).toMatch(TRACKING_ID);
        expect(res.body).toEqual(forbiddenBody(res.headers['x-tracking-id'], causes));
        expect(res.headers['www-authenticate']).toBeUndefined();
      }
      expect(await snapshot(t.dataSource)).toEqual(before);
    }

    /** Runs the ops in an order that cannot conflict, and checks each succeeds. */
    async function expectAllowed(ops: OpName[], auth: string): Promise<void> {
      for (const op of ops) {
        const res = await call(op, auth);
        expect({ op, status: res.status }).toEqual({ op, status: SUCCESS[op] });
        if (op === 'get') expect(res.body).toEqual(seeded);
        if (op === 'list') expect(res.body).toEqual([seeded]);
      }
    }

    it('without the ORG_ADMIN authority every operation is 403, even with every scope', async () => {
      await expectForbidden(OPS, t.bearer({ authorities: ['HELPDESK'] }), [NO_AUTHORITY]);
      await expectForbidden(OPS, t.bearer({ authorities: [] }), [NO_AUTHORITY]);
      await expectForbidden(OPS, t.bearer({ authorities: ['org_admin'] }), [NO_AUTHORITY]);
      await expectForbidden(['list'], `Bearer ${craft(claims({ authorities: 'HELPDESK' }))}`, [NO_AUTHORITY]);
      // authorities, like scope, may also be a space-separated string
      await expectAllowed(['get'], `Bearer ${craft(claims({ authorities: 'HELPDESK ORG_ADMIN' }))}`);
    });

    it(`the ${READ} scope may read but not write`, async () => {
      await expectAllowed(READS, t.bearer({ scopes: [READ] }));
      await expectForbidden(WRITES, t.bearer({ scopes: [READ] }), [NO_MANAGE_SCOPE]);
    });

    it('a token with an unrelated scope (or none) may neither read nor write', async () => {
      await expectForbidden(READS, t.bearer({ scopes: ['idn:sources:read'] }), [NO_READ_SCOPE]);
      await expectForbidden(WRITES, t.bearer({ scopes: ['idn:sources:read'] }), [NO_MANAGE_SCOPE]);
      await expectForbidden(READS, t.bearer({ scopes: [] }), [NO_READ_SCOPE]);
      await expectForbidden(WRITES, t.bearer({ scopes: [] }), [NO_MANAGE_SCOPE]);
    });

    it.each([MANAGE, ALL])('the %s scope may do everything', async (scope) => {
      await expectAllowed(['list', 'get', 'update', 'create', 'delete'], t.bearer({ scopes: [scope] }));
      const [groups] = (await snapshot(t.dataSource)) as [Array<{ name: string; tenant_id: string }>];
      expect(groups.map((g) => [g.tenant_id, g.name])).toEqual([['acme', CREATE_BODY.name]]);
    });

    it('scope is honoured as a space-separated string and as an array', async () => {
      const asString = (scope: string) => `Bearer ${craft(claims({ scope }))}`;
      await expectAllowed(READS, asString(`openid ${READ}`));
      await expectForbidden(WRITES, asString(`openid ${READ}`), [NO_MANAGE_SCOPE]);
      await expectForbidden(['list'], asString(`${READ}x`), [NO_READ_SCOPE]);
      await expectAllowed(['update'], asString(`openid  ${MANAGE}`));
      await expectAllowed(['update'], `Bearer ${craft(claims({ scope: ['openid', MANAGE] }))}`);
      await expectAllowed(['update'], asString(ALL));
      await expectForbidden(WRITES, `Bearer ${craft(claims({ scope: [`${READ} ${MANAGE}`] }))}`, [NO_MANAGE_SCOPE]);
    });

    it('an application token (no identity_id) can read but cannot write', async () => {
      const app = t.bearer({ identityId: undefined, clientId: 'integration' });
      await expectAllowed(READS, app);
      await expectForbidden(WRITES, app, [NO_USER]);
      const appManage = t.bearer({ identityId: undefined, scopes: [MANAGE] });
      await expectAllowed(READS, appManage);
      await expectForbidden(WRITES, appManage, [NO_USER]);
      await expectForbidden(WRITES, `Bearer ${craft(claims({ identity_id: '' }))}`, [NO_USER]);
    });

    it('several missing requirements give several causes, in a fixed order', async () => {
      const nothing = t.bearer({ authorities: [], scopes: [], identityId: undefined });
      await expectForbidden(READS, nothing, [NO_AUTHORITY, NO_READ_SCOPE]);
      await expectForbidden(WRITES, nothing, [NO_AUTHORITY, NO_MANAGE_SCOPE, NO_USER]);
      const appReader = t.bearer({ scopes: [READ], identityId: undefined });
      await expectForbidden(WRITES, appReader, [NO_MANAGE_SCOPE, NO_USER]);
      await expectForbidden(WRITES, t.bearer({ authorities: [], identityId: undefined }), [NO_AUTHORITY, NO_USER]);
      await expectForbidden(WRITES, t.bearer({ authorities: [], scopes: [READ] }), [NO_AUTHORITY, NO_MANAGE_SCOPE]);
    });

    it('authorization is checked before validation and lookup: invalid ids, bodies and unknown ids are 403', async () => {
      const reader = t.bearer({ scopes: [READ] });
      const before = await snapshot(t.dataSource);
      const missing = '6881f631-3bd5-4213-9c75-8e05cc3e35dd';
      const responses = [
        await t.http().put('/password-sync-groups/not-a-uuid').set('Authorization', reader).send(UPDATE_BODY),
        await t.http().put(`/password-sync-groups/${missing}`).set('Authorization', reader).send(UPDATE_BODY),
        await t.http().delete(`/password-sync-groups/${missing}`).set('Authorization', reader),
        await t.http().post('/password-sync-groups').set('Authorization', reader).send({ name: 42 }),
      ];
      for (const res of responses) {
        expect(res.status).toBe(403);
        expect(res.body).toEqual(forbiddenBody(res.headers['x-tracking-id'], [NO_MANAGE_SCOPE]));
      }
      expect(await snapshot(t.dataSource)).toEqual(before);
    });
  });

  describe.each(CONTRACT_PATHS)('tenant isolation at %s', (API) => {
    const other = () => t.bearer({ tenant: 'globex', clientId: 'globex-cli', identityId: 'globex-admin' });

    it("another tenant's group is 404 (exact envelope, never 403) on GET, PUT and DELETE, under every prefix, and nothing changes", async () => {
      const before = await snapshot(t.dataSource);
      for (const base of ALL_PATHS) {
        for (const id of [seeded.id, seeded.id.toUpperCase()]) {
          for (const op of ['get', 'update', 'delete'] as const) {
            const res = await call(op, other(), id, base);
            expect({ op, base, status: res.status }).toEqual({ op, base, status: 404 });
            expect(res.body).toEqual(groupNotFound(res.headers['x-tracking-id'], seeded.id));
          }
        }
      }
      expect(await snapshot(t.dataSource)).toEqual(before);
      const own = await call('get', t.bearer(), undefined, API);
      expect(own.status).toBe(200);
      expect(own.body).toEqual(seeded);
    });

    it("a foreign group's 404 is identical to that of an id that exists nowhere", async () => {
      const missing = '6881f631-3bd5-4213-9c75-8e05cc3e35dd';
      for (const op of ['get', 'update', 'delete'] as const) {
        const foreign = await call(op, other(), seeded.id, API);
        const nowhere = await call(op, other(), missing, API);
        expect(foreign.status).toBe(nowhere.status);
        expect({ ...foreign.body, trackingId: 'x', causes: [] }).toEqual({
          ...nowhere.body,
          trackingId: 'x',
          causes: [],
        });
        expect(foreign.body.causes).toEqual([
          { locale: 'en-US', localeOrigin: 'DEFAULT', text: `Password sync group '${seeded.id}' was not found.` },
        ]);
        expect(Object.keys(foreign.headers).sort()).toEqual(Object.keys(nowhere.headers).sort());
      }
    });

    it("another tenant's list and count do not include it", async () => {
      const res = await call('list', other(), undefined, API);
      expect(res.status).toBe(200);
      expect(res.body).toEqual([]);
      expect(res.headers['x-total-count']).toBe('0');
      const own = await call('list', t.bearer(), undefined, API);
      expect(own.body).toEqual([seeded]);
      expect(own.headers['x-total-count']).toBe('1');
    });

    it('another tenant may create a group with the same name and the same sourceIds; each sees only its own', async () => {
      const created = await t.http().post(API).set('Authorization', other()).send(VALID_BODY);
      expect(created.status).toBe(200);
      expect(created.body.id).not.toBe(seeded.id);
      expect(created.body).toMatchObject({ name: VALID_BODY.name, sourceIds: VALID_BODY.sourceIds });

      const [groups, sources] = (await snapshot(t.dataSource)) as [
        Array<Record<string, unknown>>,
        Array<Record<string, unknown>>,
      ];
      expect(groups.map((g) => [g.tenant_id, g.name]).sort()).toEqual([
        ['acme', VALID_BODY.name],
        ['globex', VALID_BODY.name],
      ]);
      expect(sources).toHaveLength(4);

      const mine = await call('list', t.bearer(), undefined, API);
      const theirs = await call('list', other(), undefined, API);
      expect([mine.body, mine.headers['x-total-count']]).toEqual([[seeded], '1']);
      expect([theirs.body, theirs.headers['x-total-count']]).toEqual([[created.body], '1']);

      const cross = await call('get', t.bearer(), created.body.id, API);
      expect(cross.status).toBe(404);
      expect(cross.body).toEqual(groupNotFound(cross.headers['x-tracking-id'], created.body.id));

      // Each tenant's uniqueness rules stay in force within the tenant.
      const dup = await t
        .http()
        .post(API)
        .set('Authorization', other())
        .send({ ...VALID_BODY, sourceIds: ['x'] });
      expect(dup.status).toBe(400);
      expect(dup.body).toEqual(
        badRequestBody(dup.headers['x-tracking-id'], [
          `A password sync group named '${VALID_BODY.name}' already exists (${created.body.id}); names are unique ignoring case.`,
        ]),
      );

      // Deleting the other tenant's group leaves ours alone.
      const del = await call('delete', other(), created.body.id, API);
      expect(del.status).toBe(204);
      expect((await call('get', t.bearer(), undefined, API)).body).toEqual(seeded);
      expect((await call('list', other(), undefined, API)).body).toEqual([]);
    });

    it("a foreign tenant cannot take over a group by PUT with the owner's id, even with a colliding body", async () => {
      await t
        .http()
        .post(API)
        .set('Authorization', other())
        .send({ ...VALID_BODY, name: 'Theirs', sourceIds: ['t1'] });
      const before = await snapshot(t.dataSource);
      const res = await t
        .http()
        .put(`${API}/${seeded.id}`)
        .set('Authorization', other())
        .send({ id: seeded.id, name: 'Theirs', passwordPolicyId: 'p', sourceIds: ['t1'] });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(groupNotFound(res.headers['x-tracking-id'], seeded.id));
      expect(await snapshot(t.dataSource)).toEqual(before);
    });

    it('tenant ids are compared exactly: a differently-cased tenant is another tenant', async () => {
      const upper = t.bearer({ tenant: 'ACME' });
      const res = await call('get', upper, undefined, API);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(groupNotFound(res.headers['x-tracking-id'], seeded.id));
      expect((await call('list', upper, undefined, API)).body).toEqual([]);
    });

    it('within a tenant, every client and identity sees the same groups', async () => {
      const colleague = t.bearer({ clientId: 'another-client', identityId: 'another-admin' });
      expect((await call('get', colleague, undefined, API)).body).toEqual(seeded);
      const app = t.bearer({ clientId: 'integration', identityId: undefined });
      expect((await call('list', app, undefined, API)).body).toEqual([seeded]);
    });
  });
});
