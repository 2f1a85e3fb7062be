import { createSecretKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import type { Response } from 'supertest';
import { mintToken, type DevTokenOptions } from '../src/common/auth/dev-token';
import { UnitOfWork } from '../src/common/database/unit-of-work';
import { signingSecretOf } from '../src/common/auth/signing-key';
import { EXAMPLE_BODY, EXAMPLE_ID, OTHER_EXAMPLE_ID } from '../src/password-sync-groups/password-sync-groups.examples';
import { TRACKING_ID, startTestApp, type TestApp } from './support/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Swagger UI shows the documented examples as what the service answers. This suite takes every
 * error example of the committed document (the staleness test keeps it equal to the code's) and
 * reproduces it with a real request: same status, the same body (but for the request's own
 * trackingId) and the documented headers. An example with no way to reproduce it fails the suite.
 */
const doc = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')) as Json;

interface Operation {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  requestExample?: Json;
}

// The password sync groups API; personal access tokens have their own suite.
const operations: Operation[] = Object.entries<Json>(doc.paths)
  .filter(([path]) => path.startsWith('/password-sync-groups'))
  .flatMap(([path, item]) =>
    (['get', 'post', 'put', 'delete'] as const)
      .filter((method) => item[method])
      .map((method) => {
        const examples = item[method].requestBody?.content?.['application/json']?.examples as Json | undefined;
        return {
          operationId: item[method].operationId as string,
          method,
          path,
          requestExample: examples ? (Object.values(examples)[0] as Json).value : undefined,
        };
      }),
  );

interface Documented {
  op: Operation;
  status: number;
  name: string;
  value: Json;
  headers: string[];
}

const documentedErrors: Documented[] = operations.flatMap((op) =>
  Object.entries<Json>(doc.paths[op.path][op.method].responses)
    .filter(([status]) => Number(status) >= 400)
    .flatMap(([status, response]) =>
      Object.entries<Json>(response.content['application/json'].examples).map(([name, example]) => ({
        op,
        status: Number(status),
        name,
        value: example.value as Json,
        headers: Object.keys(response.headers ?? {}),
      })),
    ),
);

interface Call {
  app?: 'main' | 'limited' | 'broken' | 'down';
  ifMatch?: string;
  token?: Partial<DevTokenOptions> | 'none' | 'expired' | 'foreign';
  id?: string;
  query?: string;
  body?: unknown;
  raw?: { contentType: string; payload: string };
  seed?: Array<{ id: string; name: string; sourceIds: string[]; tenant?: string }>;
}

const HOLDER = { id: EXAMPLE_ID, name: 'Password Sync Group 1', sourceIds: [EXAMPLE_BODY.sourceIds[0]] };
const TARGET = { id: OTHER_EXAMPLE_ID, name: 'Target', sourceIds: ['target-source'] };

/** How to provoke each example. Keys: the example's name, or "operationId / name". */
const BODY_CALLS = (seed: Call['seed'] = []): Record<string, Call> => ({
  'Missing and invalid fields': { body: { name: '', sourceIds: [] }, seed },
  'Unknown property': { body: { ...EXAMPLE_BODY, owner: 'me' }, seed },
  'Name already taken': { body: { ...EXAMPLE_BODY, name: HOLDER.name, sourceIds: ['free'] }, seed: [HOLDER, ...seed] },
  'Source already in another group': { body: EXAMPLE_BODY, seed: [HOLDER, ...seed] },
  'Body is not valid JSON': { raw: { contentType: 'application/json', payload: '{"name":' }, seed },
  'Body over 1 MiB': {
    raw: { contentType: 'application/json', payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024) }) },
    seed,
  },
  'Body sent as text/plain': { raw: { contentType: 'text/plain', payload: 'Password Sync Group 2' }, seed },
});

const CALLS: Record<string, Call> = {
  'JWT is missing': { token: 'none' },
  'JWT is expired': { token: 'expired' },
  'JWT signature is invalid': { token: 'foreign' },
  'Token without a required scope': { token: { scopes: ['sp:scopes:default'] } },
  'Token without the user level': { token: { authorities: ['HELPDESK'] } },
  'Application token': { token: { identityId: undefined } },
  'Rate limit exceeded': { app: 'limited' },
  'Internal fault': { app: 'broken' },
  'Database unavailable': { app: 'down' },
  // HOLDER is at version 1 (ETag "1"); If-Match names another version.
  'updatePasswordSyncGroup / If-Match is not the current ETag': {
    id: HOLDER.id,
    seed: [HOLDER],
    body: EXAMPLE_BODY,
    ifMatch: '"2"',
  },
  'deletePasswordSyncGroup / If-Match is not the current ETag': { id: HOLDER.id, seed: [HOLDER], ifMatch: '"2"' },
  'Path id is not a UUID': { id: 'not-a-uuid' },
  // The group exists, but in another tenant: to the caller it is missing.
  'No such group in this tenant': { seed: [{ ...HOLDER, tenant: 'other-tenant' }] },
  'getPasswordSyncGroups / limit out of range (limit=251)': { query: 'limit=251' },
  'getPasswordSyncGroups / offset not a number (offset=x)': { query: 'offset=x' },
  'getPasswordSyncGroups / count not a boolean (count=yes)': { query: 'count=yes' },
  ...Object.fromEntries(
    Object.entries(BODY_CALLS()).map(([name, call]) => [`createPasswordSyncGroup / ${name}`, call]),
  ),
  // An update of an existing group (TARGET) with the same bodies.
  ...Object.fromEntries(
    Object.entries(BODY_CALLS([TARGET])).map(([name, call]) => [
      `updatePasswordSyncGroup / ${name}`,
      { ...call, id: TARGET.id },
    ]),
  ),
  'updatePasswordSyncGroup / id in the body differs from the path': { body: { ...EXAMPLE_BODY, id: OTHER_EXAMPLE_ID } },
};

/** How to provoke an example: the per-service twin (`…V1`) of an operation is provoked the same way. */
const callFor = (documented: Documented): Call | undefined =>
  CALLS[`${documented.op.operationId.replace(/V1$/, '')} / ${documented.name}`] ?? CALLS[documented.name];

describe('every error example in the OpenAPI document is a body the service really sends', () => {
  const apps: Partial<Record<NonNullable<Call['app']>, TestApp>> = {};
  beforeAll(async () => {
    // One secret for the three apps: Passport keeps one 'jwt' strategy per process, the last app's.
    const JWT_SECRET = randomBytes(32).toString('hex');
    apps.main = await startTestApp('sqlite', { JWT_SECRET });
    apps.limited = await startTestApp('sqlite', { JWT_SECRET, THROTTLE_LIMIT: '1', THROTTLE_TTL_SECONDS: '60' });
    apps.broken = await startTestApp('sqlite', { JWT_SECRET });
    apps.down = await startTestApp('sqlite', { JWT_SECRET });
    // The database server unreachable: every unit of work fails as node-postgres does when nothing
    // listens on the port (test/faults stops a real PostgreSQL; here only the body is checked).
    const refused = () =>
      Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    const uow = apps.down.app.get(UnitOfWork);
    jest.spyOn(uow, 'query').mockImplementation(refused);
    jest.spyOn(uow, 'read').mockImplementation(refused);
    jest.spyOn(uow, 'write').mockImplementation(refused);
    // A database that fails every query: the service must answer the 500 envelope, nothing more.
    await apps.broken.dataSource.query('DROP TABLE password_sync_group_source');
    await apps.broken.dataSource.query('DROP TABLE password_sync_group');
  });
  afterAll(async () => {
    for (const app of Object.values(apps)) await app?.close();
  });

  async function perform(op: Operation, call: Call, clientId: string): Promise<Response> {
    const t = apps[call.app ?? 'main']!;
    if (call.app !== 'broken' && call.app !== 'down') await t.clear();
    for (const [i, g] of (call.seed ?? []).entries()) {
      const at = `2026-11-21T04:00:00.00${i}Z`;
      await t.dataSource.query(
        'INSERT INTO password_sync_group (id, tenant_id, name, name_key, password_policy_id, created, modified, version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)',
        [g.id, g.tenant ?? 'acme', g.name, g.name.toLowerCase(), 'policy', at, at],
      );
      for (const [position, sourceId] of g.sourceIds.entries()) {
        await t.dataSource.query(
          'INSERT INTO password_sync_group_source (tenant_id, source_id, group_id, position) VALUES (?, ?, ?, ?)',
          [g.tenant ?? 'acme', sourceId, g.id, position],
        );
      }
    }
    const url = op.path.replace('{id}', call.id ?? EXAMPLE_ID) + (call.query ? `?${call.query}` : '');
    let req = t.http()[op.method](url);
    const tokenOptions = { clientId };
    if (call.token === 'expired') {
      const key = signingSecretOf(t.config)!.key;
      const now = Math.floor(Date.now() / 1000);
      const claims = { tenant_id: 'acme', authorities: ['ORG_ADMIN'], scope: ['sp:scopes:all'], identity_id: 'me' };
      req = req.set('Authorization', `Bearer ${sign({ ...claims, iat: now - 7200, exp: now - 3600 }, key)}`);
    } else if (call.token === 'foreign') {
      req = req.set('Authorization', `Bearer ${mintToken(createSecretKey(randomBytes(32)), { tenant: 'acme' })}`);
    } else if (call.token !== 'none') {
      req = req.set('Authorization', t.bearer({ ...tokenOptions, ...(call.token ?? {}) }));
    }
    if (call.ifMatch) req = req.set('If-Match', call.ifMatch);
    if (call.raw) return req.set('Content-Type', call.raw.contentType).send(call.raw.payload);
    const body = call.body ?? op.requestExample;
    return body === undefined ? req : req.send(body);
  }

  it('documents error examples for every operation, and each has a way to provoke it', () => {
    // Five operations, each at its per-service path (…V1) and in the yearly form.
    expect(operations.map((o) => o.operationId)).toHaveLength(10);
    const unknown = documentedErrors.filter((d) => !callFor(d)).map(({ op, name }) => `${op.operationId} / ${name}`);
    expect(unknown).toEqual([]);
    for (const op of operations) {
      const statuses = new Set(documentedErrors.filter((d) => d.op === op).map((d) => d.status));
      expect({ op: op.operationId, has: [401, 403, 429, 500].every((s) => statuses.has(s)) }).toEqual({
        op: op.operationId,
        has: true,
      });
    }
  });

  it.each(documentedErrors.map((d) => [`${d.op.operationId} ${d.status} "${d.name}"`, d] as const))(
    '%s',
    async (_title, documented) => {
      const call = callFor(documented)!;
      // Each example is its own client, so the rate-limited app counts each on its own budget of one.
      const clientId = `client-${documented.op.operationId}-${documented.name}`;
      if (call.app === 'limited') {
        // The first request uses the client's budget of one; the second is the example.
        const first = await perform(documented.op, call, clientId);
        if (first.status === 429) throw new Error('the first request of a client was already rate limited');
      }
      const res = await perform(documented.op, call, clientId);
      const trackingId = res.headers['x-tracking-id'];
      expect(trackingId).toMatch(TRACKING_ID);
      const expected = 'trackingId' in documented.value ? { ...documented.value, trackingId } : documented.value;
      expect({ status: res.status, body: res.body }).toEqual({ status: documented.status, body: expected });
      for (const header of documented.headers)
        expect({ header, present: res.headers[header.toLowerCase()] !== undefined }).toEqual({ header, present: true });
    },
  );

  it('the request examples are accepted, and the success examples have the shape of the real responses', async () => {
    const shape = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.slice(0, 1).map(shape)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
          : typeof value;
    const successExample = (op: Operation) => {
      const responses = doc.paths[op.path][op.method].responses as Json;
      const ok = (responses['200'] ?? responses['204']) as Json;
      return ok.content?.['application/json']?.example as unknown;
    };
    const seeded = { seed: [{ ...HOLDER, sourceIds: ['held'] }] };
    const order = [
      'createPasswordSyncGroup',
      'getPasswordSyncGroups',
      'getPasswordSyncGroup',
      'updatePasswordSyncGroup',
      'deletePasswordSyncGroup',
    ];
    for (const operationId of order) {
      const op = operations.find((o) => o.operationId === operationId)!;
      const res = await perform(op, operationId === 'createPasswordSyncGroup' ? {} : seeded, 'success-shapes');
      const expected = successExample(op);
      expect({ operationId, status: res.status, shape: shape(res.body) }).toEqual({
        operationId,
        status: op.method === 'delete' ? 204 : 200,
        shape: expected === undefined ? {} : shape(expected),
      });
    }
  });
});
