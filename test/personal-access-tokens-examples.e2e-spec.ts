import { createSecretKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import type { Response } from 'supertest';
import { mintToken, type DevTokenOptions } from '../src/common/auth/dev-token';
import { signingSecretOf } from '../src/common/auth/signing-key';
import { UnitOfWork } from '../src/common/database/unit-of-work';
import { PersonalAccessToken } from '../src/personal-access-tokens/personal-access-token.entity';
import { TRACKING_ID, startTestApp, type TestApp } from './support/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * As test/openapi-examples.e2e-spec.ts does for password sync groups: every error example that
 * the committed document shows for the personal access token operations is reproduced with a
 * real request (status, body but for the trackingId, documented headers).
 */
const doc = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')) as Json;
const EXAMPLE_ID = 'ef38f94347e94562b5bb8424a56397d8';
const PAST = '2001-01-01T00:00:00.000Z';

interface Operation {
  operationId: string;
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
}
const operations: Operation[] = Object.entries<Json>(doc.paths)
  .filter(([path]) => path.startsWith('/personal-access-tokens'))
  .flatMap(([path, item]) =>
    (['get', 'post', 'patch', 'delete'] as const)
      .filter((method) => item[method])
      .map((method) => ({ operationId: item[method].operationId as string, method, path })),
  );
const documentedErrors = operations.flatMap((op) =>
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
  token?: Partial<DevTokenOptions> | 'none' | 'expired' | 'foreign';
  id?: string;
  query?: string;
  body?: unknown;
  /** PATs to store first: id and owner (the caller is dev-admin of tenant acme). */
  seed?: Array<{ id: string; ownerId: string; name?: string; tenant?: string }>;
}

const NEVER = { userAwareTokenNeverExpires: true };
const DEFAULT_BODY: Record<Operation['method'], unknown> = {
  get: undefined,
  post: { name: 'NodeJS Integration', ...NEVER },
  patch: [{ op: 'replace', path: '/name', value: 'New name' }],
  delete: undefined,
};
const MINE = { id: EXAMPLE_ID, ownerId: 'dev-admin' };

const CALLS: Record<string, Call> = {
  'JWT is missing': { token: 'none' },
  'JWT is expired': { token: 'expired' },
  'JWT signature is invalid': { token: 'foreign' },
  'Token without a required scope': { token: { scopes: ['sp:scopes:default'] } },
  'Application token': { token: { identityId: undefined } },
  'Rate limit exceeded': { app: 'limited' },
  'Internal fault': { app: 'broken', seed: [MINE] },
  'Database unavailable': { app: 'down' },
  "listPersonalAccessTokens / Other users' tokens without the right": { token: { authorities: ['HELPDESK'] } },
  'listPersonalAccessTokens / Unsupported filter': { query: 'filters=name%20eq%20%22x%22' },
  'createPersonalAccessToken / Never expires, not acknowledged': { body: { name: 'x' } },
  'createPersonalAccessToken / Expiry in the past': { body: { name: 'x', expirationDate: PAST } },
  'createPersonalAccessToken / Name already taken': { seed: [{ ...MINE, name: 'NodeJS Integration' }] },
  "createPersonalAccessToken / Scopes beyond the creator's": {
    token: { scopes: ['sp:my-personal-access-tokens:manage'] },
    body: { name: 'x', scope: ['sp:scopes:all'], ...NEVER },
  },
  'Path id is not a token id': { id: 'not-an-id' },
  // The PAT exists, but in another tenant: to the caller it is missing.
  'No such token in this tenant': { seed: [{ ...MINE, tenant: 'other-tenant' }] },
  'patchPersonalAccessToken / Expiry in the past': {
    seed: [MINE],
    body: [{ op: 'replace', path: '/expirationDate', value: PAST }],
  },
  "deletePersonalAccessToken / Other users' tokens without the right": {
    seed: [{ ...MINE, ownerId: 'someone-else' }],
    token: { authorities: ['HELPDESK'] },
  },
};

/** How to provoke an example: the per-service twin (`…V1`) of an operation is provoked the same way. */
const callFor = (documented: { op: Operation; name: string }) =>
  CALLS[`${documented.op.operationId.replace(/V1$/, '')} / ${documented.name}`] ?? CALLS[documented.name];

describe('every error example of the personal access token operations is a body the service sends', () => {
  const apps: Partial<Record<NonNullable<Call['app']>, TestApp>> = {};
  beforeAll(async () => {
    // One secret for all apps: Passport keeps one 'jwt' strategy per process, the last app's.
    const JWT_SECRET = randomBytes(32).toString('hex');
    apps.main = await startTestApp('sqlite', { JWT_SECRET });
    apps.limited = await startTestApp('sqlite', { JWT_SECRET, THROTTLE_LIMIT: '1', THROTTLE_TTL_SECONDS: '60' });
    apps.broken = await startTestApp('sqlite', { JWT_SECRET });
    apps.down = await startTestApp('sqlite', { JWT_SECRET });
    const refused = () =>
      Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    const uow = apps.down.app.get(UnitOfWork);
    jest.spyOn(uow, 'query').mockImplementation(refused);
    jest.spyOn(uow, 'read').mockImplementation(refused);
    jest.spyOn(uow, 'write').mockImplementation(refused);
  });
  afterAll(async () => {
    for (const app of Object.values(apps)) await app?.close();
  });

  async function perform(op: Operation, call: Call, clientId: string): Promise<Response> {
    const t = apps[call.app ?? 'main']!;
    if (call.app !== 'down') {
      const rows = t.dataSource.getRepository(PersonalAccessToken);
      await rows.clear();
      for (const p of call.seed ?? []) {
        await rows.insert({
          id: p.id,
          tenantId: p.tenant ?? 'acme',
          ownerId: p.ownerId,
          ownerName: p.ownerId,
          name: p.name ?? `seeded ${p.id}`,
          scopes: '["sp:scopes:all"]',
          authorities: '["ORG_ADMIN"]',
          secretHash: '0'.repeat(64),
          accessTokenValiditySeconds: 43200,
          expirationDate: null,
          userAwareTokenNeverExpires: true,
          created: '2026-11-21T04:00:00.000Z',
          lastUsed: null,
        });
      }
      // The broken app: a table the queries need is gone, so every statement fails.
      if (call.app === 'broken')
        await t.dataSource.query('ALTER TABLE personal_access_token RENAME TO personal_access_token_gone');
    }
    const url = op.path.replace('{id}', call.id ?? EXAMPLE_ID) + (call.query ? `?${call.query}` : '');
    let req = t.http()[op.method](url);
    if (call.token === 'expired') {
      const key = signingSecretOf(t.config)!.key;
      const now = Math.floor(Date.now() / 1000);
      const claims = { tenant_id: 'acme', authorities: ['ORG_ADMIN'], scope: ['sp:scopes:all'], identity_id: 'me' };
      req = req.set('Authorization', `Bearer ${sign({ ...claims, iat: now - 7200, exp: now - 3600 }, key)}`);
    } else if (call.token === 'foreign') {
      req = req.set('Authorization', `Bearer ${mintToken(createSecretKey(randomBytes(32)), { tenant: 'acme' })}`);
    } else if (call.token !== 'none') {
      req = req.set('Authorization', t.bearer({ clientId, ...(call.token ?? {}) }));
    }
    const body = call.body ?? DEFAULT_BODY[op.method];
    const res = await (body === undefined
      ? req
      : req.set('Content-Type', 'application/json').send(JSON.stringify(body)));
    if (call.app === 'broken')
      await t.dataSource.query('ALTER TABLE personal_access_token_gone RENAME TO personal_access_token');
    return res;
  }

  it('documents the four operations, each with 401, 403, 429 and 500, and every example has a way to provoke it', () => {
    // Each at its per-service path (…V1, listed first) and in the yearly form.
    const yearly = ['listPersonalAccessTokens', 'createPersonalAccessToken', 'patchPersonalAccessToken'];
    const all = [...yearly, 'deletePersonalAccessToken'];
    expect(operations.map((o) => o.operationId)).toEqual([...all.map((id) => `${id}V1`), ...all]);
    const unknown = documentedErrors
      .filter((documented) => !callFor(documented))
      .map(({ op, name }) => `${op.operationId} / ${name}`);
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
      const call = callFor(documented);
      const clientId = `client-${documented.op.operationId}-${documented.name}`;
      if (call.app === 'limited') {
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
});
