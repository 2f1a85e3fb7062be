/**
 * The bare baseline: the same work per request as the service, with no framework.
 *
 * A `node:http` server that, for each request: verifies the same HS256 JWT with a cached
 * KeyObject (jsonwebtoken) and checks the same claims; counts the caller against a rate limit;
 * validates the body by hand; runs the same SQL with the same driver (better-sqlite3 prepared
 * once; pg with a pool of 10, as TypeORM's default); serializes the same JSON with the same
 * headers; and writes one JSON log line per request (unless LOG_LEVEL=silent), as the service.
 * It is what "the physical limit of the same work on this machine" means in the benchmark.
 *
 * Environment: PORT, HOST, DATABASE_URL (sqlite:<file> | postgres://…), JWT_SECRET,
 * THROTTLE_LIMIT, THROTTLE_TTL_SECONDS, LOG_LEVEL.
 */
import Database from 'better-sqlite3';
import { createSecretKey, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { Pool, type PoolClient } from 'pg';
import { verify } from 'jsonwebtoken';
// SQL text only (no framework): the baseline runs exactly the service's statements.
import {
  GroupQueries,
  type GroupRow,
  type GroupWithSourcesRow,
  type SourceHolderRow,
} from '../../src/password-sync-groups/password-sync-group.queries';

const env = process.env;
const key = createSecretKey(Buffer.from(env.JWT_SECRET ?? '', 'utf8'));
const LIMIT = Number(env.THROTTLE_LIMIT ?? 100);
const TTL_MS = Number(env.THROTTLE_TTL_SECONDS ?? 10) * 1000;
const LOGGING = (env.LOG_LEVEL ?? 'info') !== 'silent';
const PREFIX = /^\/(v3|beta|v2024|v2025|v2026)(?=\/|\?|$)/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const READ_SCOPES = ['idn:password-sync-group:read', 'idn:password-sync-group:manage', 'sp:scopes:all'];
const MANAGE_SCOPES = ['idn:password-sync-group:manage', 'sp:scopes:all'];
const BODY_KEYS = new Set(['id', 'name', 'passwordPolicyId', 'sourceIds', 'created', 'modified']);
const BODY_LIMIT = 1024 * 1024;

interface View {
  id: string;
  name: string;
  passwordPolicyId: string;
  sourceIds: string[];
  created: string;
  modified: string;
}
interface Input {
  name: string;
  passwordPolicyId: string;
  sourceIds: string[];
}

/** Thrown inside a transaction to roll it back and answer 400 with this text. */
class Rollback extends Error {}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(String(status));
  }
}

const message = (text: string) => ({ locale: 'en-US', localeOrigin: 'DEFAULT', text });
const envelope = (detailCode: string, text: string, trackingId: string, causes: string[]) => ({
  detailCode,
  trackingId,
  messages: [message(text)],
  causes: causes.map(message),
});
const badRequest = (trackingId: string, causes: string[]) =>
  new HttpError(
    400,
    envelope(
      '400.1 Bad Request Content',
      'The request was syntactically correct but its content is semantically invalid.',
      trackingId,
      causes,
    ),
  );
const notFound = (trackingId: string, id: string) =>
  new HttpError(
    404,
    envelope('404 Not found', 'The server did not find a current representation for the target resource.', trackingId, [
      `Password sync group '${id}' was not found.`,
    ]),
  );
const unauthorized = (reason: string) => new HttpError(401, { error: `JWT validation failed: ${reason}` });

const nameKeyOf = (name: string) =>
  name
    .split('\u0130')
    .map((part) => part.toLowerCase())
    .join('\u0130');

function nextTimestamp(previous: string): string {
  return new Date(Math.max(Date.now(), Date.parse(previous) + 1)).toISOString();
}

const toView = (g: Omit<GroupRow, 'version'>, sourceIds: string[]): View => ({
  id: g.id,
  name: g.name,
  passwordPolicyId: g.passwordPolicyId,
  sourceIds,
  created: g.created,
  modified: g.modified,
});

// ---------------------------------------------------------------- database

/** The queries, as the service runs them (same statements from GroupQueries, same order, same transactions). */
interface Store {
  get(tenant: string, id: string): Promise<Versioned | undefined>;
  list(tenant: string, limit: number, offset: number, count: boolean): Promise<{ items: View[]; total?: number }>;
  create(tenant: string, input: Input): Promise<View | string>;
  /** As the service: the row is claimed first (version + 1, returning what the update keeps), then checked and replaced. */
  update(tenant: string, id: string, input: Input): Promise<Versioned | string | undefined>;
}

/** A group and the version its ETag is made of. */
interface Versioned {
  view: View;
  version: number;
}

/** Sources go in in source-id order (position keeps the client's order), as the service inserts them. */
const bySourceId = (sourceIds: string[]) =>
  sourceIds
    .map((sourceId, position) => ({ sourceId, position }))
    .sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));

const problemOf = (input: Input, holder: string | undefined, taken: SourceHolderRow[]): string | undefined => {
  if (holder)
    return `A password sync group named '${input.name}' already exists (${holder}); names are unique ignoring case.`;
  if (taken.length > 0)
    return taken
      .map((c) => `Source '${c.sourceId}' already belongs to password sync group '${c.groupName}' (${c.groupId}).`)
      .join(' ');
  return undefined;
};
const sourceParams = (tenant: string, groupId: string, sourceIds: string[]) =>
  bySourceId(sourceIds).flatMap((s) => [tenant, s.sourceId, groupId, s.position]);
type Claimed = Pick<GroupRow, 'created' | 'modified' | 'version'>;
const replaced = (id: string, input: Input, claimed: Claimed): GroupRow => ({
  id,
  name: input.name,
  passwordPolicyId: input.passwordPolicyId,
  created: claimed.created,
  modified: nextTimestamp(claimed.modified),
  version: claimed.version,
});
const created = (input: Input): Omit<GroupRow, 'version'> => {
  const now = new Date().toISOString();
  return { id: randomUUID(), name: input.name, passwordPolicyId: input.passwordPolicyId, created: now, modified: now };
};
const groupParams = (tenant: string, g: Omit<GroupRow, 'version'>) => [
  g.id,
  tenant,
  g.name,
  nameKeyOf(g.name),
  g.passwordPolicyId,
  g.created,
  g.modified,
];
/** A list answer from the service's list statements (see GroupQueries.pageWithTotal for the empty page). */
const pageOf = (sql: GroupQueries, rows: GroupWithSourcesRow[], withTotal: boolean) => {
  if (!withTotal) return { items: rows.map((r) => toView(r, sql.sourceIdsOf(r))), total: undefined };
  const items = rows[0].id === null ? [] : rows.map((r) => toView(r, sql.sourceIdsOf(r)));
  return { items, total: Number(rows[0].total) };
};

function sqliteStore(file: string): Store {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const sql = new GroupQueries('sqlite');
  const cache = new Map<string, Database.Statement>();
  const prepared = (text: string) => {
    let s = cache.get(text);
    if (!s) cache.set(text, (s = db.prepare(text)));
    return s;
  };
  const problem = (tenant: string, input: Input, exceptId: string): string | undefined => {
    const holder = prepared(sql.nameHolder).get(tenant, nameKeyOf(input.name), exceptId) as { id: string } | undefined;
    if (holder) return problemOf(input, holder.id, []);
    const taken = prepared(sql.sourceHolders).all(
      tenant,
      sql.listParam(input.sourceIds),
      exceptId,
    ) as SourceHolderRow[];
    return problemOf(input, undefined, taken);
  };
  const insertSources = (tenant: string, groupId: string, sourceIds: string[]) =>
    prepared(sql.insertSources(sourceIds.length)).run(sourceParams(tenant, groupId, sourceIds));
  const create = db.transaction((tenant: string, input: Input): View | string => {
    const p = problem(tenant, input, '');
    if (p) return p;
    const g = created(input);
    prepared(sql.insertGroup).run(groupParams(tenant, g));
    insertSources(tenant, g.id, input.sourceIds);
    return toView(g, input.sourceIds);
  });
  const update = db.transaction((tenant: string, id: string, input: Input): Versioned | string | undefined => {
    const claimed = prepared(sql.claimForUpdate).get(tenant, id) as Claimed | undefined;
    if (!claimed) return undefined;
    const p = problem(tenant, input, id);
    if (p) throw new Rollback(p);
    const g = replaced(id, input, claimed);
    prepared(sql.updateGroup).run(g.name, nameKeyOf(g.name), g.passwordPolicyId, g.modified, tenant, id);
    prepared(sql.deleteSources).run(tenant, id);
    insertSources(tenant, id, input.sourceIds);
    return { view: toView(g, input.sourceIds), version: g.version };
  });
  return {
    get: async (tenant, id) => {
      const row = prepared(sql.byId).get(tenant, id) as GroupWithSourcesRow | undefined;
      return row && { view: toView(row, sql.sourceIdsOf(row)), version: row.version };
    },
    list: async (tenant, limit, offset, withTotal) => {
      if (!withTotal && limit === 0) return { items: [], total: undefined };
      const rows = (
        withTotal
          ? prepared(sql.pageWithTotal).all(tenant, tenant, limit, offset)
          : prepared(sql.page).all(tenant, limit, offset)
      ) as GroupWithSourcesRow[];
      return pageOf(sql, rows, withTotal);
    },
    create: async (tenant, input) => create(tenant, input),
    update: async (tenant, id, input) => {
      try {
        return update(tenant, id, input);
      } catch (err) {
        if (err instanceof Rollback) return err.message;
        throw err;
      }
    },
  };
}

function postgresStore(url: string): Store {
  const pool = new Pool({ connectionString: url, max: 10 });
  const sql = new GroupQueries('postgres');
  type Q = Pick<PoolClient, 'query'>;
  const problem = async (q: Q, tenant: string, input: Input, exceptId: string): Promise<string | undefined> => {
    const holder = await q.query<{ id: string }>(sql.nameHolder, [tenant, nameKeyOf(input.name), exceptId]);
    if (holder.rows.length > 0) return problemOf(input, holder.rows[0].id, []);
    const taken = await q.query<SourceHolderRow>(sql.sourceHolders, [tenant, sql.listParam(input.sourceIds), exceptId]);
    return problemOf(input, undefined, taken.rows);
  };
  const insertSources = (q: Q, tenant: string, groupId: string, sourceIds: string[]) =>
    q.query(sql.insertSources(sourceIds.length), sourceParams(tenant, groupId, sourceIds));
  /** Writes in a transaction, as the service; reads are one statement each, outside one. */
  const transaction = async <T>(work: (q: Q) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
  return {
    get: async (tenant, id) => {
      const { rows } = await pool.query<GroupWithSourcesRow>(sql.byId, [tenant, id]);
      return rows.length ? { view: toView(rows[0], sql.sourceIdsOf(rows[0])), version: rows[0].version } : undefined;
    },
    list: async (tenant, limit, offset, withTotal) => {
      if (!withTotal && limit === 0) return { items: [], total: undefined };
      const { rows } = withTotal
        ? await pool.query<GroupWithSourcesRow>(sql.pageWithTotal, [tenant, tenant, limit, offset])
        : await pool.query<GroupWithSourcesRow>(sql.page, [tenant, limit, offset]);
      return pageOf(sql, rows, withTotal);
    },
    create: (tenant, input) =>
      transaction(async (q) => {
        const p = await problem(q, tenant, input, '');
        if (p) return p;
        const g = created(input);
        await q.query(sql.insertGroup, groupParams(tenant, g));
        await insertSources(q, tenant, g.id, input.sourceIds);
        return toView(g, input.sourceIds);
      }),
    update: (tenant, id, input) =>
      transaction(async (q) => {
        const { rows } = await q.query<Claimed>(sql.claimForUpdate, [tenant, id]);
        if (rows.length === 0) return undefined;
        const p = await problem(q, tenant, input, id);
        if (p) throw new Rollback(p);
        const g = replaced(id, input, rows[0]);
        await q.query(sql.updateGroup, [g.name, nameKeyOf(g.name), g.passwordPolicyId, g.modified, tenant, id]);
        await q.query(sql.deleteSources, [tenant, id]);
        await insertSources(q, tenant, id, input.sourceIds);
        return { view: toView(g, input.sourceIds), version: g.version };
      }).catch((err: unknown) => {
        if (err instanceof Rollback) return err.message;
        throw err;
      }),
  };
}

// ---------------------------------------------------------------- requests

interface Caller {
  tenantId: string;
  clientId: string;
  identityId?: string;
  authorities: string[];
  scopes: string[];
}

function authenticate(req: IncomingMessage): Caller {
  const header = req.headers.authorization;
  if (!header) throw unauthorized('JWT is missing');
  if (!header.startsWith('Bearer ')) throw unauthorized('Authorization header must be "Bearer <JWT>"');
  let claims: Record<string, unknown>;
  try {
    claims = verify(header.slice(7), key, { algorithms: ['HS256'] }) as Record<string, unknown>;
  } catch {
    throw unauthorized('JWT is malformed');
  }
  if (typeof claims.tenant_id !== 'string' || !claims.tenant_id) throw unauthorized('JWT has no tenant');
  if (typeof claims.exp !== 'number') throw unauthorized('JWT has no expiry');
  const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? v.split(' ') : []);
  return {
    tenantId: claims.tenant_id,
    clientId: (claims.client_id as string) || (claims.sub as string) || 'anonymous',
    identityId: (claims.identity_id as string) || undefined,
    authorities: list(claims.authorities),
    scopes: list(claims.scope),
  };
}

function authorize(caller: Caller, scopes: string[], userToken: boolean, trackingId: string): void {
  const missing: string[] = [];
  if (!caller.authorities.includes('ORG_ADMIN'))
    missing.push('The token lacks the required user level (authority) ORG_ADMIN.');
  if (!scopes.some((s) => caller.scopes.includes(s)))
    missing.push(`The token lacks a required scope: one of ${scopes.join(', ')}.`);
  if (userToken && !caller.identityId)
    missing.push('This operation requires a user token (one with identity_id); application tokens cannot use it.');
  if (missing.length > 0) {
    throw new HttpError(
      403,
      envelope('403 Forbidden', 'The server understood the request but refuses to authorize it.', trackingId, missing),
    );
  }
}

/** A fixed-window counter per client and version prefix: O(1) per request. */
const windows = new Map<string, { resetAt: number; hits: number }>();
function rateLimit(key: string, res: ServerResponse): void {
  const now = Date.now();
  let w = windows.get(key);
  if (!w || w.resetAt <= now) windows.set(key, (w = { resetAt: now + TTL_MS, hits: 0 }));
  w.hits += 1;
  const reset = Math.ceil((w.resetAt - now) / 1000);
  if (w.hits > LIMIT) {
    res.setHeader('Retry-After', reset);
    throw new HttpError(429, { message: ' Rate Limit Exceeded ' });
  }
  res.setHeader('X-RateLimit-Limit', LIMIT);
  res.setHeader('X-RateLimit-Remaining', Math.max(0, LIMIT - w.hits));
  res.setHeader('X-RateLimit-Reset', reset);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) reject(new HttpError(413, {}));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function validId(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0 && v.length <= 128 && /^\S+$/.test(v) && !v.includes('\u0000');
}

function parseInput(text: string, trackingId: string): Input & { id?: unknown } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(
      400,
      envelope('400.0 Bad Request Syntax', 'The request body could not be parsed.', trackingId, ['Invalid JSON']),
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest(trackingId, ['The request body must be a JSON object.']);
  const b = body as Record<string, unknown>;
  const causes: string[] = [];
  for (const k of Object.keys(b))
    if (!BODY_KEYS.has(k)) causes.push(`Unknown property '${k}': it is not part of the request schema.`);
  const name = typeof b.name === 'string' ? b.name.trim() : b.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || name.includes('\u0000'))
    causes.push('name is invalid.');
  if (!validId(b.passwordPolicyId)) causes.push('passwordPolicyId is invalid.');
  const ids = b.sourceIds;
  if (
    !Array.isArray(ids) ||
    ids.length < 1 ||
    ids.length > 250 ||
    !ids.every(validId) ||
    new Set(ids).size !== ids.length
  ) {
    causes.push('sourceIds is invalid.');
  }
  if (causes.length > 0) throw badRequest(trackingId, causes);
  return { id: b.id, name: name as string, passwordPolicyId: b.passwordPolicyId as string, sourceIds: ids as string[] };
}

function parseQuery(search: string, trackingId: string): { limit: number; offset: number; count: boolean } {
  const q = new URLSearchParams(search);
  const int = (name: string, fallback: number, max: number) => {
    const v = q.get(name);
    if (v === null) return fallback;
    if (!/^\d{1,15}$/.test(v) || Number(v) > max)
      throw badRequest(trackingId, [`${name} is invalid (got ${JSON.stringify(v)}).`]);
    return Number(v);
  };
  const count = q.get('count');
  if (count !== null && count !== 'true' && count !== 'false')
    throw badRequest(trackingId, [`count must be true or false (got ${JSON.stringify(count)}).`]);
  return { limit: int('limit', 250, 250), offset: int('offset', 0, 2_147_483_647), count: count === 'true' };
}

async function handle(store: Store, req: IncomingMessage, res: ServerResponse, trackingId: string): Promise<unknown> {
  const raw = req.url ?? '/';
  const match = PREFIX.exec(raw);
  let version = match ? match[1] : 'bare';
  const url = match ? raw.slice(match[0].length) || '/' : raw;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const segments = path.split('/').filter(Boolean);
  // SailPoint's per-service path, /password-sync-groups/v1[/{id}]: its own rate-limit version.
  if (!match && segments[1] === 'v1') {
    segments.splice(1, 1);
    version = 'v1';
  }
  if (segments[0] !== 'password-sync-groups' || segments.length > 2) {
    throw new HttpError(
      404,
      envelope(
        '404 Not found',
        'The server did not find a current representation for the target resource.',
        trackingId,
        [],
      ),
    );
  }
  const caller = authenticate(req);
  rateLimit(`${version}|client|${caller.tenantId}|${caller.clientId}`, res);
  const id = segments[1];
  if (id !== undefined && !UUID.test(id))
    throw badRequest(trackingId, [`Path parameter 'id' must be a UUID (got "${id}").`]);
  const lowerId = id?.toLowerCase();
  const method = req.method;
  if (id === undefined && method === 'GET') {
    authorize(caller, READ_SCOPES, false, trackingId);
    const { limit, offset, count } = parseQuery(q === -1 ? '' : url.slice(q + 1), trackingId);
    const page = await store.list(caller.tenantId, limit, offset, count);
    if (page.total !== undefined) res.setHeader('X-Total-Count', String(page.total));
    return page.items;
  }
  if (id === undefined && method === 'POST') {
    authorize(caller, MANAGE_SCOPES, true, trackingId);
    const input = parseInput(await readBody(req), trackingId);
    const created = await store.create(caller.tenantId, input);
    if (typeof created === 'string') throw badRequest(trackingId, [created]);
    return created;
  }
  if (lowerId !== undefined && method === 'GET') {
    authorize(caller, READ_SCOPES, false, trackingId);
    const group = await store.get(caller.tenantId, lowerId);
    if (!group) throw notFound(trackingId, lowerId);
    res.setHeader('ETag', `"${group.version}"`);
    return group.view;
  }
  if (lowerId !== undefined && method === 'PUT') {
    authorize(caller, MANAGE_SCOPES, true, trackingId);
    const input = parseInput(await readBody(req), trackingId);
    if (input.id !== undefined && (typeof input.id !== 'string' || input.id.toLowerCase() !== lowerId)) {
      throw badRequest(trackingId, ['id in the body must equal the id in the path or be omitted.']);
    }
    const updated = await store.update(caller.tenantId, lowerId, input);
    if (updated === undefined) throw notFound(trackingId, lowerId);
    if (typeof updated === 'string') throw badRequest(trackingId, [updated]);
    res.setHeader('ETag', `"${updated.version}"`);
    return updated.view;
  }
  throw new HttpError(
    405,
    envelope(
      '405 Method Not Allowed',
      'The method received in the request-line is not supported by the target resource.',
      trackingId,
      [],
    ),
  );
}

const host = hostname();
function logLine(trackingId: string, req: IncomingMessage, status: number, started: number): void {
  const line = {
    level: 30,
    time: Date.now(),
    pid: process.pid,
    hostname: host,
    trackingId,
    method: req.method,
    route: (req.url ?? '/').split('?')[0],
    status,
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
    msg: 'request completed',
  };
  process.stdout.write(JSON.stringify(line) + '\n');
}

function main(): void {
  const databaseUrl = env.DATABASE_URL ?? '';
  const store = databaseUrl.startsWith('sqlite:')
    ? sqliteStore(databaseUrl.slice('sqlite:'.length))
    : postgresStore(databaseUrl);
  const server = createServer((req, res) => {
    const started = performance.now();
    const trackingId = randomUUID().replace(/-/g, '');
    res.setHeader('X-Tracking-Id', trackingId);
    const send = (status: number, body: unknown) => {
      const json = JSON.stringify(body);
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(json));
      res.end(json);
      if (LOGGING) logLine(trackingId, req, status, started);
    };
    handle(store, req, res, trackingId).then(
      (body) => send(200, body),
      (err: unknown) => {
        if (err instanceof HttpError) {
          if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
          send(err.status, err.body);
        } else {
          process.stderr.write(`baseline: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
          send(500, envelope('500.0 Internal Fault', 'An internal fault occurred.', trackingId, []));
        }
      },
    );
  });
  server.keepAliveTimeout = 72_000;
  server.listen(Number(env.PORT ?? 3100), env.HOST ?? '127.0.0.1');
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
