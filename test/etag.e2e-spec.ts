import { ON_EVERY_DATABASE } from './support/api-paths';
import { VALID_BODY, badRequestBody, groupChanged, groupNotFound, snapshot, useTestApp } from './support/test-app';

/**
 * Optimistic concurrency, one request at a time: ETag on GET and PUT, If-Match on PUT and
 * DELETE (RFC 9110 §13.1.1), 412 with SailPoint's envelope, and last-write-wins without it.
 */
describe.each(ON_EVERY_DATABASE)('ETag and If-Match (%s, at %s)', (kind, API) => {
  const t = useTestApp(kind, {}, { clearBeforeEach: true });

  const create = async (body: object = VALID_BODY) => {
    const res = await t.http().post(API).set('Authorization', t.bearer()).send(body);
    expect(res.status).toBe(200);
    return res.body as { id: string; created: string; modified: string };
  };
  const put = (id: string, body: object, ifMatch?: string) => {
    const req = t.http().put(`${API}/${id}`).set('Authorization', t.bearer());
    if (ifMatch !== undefined) void req.set('If-Match', ifMatch);
    return req.send(body);
  };
  const del = (id: string, ifMatch?: string) => {
    const req = t.http().delete(`${API}/${id}`).set('Authorization', t.bearer());
    if (ifMatch !== undefined) void req.set('If-Match', ifMatch);
    return req;
  };
  const get = (id: string) => t.http().get(`${API}/${id}`).set('Authorization', t.bearer());

  it('GET and HEAD send the version as a strong ETag; every update changes it', async () => {
    const { id } = await create();
    const got = await get(id);
    expect(got.status).toBe(200);
    expect(got.headers.etag).toBe('"1"');
    const head = await t.http().head(`${API}/${id}`).set('Authorization', t.bearer());
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe('"1"');

    const updated = await put(id, { ...VALID_BODY, name: 'Second' });
    expect(updated.status).toBe(200);
    expect(updated.headers.etag).toBe('"2"');
    expect((await get(id)).headers.etag).toBe('"2"');
    // The list has no single version, so no ETag.
    expect((await t.http().get(API).set('Authorization', t.bearer())).headers.etag).toBeUndefined();
  });

  it('PUT with the current ETag updates; with a stale one it is 412 naming the current ETag, and writes nothing', async () => {
    const { id } = await create();
    const first = await put(id, { ...VALID_BODY, name: 'First edit' }, '"1"');
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe('"2"');
    expect(first.body.name).toBe('First edit');

    const before = await snapshot(t.dataSource);
    const stale = await put(id, { ...VALID_BODY, name: 'Lost edit', sourceIds: ['other'] }, '"1"');
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(stale.headers.etag).toBe('"2"');
    expect(stale.body).toEqual(groupChanged(stale.headers['x-tracking-id'], id, '"2"'));
    expect(await snapshot(t.dataSource)).toEqual(before);
    expect((await get(id)).body.name).toBe('First edit');
  });

  it.each([
    ['a list containing the current tag', '"7", "2"', 200],
    ['a list with empty elements', ' , "2" ,', 200],
    ['*', '*', 200],
    ['the weak form of the current tag (If-Match compares strongly)', 'W/"2"', 412],
    ['a tag that is not a version', '"abc"', 412],
    ['a tag with a comma inside', '"2,3"', 412],
    ['version zero', '"0"', 412],
    ['an injection attempt', `"2'OR'1'='1"`, 412],
  ])('If-Match: %s (%s) → %d', async (_label, ifMatch, status) => {
    const { id } = await create();
    expect((await put(id, { ...VALID_BODY, name: 'v2' })).headers.etag).toBe('"2"');
    const before = await snapshot(t.dataSource);
    const res = await put(id, { ...VALID_BODY, name: 'v3' }, ifMatch);
    expect(res.status).toBe(status);
    if (status === 200) {
      expect(res.headers.etag).toBe('"3"');
      expect(res.body.name).toBe('v3');
    } else {
      expect(res.body).toEqual(groupChanged(res.headers['x-tracking-id'], id, '"2"'));
      expect(await snapshot(t.dataSource)).toEqual(before);
    }
  });

  it.each([
    ['an unquoted version', '3'],
    ['an empty value', ''],
    ['* with tags', '*, "1"'],
    ['tags without a comma', '"1" "2"'],
    ['an unterminated tag', '"1'],
    ['an injection attempt with spaces', `"2' OR '1'='1"`],
    ['a tag followed by more text', `"2";DROP TABLE password_sync_group`],
  ])('a malformed If-Match (%s) is a 400 naming the header, and writes nothing', async (_label, ifMatch) => {
    const { id } = await create();
    const before = await snapshot(t.dataSource);
    for (const res of [await put(id, { ...VALID_BODY, name: 'x' }, ifMatch), await del(id, ifMatch)]) {
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        badRequestBody(res.headers['x-tracking-id'], [
          `Header If-Match must be "*" or a comma-separated list of entity tags such as "\\"3\\"" (got ${JSON.stringify(ifMatch.trim())}).`,
        ]),
      );
    }
    expect(await snapshot(t.dataSource)).toEqual(before);
  });

  it('DELETE with a stale ETag is 412 and deletes nothing; with the current one it deletes', async () => {
    const { id } = await create();
    await put(id, { ...VALID_BODY, name: 'v2' });
    const before = await snapshot(t.dataSource);
    const stale = await del(id, '"1"');
    expect(stale.status).toBe(412);
    expect(stale.headers.etag).toBe('"2"');
    expect(stale.body).toEqual(groupChanged(stale.headers['x-tracking-id'], id, '"2"'));
    expect(await snapshot(t.dataSource)).toEqual(before);

    const ok = await del(id, '"2"');
    expect(ok.status).toBe(204);
    expect(ok.text).toBe('');
    expect(await snapshot(t.dataSource)).toEqual([[], []]);
  });

  it('a missing group, or another tenant\u2019s, is 404 whatever If-Match says (no 412 that would reveal it)', async () => {
    const { id } = await create();
    const before = await snapshot(t.dataSource);
    const missing = '6881f631-3bd5-4213-9c75-8e05cc3e35dd';
    for (const ifMatch of ['*', '"1"', '"9"']) {
      for (const res of [await put(missing, VALID_BODY, ifMatch), await del(missing, ifMatch)]) {
        expect(res.status).toBe(404);
        expect(res.body).toEqual(groupNotFound(res.headers['x-tracking-id'], missing));
      }
      const other = t.bearer({ tenant: 'globex' });
      const foreignPut = await t
        .http()
        .put(`${API}/${id}`)
        .set('Authorization', other)
        .set('If-Match', ifMatch)
        .send(VALID_BODY);
      const foreignDelete = await t.http().delete(`${API}/${id}`).set('Authorization', other).set('If-Match', ifMatch);
      for (const res of [foreignPut, foreignDelete]) {
        expect(res.status).toBe(404);
        expect(res.headers.etag).toBeUndefined();
        expect(res.body).toEqual(groupNotFound(res.headers['x-tracking-id'], id));
      }
    }
    expect(await snapshot(t.dataSource)).toEqual(before);
  });

  it('without If-Match the last write wins (SailPoint\u2019s behaviour), and the version still advances', async () => {
    const { id } = await create();
    const a = await put(id, { ...VALID_BODY, name: 'A' });
    const b = await put(id, { ...VALID_BODY, name: 'B' });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.headers.etag, b.headers.etag]).toEqual(['"2"', '"3"']);
    const stored = await get(id);
    expect(stored.body).toEqual(b.body);
    expect(stored.headers.etag).toBe('"3"');
  });

  it('a PUT that fails validation or a uniqueness rule leaves the version alone', async () => {
    const { id } = await create();
    await create({ ...VALID_BODY, name: 'Taken', sourceIds: ['elsewhere'] });
    const before = await snapshot(t.dataSource);
    const conflict = await put(id, { ...VALID_BODY, name: 'taken' }, '"1"');
    expect(conflict.status).toBe(400);
    const invalid = await put(id, { ...VALID_BODY, sourceIds: [] }, '"1"');
    expect(invalid.status).toBe(400);
    expect(await snapshot(t.dataSource)).toEqual(before);
    expect((await get(id)).headers.etag).toBe('"1"');
  });
});
