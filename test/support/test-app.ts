import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp, type CreateAppOptions } from '../../src/app.factory';
import { mintToken, type DevTokenOptions } from '../../src/common/auth/dev-token';
import { signingSecretOf } from '../../src/common/auth/signing-key';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  dataSource: DataSource;
  http: () => ReturnType<typeof request>;
  /**
   * Listens on 127.0.0.1 (an ephemeral port) and returns the base URL. Needed before sending
   * requests in parallel: supertest otherwise starts the server once per request.
   */
  listen(): Promise<string>;
  /** A token signed with this app's key; defaults are a full-access user token of tenant "acme". */
  token(options?: Partial<DevTokenOptions>): string;
  /** `Authorization` header value for token(options). */
  bearer(options?: Partial<DevTokenOptions>): string;
  /** The log lines written so far, parsed (with `captureLogs`; LOG_LEVEL then defaults to info). */
  logs(): Array<Record<string, unknown>>;
  /** http://127.0.0.1:<port> (with `listen`: a real socket, for clients other than supertest). */
  url: string;
  /** Empties every table of the app's entities (children first): for suites that share one app across tests. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions extends Pick<CreateAppOptions, 'extraModules'> {
  captureLogs?: boolean;
  listen?: boolean;
  /** Runs after the database exists and before the app starts (e.g. to run a module's migrations). */
  prepare?: (config: AppConfig) => Promise<void>;
}

/** Starts the real application (createApp, as production) on a fresh database. */
export async function startTestApp(
  kind: DatabaseKind,
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const db = await createTestDatabase(kind);
  let app: NestFastifyApplication;
  let config: AppConfig;
  const lines: string[] = [];
  let url = '';
  try {
    config = loadConfig({
      DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: options.captureLogs ? 'info' : 'silent',
      THROTTLE_LIMIT: '100000',
      ...env,
    });
    await options.prepare?.(config);
    app = await createApp(config, {
      extraModules: options.extraModules,
      logDestination: options.captureLogs ? { write: (line: string) => void lines.push(line) } : undefined,
    });
    if (options.listen) {
      await app.listen({ port: 0, host: '127.0.0.1' });
      url = await app.getUrl();
    }
    await app.getHttpAdapter().getInstance().ready();
  } catch (err) {
    await db.drop();
    throw err;
  }
  const key = signingSecretOf(config)?.key;
  const token = (options: Partial<DevTokenOptions> = {}) => {
    if (!key) throw new Error('This app verifies asymmetric tokens: sign them with the test key pair instead');
    return mintToken(key, { tenant: 'acme', ...options });
  };
  return {
    app,
    config,
    db,
    dataSource: app.get(DataSource),
    http: () => request(app.getHttpServer()),
    listen: async () => {
      const server = app.getHttpServer();
      if (!server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    token,
    bearer: (options) => `Bearer ${token(options)}`,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    url,
    clear: () => clearTables(app.get(DataSource)),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

/** Every row of both tables, in a stable order: to prove a rejected request changed nothing. */
export async function snapshot(dataSource: DataSource): Promise<unknown[]> {
  const groups = await dataSource.query(
    'SELECT id, tenant_id, name, name_key, password_policy_id, created, modified, version FROM password_sync_group ORDER BY id',
  );
  const sources = await dataSource.query(
    'SELECT tenant_id, source_id, group_id, position FROM password_sync_group_source ORDER BY tenant_id, source_id',
  );
  return [groups, sources];
}

export const TRACKING_ID = /^[0-9a-f]{32}$/;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const MESSAGE = (text: string) => ({ locale: 'en-US', localeOrigin: 'DEFAULT', text });

function envelope(detailCode: string, text: string) {
  return (trackingId: string, causes: string[]) => ({
    detailCode,
    trackingId,
    messages: [MESSAGE(text)],
    causes: causes.map(MESSAGE),
  });
}

/** Exact envelopes, built from the trackingId the response carried. */
export const badRequestBody = envelope(
  '400.1 Bad Request Content',
  'The request was syntactically correct but its content is semantically invalid.',
);
export const badSyntaxBody = envelope('400.0 Bad Request Syntax', 'The request body could not be parsed.');
export const forbiddenBody = envelope(
  '403 Forbidden',
  'The server understood the request but refuses to authorize it.',
);
export const notFoundBody = envelope(
  '404 Not found',
  'The server did not find a current representation for the target resource.',
);
export const preconditionFailedBody = envelope(
  '412 Precondition Failed',
  'One or more conditions given in the request header fields evaluated to false.',
);
export const groupChanged = (trackingId: string, id: string, etag: string) =>
  preconditionFailedBody(trackingId, [
    `If-Match does not match the current ETag of password sync group '${id}', which is ${etag}; read the group again and retry.`,
  ]);
export const internalBody = (trackingId: string) =>
  envelope('500.0 Internal Fault', 'An internal fault occurred.')(trackingId, []);

export const groupNotFound = (trackingId: string, id: string) =>
  notFoundBody(trackingId, [`Password sync group '${id}' was not found.`]);

export const VALID_BODY = {
  name: 'Password Sync Group 1',
  passwordPolicyId: '2c91808d744ba0ce01746f93b6204501',
  sourceIds: ['2c918084660f45d6016617daa9210584', '2c918084660f45d6016617daa9210500'],
};

/**
 * Deletes every row of every entity's table, a table before those it references, so no suite
 * names a table to wipe (a new module's tables are cleared too). Identifiers come from the
 * entities' metadata, quoted by the driver.
 */
async function clearTables(dataSource: DataSource): Promise<void> {
  let left = [...dataSource.entityMetadatas];
  while (left.length > 0) {
    const referenced = new Set(
      left.flatMap((m) => m.foreignKeys.map((fk) => fk.referencedEntityMetadata).filter((r) => r !== m)),
    );
    const leaves = left.filter((m) => !referenced.has(m));
    // A cycle of references (none today) is left to the database's cascades.
    const now = leaves.length > 0 ? leaves : left;
    for (const m of now) await dataSource.query(`DELETE FROM ${dataSource.driver.escape(m.tableName)}`);
    left = left.filter((m) => !now.includes(m));
  }
}

export interface SuiteOptions extends TestAppOptions {
  /** Empty every table before each test (suites whose tests must not see each other's rows). */
  clearBeforeEach?: boolean;
}

/**
 * The one e2e suite setup: starts the real app on a fresh database before the suite's tests
 * (`startTestApp`), empties its tables before each test if asked, and closes it and drops the
 * database afterwards. Call it in a describe block; the returned app is usable from the first
 * test (or a later beforeAll) on. `env` may be a function, read when the app starts: for a
 * value that an earlier beforeAll makes (an identity provider's URL).
 */
export function useTestApp(
  kind: DatabaseKind,
  env: Record<string, string> | (() => Record<string, string>) = {},
  options: SuiteOptions = {},
): TestApp {
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await startTestApp(kind, typeof env === 'function' ? env() : env, options);
  });
  afterAll(async () => {
    await started?.close();
  });
  if (options.clearBeforeEach) beforeEach(() => started!.clear());
  return new Proxy({} as TestApp, {
    get: (_target, key) => {
      if (started === undefined)
        throw new Error(`useTestApp: the app is not started yet (read ${String(key)} in a test or a later hook)`);
      return started[key as keyof TestApp];
    },
  });
}
