import { createHmac, hkdfSync } from 'node:crypto';
import { signingSecretOf } from '../src/common/auth/signing-key';
import { DATABASES } from './support/databases';
import { PAT, PAT_BASES, PAT_ID, PAT_SECRET, clearPats, daysFromNow, patRows } from './support/personal-access-tokens';
import { ISO_UTC, badRequestBody, forbiddenBody, notFoundBody, startTestApp, type TestApp } from './support/test-app';

const USER_TOKEN_REQUIRED =
  'This operation requires a user token (one with identity_id); application tokens cannot use it.';

describe.each(DATABASES)('personal access tokens API (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await clearPats(t.dataSource);
  });

  const asUser = (identityId = 'alice', extra: Parameters<TestApp['bearer']>[0] = {}) =>
    t.bearer({ identityId, userName: `${identityId}.name`, ...extra });
  const create = (body: object, auth = asUser(), base = PAT) =>
    t.http().post(base).set('Authorization', auth).send(body);
  const patch = (id: string, ops: unknown, auth = asUser(), base = PAT) =>
    t
      .http()
      .patch(`${base}/${id}`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify(ops));
  const NEVER = { userAwareTokenNeverExpires: true };

  it('creates a PAT: 200, the secret once (64 hex), defaults, and only a keyed hash stored', async () => {
    const before = Date.now();
    const res = await create({ name: '  NodeJS Integration  ', ...NEVER });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual([
      'id',
      'secret',
      'scope',
      'name',
      'owner',
      'created',
      'accessTokenValiditySeconds',
      'expirationDate',
    ]);
    expect(res.body).toEqual({
      id: expect.stringMatching(PAT_ID),
      secret: expect.stringMatching(PAT_SECRET),
      scope: ['sp:scopes:all'],
      name: 'NodeJS Integration',
      owner: { type: 'IDENTITY', id: 'alice', name: 'alice.name' },
      created: expect.stringMatching(ISO_UTC),
      accessTokenValiditySeconds: 43200,
      expirationDate: null,
    });
    expect(Date.parse(res.body.created)).toBeGreaterThanOrEqual(before - 1);

    const key = hkdfSync(
      'sha256',
      signingSecretOf(t.config)!.key.export(),
      'personal-access-tokens',
      'pat secret hash v1',
      32,
    );
    const hash = createHmac('sha256', Buffer.from(key)).update(res.body.secret).digest('hex');
    expect(await patRows(t.dataSource)).toEqual([
      {
        id: res.body.id,
        tenant_id: 'acme',
        owner_id: 'alice',
        owner_name: 'alice.name',
        name: 'NodeJS Integration',
        scopes: '["sp:scopes:all"]',
        authorities: '["ORG_ADMIN"]',
        secret_hash: hash,
        access_token_validity_seconds: 43200,
        expiration_date: null,
        user_aware_token_never_expires: true,
        created: res.body.created,
        last_used: null,
      },
    ]);
    expect(JSON.stringify(await patRows(t.dataSource))).not.toContain(res.body.secret);
  });

  it('creates with scope, validity and an expiry (normalized to UTC milliseconds)', async () => {
    const res = await create({
      name: 'ci',
      scope: ['idn:password-sync-group:read'],
      accessTokenValiditySeconds: 900,
      expirationDate: '2099-12-31T23:59:59+02:00',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      scope: ['idn:password-sync-group:read'],
      accessTokenValiditySeconds: 900,
      expirationDate: '2099-12-31T21:59:59.000Z',
    });
    const [row] = await patRows(t.dataSource);
    expect(row).toMatchObject({ expiration_date: '2099-12-31T21:59:59.000Z', user_aware_token_never_expires: false });
  });

  it.each([
    [{ ...NEVER }, ['name is required.']],
    [{ name: '', ...NEVER }, ['name must not be empty or only whitespace.']],
    [
      { name: 'x' },
      [
        'expirationDate is null or absent, so the token would never expire: set userAwareTokenNeverExpires to true to acknowledge that, or give an expirationDate.',
      ],
    ],
    [
      { name: 'x', expirationDate: null, userAwareTokenNeverExpires: false },
      [
        'expirationDate is null or absent, so the token would never expire: set userAwareTokenNeverExpires to true to acknowledge that, or give an expirationDate.',
      ],
    ],
    [
      { name: 'x', expirationDate: '2001-01-01T00:00:00.000Z' },
      ['expirationDate must be in the future (got "2001-01-01T00:00:00.000Z").'],
    ],
    [
      { name: 'x', expirationDate: 'tomorrow' },
      [
        'expirationDate must be an ISO-8601 date-time with a time zone, e.g. 2026-12-31T23:59:59.999Z, or null (got "tomorrow").',
      ],
    ],
    [
      { name: 'x', accessTokenValiditySeconds: 14, ...NEVER },
      ['accessTokenValiditySeconds must be an integer from 15 to 43200 (got 14).'],
    ],
    [
      { name: 'x', accessTokenValiditySeconds: 43201, ...NEVER },
      ['accessTokenValiditySeconds must be an integer from 15 to 43200 (got 43201).'],
    ],
    [{ name: 'x', scope: [], ...NEVER }, ['scope must hold 1 to 50 scopes, or be null for the default (got 0).']],
    [
      { name: 'x', scope: ['a b'], ...NEVER },
      ['scope[0] must be a scope: 1-255 printable ASCII characters without spaces (got "a b").'],
    ],
    [
      { name: 'x', userAwareTokenNeverExpires: 'yes' },
      ['userAwareTokenNeverExpires must be true, false or null (got "yes").'],
    ],
    [{ name: 'x', secret: 'mine', ...NEVER }, ["Unknown property 'secret': it is not part of the request schema."]],
  ])('refuses %j with a 400 and stores nothing', async (body, causes) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(badRequestBody(res.headers['x-tracking-id'], causes));
    expect(await patRows(t.dataSource)).toEqual([]);
  });

  it('a name is unique per owner (another owner may use it)', async () => {
    expect((await create({ name: 'dup', ...NEVER })).status).toBe(200);
    const again = await create({ name: 'dup', ...NEVER });
    expect(again.status).toBe(400);
    expect(again.body).toEqual(
      badRequestBody(again.headers['x-tracking-id'], [
        "You already have a personal access token named 'dup'; names are unique per owner.",
      ]),
    );
    expect((await create({ name: 'dup', ...NEVER }, asUser('bob'))).status).toBe(200);
    expect((await patRows(t.dataSource)).map((r) => r.owner_id)).toEqual(['alice', 'bob']);
  });

  it("only a user token creates one; its scopes must be within the creator's; authorities are the creator's", async () => {
    const app = await create({ name: 'x', ...NEVER }, t.bearer({ identityId: undefined }));
    expect(app.status).toBe(403);
    expect(app.body).toEqual(forbiddenBody(app.headers['x-tracking-id'], [USER_TOKEN_REQUIRED]));

    const narrow = asUser('carol', {
      scopes: ['sp:my-personal-access-tokens:manage', 'idn:password-sync-group:read'],
      authorities: ['HELPDESK'],
    });
    const escalate = await create(
      { name: 'x', scope: ['sp:scopes:all', 'idn:password-sync-group:manage'], ...NEVER },
      narrow,
    );
    expect(escalate.status).toBe(403);
    expect(escalate.body).toEqual(
      forbiddenBody(escalate.headers['x-tracking-id'], [
        "The token cannot grant scopes it does not hold: sp:scopes:all, idn:password-sync-group:manage. A personal access token's scopes must be within the creating token's scopes (sp:scopes:all covers all).",
      ]),
    );
    expect(await patRows(t.dataSource)).toEqual([]);

    const defaulted = await create({ name: 'x', ...NEVER }, narrow);
    expect(defaulted.status).toBe(200);
    expect(defaulted.body.scope).toEqual(['idn:password-sync-group:read', 'sp:my-personal-access-tokens:manage']);
    const [row] = await patRows(t.dataSource);
    expect(row).toMatchObject({ owner_id: 'carol', authorities: '["HELPDESK"]' });

    const noScope = await create({ name: 'y', ...NEVER }, asUser('dave', { scopes: ['idn:password-sync-group:read'] }));
    expect(noScope.status).toBe(403);
    expect(noScope.body).toEqual(
      forbiddenBody(noScope.headers['x-tracking-id'], [
        'The token lacks a required scope: one of sp:my-personal-access-tokens:manage, sp:all-personal-access-tokens:manage, sp:scopes:all.',
      ]),
    );
  });

  it('lists: owner-id=me and own id; paging with count; secrets never shown', async () => {
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) ids.push((await create({ name, ...NEVER })).body.id);
    await create({ name: 'bobs', ...NEVER }, asUser('bob'));
    const rows = await patRows(t.dataSource);
    const alice = rows.filter((r) => r.owner_id === 'alice').map((r) => r.id);

    const mine = await t.http().get(`${PAT}?owner-id=me`).set('Authorization', asUser());
    expect(mine.status).toBe(200);
    expect(mine.body.map((p: { id: string }) => p.id)).toEqual(alice);
    expect(mine.body[0]).toEqual({
      id: alice[0],
      name: rows[0].name,
      scope: ['sp:scopes:all'],
      owner: { type: 'IDENTITY', id: 'alice', name: 'alice.name' },
      created: rows[0].created,
      lastUsed: null,
      managed: false,
      accessTokenValiditySeconds: 43200,
      expirationDate: null,
      userAwareTokenNeverExpires: true,
    });
    expect(JSON.stringify(mine.body)).not.toMatch(/secret/i);

    const page = await t.http().get(`${PAT}?owner-id=alice&limit=2&offset=1&count=true`).set('Authorization', asUser());
    expect(page.status).toBe(200);
    expect(page.headers['x-total-count']).toBe('3');
    expect(page.body.map((p: { id: string }) => p.id)).toEqual(alice.slice(1, 3));

    const all = await t.http().get(PAT).set('Authorization', asUser());
    expect(all.body.map((p: { id: string }) => p.id)).toEqual(rows.map((r) => r.id));

    const bad = await t.http().get(`${PAT}?limit=251`).set('Authorization', asUser());
    expect(bad.status).toBe(400);
    // SailPoint's filters on lastUsed: isnull, and le a date-time.
    await t.dataSource.query(
      `UPDATE personal_access_token SET last_used = '2026-01-01T00:00:00.000Z' WHERE id = '${String(alice[0])}'`,
    );
    await t.dataSource.query(
      `UPDATE personal_access_token SET last_used = '2026-03-01T00:00:00.000Z' WHERE id = '${String(alice[1])}'`,
    );
    const filtered = async (query: string) => {
      const res = await t.http().get(`${PAT}?owner-id=me&${query}`).set('Authorization', asUser());
      expect(res.status).toBe(200);
      return res.body.map((p: { id: string }) => p.id) as string[];
    };
    expect(await filtered('filters=lastUsed%20isnull')).toEqual([alice[2]]);
    expect(await filtered('filters=lastUsed%20le%202026-02-01T00:00:00.000Z')).toEqual([alice[0]]);
    expect(await filtered('filters=lastUsed%20le%20%222026-03-01T00:00:00Z%22&count=true')).toEqual(alice.slice(0, 2));
    for (const bad of ['name%20eq%20%22x%22', 'lastUsed%20le%20yesterday', 'lastUsed%20isnull%20and%20x']) {
      const res = await t.http().get(`${PAT}?filters=${bad}`).set('Authorization', asUser());
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        badRequestBody(res.headers['x-tracking-id'], [
          `filters supports lastUsed le <date-time> and lastUsed isnull (got ${JSON.stringify(decodeURIComponent(bad))}).`,
        ]),
      );
    }
  });

  it("others' tokens need ORG_ADMIN with an all-personal-access-tokens scope", async () => {
    const bobs = (await create({ name: 'bobs', ...NEVER }, asUser('bob'))).body.id;
    const helpdesk = asUser('carol', { authorities: ['HELPDESK'] });
    const myOnly = asUser('carol', { scopes: ['sp:my-personal-access-tokens:manage'] });
    for (const auth of [helpdesk, myOnly]) {
      for (const query of ['', '?owner-id=bob']) {
        const res = await t.http().get(`${PAT}${query}`).set('Authorization', auth);
        expect(res.status).toBe(403);
        expect(res.body).toEqual(
          forbiddenBody(res.headers['x-tracking-id'], [
            "Only ORG_ADMIN with sp:all-personal-access-tokens:read (or sp:scopes:all) may read other users' personal access tokens.",
          ]),
        );
      }
      const del = await t.http().delete(`${PAT}/${bobs}`).set('Authorization', auth);
      expect(del.status).toBe(403);
      expect(del.body).toEqual(
        forbiddenBody(del.headers['x-tracking-id'], [
          "Only ORG_ADMIN with sp:all-personal-access-tokens:manage (or sp:scopes:all) may manage other users' personal access tokens.",
        ]),
      );
    }
    const mine = await t.http().get(`${PAT}?owner-id=me`).set('Authorization', myOnly);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual([]);
    const byApp = await t
      .http()
      .get(`${PAT}?owner-id=me`)
      .set('Authorization', t.bearer({ identityId: undefined }));
    expect(byApp.status).toBe(403);

    const notOwner = await patch(bobs, [{ op: 'replace', path: '/name', value: 'mine now' }]);
    expect(notOwner.status).toBe(403);
    expect(notOwner.body).toEqual(
      forbiddenBody(notOwner.headers['x-tracking-id'], ['Only the owner of a personal access token may patch it.']),
    );
    expect((await patRows(t.dataSource)).map((r) => r.name)).toEqual(['bobs']);

    const admin = t.bearer({ identityId: 'root', scopes: ['sp:all-personal-access-tokens:manage'] });
    expect((await t.http().get(`${PAT}?owner-id=bob`).set('Authorization', admin)).body).toHaveLength(1);
    expect((await t.http().delete(`${PAT}/${bobs}`).set('Authorization', admin)).status).toBe(204);
    expect(await patRows(t.dataSource)).toEqual([]);
  });

  it('patches name, scope, expirationDate and userAwareTokenNeverExpires (JSON Patch), with the v1 rules', async () => {
    const created = (await create({ name: 'p', expirationDate: daysFromNow(30) })).body;
    const future = daysFromNow(60);
    const res = await patch(created.id, [
      { op: 'replace', path: '/name', value: ' renamed ' },
      { op: 'replace', path: '/scope', value: ['idn:password-sync-group:read'] },
      { op: 'replace', path: '/expirationDate', value: future },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: created.id,
      name: 'renamed',
      scope: ['idn:password-sync-group:read'],
      owner: created.owner,
      created: created.created,
      lastUsed: null,
      managed: false,
      accessTokenValiditySeconds: 43200,
      expirationDate: future,
      userAwareTokenNeverExpires: false,
    });
    expect(await patRows(t.dataSource)).toEqual([
      expect.objectContaining({ name: 'renamed', scopes: '["idn:password-sync-group:read"]', expiration_date: future }),
    ]);

    const before = await patRows(t.dataSource);
    const cases: Array<[unknown, string[]]> = [
      [
        [{ op: 'replace', path: '/expirationDate', value: null }],
        ['expirationDate is set to null (never expires): the same patch must set userAwareTokenNeverExpires to true.'],
      ],
      [
        [{ op: 'remove', path: '/expirationDate' }],
        ['expirationDate is set to null (never expires): the same patch must set userAwareTokenNeverExpires to true.'],
      ],
      [
        [{ op: 'replace', path: '/expirationDate', value: '2000-01-01T00:00:00.000Z' }],
        ['expirationDate must be in the future (got "2000-01-01T00:00:00.000Z").'],
      ],
      [
        [{ op: 'replace', path: '/owner', value: 'x' }],
        [
          'Operation 0: path must be one of /name, /scope, /expirationDate, /userAwareTokenNeverExpires (got "/owner").',
        ],
      ],
      [
        [{ op: 'move', path: '/name', from: '/scope' }],
        ['Operation 0: op must be replace, add or remove (got "move").'],
      ],
      [[{ op: 'replace', path: '/name' }], ['Operation 0: replace needs a value.']],
      [[{ op: 'replace', path: '/name', value: '' }], ['name must not be empty or only whitespace.']],
      [[], ['The JSON Patch document must hold 1 to 20 operations (got 0).']],
      [{ op: 'replace' }, ['The request body must be a JSON Patch document: an array of operations (RFC 6902).']],
    ];
    for (const [ops, causes] of cases) {
      const bad = await patch(created.id, ops);
      expect([bad.status, bad.body]).toEqual([400, badRequestBody(bad.headers['x-tracking-id'], causes)]);
    }
    const narrow = asUser('alice', { scopes: ['sp:my-personal-access-tokens:manage'] });
    const escalate = await patch(created.id, [{ op: 'replace', path: '/scope', value: ['sp:scopes:all'] }], narrow);
    expect(escalate.status).toBe(403);
    expect(await patRows(t.dataSource)).toEqual(before);

    const never = await patch(created.id, [
      { op: 'replace', path: '/expirationDate', value: null },
      { op: 'replace', path: '/userAwareTokenNeverExpires', value: true },
    ]);
    expect(never.status).toBe(200);
    expect(never.body).toMatchObject({ expirationDate: null, userAwareTokenNeverExpires: true });
    const unack = await patch(created.id, [{ op: 'replace', path: '/userAwareTokenNeverExpires', value: false }]);
    expect(unack.status).toBe(400);
    expect(await patRows(t.dataSource)).toEqual([
      expect.objectContaining({ expiration_date: null, user_aware_token_never_expires: true }),
    ]);
  });

  it('deletes: 204 empty, then 404; a malformed id is a 400', async () => {
    const { id } = (await create({ name: 'gone', ...NEVER })).body;
    const res = await t.http().delete(`${PAT}/${id}`).set('Authorization', asUser());
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await patRows(t.dataSource)).toEqual([]);
    const again = await t.http().delete(`${PAT}/${id}`).set('Authorization', asUser());
    expect(again.status).toBe(404);
    expect(again.body).toEqual(
      notFoundBody(again.headers['x-tracking-id'], [`Personal access token '${id}' was not found.`]),
    );
    const bad = await t.http().delete(`${PAT}/not-an-id`).set('Authorization', asUser());
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(
      badRequestBody(bad.headers['x-tracking-id'], [
        'Path parameter \'id\' must be a personal access token id: 32 hexadecimal characters (got "not-an-id").',
      ]),
    );
  });

  it("another tenant's PAT is a 404 in every operation, and never listed", async () => {
    const { id } = (await create({ name: 'acme pat', ...NEVER })).body;
    const before = await patRows(t.dataSource);
    const other = t.bearer({ tenant: 'globex', identityId: 'alice', userName: 'alice.name' });
    const list = await t.http().get(PAT).set('Authorization', other);
    expect([list.status, list.body]).toEqual([200, []]);
    const listMe = await t.http().get(`${PAT}?owner-id=me`).set('Authorization', other);
    expect([listMe.status, listMe.body]).toEqual([200, []]);
    const notFound = (res: { status: number; body: unknown; headers: Record<string, string> }) =>
      expect([res.status, res.body]).toEqual([
        404,
        notFoundBody(res.headers['x-tracking-id'], [`Personal access token '${id}' was not found.`]),
      ]);
    notFound(await patch(id, [{ op: 'replace', path: '/name', value: 'stolen' }], other));
    notFound(await t.http().delete(`${PAT}/${id}`).set('Authorization', other));
    expect(await patRows(t.dataSource)).toEqual(before);
  });

  it('serves every operation under each base path', async () => {
    for (const base of PAT_BASES) {
      const created = await create({ name: `at ${base}`, ...NEVER }, asUser(), base);
      expect(created.status).toBe(200);
      const listed = await t.http().get(`${base}?owner-id=me`).set('Authorization', asUser());
      expect(listed.body.map((p: { id: string }) => p.id)).toEqual([created.body.id]);
      const patched = await patch(
        created.body.id,
        [{ op: 'replace', path: '/name', value: 'renamed' }],
        asUser(),
        base,
      );
      expect(patched.body.name).toBe('renamed');
      expect((await t.http().delete(`${base}/${created.body.id}`).set('Authorization', asUser())).status).toBe(204);
    }
    expect(await patRows(t.dataSource)).toEqual([]);
  });
});
