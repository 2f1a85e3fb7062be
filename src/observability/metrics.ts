import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { createRequire } from 'node:module';
import { Counter, Gauge, Registry } from 'prom-client';
import { USER_TOKEN_REQUIRED } from '../common/auth/access-problems';
import type { AuthenticatedRequest } from '../common/auth/request-context';
import type { RedisRateLimitStore } from '../common/throttling/redis-rate-limit-store';
import { HotHistogram, type Series } from './hot-histogram';
import { routeLabel } from './route-label';
import { operationOf } from './statement-instrumentation';

/** Latency buckets (seconds): an API answering in about a millisecond, up to its 30 s timeout. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DB_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 15];

/** The 401 reasons (AuthenticationGuard's texts) as label values; any other text is `other`. */
const UNAUTHORIZED_REASONS: Readonly<Record<string, string>> = {
  'JWT is missing': 'missing',
  'JWT is expired': 'expired',
  'JWT is not yet valid': 'not_yet_valid',
  'JWT signature is invalid': 'bad_signature',
  'JWT algorithm is not allowed': 'algorithm_not_allowed',
  'JWT audience is invalid': 'bad_audience',
  'JWT issuer is invalid': 'bad_issuer',
  'JWT is malformed': 'malformed',
  'JWT key is unknown': 'unknown_key',
  'JWT has no tenant': 'no_tenant',
  'JWT has no expiry': 'no_expiry',
  'Authorization header must be "Bearer <JWT>"': 'not_bearer',
  'Authorization header must be sent once': 'repeated_header',
};

/** Distinct SQL texts remembered (the service's own statements are a few dozen). */
const MAX_CACHED_SQL = 1000;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The service's Prometheus metrics, in a registry of its own (one per application: tests run
 * several in one process). Label values come from fixed sets only — route templates, methods,
 * statuses, reason codes — never from the request's URL, ids, tokens or tenants.
 */
export class Metrics {
  readonly registry = new Registry();

  // The three observed on every request or statement are HotHistograms (see there: prom-client's
  // Histogram cost 3 µs an observation here); the rest, rare or read at scrape, are prom-client's.
  private readonly latency = new HotHistogram(
    this.registry,
    'psg_http_request_duration_seconds',
    'Time from request received to response sent, by route template, method and status',
    HTTP_BUCKETS,
  );
  private readonly rateLimited = new Counter({
    name: 'psg_http_rate_limited_total',
    help: '429 responses, by which limit was exceeded',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly authFailures = new Counter({
    name: 'psg_http_auth_failures_total',
    help: '401 and 403 responses by reason (a 403 counts once per thing the token lacks)',
    labelNames: ['status', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly statements = new HotHistogram(
    this.registry,
    'psg_db_statement_duration_seconds',
    'Time the database took per SQL statement, by statement kind',
    DB_BUCKETS,
  );
  private readonly sqliteQueueWait = new HotHistogram(
    this.registry,
    'psg_db_sqlite_lock_wait_seconds',
    'SQLite: time a unit of database work waited for the one connection (the UnitOfWork queue)',
    DB_BUCKETS,
  );
  private readonly queueWaits = this.sqliteQueueWait.seriesFor('', () => ({}));

  constructor() {
    // The request count is the latency histogram's count per series, under its own name.
    this.latency.countAs(
      this.registry,
      'psg_http_requests_total',
      'HTTP requests answered, by route template, method and status',
    );
    collectDefaultMetricsButGc(this.registry);
  }

  /** One answered request. */
  observeRequest(request: AuthenticatedRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const route = routeLabel(request);
    const method = METHODS.has(request.method) ? request.method : 'OTHER';
    const series = this.latency.seriesFor(`${route} ${method} ${status}`, () => ({ route, method, status }));
    this.latency.observe(series, reply.elapsedTime / 1000);
    if (status === 429) {
      this.rateLimited.inc({ reason: route.endsWith('/oauth/token') ? 'token_endpoint' : 'api_budget' });
    } else if (status === 401) {
      const reason = UNAUTHORIZED_REASONS[request.authFailure ?? 'JWT is missing'] ?? 'other';
      this.authFailures.inc({ status: 401, reason });
    } else if (status === 403) {
      for (const cause of request.accessDenied ?? [''])
        this.authFailures.inc({ status: 403, reason: forbiddenReason(cause) });
    }
  }

  /**
   * Each statement's two series (ok, error), by its SQL text: prepared statements hand the same
   * string every time, so this is one lookup instead of parsing the SQL per statement. Bounded,
   * in case some caller builds SQL text without end; past it, the SQL is parsed each time.
   */
  private readonly seriesBySql = new Map<string, readonly [ok: Series, error: Series]>();

  /** A statement listener (see instrumentStatements) timing every SQL statement. */
  readonly statementListener = (sql: string) => {
    const started = performance.now();
    return (error?: unknown) => {
      const [ok, failed] = this.seriesBySql.get(sql) ?? this.statementSeries(sql);
      this.statements.observe(error === undefined ? ok : failed, (performance.now() - started) / 1000);
    };
  };

  private statementSeries(sql: string): readonly [ok: Series, error: Series] {
    const operation = operationOf(sql);
    const series = (['ok', 'error'] as const).map((outcome) =>
      this.statements.seriesFor(`${operation} ${outcome}`, () => ({ operation, outcome })),
    ) as [Series, Series];
    if (this.seriesBySql.size < MAX_CACHED_SQL) this.seriesBySql.set(sql, series);
    return series;
  }

  /** SQLite: how long a unit of work waited for the connection (UnitOfWork.onQueueWait). */
  readonly queueWaited = (seconds: number) => this.sqliteQueueWait.observe(this.queueWaits, seconds);

  /** PostgreSQL: the pool's connections, read at each scrape. */
  watchPool(pool: Pool): void {
    new Gauge({
      name: 'psg_db_pool_connections',
      help: 'PostgreSQL connection pool: total open, idle, and requests waiting for a connection',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
  }

  /** The rate-limit store: up (enforcing) or down (failing open), read at each scrape. */
  watchRateLimitStore(store: RedisRateLimitStore | null): void {
    new Gauge({
      name: 'psg_rate_limit_store_up',
      help: '1 while the rate limit is enforced; 0 while its store (Redis) is unreachable and requests pass unthrottled',
      labelNames: ['store'] as const,
      registers: [this.registry],
      collect() {
        this.set({ store: store ? 'redis' : 'memory' }, store?.failingOpen ? 0 : 1);
      },
    });
    let reported = 0;
    new Counter({
      name: 'psg_rate_limit_unthrottled_requests_total',
      help: 'Requests let through without rate limiting because the store was unreachable (failing open)',
      registers: [this.registry],
      collect() {
        const total = store?.unthrottledTotal ?? 0;
        this.inc(total - reported);
        reported = total;
      },
    });
  }
}

/**
 * prom-client's default process and Node metrics (CPU, memory, heap, handles, file descriptors,
 * event loop lag, version), all but `nodejs_gc_duration_seconds`. That one observes every garbage
 * collection through a PerformanceObserver, and with it GET by id cost 10–19% more CPU on SQLite
 * than without the defaults, against about 0 without it (docs/performance.md, "Metrics and
 * tracing"). collectDefaultMetrics cannot leave one out, so the functions it calls are called
 * here one by one, from its own list (prom-client 15 has no exports map; the metrics e2e test
 * fails if these names move).
 */
function collectDefaultMetricsButGc(registry: Registry): void {
  const load = createRequire(__filename);
  type DefaultMetric = (registry: Registry, config: { eventLoopMonitoringPrecision: number }) => void;
  const { metricsList } = load('prom-client/lib/defaultMetrics') as { metricsList: string[] };
  for (const name of metricsList.filter((m) => m !== 'gc')) {
    (load(`prom-client/lib/metrics/${name}`) as DefaultMetric)(registry, { eventLoopMonitoringPrecision: 10 });
  }
}

function forbiddenReason(cause: string): string {
  if (cause.startsWith('The token lacks the required user level')) return 'missing_authority';
  if (cause.startsWith('The token lacks a required scope')) return 'missing_scope';
  if (cause === USER_TOKEN_REQUIRED) return 'user_token_required';
  return 'other';
}
