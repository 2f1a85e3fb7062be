import { ALL_PATHS, ON_EVERY_DATABASE } from './support/api-paths';
import { DATABASES } from './support/databases';
import {
  groupNotFound,
  ISO_UTC,
  notFoundBody,
  snapshot,
  TRACKING_ID,
  UUID_V4,
  VALID_BODY,
  useTestApp,
} from './support/test-app';

describe.each(ON_EVERY_DATABASE)('password sync groups CRUD (%s, at %s)', (kind, API) => {
  const t = useTestApp(kind, {}, { clearBeforeEach: true });

  const create = (body: object) => t.http().post(API).set('Authorization', t.bearer()).send(body);

  it('creates a group: 200, server-assigned id and timestamps, body fields id/created/modified ignored', async () => {
    const before = Date.now();
    const res = await create({
      ...VALID_BODY,
      name: '  Password Sync Group 1  ',
      id: 'client-chosen',
      created: '2000-01-01T00:00:00Z',
      modified: '2000-01-01T00:00:00Z',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-tracking-id']).toMatch(TRACKING_ID);
    expect(Object.keys(res.body)).toEqual(['id', 'name', 'passwordPolicyId', 'sourceIds', 'created', 'modified']);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID_V4),
      name: 'Password Sync Group 1',
      passwordPolicyId: VALID_BODY.passwordPolicyId,
      sourceIds: VALID_BODY.sourceIds,
      created: expect.stringMatching(ISO_UTC),
      modified: res.body.created,
    });
    expect(Date.parse(res.body.created)).toBeGreaterThanOrEqual(before - 1);

    const rows = await t.dataSource.query('SELECT id, tenant_id, name, name_key, version FROM password_sync_group');
    expect(rows).toEqual([
      {
        id: res.body.id,
        tenant_id: 'acme',
        name: 'Password Sync Group 1',
        name_key: 'password sync group 1',
        version: 1,
      },
    ]);
    const sources = await t.dataSource.query(
      'SELECT source_id, group_id, position FROM password_sync_group_source ORDER BY position',
    );
    expect(sources).toEqual([
      { source_id: VALID_BODY.sourceIds[0], group_id: res.body.id, position: 0 },
      { source_id: VALID_BODY.sourceIds[1], group_id: res.body.id, position: 1 },
    ]);
  });

  it('gets a group by id, and 404s (exact envelope) for an unknown id', async () => {
    const created = (await create(VALID_BODY)).body;
    const res = await t.http().get(`${API}/${created.id}`).set('Authorization', t.bearer());
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created);

    const upper = await t.http().get(`${API}/${created.id.toUpperCase()}`).set('Authorization', t.bearer());
    expect(upper.status).toBe(200);
    expect(upper.body).toEqual(created);

    const missing = '6881f631-3bd5-4213-9c75-8e05cc3e35dd';
    const nf = await t.http().get(`${API}/${missing}`).set('Authorization', t.bearer());
    expect(nf.status).toBe(404);
    expect(nf.body).toEqual(groupNotFound(nf.headers['x-tracking-id'], missing));
  });

  it('updates by full replacement: 200 with the stored group, modified advances, created stays', async () => {
    const created = (await create(VALID_BODY)).body;
    const body = {
      id: created.id,
      created: 'x',
      modified: 'y',
      name: 'Renamed',
      passwordPolicyId: 'p2',
      sourceIds: ['s9', VALID_BODY.sourceIds[0]],
    };
    const res = await t.http().put(`${API}/${created.id}`).set('Authorization', t.bearer()).send(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: created.id,
      name: 'Renamed',
      passwordPolicyId: 'p2',
      sourceIds: ['s9', VALID_BODY.sourceIds[0]],
      created: created.created,
      modified: expect.stringMatching(ISO_UTC),
    });
    expect(Date.parse(res.body.modified)).toBeGreaterThan(Date.parse(created.modified));
    const stored = await t.http().get(`${API}/${created.id}`).set('Authorization', t.bearer());
    expect(stored.body).toEqual(res.body);
    const [[row]] = (await snapshot(t.dataSource)) as [Array<{ version: number }>];
    expect(row.version).toBe(2);
    // The source it dropped is free for another group.
    const other = await create({ ...VALID_BODY, name: 'Other', sourceIds: [VALID_BODY.sourceIds[1]] });
    expect(other.status).toBe(200);
  });

  it('a PUT without id in the body is fine; an unknown id is 404 and writes nothing', async () => {
    const created = (await create(VALID_BODY)).body;
    const ok = await t
      .http()
      .put(`${API}/${created.id}`)
      .set('Authorization', t.bearer())
      .send({ ...VALID_BODY, name: 'N2' });
    expect(ok.status).toBe(200);
    const before = await snapshot(t.dataSource);
    const missing = '6881f631-3bd5-4213-9c75-8e05cc3e35dd';
    const res = await t
      .http()
      .put(`${API}/${missing}`)
      .set('Authorization', t.bearer())
      .send({ ...VALID_BODY, name: 'N3', sourceIds: ['new'] });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(groupNotFound(res.headers['x-tracking-id'], missing));
    expect(await snapshot(t.dataSource)).toEqual(before);
  });

  it('deletes: 204 with an empty body, rows gone, sources free again; a second delete is 404', async () => {
    const created = (await create(VALID_BODY)).body;
    const res = await t.http().delete(`${API}/${created.id}`).set('Authorization', t.bearer());
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['x-tracking-id']).toMatch(TRACKING_ID);
    expect(await snapshot(t.dataSource)).toEqual([[], []]);
    const again = await t.http().delete(`${API}/${created.id}`).set('Authorization', t.bearer());
    expect(again.status).toBe(404);
    expect(again.body).toEqual(groupNotFound(again.headers['x-tracking-id'], created.id));
    expect((await create(VALID_BODY)).status).toBe(200);
  });

  it('lists oldest first with limit/offset; count=true sends X-Total-Count, otherwise not', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await create({ ...VALID_BODY, name: `G${i}`, sourceIds: [`src-${i}`] })).body.id);

    const all = await t.http().get(API).set('Authorization', t.bearer());
    expect(all.status).toBe(200);
    expect(all.body.map((g: { id: string }) => g.id)).toEqual(ids);
    expect(all.headers['x-total-count']).toBeUndefined();
    expect(all.body[2]).toEqual({
      id: ids[2],
      name: 'G2',
      passwordPolicyId: VALID_BODY.passwordPolicyId,
      sourceIds: ['src-2'],
      created: expect.stringMatching(ISO_UTC),
      modified: expect.stringMatching(ISO_UTC),
    });

    const page = await t.http().get(`${API}?limit=2&offset=1&count=true`).set('Authorization', t.bearer());
    expect(page.status).toBe(200);
    expect(page.headers['x-total-count']).toBe('5');
    expect(page.body.map((g: { id: string }) => g.id)).toEqual(ids.slice(1, 3));

    const zero = await t.http().get(`${API}?limit=0&count=true`).set('Authorization', t.bearer());
    expect(zero.body).toEqual([]);
    expect(zero.headers['x-total-count']).toBe('5');

    const past = await t.http().get(`${API}?offset=5&count=true`).set('Authorization', t.bearer());
    expect(past.body).toEqual([]);
    expect(past.headers['x-total-count']).toBe('5');

    const countFalse = await t.http().get(`${API}?count=false&limit=250`).set('Authorization', t.bearer());
    expect(countFalse.body).toHaveLength(5);
    expect(countFalse.headers['x-total-count']).toBeUndefined();
  });

  it('pages never skip or repeat, even when groups share a creation millisecond', async () => {
    const now = '2026-11-21T04:00:00.000Z';
    for (let i = 0; i < 7; i++) {
      const id = `00000000-0000-4000-8000-00000000000${i}`;
      await t.dataSource.query(
        `INSERT INTO password_sync_group (id, tenant_id, name, name_key, password_policy_id, created, modified, version) VALUES ('${id}', 'acme', 'n${i}', 'n${i}', 'p', '${now}', '${now}', 1)`,
      );
      await t.dataSource.query(
        `INSERT INTO password_sync_group_source (tenant_id, source_id, group_id, position) VALUES ('acme', 's${i}', '${id}', 0)`,
      );
    }
    const seen: string[] = [];
    for (let offset = 0; offset < 7; offset += 3) {
      const res = await t.http().get(`${API}?limit=3&offset=${offset}`).set('Authorization', t.bearer());
      seen.push(...res.body.map((g: { id: string }) => g.id));
    }
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(7);
  });
});

/** What differs between the URL shapes: nothing, on every shape at once; and what is no shape at all. */
describe.each(DATABASES)('password sync groups at every URL shape (%s)', (kind) => {
  const t = useTestApp(kind, {}, { clearBeforeEach: true });

  it.each(ALL_PATHS)('serves every operation at %s on the same data as every other path', async (base) => {
    const created = await t.http().post(base).set('Authorization', t.bearer()).send(VALID_BODY);
    expect(created.status).toBe(200);
    const id = created.body.id;
    for (const other of ALL_PATHS) {
      const res = await t.http().get(`${other}/${id}`).set('Authorization', t.bearer());
      expect({ other, status: res.status, body: res.body }).toEqual({ other, status: 200, body: created.body });
    }
    const list = await t.http().get(`${base}?count=true`).set('Authorization', t.bearer());
    expect(list.headers['x-total-count']).toBe('1');
    const put = await t
      .http()
      .put(`${base}/${id}`)
      .set('Authorization', t.bearer())
      .send({ ...VALID_BODY, name: 'via this path' });
    expect(put.body.name).toBe('via this path');
    const del = await t.http().delete(`${base}/${id}`).set('Authorization', t.bearer());
    expect(del.status).toBe(204);
    expect(await snapshot(t.dataSource)).toEqual([[], []]);
  });

  it.each(ALL_PATHS)(
    'count is read in any letter case at %s: True, TRUE, tRuE send X-Total-Count; False does not',
    async (base) => {
      expect((await t.http().post(base).set('Authorization', t.bearer()).send(VALID_BODY)).status).toBe(200);
      for (const value of ['True', 'TRUE', 'tRuE', 'true']) {
        const res = await t.http().get(`${base}?count=${value}`).set('Authorization', t.bearer());
        expect({ value, status: res.status, total: res.headers['x-total-count'], n: res.body.length }).toEqual({
          value,
          status: 200,
          total: '1',
          n: 1,
        });
      }
      for (const value of ['False', 'FALSE', 'false']) {
        const res = await t.http().get(`${base}?count=${value}&limit=1`).set('Authorization', t.bearer());
        expect({ value, status: res.status, total: res.headers['x-total-count'], n: res.body.length }).toEqual({
          value,
          status: 200,
          total: undefined,
          n: 1,
        });
      }
    },
  );

  it.each([
    '/v9/password-sync-groups',
    '/password-sync-groups/v2',
    '/password-sync-groups/v2/6881f631-3bd5-4213-9c75-8e05cc3e35dd',
    '/password-sync-groups/v0',
    '/password-sync-groups/V1',
    '/v3/password-sync-groups/v1',
    '/latest/password-sync-groups/v1/6881f631-3bd5-4213-9c75-8e05cc3e35dd',
  ])('%s is not a route: 404 with the path as called, for every method', async (path) => {
    const before = await snapshot(t.dataSource);
    for (const method of ['get', 'post', 'put', 'delete'] as const) {
      const res = await t.http()[method](`${path}?count=true`).set('Authorization', t.bearer()).send(VALID_BODY);
      expect({ method, status: res.status, body: res.body }).toEqual({
        method,
        status: 404,
        body: notFoundBody(res.headers['x-tracking-id'], [`No resource matches ${method.toUpperCase()} ${path}.`]),
      });
    }
    expect(await snapshot(t.dataSource)).toEqual(before);
  });
});
