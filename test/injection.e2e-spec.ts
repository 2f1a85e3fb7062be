import { DATABASES } from './support/databases';
import { invariantViolations } from './support/invariants';
import { badRequestBody, groupNotFound, snapshot, useTestApp } from './support/test-app';

type Field = 'name' | 'passwordPolicyId' | 'sourceIds';
/** 'ok': stored and returned verbatim (a name trimmed, as documented); 'reject': a 400 naming the field. */
type Verdict = 'ok' | 'reject';

interface Nasty {
  label: string;
  value: string;
  name: Verdict;
  id: Verdict;
  /** What a name is stored as, when trimming changes it. */
  storedName?: string;
}

const ok = (label: string, value: string, extra: Partial<Nasty> = {}): Nasty => ({
  label,
  value,
  name: 'ok',
  id: 'ok',
  ...extra,
});

/**
 * Hostile strings, each with the verdict the documented rules give for a name (trimmed,
 * 1-255 characters, no NUL) and for an id (1-128 characters, no whitespace, no NUL);
 * neither may hold an unpaired surrogate. Written out by hand, not computed by the code under test.
 */
const NASTY: Nasty[] = [
  // SQL
  ok('SQL: drop table', `'; DROP TABLE password_sync_group; --`, { id: 'reject' }),
  ok('SQL: drop table without spaces', `';DROP/**/TABLE/**/password_sync_group;--`),
  ok('SQL: tautology', `" OR "1"="1`, { id: 'reject' }),
  ok('SQL: tautology without spaces', `1'OR'1'='1`),
  ok('SQL: delete the memberships', `x'); DELETE FROM password_sync_group_source WHERE ('1'='1`, { id: 'reject' }),
  ok('SQL: SQLite attach', `x'); ATTACH DATABASE '/tmp/pwn.db' AS pwn; --`, { id: 'reject' }),
  ok('SQL: PostgreSQL stacked query and sleep', `1;SELECT/**/pg_sleep(30)--`),
  ok('SQL: placeholders', '$1 :tenantId ? @p0 %s', { id: 'reject' }),
  ok('SQL: placeholders without spaces', '$1:tenantId?@p0%s'),
  ok('SQL: LIKE wildcards and escapes', `%_\\%\\_\\\\`),
  ok('SQL: dollar quoting', '$$;DROP/**/TABLE/**/x;$$'),
  // JSON and markup
  ok('JSON: operator object as text', '{"$gt":""}'),
  ok('JSON: breaking out of a string', '"},"name":"x","sourceIds":["y'),
  ok('JSON: escaped quote and backslash', '\\"\\\\'),
  ok('markup: script tag', '</script><script>alert(1)</script>'),
  ok('template: JNDI lookup', '${jndi:ldap://127.0.0.1/a}'),
  ok('template: expression', '{{7*7}}#{7*7}<%= 7*7 %>', { id: 'reject' }),
  ok('percent-encoded NUL (text, not a NUL)', '%00'),
  ok('path traversal', '../../../../etc/passwd'),
  // Unicode
  ok('Unicode: right-to-left override', '\u202Egnp.exe'),
  ok('Unicode: zero-width joiner and space', 'a\u200Db\u200Bc'),
  ok('Unicode: combining marks (decomposed)', 'e\u0301\u0327\u0308'),
  ok('Unicode: emoji family (ZWJ sequence)', '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}'),
  ok('Unicode: astral letters', '\u{1D518}\u{1D52B}\u{1D526}'),
  ok('Unicode: dotted capital I (lower case is longer)', '\u0130stanbul'),
  ok('Unicode: sharp s and final sigma', 'Stra\u00DFe \u03A3\u0391\u03A3', { id: 'reject' }),
  ok('Unicode: CJK', '\u5BC6\u7801\u540C\u6B65'),
  ok('Unicode: control characters', '\u0001\u001F\u007F\u0085'.replace('\u0085', ''), {}),
  ok('Unicode: no-break space inside', 'a\u00A0b', { id: 'reject' }),
  ok('Unicode: line separator inside', 'a\u2028b', { id: 'reject' }),
  ok('Unicode: byte order mark in front', '\uFEFFname', { id: 'reject', storedName: 'name' }),
  ok('Unicode: noncharacters', '\uFFFE\uFFFF\u{10FFFF}'),
  { label: 'NUL inside', value: 'a\u0000b', name: 'reject', id: 'reject' },
  { label: 'NUL alone', value: '\u0000', name: 'reject', id: 'reject' },
  { label: 'unpaired high surrogate', value: 'a\uD800b', name: 'reject', id: 'reject' },
  { label: 'unpaired low surrogate', value: '\uDC00', name: 'reject', id: 'reject' },
  { label: 'surrogates in the wrong order', value: '\uDE00\uD83D', name: 'reject', id: 'reject' },
  // Lengths
  ok('255 characters', 'n'.repeat(255), { id: 'reject' }),
  { label: '256 characters', value: 'n'.repeat(256), name: 'reject', id: 'reject' },
  ok('128 characters', 'i'.repeat(128)),
  ok('129 characters', 'i'.repeat(129), { id: 'reject' }),
  ok('127 emoji (254 UTF-16 units)', '\u{1F600}'.repeat(127), { id: 'reject' }),
  { label: 'half a megabyte', value: 'x'.repeat(512 * 1024), name: 'reject', id: 'reject' },
  { label: 'only whitespace', value: ' \t\u3000\u00A0 ', name: 'reject', id: 'reject' },
];

const FIELD_OF_CAUSE: Record<Field, RegExp> = {
  name: /^name /,
  passwordPolicyId: /^passwordPolicyId /,
  sourceIds: /^sourceIds\[0\] /,
};

describe.each(DATABASES)('injection strings in every field (%s)', (kind) => {
  const t = useTestApp(kind);
  let canary: { id: string };
  beforeAll(async () => {
    // Another tenant's group: nothing below may touch it.
    canary = (
      await t
        .http()
        .post('/password-sync-groups')
        .set('Authorization', t.bearer({ tenant: 'canary' }))
        .send({ name: 'Canary', passwordPolicyId: 'p', sourceIds: ['canary-src'] })
    ).body;
  });
  afterEach(async () => {
    expect(await invariantViolations(t.dataSource)).toEqual([]);
    const seen = await t
      .http()
      .get(`/password-sync-groups/${canary.id}`)
      .set('Authorization', t.bearer({ tenant: 'canary' }));
    expect(seen.body).toMatchObject({ name: 'Canary', sourceIds: ['canary-src'] });
  });

  const bodyWith = (field: Field, value: string, n: number) => ({
    name: field === 'name' ? value : `case ${n}`,
    passwordPolicyId: field === 'passwordPolicyId' ? value : 'policy',
    sourceIds: field === 'sourceIds' ? [value] : [`source-${n}`],
  });

  let n = 0;
  const cases = NASTY.flatMap((nasty) =>
    (['name', 'passwordPolicyId', 'sourceIds'] as Field[]).map((field) => [nasty.label, field, nasty] as const),
  );

  it.each(cases)('%s, in %s: created and updated verbatim, or a 400 naming the field', async (_label, field, nasty) => {
    const i = ++n;
    const verdict = field === 'name' ? nasty.name : nasty.id;
    const stored = field === 'name' ? (nasty.storedName ?? nasty.value) : nasty.value;
    const auth = t.bearer();

    // A group to update, in a known state.
    const target = await t
      .http()
      .post('/password-sync-groups')
      .set('Authorization', auth)
      .send({ name: `target ${i}`, passwordPolicyId: 'p', sourceIds: [`target-${i}`] });
    expect(target.status).toBe(200);

    const before = await snapshot(t.dataSource);
    const created = await t
      .http()
      .post('/password-sync-groups')
      .set('Authorization', auth)
      .send(bodyWith(field, nasty.value, i));

    if (verdict === 'reject') {
      const updated = await t
        .http()
        .put(`/password-sync-groups/${target.body.id}`)
        .set('Authorization', auth)
        .send(bodyWith(field, nasty.value, -i));
      for (const res of [created, updated]) {
        expect(res.status).toBe(400);
        expect(res.body).toEqual(
          badRequestBody(res.headers['x-tracking-id'], [expect.stringMatching(FIELD_OF_CAUSE[field])]),
        );
      }
      expect(await snapshot(t.dataSource)).toEqual(before);
    } else {
      // Accepted: the response, a fresh read, the list and the row all hold exactly the value.
      expect(created.status).toBe(200);
      await expectStored(created.body, field, stored);
      const listed = await t.http().get('/password-sync-groups').set('Authorization', auth);
      expect(listed.body).toContainEqual(created.body);
      // Then the same value through an update (once the created group has freed the name or source).
      expect(
        (await t.http().delete(`/password-sync-groups/${created.body.id}`).set('Authorization', auth)).status,
      ).toBe(204);
      const updated = await t
        .http()
        .put(`/password-sync-groups/${target.body.id}`)
        .set('Authorization', auth)
        .send(bodyWith(field, nasty.value, -i));
      expect(updated.status).toBe(200);
      await expectStored(updated.body, field, stored);
    }
    // Clean up, so names and sources stay free for the next case.
    expect((await t.http().delete(`/password-sync-groups/${target.body.id}`).set('Authorization', auth)).status).toBe(
      204,
    );
  });

  async function expectStored(
    group: { id: string; sourceIds: string[] } & Record<string, unknown>,
    field: Field,
    stored: string,
  ) {
    expect(field === 'sourceIds' ? group.sourceIds : group[field]).toEqual(field === 'sourceIds' ? [stored] : stored);
    const read = await t.http().get(`/password-sync-groups/${group.id}`).set('Authorization', t.bearer());
    expect(read.body).toEqual(group);
    const rows: Array<{ v: string }> =
      field === 'sourceIds'
        ? await t.dataSource.query(
            `SELECT source_id AS v FROM password_sync_group_source WHERE group_id = '${group.id}'`,
          )
        : await t.dataSource.query(
            `SELECT ${field === 'name' ? 'name' : 'password_policy_id'} AS v FROM password_sync_group WHERE id = '${group.id}'`,
          );
    expect(rows.map((r) => r.v)).toEqual([stored]);
  }

  it('the tables are intact after all of it (nothing was executed)', async () => {
    const tables = await t.dataSource.query(
      kind === 'sqlite'
        ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'password_sync%' ORDER BY name"
        : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'password_sync%' ORDER BY table_name",
    );
    expect(tables).toEqual([{ name: 'password_sync_group' }, { name: 'password_sync_group_source' }]);
    if (kind === 'sqlite')
      expect((await t.dataSource.query('PRAGMA database_list')).map((d: { name: string }) => d.name)).toEqual(['main']);
  });

  describe('deeply nested JSON and huge arrays', () => {
    const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const post = (raw: string) =>
      t
        .http()
        .post('/password-sync-groups')
        .set('Authorization', t.bearer())
        .set('Content-Type', 'application/json')
        .send(raw);
    const TOO_DEEP = 'The request body nests objects or arrays more than 32 levels deep.';

    it.each([
      ['name', (v: string) => `{"name":${v},"passwordPolicyId":"p","sourceIds":["s"]}`],
      ['passwordPolicyId', (v: string) => `{"name":"n","passwordPolicyId":${v},"sourceIds":["s"]}`],
      ['sourceIds', (v: string) => `{"name":"n","passwordPolicyId":"p","sourceIds":[${v}]}`],
      [
        'id (ignored on create, but parsed)',
        (v: string) => `{"id":${v},"name":"n","passwordPolicyId":"p","sourceIds":["s"]}`,
      ],
      ['created', (v: string) => `{"created":${v},"name":"n","passwordPolicyId":"p","sourceIds":["s"]}`],
      ['an unknown property', (v: string) => `{"zzz":${v},"name":"n","passwordPolicyId":"p","sourceIds":["s"]}`],
    ])('in %s, 100,000 levels of arrays or 50,000 of objects: a 400, not a stack overflow', async (_field, body) => {
      const before = await snapshot(t.dataSource);
      for (const raw of [body(deepArray(100_000)), body(deepObject(50_000)), body(deepArray(33))]) {
        const res = await post(raw);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(badRequestBody(res.headers['x-tracking-id'], [TOO_DEEP]));
      }
      expect(await snapshot(t.dataSource)).toEqual(before);
    });

    it('just under the depth limit, a nested value is an ordinary 400 naming the field', async () => {
      const res = await post(`{"name":${deepArray(31)},"passwordPolicyId":"p","sourceIds":["s"]}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        badRequestBody(res.headers['x-tracking-id'], [`name must be a string (got ${deepArray(31)}).`]),
      );
    });

    it('a body that is itself deeply nested, or an array, is a 400', async () => {
      for (const raw of [deepArray(100_000), deepObject(50_000)]) {
        const res = await post(raw);
        expect(res.status).toBe(400);
        expect(res.body.detailCode).toBe('400.1 Bad Request Content');
      }
    });

    it.each([
      [
        '100,000 source ids',
        Array.from({ length: 100_000 }, (_, i) => `s${i}`),
        'sourceIds must hold 1 to 250 source ids (got 100000).',
      ],
      [
        '251 source ids',
        Array.from({ length: 251 }, (_, i) => `s${i}`),
        'sourceIds must hold 1 to 250 source ids (got 251).',
      ],
      ['an empty array', [], 'sourceIds must hold 1 to 250 source ids (got 0).'],
      [
        '250 copies of one id',
        Array.from({ length: 250 }, () => 'same'),
        "sourceIds must be distinct; repeated: 'same'.",
      ],
      [
        'non-strings',
        [1, null, { a: 1 }],
        'sourceIds[0] must be a string (got 1). sourceIds[1] must be a string (got null). sourceIds[2] must be a string (got {"a":1}).',
      ],
    ])('sourceIds with %s: a 400', async (_label, sourceIds, cause) => {
      const before = await snapshot(t.dataSource);
      const res = await t
        .http()
        .post('/password-sync-groups')
        .set('Authorization', t.bearer())
        .send({ name: 'huge', passwordPolicyId: 'p', sourceIds });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(badRequestBody(res.headers['x-tracking-id'], [cause]));
      expect(await snapshot(t.dataSource)).toEqual(before);
    });

    it.each([
      [
        'a body of 50,000 unknown properties',
        () =>
          Object.fromEntries([
            ['name', 'n'],
            ['passwordPolicyId', 'p'],
            ['sourceIds', ['s']],
            ...Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]),
          ]),
        50_003,
      ],
      [
        'an unknown property holding 50,000 properties',
        () => ({
          name: 'n',
          passwordPolicyId: 'p',
          sourceIds: ['s'],
          zzz: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i])),
        }),
        50_000,
      ],
    ])('%s: one 400 naming the limit (not one cause per property)', async (_label, body, count) => {
      const before = await snapshot(t.dataSource);
      const res = await t.http().post('/password-sync-groups').set('Authorization', t.bearer()).send(body());
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        badRequestBody(res.headers['x-tracking-id'], [
          `The request body has an object with ${count} properties; at most 100 are accepted.`,
        ]),
      );
      expect(await snapshot(t.dataSource)).toEqual(before);
    });

    it('100 properties (the limit) are still answered property by property', async () => {
      const body = {
        name: 'n',
        passwordPolicyId: 'p',
        sourceIds: ['s'],
        ...Object.fromEntries(Array.from({ length: 97 }, (_, i) => [`k${i}`, i])),
      };
      const res = await t.http().post('/password-sync-groups').set('Authorization', t.bearer()).send(body);
      expect(res.status).toBe(400);
      expect(res.body.causes).toHaveLength(97);
      expect(res.body.causes[0].text).toBe("Unknown property 'k0': it is not part of the request schema.");
    });

    it('250 distinct source ids (the maximum) are stored in the order sent', async () => {
      const sourceIds = Array.from({ length: 250 }, (_, i) => `max-${(250 - i).toString().padStart(3, '0')}`);
      const res = await t
        .http()
        .post('/password-sync-groups')
        .set('Authorization', t.bearer())
        .send({ name: 'max', passwordPolicyId: 'p', sourceIds });
      expect(res.status).toBe(200);
      expect(res.body.sourceIds).toEqual(sourceIds);
      expect(
        (await t.http().get(`/password-sync-groups/${res.body.id}`).set('Authorization', t.bearer())).body.sourceIds,
      ).toEqual(sourceIds);
      await t.http().delete(`/password-sync-groups/${res.body.id}`).set('Authorization', t.bearer());
    });
  });

  describe('in the query string and the path', () => {
    it.each([
      [
        'limit',
        `1;DROP TABLE password_sync_group`,
        `limit must be an integer between 0 and 250 (got "1;DROP TABLE password_sync_group").`,
      ],
      ['limit', `1' OR '1'='1`, `limit must be an integer between 0 and 250 (got "1' OR '1'='1").`],
      [
        'offset',
        `0 UNION SELECT * FROM password_sync_group_source`,
        `offset must be an integer of 0 or more (got "0 UNION SELECT * FROM password_sync_group_source").`,
      ],
      ['count', `true'--`, `count must be true or false (got "true'--").`],
      ['count', '\u0000', `count must be true or false (got "\\u0000").`],
    ])('%s=%j: a 400 naming the parameter', async (param, value, cause) => {
      const res = await t
        .http()
        .get('/password-sync-groups')
        .query({ [param]: value })
        .set('Authorization', t.bearer());
      expect(res.status).toBe(400);
      expect(res.body).toEqual(badRequestBody(res.headers['x-tracking-id'], [cause]));
    });

    it.each([
      `' OR '1'='1`,
      `1;DROP TABLE password_sync_group`,
      '..%2F..%2Fetc%2Fpasswd',
      '%00',
      '6881f631-3bd5-4213-9c75-8e05cc3e35dd%00',
      '6881f631-3bd5-4213-9c75-8e05cc3e35dd\u202E',
    ])('path id %j: a 400 naming the parameter, for every method', async (raw) => {
      const path = `/password-sync-groups/${raw.includes('%') ? raw : encodeURIComponent(raw)}`;
      const decoded = decodeURIComponent(path.split('/').pop()!);
      for (const res of [
        await t.http().get(path).set('Authorization', t.bearer()),
        await t
          .http()
          .put(path)
          .set('Authorization', t.bearer())
          .send({ name: 'n', passwordPolicyId: 'p', sourceIds: ['s'] }),
        await t.http().delete(path).set('Authorization', t.bearer()),
      ]) {
        expect(res.status).toBe(400);
        expect(res.body).toEqual(
          badRequestBody(res.headers['x-tracking-id'], [
            `Path parameter 'id' must be a UUID (got ${JSON.stringify(decoded)}).`,
          ]),
        );
      }
    });

    it.each([
      [
        'an id of 101 characters (past the router\u2019s limit)',
        `/password-sync-groups/${'x'.repeat(101)}`,
        'A path parameter is longer than 100 characters; no resource has such an id.',
      ],
      [
        'an id of 10,000 characters',
        `/v3/password-sync-groups/${'%27'.repeat(3000)}`,
        'A path parameter is longer than 100 characters; no resource has such an id.',
      ],
      [
        'a malformed percent-encoding',
        '/password-sync-groups/%zz',
        'The request URL is not valid: it contains a malformed percent-encoding.',
      ],
      [
        'a truncated UTF-8 percent-encoding',
        '/password-sync-groups/%E0%A4%A',
        'The request URL is not valid: it contains a malformed percent-encoding.',
      ],
    ])(
      '%s: the router\u2019s refusal is SailPoint\u2019s 400 envelope too, with a tracking id',
      async (_label, path, cause) => {
        for (const res of [
          await t.http().get(path).set('Authorization', t.bearer()),
          await t
            .http()
            .put(path)
            .set('Authorization', t.bearer())
            .send({ name: 'n', passwordPolicyId: 'p', sourceIds: ['s'] }),
          await t.http().delete(path),
        ]) {
          expect(res.status).toBe(400);
          expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
          expect(res.body).toEqual(badRequestBody(res.headers['x-tracking-id'], [cause]));
          expect(res.headers['x-tracking-id']).toMatch(/^[0-9a-f]{32}$/);
          expect(res.headers['slpt-request-id']).toBe(res.headers['x-tracking-id']);
          expect(res.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
        }
      },
    );

    it('a UUID-shaped id of nobody is a plain 404', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      const res = await t.http().get(`/password-sync-groups/${id}`).set('Authorization', t.bearer());
      expect(res.body).toEqual(groupNotFound(res.headers['x-tracking-id'], id));
    });
  });
});
