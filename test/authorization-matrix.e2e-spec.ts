import type { Response } from 'supertest';
import type { DevTokenOptions } from '../src/common/auth/dev-token';
import { CONTRACT_PATHS } from './support/api-paths';
import { DATABASES } from './support/databases';
import { VALID_BODY, forbiddenBody, groupNotFound, snapshot, useTestApp } from './support/test-app';

type Route = 'list' | 'create' | 'get' | 'update' | 'delete';
const ROUTES: Route[] = ['list', 'create', 'get', 'update', 'delete'];
const WRITES: Route[] = ['create', 'update', 'delete'];

const NO_AUTHORITY = 'The token lacks the required user level (authority) ORG_ADMIN.';
const NO_READ_SCOPE =
  'The token lacks a required scope: one of idn:password-sync-group:read, idn:password-sync-group:manage, sp:scopes:all.';
const NO_MANAGE_SCOPE = 'The token lacks a required scope: one of idn:password-sync-group:manage, sp:scopes:all.';
const NO_USER = 'This operation requires a user token (one with identity_id); application tokens cannot use it.';

/** What a caller should get: allowed (the route's normal success), 403 with these causes, 404, or a 401. */
type Expected = { allowed: true } | { forbidden: string[] } | { notFound: true } | { unauthorized: string };

interface Persona {
  name: string;
  /** Token options (tenant acme unless said); `null` sends no Authorization header. */
  token: Partial<DevTokenOptions> | null;
  expect: (route: Route) => Expected;
}

const allowed = { allowed: true } as const;

/**
 * Every route × every kind of caller: the status and exact body SailPoint specifies, and for
 * every refusal an unchanged database. The expectations are written out literally, not derived
 * from the access declarations they test.
 */
const PERSONAS: Persona[] = [
  { name: 'full access (control)', token: {}, expect: () => allowed },
  { name: 'manage scope only (control)', token: { scopes: ['idn:password-sync-group:manage'] }, expect: () => allowed },
  { name: 'no token', token: null, expect: () => ({ unauthorized: 'JWT is missing' }) },
  { name: 'no authority', token: { authorities: [] }, expect: () => ({ forbidden: [NO_AUTHORITY] }) },
  {
    name: 'other authorities only',
    token: { authorities: ['ORG_USER', 'HELPDESK', 'org_admin'] },
    expect: () => ({ forbidden: [NO_AUTHORITY] }),
  },
  {
    name: 'ORG_ADMIN without any scope',
    token: { scopes: [] },
    expect: (r) => ({ forbidden: [WRITES.includes(r) ? NO_MANAGE_SCOPE : NO_READ_SCOPE] }),
  },
  {
    name: 'ORG_ADMIN with an unrelated scope',
    token: { scopes: ['idn:sources:manage'] },
    expect: (r) => ({ forbidden: [WRITES.includes(r) ? NO_MANAGE_SCOPE : NO_READ_SCOPE] }),
  },
  {
    name: 'read scope',
    token: { scopes: ['idn:password-sync-group:read'] },
    expect: (r) => (WRITES.includes(r) ? { forbidden: [NO_MANAGE_SCOPE] } : allowed),
  },
  {
    name: 'application token (no identity_id)',
    token: { identityId: undefined },
    expect: (r) => (WRITES.includes(r) ? { forbidden: [NO_USER] } : allowed),
  },
  {
    name: 'application token with read scope and no authority',
    token: { identityId: undefined, authorities: [], scopes: ['idn:password-sync-group:read'] },
    expect: (r) => ({ forbidden: WRITES.includes(r) ? [NO_AUTHORITY, NO_MANAGE_SCOPE, NO_USER] : [NO_AUTHORITY] }),
  },
  {
    name: 'other tenant, full access',
    token: { tenant: 'globex' },
    // Its own list (empty) and its own create; acme's group does not exist for it.
    expect: (r) => (r === 'list' || r === 'create' ? allowed : { notFound: true }),
  },
];

describe.each(DATABASES)('authorization matrix (%s)', (kind) => {
  const t = useTestApp(kind, {}, { clearBeforeEach: true });
  let group: { id: string; name: string; created: string };
  beforeEach(async () => {
    const res = await t.http().post('/password-sync-groups').set('Authorization', t.bearer()).send(VALID_BODY);
    expect(res.status).toBe(200);
    group = res.body;
  });

  const NEW_BODY = { name: 'Written by the caller', passwordPolicyId: 'pp-2', sourceIds: ['src-new'] };
  const send = (route: Route, path: string) => {
    switch (route) {
      case 'list':
        return t.http().get(`${path}?count=true`);
      case 'create':
        return t.http().post(path).send(NEW_BODY);
      case 'get':
        return t.http().get(`${path}/${group.id}`);
      case 'update':
        return t.http().put(`${path}/${group.id}`).send(NEW_BODY);
      case 'delete':
        return t.http().delete(`${path}/${group.id}`);
    }
  };

  const cases = PERSONAS.flatMap((persona) =>
    ROUTES.flatMap((route) => CONTRACT_PATHS.map((path) => [persona.name, route, path, persona, path] as const)),
  );

  it.each(cases)('%s × %s %s', async (_p, route, _label, persona, prefix) => {
    const before = await snapshot(t.dataSource);
    const req = send(route, prefix);
    if (persona.token) void req.set('Authorization', t.bearer(persona.token));
    const res: Response = await req;
    const expected = persona.expect(route);

    if ('allowed' in expected) {
      await expectSuccess(route, res, persona.token?.tenant ?? 'acme');
      return;
    }
    if ('forbidden' in expected) {
      expect({ status: res.status, body: res.body }).toEqual({
        status: 403,
        body: forbiddenBody(res.headers['x-tracking-id'], expected.forbidden),
      });
    } else if ('notFound' in expected) {
      expect({ status: res.status, body: res.body }).toEqual({
        status: 404,
        body: groupNotFound(res.headers['x-tracking-id'], group.id),
      });
    } else {
      expect({ status: res.status, body: res.body }).toEqual({
        status: 401,
        body: { error: `JWT validation failed: ${expected.unauthorized}` },
      });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(await snapshot(t.dataSource)).toEqual(before);
  });

  /** The route's normal success, and the database showing exactly that. */
  async function expectSuccess(route: Route, res: Response, tenant: string): Promise<void> {
    const stored = await t.dataSource.query(
      'SELECT id, tenant_id, name FROM password_sync_group ORDER BY tenant_id, name',
    );
    switch (route) {
      case 'list':
        expect(res.status).toBe(200);
        expect(res.body.map((g: { id: string }) => g.id)).toEqual(tenant === 'acme' ? [group.id] : []);
        expect(res.headers['x-total-count']).toBe(tenant === 'acme' ? '1' : '0');
        expect(stored).toHaveLength(1);
        break;
      case 'get':
        expect(res.status).toBe(200);
        expect(res.body).toEqual(group);
        break;
      case 'create':
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject(NEW_BODY);
        expect(stored).toEqual(
          [
            { id: group.id, tenant_id: 'acme', name: group.name },
            { id: res.body.id, tenant_id: tenant, name: NEW_BODY.name },
          ].sort((a, b) => (a.tenant_id + a.name < b.tenant_id + b.name ? -1 : 1)),
        );
        break;
      case 'update':
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ ...group, ...NEW_BODY, modified: expect.any(String) });
        expect(stored).toEqual([{ id: group.id, tenant_id: 'acme', name: NEW_BODY.name }]);
        break;
      case 'delete':
        expect(res.status).toBe(204);
        expect(stored).toEqual([]);
        break;
    }
  }
});
