import Database from 'better-sqlite3';
import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng } from '../../scripts/bench/shared';
import { mintToken } from '../../src/common/auth/dev-token';
import { withClient } from '../support/databases';
import { AppProcess } from '../support/processes';
import { createThrowawayPostgres } from '../support/throwaway-postgres';

/**
 * What the fault suites share: a seeded schedule (printed, so a failure can be replayed with
 * FAULTS_SEED=<seed>), the service as a child process with an HS256 secret of its own, and a
 * mixed write load whose every acknowledged answer is remembered, so that after a fault the
 * data can be compared with what clients were told.
 */

/** The seed of this run: FAULTS_SEED when given (to replay a failure), else a fresh one. */
export function faultSeed(): number {
  const given = process.env.FAULTS_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`FAULTS_SEED must be an integer, got "${given}"`);
    return seed;
  }
  return randomBytes(4).readUInt32BE(0);
}

/** The same seed gives the same schedule (mulberry32, shared with the benchmark). */
export const seededRandom = prng;

export interface ServiceAuth {
  /** JWT_SECRET for the service's environment. */
  secret: string;
  /** `Bearer …` with every authority, as a user (deletes need one). */
  bearer: string;
}

export function serviceAuth(tenant = 'acme'): ServiceAuth {
  const secret = randomBytes(32).toString('hex');
  return { secret, bearer: bearerFor(secret, tenant) };
}

/** A user token of `tenant`, signed with the service's JWT_SECRET. */
export const bearerFor = (secret: string, tenant: string) =>
  `Bearer ${mintToken(createSecretKey(Buffer.from(secret, 'utf8')), { tenant })}`;

/** The environment of a service under fault: quiet logs, no rate limit in the way. */
export function serviceEnv(
  databaseUrl: string,
  dataDir: string,
  auth: ServiceAuth,
  extra: Record<string, string> = {},
) {
  return {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    JWT_SECRET: auth.secret,
    LOG_LEVEL: 'warn',
    THROTTLE_LIMIT: '1000000',
    ...extra,
  };
}

/** Starts the service and measures how long it took until /health/live answered 200. */
export async function startTimed(env: Record<string, string>): Promise<{ app: AppProcess; startMs: number }> {
  const started = Date.now();
  const app = await AppProcess.start(env);
  return { app, startMs: Date.now() - started };
}

export interface GroupBody {
  name: string;
  passwordPolicyId: string;
  sourceIds: string[];
}

export interface StoredGroup extends GroupBody {
  id: string;
  created: string;
  modified: string;
}

/** An answer the load did not expect (anything but 200/204, or a malformed body). */
export interface Unexpected {
  op: string;
  status: number;
  body: string;
}

interface Tracked {
  id: string;
  /** The last acknowledged state: the body of the last 200, or null after a 204 delete. */
  acked: StoredGroup | null;
  /** A write sent but never answered (the process died): its outcome is either state. */
  inFlight?: { op: 'update'; body: GroupBody } | { op: 'delete' };
}

/** Sends a request; a failed connection (the process was killed) is `undefined`, never a throw. */
async function send(
  base: string,
  bearer: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string } | undefined> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: bearer, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, text: await res.text() };
  } catch {
    return undefined;
  }
}

/**
 * Create/update/delete from `workers` loops, each on groups of its own (so every group's
 * history is one client's sequence and its expected state is exact). Names and source ids are
 * unique per write, so no write is refused for a conflict. Runs until the service stops
 * answering (killed) or `stop()`.
 */
export class WriteLoad {
  readonly groups = new Map<string, Tracked>();
  /** Creates sent but never answered, by the name they carried: the group is whole or absent. */
  readonly pendingCreates = new Map<string, GroupBody>();
  readonly unexpected: Unexpected[] = [];
  acknowledged = 0;
  private counter = 0;

  constructor(
    private readonly bearer: string,
    private readonly random: () => number,
    readonly label: string,
  ) {}

  /** Runs the loops against `base`; resolves when every loop has stopped. */
  run(base: string, workers: number, until: { stopped: boolean }): Promise<void> {
    return Promise.all(Array.from({ length: workers }, (_, w) => this.loop(base, w, until))).then(() => undefined);
  }

  private body(w: number): GroupBody {
    const n = ++this.counter;
    const sources = 1 + Math.floor(this.random() * 3);
    return {
      name: `${this.label} w${w} write ${n}`,
      passwordPolicyId: `policy-${n % 7}`,
      sourceIds: Array.from({ length: sources }, (_, i) => `${this.label}-src-${n}-${i}`),
    };
  }

  private async loop(base: string, w: number, until: { stopped: boolean }): Promise<void> {
    const mine = () => [...this.groups.values()].filter((g) => g.acked !== null && g.acked.name.includes(` w${w} `));
    while (!until.stopped) {
      const own = mine();
      const dice = this.random();
      if (own.length < 2 || dice < 0.4) {
        const body = this.body(w);
        this.pendingCreates.set(body.name, body);
        const res = await send(base, this.bearer, 'POST', '/password-sync-groups', body);
        if (res === undefined) return;
        this.pendingCreates.delete(body.name);
        if (res.status !== 200) return void this.unexpected.push({ op: 'create', status: res.status, body: res.text });
        const stored = JSON.parse(res.text) as StoredGroup;
        this.groups.set(stored.id, { id: stored.id, acked: stored });
        this.acknowledged++;
      } else if (dice < 0.8) {
        const target = own[Math.floor(this.random() * own.length)];
        const body = this.body(w);
        target.inFlight = { op: 'update', body };
        const res = await send(base, this.bearer, 'PUT', `/password-sync-groups/${target.id}`, body);
        if (res === undefined) return;
        target.inFlight = undefined;
        if (res.status !== 200) return void this.unexpected.push({ op: 'update', status: res.status, body: res.text });
        target.acked = JSON.parse(res.text) as StoredGroup;
        this.acknowledged++;
      } else {
        const target = own[Math.floor(this.random() * own.length)];
        target.inFlight = { op: 'delete' };
        const res = await send(base, this.bearer, 'DELETE', `/password-sync-groups/${target.id}`);
        if (res === undefined) return;
        target.inFlight = undefined;
        if (res.status !== 204) return void this.unexpected.push({ op: 'delete', status: res.status, body: res.text });
        target.acked = null;
        this.acknowledged++;
      }
    }
  }

  /**
   * Compares the service's answers with what was acknowledged. Returns the problems found (empty
   * when every acknowledged write is there, intact, and nothing half-written or unknown is
   * visible); settles the in-flight writes to what the service now says, so the load can go on.
   */
  async verify(base: string): Promise<{ problems: string[]; lost: number }> {
    const problems: string[] = [];
    let lost = 0;
    const listed = await listAll(base, this.bearer);
    const byId = new Map(listed.map((g) => [g.id, g]));
    for (const g of this.groups.values()) {
      const res = await send(base, this.bearer, 'GET', `/password-sync-groups/${g.id}`);
      if (res === undefined) throw new Error('the service stopped answering during verification');
      const now = res.status === 200 ? (JSON.parse(res.text) as StoredGroup) : null;
      if (res.status !== 200 && res.status !== 404) problems.push(`GET ${g.id}: ${res.status} ${res.text}`);
      if (JSON.stringify(now) !== JSON.stringify(byId.get(g.id) ?? null))
        problems.push(`${g.id}: the list and GET disagree`);
      const asAcked = JSON.stringify(now) === JSON.stringify(g.acked);
      const asInFlight =
        g.inFlight?.op === 'delete'
          ? now === null
          : g.inFlight?.op === 'update' &&
            now !== null &&
            g.acked !== null &&
            sameContent(now, g.inFlight.body) &&
            now.created === g.acked.created;
      if (!asAcked && !asInFlight) {
        lost++;
        problems.push(
          `${g.id}: acknowledged ${JSON.stringify(g.acked)}, in flight ${JSON.stringify(g.inFlight ?? null)}, now ${JSON.stringify(now)}`,
        );
      }
      g.acked = now;
      g.inFlight = undefined;
    }
    for (const stored of listed) {
      if (this.groups.has(stored.id)) continue;
      const pending = this.pendingCreates.get(stored.name);
      if (pending === undefined) problems.push(`a group nobody created: ${JSON.stringify(stored)}`);
      else if (!sameContent(stored, pending))
        problems.push(`half-written create: sent ${JSON.stringify(pending)}, stored ${JSON.stringify(stored)}`);
      else this.groups.set(stored.id, { id: stored.id, acked: stored });
    }
    this.pendingCreates.clear();
    return { problems, lost };
  }
}

const sameContent = (a: GroupBody, b: GroupBody) =>
  a.name === b.name &&
  a.passwordPolicyId === b.passwordPolicyId &&
  JSON.stringify(a.sourceIds) === JSON.stringify(b.sourceIds);

/** Every group of the tenant, page by page (SailPoint's limit is 250 a page). */
export async function listAll(base: string, bearer: string): Promise<StoredGroup[]> {
  const all: StoredGroup[] = [];
  for (let offset = 0; ; offset += 250) {
    const res = await send(base, bearer, 'GET', `/password-sync-groups?limit=250&offset=${offset}`);
    if (res === undefined || res.status !== 200) throw new Error(`list failed: ${res?.status} ${res?.text}`);
    const page = JSON.parse(res.text) as StoredGroup[];
    all.push(...page);
    if (page.length < 250) return all;
  }
}

/** A request through fetch for the suites (status and parsed body; network errors throw). */
export async function api(
  base: string,
  bearer: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; text: string; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: bearer, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** A database a fault suite owns: a SQLite file in a temporary data directory, or a throwaway cluster. */
export interface FaultDatabase {
  kind: 'sqlite' | 'postgres';
  /** DATABASE_URL for the service. */
  url: string;
  /** DATA_DIR for the service (the SQLite file lives here too). */
  dataDir: string;
  /** Runs SQL from outside the service (SQLite: a second, read-only connection). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Removes everything: the cluster, the directory. */
  destroy(): Promise<void>;
}

export async function faultDatabase(kind: 'sqlite' | 'postgres', dataDir?: string): Promise<FaultDatabase> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'psg-faults-'));
  const removeDir = () => (dataDir === undefined ? rmSync(dir, { recursive: true, force: true }) : undefined);
  if (kind === 'sqlite') {
    const file = join(dir, 'data.sqlite');
    return {
      kind,
      url: `sqlite:${file}`,
      dataDir: dir,
      query: async <T>(sql: string) => {
        const db = new Database(file, { readonly: true, fileMustExist: true });
        try {
          return db.prepare(sql).all() as T[];
        } finally {
          db.close();
        }
      },
      destroy: async () => removeDir(),
    };
  }
  const pg = await createThrowawayPostgres();
  return {
    kind,
    url: pg.url,
    dataDir: dir,
    query: <T>(sql: string) => withClient(pg.url, async (c) => (await c.query(sql)).rows as T[]),
    destroy: async () => {
      await pg.destroy();
      removeDir();
    },
  };
}

/** Groups stored without any source: a write that was cut in half. */
export const HALF_WRITTEN_SQL =
  'SELECT g.id FROM password_sync_group g WHERE NOT EXISTS (SELECT 1 FROM password_sync_group_source s WHERE s.group_id = g.id)';

export const migrationName = (m: MigrationInterface) => m.name ?? m.constructor.name;
/** TypeORM's convention: a migration's name ends with its 13-digit timestamp. */
const timestampOf = (m: MigrationInterface) => Number(/(\d{13})$/.exec(migrationName(m))?.[1]);

/**
 * Every migration the service would run, in the order it runs them, found through the same
 * DataSource options the service uses (wherever the migration files live).
 */
export async function discoverMigrations(options: DataSourceOptions): Promise<MigrationInterface[]> {
  const discovery = new DataSource({ ...options, migrationsRun: false });
  await discovery.initialize();
  try {
    const migrations = [...discovery.migrations].sort((a, b) => timestampOf(a) - timestampOf(b));
    if (migrations.length === 0 || !migrations.every((m) => Number.isFinite(timestampOf(m))))
      throw new Error(`migrations without a timestamp, or none: ${migrations.map(migrationName).join(', ')}`);
    return migrations;
  } finally {
    await discovery.destroy();
  }
}

/** Applies the first `count` migrations only; returns the open DataSource (the caller destroys it). */
export async function migrateUpTo(options: DataSourceOptions, count: number): Promise<DataSource> {
  const wanted = (await discoverMigrations(options)).slice(0, count);
  const dataSource = new DataSource({
    ...options,
    migrationsRun: false,
    migrations: wanted.map((m) => m.constructor as new () => MigrationInterface),
  });
  await dataSource.initialize();
  const applied = await dataSource.runMigrations();
  if (applied.map((m) => m.name).join() !== wanted.map(migrationName).join())
    throw new Error(`applied ${applied.map((m) => m.name).join(', ')}; wanted ${wanted.map(migrationName).join(', ')}`);
  return dataSource;
}
