import type { PasswordSyncGroupView } from '../src/password-sync-groups/dto/password-sync-group.dto';
import { PasswordSyncGroupsService } from '../src/password-sync-groups/password-sync-groups.service';
import type { Response } from 'supertest';
import { ON_EVERY_DATABASE } from './support/api-paths';
import { DATABASES } from './support/databases';
import {
  badRequestBody,
  badSyntaxBody,
  internalBody,
  ISO_UTC,
  notFoundBody,
  snapshot,
  TRACKING_ID,
  VALID_BODY,
  useTestApp,
} from './support/test-app';

const JSON_TYPE = 'application/json; charset=utf-8';
const MISSING_ID = '6881f631-3bd5-4213-9c75-8e05cc3e35dd';

const MESSAGE = (text: string) => ({ locale: 'en-US', localeOrigin: 'DEFAULT', text });
const envelope = (detailCode: string, text: string) => (trackingId: string, causes: string[]) => ({
  detailCode,
  trackingId,
  messages: [MESSAGE(text)],
  causes: causes.map(MESSAGE),
});
const methodNotAllowedBody = envelope(
  '405 Method Not Allowed',
  'The method received in the request-line is not supported by the target resource.',
);
const payloadTooLargeBody = envelope(
  '413 Payload Too Large',
  'The request body is larger than the server is willing to process.',
);
const unsupportedMediaTypeBody = envelope(
  '415 Unsupported Media Type',
  'The request body is in a format not supported by the target resource.',
);

const REQUIRED = (field: string) => `${field} is required.`;
const UNKNOWN = (field: string) => `Unknown property '${field}': it is not part of the request schema.`;
const NOT_OBJECT = 'The request body must be a JSON object.';
const NOT_JSON = "Body is not valid JSON but content-type is set to 'application/json'";
const LIMIT = (got: string) => `limit must be an integer between 0 and 250 (got ${got}).`;
const OFFSET = (got: string) => `offset must be an integer of 0 or more (got ${got}).`;
const COUNT = (got: string) => `count must be true or false (got ${got}).`;
const BAD_UUID = (got: string) => `Path parameter 'id' must be a UUID (got ${got}).`;
const SOURCE_TAKEN = (source: string, name: string, id: string) =>
  `Source '${source}' already belongs to password sync group '${name}' (${id}).`;
const NAME_TAKEN = (name: string, id: string) =>
  `A password sync group named '${name}' already exists (${id}); names are unique ignoring case.`;
const ID_MISMATCH = (bodyId: string, pathId: string) =>
  `id in the body (${bodyId}) must equal the id in the path ('${pathId}') or be omitted.`;

const sourceIds = (n: number, prefix = 'src') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/**
 * Every body problem, with the exact causes; each is checked on POST and on PUT.
 * None of these bodies uses a source or name already taken, so only validation can reject them.
 */
const BODY_CASES: Array<[string, Record<string, unknown>, string[]]> = [
  ['missing name', { passwordPolicyId: 'p', sourceIds: ['a'] }, [REQUIRED('name')]],
  ['missing passwordPolicyId', { name: 'n', sourceIds: ['a'] }, [REQUIRED('passwordPolicyId')]],
  ['missing sourceIds', { name: 'n', passwordPolicyId: 'p' }, [REQUIRED('sourceIds')]],
  ['null name', { name: null, passwordPolicyId: 'p', sourceIds: ['a'] }, [REQUIRED('name')]],
  ['null sourceIds', { name: 'n', passwordPolicyId: 'p', sourceIds: null }, [REQUIRED('sourceIds')]],
  ['all three missing', {}, [REQUIRED('name'), REQUIRED('passwordPolicyId'), REQUIRED('sourceIds')]],
  ['name a number', { name: 5, passwordPolicyId: 'p', sourceIds: ['a'] }, ['name must be a string (got 5).']],
  ['name an array', { name: ['n'], passwordPolicyId: 'p', sourceIds: ['a'] }, ['name must be a string (got ["n"]).']],
  [
    'name an object',
    { name: { a: 1 }, passwordPolicyId: 'p', sourceIds: ['a'] },
    ['name must be a string (got {"a":1}).'],
  ],
  ['name a boolean', { name: true, passwordPolicyId: 'p', sourceIds: ['a'] }, ['name must be a string (got true).']],
  ['name empty', { name: '', passwordPolicyId: 'p', sourceIds: ['a'] }, ['name must not be empty or only whitespace.']],
  [
    'name only whitespace',
    { name: ' \t\n ', passwordPolicyId: 'p', sourceIds: ['a'] },
    ['name must not be empty or only whitespace.'],
  ],
  [
    'name 256 characters',
    { name: 'n'.repeat(256), passwordPolicyId: 'p', sourceIds: ['a'] },
    ['name must be at most 255 characters (got 256).'],
  ],
  [
    'name 256 characters after trimming',
    { name: `  ${'n'.repeat(256)}  `, passwordPolicyId: 'p', sourceIds: ['a'] },
    ['name must be at most 255 characters (got 256).'],
  ],
  [
    'name with NUL',
    { name: 'a\u0000b', passwordPolicyId: 'p', sourceIds: ['a'] },
    ['name must not contain the NUL character (\\u0000).'],
  ],
  [
    'name with a lone surrogate',
    { name: 'x\ud800', passwordPolicyId: 'p', sourceIds: ['a'] },
    ['name must be valid Unicode text (it contains an unpaired surrogate).'],
  ],
  [
    'passwordPolicyId a number',
    { name: 'n', passwordPolicyId: 42, sourceIds: ['a'] },
    ['passwordPolicyId must be a string (got 42).'],
  ],
  [
    'passwordPolicyId empty',
    { name: 'n', passwordPolicyId: '', sourceIds: ['a'] },
    ['passwordPolicyId must not be empty.'],
  ],
  [
    'passwordPolicyId with inner whitespace',
    { name: 'n', passwordPolicyId: 'a b', sourceIds: ['a'] },
    ['passwordPolicyId must not contain whitespace (got "a b").'],
  ],
  [
    'passwordPolicyId with outer whitespace (not trimmed)',
    { name: 'n', passwordPolicyId: ' p ', sourceIds: ['a'] },
    ['passwordPolicyId must not contain whitespace (got " p ").'],
  ],
  [
    'passwordPolicyId 129 characters',
    { name: 'n', passwordPolicyId: 'p'.repeat(129), sourceIds: ['a'] },
    ['passwordPolicyId must be at most 128 characters (got 129).'],
  ],
  [
    'passwordPolicyId with NUL',
    { name: 'n', passwordPolicyId: 'p\u0000', sourceIds: ['a'] },
    ['passwordPolicyId must not contain the NUL character (\\u0000).'],
  ],
  [
    'passwordPolicyId with a lone surrogate',
    { name: 'n', passwordPolicyId: '\udc00p', sourceIds: ['a'] },
    ['passwordPolicyId must be valid Unicode text (it contains an unpaired surrogate).'],
  ],
  [
    'sourceIds a string',
    { name: 'n', passwordPolicyId: 'p', sourceIds: 'a' },
    ['sourceIds must be an array of source ids (got "a").'],
  ],
  [
    'sourceIds an object',
    { name: 'n', passwordPolicyId: 'p', sourceIds: { 0: 'a' } },
    ['sourceIds must be an array of source ids (got {"0":"a"}).'],
  ],
  [
    'sourceIds empty',
    { name: 'n', passwordPolicyId: 'p', sourceIds: [] },
    ['sourceIds must hold 1 to 250 source ids (got 0).'],
  ],
  [
    'sourceIds 251 items',
    { name: 'n', passwordPolicyId: 'p', sourceIds: sourceIds(251) },
    ['sourceIds must hold 1 to 250 source ids (got 251).'],
  ],
  [
    'a sourceIds item not a string',
    { name: 'n', passwordPolicyId: 'p', sourceIds: ['a', 7] },
    ['sourceIds[1] must be a string (got 7).'],
  ],
  [
    'a sourceIds item null',
    { name: 'n', passwordPolicyId: 'p', sourceIds: [null] },
    ['sourceIds[0] must be a string (got null).'],
  ],
  [
    'a sourceIds item empty',
    { name: 'n', passwordPolicyId: 'p', sourceIds: ['a', ''] },
    ['sourceIds[1] must not be empty.'],
  ],
  [
    'a sourceIds item with whitespace',
    { name: 'n', passwordPolicyId: 'p', sourceIds: ['a b'] },
    ['sourceIds[0] must not contain whitespace (got "a b").'],
  ],
  [
    'a sourceIds item 129 characters',
    { name: 'n', passwordPolicyId: 'p', sourceIds: ['s'.repeat(129)] },
    ['sourceIds[0] must be at most 128 characters (got 129).'],
  ],
  [
    'a sourceIds item with NUL',
    { name: 'n', passwordPolicyId: 'p', sourceIds: ['s\u0000'] },
    ['sourceIds[0] must not contain the NUL character (\\u0000).'],
  ],
  [
    'a sourceIds item with a lone surrogate',
    { name: 'n', passwordPolicyId: 'p', sourceIds: ['ok', 's\ud83d'] },
    ['sourceIds[1] must be valid Unicode text (it contains an unpaired surrogate).'],
  ],
  [
    'duplicate sourceIds',
    { name: 'n', passwordPolicyId: 'p', sourceIds: ['a', 'b', 'a'] },
    ["sourceIds must be distinct; repeated: 'a'."],
  ],
  [
    'several sourceIds problems (one cause for the field)',
    { name: 'n', passwordPolicyId: 'p', sourceIds: ['a', 5, 'b c', 'a', 'd', 'd', 'a'] },
    [
      "sourceIds[1] must be a string (got 5). sourceIds[2] must not contain whitespace (got \"b c\"). sourceIds must be distinct; repeated: 'a', 'd'.",
    ],
  ],
  ['an unknown property', { ...VALID_BODY, name: 'n', sourceIds: ['a'], foo: 1 }, [UNKNOWN('foo')]],
  [
    'an unknown property holding an object',
    { ...VALID_BODY, name: 'n', sourceIds: ['a'], foo: { bar: 1 } },
    [UNKNOWN('foo')],
  ],
  [
    'two unknown properties',
    { ...VALID_BODY, name: 'n', sourceIds: ['a'], foo: 1, Name: 'x' },
    [UNKNOWN('foo'), UNKNOWN('Name')],
  ],
  [
    'several problems at once: one cause per offending field, unknown properties first, then fields in schema order',
    { sourceIds: [], foo: 1, passwordPolicyId: '', name: 5, zed: null },
    [
      UNKNOWN('foo'),
      UNKNOWN('zed'),
      'name must be a string (got 5).',
      'passwordPolicyId must not be empty.',
      'sourceIds must hold 1 to 250 source ids (got 0).',
    ],
  ],
];

describe.each(ON_EVERY_DATABASE)('validation and errors (%s, at %s)', (kind, API) => {
  const t = useTestApp(kind, {}, { clearBeforeEach: true });
  /** A group of tenant "acme" created before every test: VALID_BODY. */
  let seed: PasswordSyncGroupView;

  beforeEach(async () => {
    const res = await create(VALID_BODY);
    expect(res.status).toBe(200);
    seed = res.body;
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const create = (body: unknown, bearer = t.bearer()) =>
    t
      .http()
      .post(API)
      .set('Authorization', bearer)
      .send(body as object);
  const update = (id: string, body: unknown, bearer = t.bearer()) =>
    t
      .http()
      .put(`${API}/${id}`)
      .set('Authorization', bearer)
      .send(body as object);
  const list = (query: string) => t.http().get(`${API}${query}`).set('Authorization', t.bearer());

  /** Sends a request that must be rejected; asserts status, exact body, tracking id, and that no row changed. */
  async function expectRejected(
    send: () => PromiseLike<Response>,
    status: number,
    body: (trackingId: string) => unknown,
  ): Promise<Response> {
    const before = await snapshot(t.dataSource);
    const res = await send();
    expect(res.status).toBe(status);
    const trackingId = res.headers['x-tracking-id'];
    expect(trackingId).toMatch(TRACKING_ID);
    expect(res.headers['content-type']).toBe(JSON_TYPE);
    expect(res.body).toEqual(body(trackingId));
    expect(await snapshot(t.dataSource)).toEqual(before);
    return res;
  }
  const rejected400 = (send: () => PromiseLike<Response>, causes: string[]) =>
    expectRejected(send, 400, (id) => badRequestBody(id, causes));

  describe('request bodies', () => {
    it.each(BODY_CASES)('POST: %s', async (_label, body, causes) => {
      await rejected400(() => create(body), causes);
    });

    it.each(BODY_CASES)('PUT: %s', async (_label, body, causes) => {
      await rejected400(() => update(seed.id, body), causes);
    });

    it.each([
      ['an array', JSON.stringify([VALID_BODY])],
      ['an empty array', '[]'],
      ['a string', '"Password Sync Group 1"'],
      ['null', 'null'],
      ['a number', '42'],
      ['true', 'true'],
    ])('a JSON body that is %s is 400 on POST and PUT', async (_label, raw) => {
      await rejected400(
        () => t.http().post(API).set('Authorization', t.bearer()).set('Content-Type', 'application/json').send(raw),
        [NOT_OBJECT],
      );
      await rejected400(
        () =>
          t
            .http()
            .put(`${API}/${seed.id}`)
            .set('Authorization', t.bearer())
            .set('Content-Type', 'application/json')
            .send(raw),
        [NOT_OBJECT],
      );
    });

    it('no body at all (no content type) is 400 on POST and PUT', async () => {
      await rejected400(() => t.http().post(API).set('Authorization', t.bearer()), [NOT_OBJECT]);
      await rejected400(() => t.http().put(`${API}/${seed.id}`).set('Authorization', t.bearer()), [NOT_OBJECT]);
    });

    it('limits are inclusive: a 255-character name (after trimming), 128-character ids and 250 sources are accepted', async () => {
      const name = 'N'.repeat(255);
      const body = {
        name: `  ${name}\t`,
        passwordPolicyId: 'p'.repeat(128),
        sourceIds: [...sourceIds(249), 's'.repeat(128)],
      };
      const res = await create(body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: expect.any(String),
        name,
        passwordPolicyId: body.passwordPolicyId,
        sourceIds: body.sourceIds,
        created: expect.stringMatching(ISO_UTC),
        modified: res.body.created,
      });
      const got = await t.http().get(`${API}/${res.body.id}`).set('Authorization', t.bearer());
      expect(got.body).toEqual(res.body);

      const put = await update(seed.id, { ...body, name: 'm'.repeat(255), sourceIds: sourceIds(250, 'other') });
      expect(put.status).toBe(200);
      expect(put.body.name).toBe('m'.repeat(255));
      expect(put.body.sourceIds).toEqual(sourceIds(250, 'other'));
    });

    it("a name whose lower case is longer than itself (U+0130 'İ') is stored, and still unique ignoring case", async () => {
      const name = 'İ'.repeat(200) + 'Ab';
      const res = await create({ name, passwordPolicyId: 'p', sourceIds: ['turkish'] });
      expect(res.status).toBe(200);
      expect(res.body.name).toBe(name);
      await rejected400(
        () => create({ name: 'İ'.repeat(200) + 'aB', passwordPolicyId: 'p', sourceIds: ['other'] }),
        [NAME_TAKEN('İ'.repeat(200) + 'aB', res.body.id)],
      );
    });
  });

  describe('uniqueness', () => {
    it('a source already in another group of the tenant is 400 on create, one cause per source in request order', async () => {
      const [first, second] = VALID_BODY.sourceIds;
      await rejected400(
        () => create({ name: 'Other', passwordPolicyId: 'p', sourceIds: ['free-1', second, 'free-2', first] }),
        [SOURCE_TAKEN(second, seed.name, seed.id), SOURCE_TAKEN(first, seed.name, seed.id)],
      );
    });

    it('a source already in another group of the tenant is 400 on update', async () => {
      const other = (await create({ name: 'Other', passwordPolicyId: 'p', sourceIds: ['o-1', 'o-2'] })).body;
      await rejected400(
        () => update(other.id, { name: 'Other', passwordPolicyId: 'p', sourceIds: ['o-1', VALID_BODY.sourceIds[1]] }),
        [SOURCE_TAKEN(VALID_BODY.sourceIds[1], seed.name, seed.id)],
      );
    });

    it('a name taken ignoring case (and surrounding whitespace) is 400 on create', async () => {
      await rejected400(
        () => create({ name: '  PASSWORD sync GROUP 1 ', passwordPolicyId: 'p', sourceIds: ['free'] }),
        [NAME_TAKEN('PASSWORD sync GROUP 1', seed.id)],
      );
    });

    it('a name taken ignoring case is 400 on update', async () => {
      const other = (await create({ name: 'Other', passwordPolicyId: 'p', sourceIds: ['o-1'] })).body;
      await rejected400(
        () => update(other.id, { name: 'password sync group 1', passwordPolicyId: 'p', sourceIds: ['o-1'] }),
        [NAME_TAKEN('password sync group 1', seed.id)],
      );
    });

    it('a name and a source both taken: the name is reported', async () => {
      await rejected400(() => create(VALID_BODY), [NAME_TAKEN(VALID_BODY.name, seed.id)]);
    });

    it('a group may keep its own name and sources, or change only the case of its name', async () => {
      const same = await update(seed.id, VALID_BODY);
      expect(same.status).toBe(200);
      expect(same.body).toEqual({ ...seed, modified: expect.stringMatching(ISO_UTC) });

      const recased = await update(seed.id, {
        ...VALID_BODY,
        name: 'PASSWORD SYNC GROUP 1',
        sourceIds: [...VALID_BODY.sourceIds].reverse(),
      });
      expect(recased.status).toBe(200);
      expect(recased.body.name).toBe('PASSWORD SYNC GROUP 1');
      expect(recased.body.sourceIds).toEqual([...VALID_BODY.sourceIds].reverse());
      const rows = await t.dataSource.query('SELECT name, name_key, version FROM password_sync_group');
      expect(rows).toEqual([{ name: 'PASSWORD SYNC GROUP 1', name_key: 'password sync group 1', version: 3 }]);
    });

    it('the same name and sources in another tenant are allowed, on create and on update', async () => {
      const other = t.bearer({ tenant: 'other' });
      const created = await create(VALID_BODY, other);
      expect(created.status).toBe(200);
      expect(created.body.id).not.toBe(seed.id);

      const second = await create({ name: 'Second', passwordPolicyId: 'p', sourceIds: ['x'] }, other);
      expect(second.status).toBe(200);
      // Within tenant "other", the first group's name and sources are now taken...
      await rejected400(
        () =>
          update(
            second.body.id,
            { name: 'Second', passwordPolicyId: 'p', sourceIds: ['x', VALID_BODY.sourceIds[0]] },
            other,
          ),
        [SOURCE_TAKEN(VALID_BODY.sourceIds[0], VALID_BODY.name, created.body.id)],
      );
      // ...while acme's new name and source are still free in "other".
      const moved = await update(seed.id, { name: 'Renamed', passwordPolicyId: 'p', sourceIds: ['acme-only'] });
      expect(moved.status).toBe(200);
      const ok = await update(
        second.body.id,
        { name: 'Renamed', passwordPolicyId: 'p', sourceIds: ['x', 'acme-only'] },
        other,
      );
      expect(ok.status).toBe(200);

      const rows = await t.dataSource.query('SELECT tenant_id, name FROM password_sync_group ORDER BY tenant_id, name');
      expect(rows).toEqual([
        { tenant_id: 'acme', name: 'Renamed' },
        { tenant_id: 'other', name: VALID_BODY.name },
        { tenant_id: 'other', name: 'Renamed' },
      ]);
    });
  });

  describe('ids', () => {
    it('PUT with a body id different from the path id is 400', async () => {
      await rejected400(
        () => update(seed.id, { ...VALID_BODY, id: MISSING_ID }),
        [ID_MISMATCH(JSON.stringify(MISSING_ID), seed.id)],
      );
      await rejected400(() => update(seed.id, { ...VALID_BODY, id: 5 }), [ID_MISMATCH('5', seed.id)]);
      await rejected400(() => update(seed.id, { ...VALID_BODY, id: null }), [ID_MISMATCH('null', seed.id)]);
      await rejected400(() => update(seed.id, { ...VALID_BODY, id: '' }), [ID_MISMATCH('""', seed.id)]);
    });

    it('the mismatch is reported before a missing group, and the path id is quoted in lower case', async () => {
      await rejected400(
        () => update(MISSING_ID.toUpperCase(), { ...VALID_BODY, id: seed.id }),
        [ID_MISMATCH(JSON.stringify(seed.id), MISSING_ID)],
      );
    });

    it('a body id equal to the path id ignoring case is fine', async () => {
      const res = await update(seed.id, { ...VALID_BODY, name: 'Upper', id: seed.id.toUpperCase() });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...seed, name: 'Upper', modified: expect.stringMatching(ISO_UTC) });
      const res2 = await update(seed.id.toUpperCase(), { ...VALID_BODY, name: 'Lower', id: seed.id });
      expect(res2.status).toBe(200);
      expect(res2.body.id).toBe(seed.id);
    });

    it.each([
      ['123', '"123"'],
      ['not-a-uuid', '"not-a-uuid"'],
      [`${MISSING_ID}0`, `"${MISSING_ID}0"`],
      [MISSING_ID.replace(/-/g, ''), `"${MISSING_ID.replace(/-/g, '')}"`],
      ['%20', '" "'],
    ])('a path id %s is 400 on GET, PUT and DELETE', async (id, shown) => {
      await rejected400(() => t.http().get(`${API}/${id}`).set('Authorization', t.bearer()), [BAD_UUID(shown)]);
      await rejected400(() => update(id, VALID_BODY), [BAD_UUID(shown)]);
      await rejected400(() => t.http().delete(`${API}/${id}`).set('Authorization', t.bearer()), [BAD_UUID(shown)]);
    });
  });

  describe('paging parameters', () => {
    it.each([
      ['limit=-1', LIMIT('-1')],
      ['limit=251', LIMIT('251')],
      ['limit=abc', LIMIT('"abc"')],
      ['limit=1.5', LIMIT('"1.5"')],
      ['limit=', LIMIT('""')],
      ['limit=%2B5', LIMIT('"+5"')],
      ['limit=1e2', LIMIT('"1e2"')],
      ['limit=1&limit=2', LIMIT('["1","2"]')],
      ['offset=-1', OFFSET('-1')],
      ['offset=x', OFFSET('"x"')],
      ['offset=1.5', OFFSET('"1.5"')],
      ['offset=', OFFSET('""')],
      ['offset=2147483648', 'offset must be at most 2147483647 (got 2147483648).'],
      ['count=yes', COUNT('"yes"')],
      ['count=1', COUNT('"1"')],
      ['count=truee', COUNT('"truee"')],
      ['count=T', COUNT('"T"')],
      ['count=%20true', COUNT('" true"')],
      ['count=', COUNT('""')],
    ])('?%s is 400 naming the parameter', async (query, cause) => {
      await rejected400(() => list(`?${query}`), [cause]);
    });

    it('several bad parameters: one cause each, in declaration order', async () => {
      await rejected400(() => list('?count=maybe&offset=-5&limit=999'), [LIMIT('999'), OFFSET('-5'), COUNT('"maybe"')]);
    });

    it('limit=0 and limit=250 are fine; unknown parameters are ignored', async () => {
      const zero = await list('?limit=0');
      expect(zero.status).toBe(200);
      expect(zero.body).toEqual([]);
      const max = await list('?limit=250&offset=0&count=false');
      expect(max.status).toBe(200);
      expect(max.body).toEqual([seed]);
      const unknown = await list('?foo=bar&filters=name%20eq%20%22x%22&sorters=-name&limit=5&offset=2147483647');
      expect(unknown.status).toBe(200);
      expect(unknown.body).toEqual([]);
      const unknownOnly = await list('?foo=bar');
      expect(unknownOnly.status).toBe(200);
      expect(unknownOnly.body).toEqual([seed]);
    });
  });

  describe('framework errors', () => {
    const postRaw = (contentType: string, raw: string | Buffer) =>
      t.http().post(API).set('Authorization', t.bearer()).set('Content-Type', contentType).send(raw);

    it.each([
      ['truncated', '{"name":'],
      ['single quotes', "{'name':'x'}"],
      ['a trailing comma', '{"name":"x",}'],
      ['not JSON at all', 'hello'],
      ['two documents', '{} {}'],
    ])('malformed JSON (%s) is 400 syntax', async (_label, raw) => {
      await expectRejected(
        () => postRaw('application/json', raw),
        400,
        (id) => badSyntaxBody(id, [NOT_JSON]),
      );
      await expectRejected(
        () =>
          t
            .http()
            .put(`${API}/${seed.id}`)
            .set('Authorization', t.bearer())
            .set('Content-Type', 'application/json')
            .send(raw),
        400,
        (id) => badSyntaxBody(id, [NOT_JSON]),
      );
    });

    it('an empty body with content type JSON counts as no body: 400 on POST/PUT, fine on DELETE', async () => {
      await expectRejected(
        () => postRaw('application/json', ''),
        400,
        (id) => badRequestBody(id, [NOT_OBJECT]),
      );
      await expectRejected(
        () =>
          t
            .http()
            .put(`${API}/${seed.id}`)
            .set('Authorization', t.bearer())
            .set('Content-Type', 'application/json')
            .send(''),
        400,
        (id) => badRequestBody(id, [NOT_OBJECT]),
      );
      const del = await t
        .http()
        .delete(`${API}/${seed.id}`)
        .set('Authorization', t.bearer())
        .set('Content-Type', 'application/json')
        .send('');
      expect(del.status).toBe(204);
      expect(await snapshot(t.dataSource)).toEqual([[], []]);
    });

    it.each([
      ['__proto__', `{"__proto__":{"polluted":true},"name":"x","passwordPolicyId":"p","sourceIds":["a"]}`],
      [
        'nested __proto__',
        `{"name":"x","passwordPolicyId":"p","sourceIds":["a"],"foo":{"__proto__":{"polluted":true}}}`,
      ],
      [
        'constructor.prototype',
        `{"constructor":{"prototype":{"polluted":true}},"name":"x","passwordPolicyId":"p","sourceIds":["a"]}`,
      ],
    ])('%s in JSON is 400 syntax, never 500, and pollutes nothing', async (_label, raw) => {
      await expectRejected(
        () => postRaw('application/json', raw),
        400,
        (id) => badSyntaxBody(id, [NOT_JSON]),
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it.each([
      ['text/plain', 'text/plain', 'hello'],
      ['text/plain with JSON in it', 'text/plain', JSON.stringify(VALID_BODY)],
      ['a form', 'application/x-www-form-urlencoded', 'name=Form&passwordPolicyId=p&sourceIds=f1&sourceIds=f2'],
      ['XML', 'application/xml', '<group/>'],
      ['a JSON-like type', 'application/merge-patch+json', JSON.stringify(VALID_BODY)],
    ])('a body in %s is 415', async (_label, contentType, raw) => {
      await expectRejected(
        () => postRaw(contentType, raw),
        415,
        (id) => unsupportedMediaTypeBody(id, [`Content-Type ${contentType} is not supported; send application/json.`]),
      );
      await expectRejected(
        () =>
          t.http().put(`${API}/${seed.id}`).set('Authorization', t.bearer()).set('Content-Type', contentType).send(raw),
        415,
        (id) => unsupportedMediaTypeBody(id, [`Content-Type ${contentType} is not supported; send application/json.`]),
      );
    });

    it('a body without a content type is 415', async () => {
      await expectRejected(
        () =>
          t
            .http()
            .post(API)
            .set('Authorization', t.bearer())
            .send(Buffer.from(JSON.stringify(VALID_BODY))),
        415,
        (id) => unsupportedMediaTypeBody(id, ['Content-Type (none) is not supported; send application/json.']),
      );
    });

    it('JSON with a charset parameter is fine', async () => {
      const res = await postRaw(
        'application/json; charset=utf-8',
        JSON.stringify({ name: 'Charset', passwordPolicyId: 'p', sourceIds: ['c'] }),
      );
      expect(res.status).toBe(200);
      expect(res.body.name).toBe('Charset');
    });

    it('a body over 1 MiB is 413; exactly 1 MiB is read (and then judged on its content)', async () => {
      const padded = (bytes: number) => {
        const head = JSON.stringify({ ...VALID_BODY, name: 'Big', pad: '' });
        const raw = head.replace('"pad":""', `"pad":"${'x'.repeat(bytes - head.length)}"`);
        expect(Buffer.byteLength(raw)).toBe(bytes);
        return raw;
      };
      await expectRejected(
        () => postRaw('application/json', padded(1024 * 1024 + 1)),
        413,
        (id) => payloadTooLargeBody(id, ['The request body exceeds the limit of 1 MiB (1048576 bytes).']),
      );
      await expectRejected(
        () =>
          t
            .http()
            .put(`${API}/${seed.id}`)
            .set('Authorization', t.bearer())
            .set('Content-Type', 'application/json')
            .send(padded(2 * 1024 * 1024)),
        413,
        (id) => payloadTooLargeBody(id, ['The request body exceeds the limit of 1 MiB (1048576 bytes).']),
      );
      await rejected400(() => postRaw('application/json', padded(1024 * 1024)), [UNKNOWN('pad')]);
    });

    it('an unknown route is 404 naming the method and path (without the query)', async () => {
      await expectRejected(
        () => t.http().get('/nope').set('Authorization', t.bearer()),
        404,
        (id) => notFoundBody(id, ['No resource matches GET /nope.']),
      );
      await expectRejected(
        () => t.http().post('/nope?x=1').set('Authorization', t.bearer()).send(VALID_BODY),
        404,
        (id) => notFoundBody(id, ['No resource matches POST /nope.']),
      );
      await expectRejected(
        () => t.http().get(`${API}/${seed.id}/sources`).set('Authorization', t.bearer()),
        404,
        (id) => notFoundBody(id, [`No resource matches GET ${API}/${seed.id}/sources.`]),
      );
    });

    it('an unsupported method is 405 with Allow and the envelope', async () => {
      const item = await expectRejected(
        () => t.http().patch(`${API}/${seed.id}`).set('Authorization', t.bearer()).send({ name: 'Patched' }),
        405,
        (id) =>
          methodNotAllowedBody(id, [`PATCH is not supported on ${API}/${seed.id}; supported: GET, HEAD, PUT, DELETE.`]),
      );
      expect(item.headers['allow']).toBe('GET, HEAD, PUT, DELETE');

      const collection = await expectRejected(
        () => t.http().delete(API).set('Authorization', t.bearer()),
        405,
        (id) => methodNotAllowedBody(id, [`DELETE is not supported on ${API}; supported: GET, HEAD, POST.`]),
      );
      expect(collection.headers['allow']).toBe('GET, HEAD, POST');

      const versioned = await expectRejected(
        () => t.http().put('/v3/password-sync-groups').set('Authorization', t.bearer()).send(VALID_BODY),
        405,
        (id) =>
          methodNotAllowedBody(id, ['PUT is not supported on /v3/password-sync-groups; supported: GET, HEAD, POST.']),
      );
      expect(versioned.headers['allow']).toBe('GET, HEAD, POST');
    });
  });

  describe('internal errors', () => {
    it('an unexpected error is 500 with the bare internal envelope and nothing of the error', async () => {
      jest.spyOn(t.app.get(PasswordSyncGroupsService), 'list').mockRejectedValueOnce(new Error('secret driver detail'));
      const res = await expectRejected(
        () => list(''),
        500,
        (id) => internalBody(id),
      );
      expect(res.text).not.toContain('secret');
      expect(res.text).not.toContain('driver');
      // Only that one call failed.
      const next = await list('');
      expect(next.status).toBe(200);
      expect(next.body).toEqual([seed]);
    });

    it('a failing write is 500 and changes nothing; a non-Error rejection too', async () => {
      const service = t.app.get(PasswordSyncGroupsService);
      jest
        .spyOn(service, 'create')
        .mockRejectedValueOnce(new TypeError("Cannot read properties of undefined (reading 'secret')"));
      const res = await expectRejected(
        () => create({ name: 'New', passwordPolicyId: 'p', sourceIds: ['n'] }),
        500,
        (id) => internalBody(id),
      );
      expect(res.text).not.toContain('secret');

      jest.spyOn(service, 'update').mockRejectedValueOnce('secret string');
      const res2 = await expectRejected(
        () => update(seed.id, VALID_BODY),
        500,
        (id) => internalBody(id),
      );
      expect(res2.text).not.toContain('secret');

      jest.spyOn(service, 'remove').mockRejectedValueOnce({ code: 'XX000', detail: 'secret' });
      const res3 = await expectRejected(
        () => t.http().delete(`${API}/${seed.id}`).set('Authorization', t.bearer()),
        500,
        (id) => internalBody(id),
      );
      expect(res3.text).not.toContain('secret');
    });

    it('an error thrown synchronously inside the service is 500 as well', async () => {
      jest.spyOn(t.app.get(PasswordSyncGroupsService), 'get').mockImplementationOnce(() => {
        throw new Error('secret sync failure');
      });
      const res = await expectRejected(
        () => t.http().get(`${API}/${seed.id}`).set('Authorization', t.bearer()),
        500,
        (id) => internalBody(id),
      );
      expect(res.text).not.toContain('secret');
    });
  });

  describe('tracking ids and HEAD', () => {
    it('every response carries a fresh X-Tracking-Id of 32 lowercase hex, equal to the body trackingId and SLPT-Request-ID, and Cache-Control: no-store', async () => {
      const service = t.app.get(PasswordSyncGroupsService);
      const responses: Array<[string, Response]> = [];
      const record = async (label: string, req: PromiseLike<Response>) => {
        responses.push([label, await req]);
      };
      await record('200 list', list(''));
      await record('200 get', t.http().get(`${API}/${seed.id}`).set('Authorization', t.bearer()));
      await record('200 create', create({ name: 'Tracked', passwordPolicyId: 'p', sourceIds: ['tr'] }));
      await record('200 head', t.http().head(API).set('Authorization', t.bearer()));
      await record('204 delete', t.http().delete(`${API}/${seed.id}`).set('Authorization', t.bearer()));
      await record('400', list('?limit=x'));
      await record(
        '400 syntax',
        t.http().post(API).set('Authorization', t.bearer()).set('Content-Type', 'application/json').send('{'),
      );
      await record('401', t.http().get(API));
      await record('401 bad token', t.http().get(API).set('Authorization', 'Bearer nope'));
      await record(
        '403',
        t
          .http()
          .get(API)
          .set('Authorization', t.bearer({ authorities: ['HELPDESK'] })),
      );
      await record('404', t.http().get(`${API}/${MISSING_ID}`).set('Authorization', t.bearer()));
      await record('404 route', t.http().get('/nope'));
      await record('405', t.http().patch(API));
      await record(
        '413',
        t
          .http()
          .post(API)
          .set('Authorization', t.bearer())
          .set('Content-Type', 'application/json')
          .send('x'.repeat(1024 * 1024 + 1)),
      );
      await record(
        '415',
        t.http().post(API).set('Authorization', t.bearer()).set('Content-Type', 'text/plain').send('x'),
      );
      jest.spyOn(service, 'list').mockRejectedValueOnce(new Error('boom'));
      await record('500', list(''));
      await record('docs', t.http().get('/docs-json'));
      await record(
        'client-sent id ignored',
        list('').set('X-Tracking-Id', 'a'.repeat(32)).set('X-Request-Id', 'b'.repeat(32)),
      );

      expect(responses.map(([label, res]) => `${label} ${res.status}`)).toEqual([
        '200 list 200',
        '200 get 200',
        '200 create 200',
        '200 head 200',
        '204 delete 204',
        '400 400',
        '400 syntax 400',
        '401 401',
        '401 bad token 401',
        '403 403',
        '404 404',
        '404 route 404',
        '405 405',
        '413 413',
        '415 415',
        '500 500',
        'docs 200',
        'client-sent id ignored 200',
      ]);
      const ids = responses.map(([, res]) => res.headers['x-tracking-id']);
      for (const id of ids) expect(id).toMatch(TRACKING_ID);
      // SailPoint's gateway headers: the same id as SLPT-Request-ID, and nothing cacheable.
      expect(responses.map(([label, res]) => [label, res.headers['slpt-request-id']])).toEqual(
        responses.map(([label, res]) => [label, res.headers['x-tracking-id']]),
      );
      expect(responses.map(([label, res]) => [label, res.headers['cache-control']])).toEqual(
        responses.map(([label]) => [label, 'no-cache, no-store, must-revalidate']),
      );
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).not.toContain('a'.repeat(32));
      expect(ids).not.toContain('b'.repeat(32));
      // Every error except 401 carries the envelope (401 is SailPoint's {"error": ...}).
      const withEnvelope = responses.filter(([, res]) => res.status >= 400 && res.status !== 401);
      expect(withEnvelope).toHaveLength(9);
      for (const [, res] of withEnvelope) {
        expect(Object.keys(res.body)).toEqual(['detailCode', 'trackingId', 'messages', 'causes']);
        expect(res.body.trackingId).toBe(res.headers['x-tracking-id']);
      }
      const unauthorized = responses.filter(([, res]) => res.status === 401).map(([, res]) => res.body);
      expect(unauthorized).toEqual([
        { error: 'JWT validation failed: JWT is missing' },
        { error: 'JWT validation failed: JWT is malformed' },
      ]);
    });

    it('HEAD /password-sync-groups answers like GET: 200, the same headers, no body', async () => {
      const get = await list('?count=true');
      const head = await t.http().head(`${API}?count=true`).set('Authorization', t.bearer());
      expect(head.status).toBe(200);
      expect(head.text).toBeUndefined();
      expect(head.body).toEqual({});
      expect(head.headers['content-type']).toBe(JSON_TYPE);
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
      expect(head.headers['x-total-count']).toBe('1');
      expect(head.headers['x-tracking-id']).toMatch(TRACKING_ID);
      expect(head.headers['x-tracking-id']).not.toBe(get.headers['x-tracking-id']);

      const one = await t.http().head(`${API}/${seed.id}`).set('Authorization', t.bearer());
      expect(one.status).toBe(200);
      expect(one.text).toBeUndefined();

      const before = await snapshot(t.dataSource);
      const bad = await t.http().head(`${API}?limit=x`).set('Authorization', t.bearer());
      expect(bad.status).toBe(400);
      expect(bad.text).toBeUndefined();
      expect(bad.headers['x-tracking-id']).toMatch(TRACKING_ID);
      const anonymous = await t.http().head(API);
      expect(anonymous.status).toBe(401);
      expect(anonymous.text).toBeUndefined();
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      expect(await snapshot(t.dataSource)).toEqual(before);
    });
  });
});

/**
 * Its own top-level block, so that its app runs alone: passport's strategy registry is
 * process-wide, so a second app started while another is open would verify the first one's
 * tokens with its own key.
 */
describe.each(DATABASES)('validation and errors: rate limit (%s)', (kind) => {
  const limited = useTestApp(kind, { THROTTLE_LIMIT: '2', THROTTLE_TTL_SECONDS: '60' });

  it("429 carries X-Tracking-Id (fresh per request) and SailPoint's body, and writes nothing", async () => {
    const bearer = limited.bearer();
    const ok1 = await limited.http().get('/password-sync-groups').set('Authorization', bearer);
    const ok2 = await limited.http().post('/password-sync-groups').set('Authorization', bearer).send(VALID_BODY);
    expect([ok1.status, ok2.status]).toEqual([200, 200]);
    const before = await snapshot(limited.dataSource);
    const r1 = await limited
      .http()
      .post('/password-sync-groups')
      .set('Authorization', bearer)
      .send({ ...VALID_BODY, name: 'x', sourceIds: ['y'] });
    const r2 = await limited.http().get('/password-sync-groups').set('Authorization', bearer);
    for (const res of [r1, r2]) {
      expect(res.status).toBe(429);
      expect(res.headers['content-type']).toBe(JSON_TYPE);
      expect(res.body).toEqual({ message: ' Rate Limit Exceeded ' });
      expect(res.headers['x-tracking-id']).toMatch(TRACKING_ID);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    }
    expect(r1.headers['x-tracking-id']).not.toBe(r2.headers['x-tracking-id']);
    expect(await snapshot(limited.dataSource)).toEqual(before);
  });
});
