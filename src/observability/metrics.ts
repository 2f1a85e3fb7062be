import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { USER_TOKEN_REQUIRED } from '../common/auth/access-problems';
import type { AuthenticatedRequest } from '../common/auth/request-context';
import type { RedisRateLimitStore } from '../common/throttling/redis-rate-limit-store';
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

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The service's Prometheus metrics, in a registry of its own (one per application: tests run
 * several in one process). Label values come from fixed sets only — route templates, methods,
 * statuses, reason codes — never from the request's URL, ids, tokens or tenants.
 */
export class Metrics {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'psg_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'psg_http_request_duration_seconds',
    help: 'Time from request received to response sent, by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
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
  private readonly statements = new Histogram({
    name: 'psg_db_statement_duration_seconds',
    help: 'Time the database took per SQL statement, by statement kind',
    labelNames: ['operation', 'outcome'] as const,
    buckets: DB_BUCKETS,
    registers: [this.registry],
  });
  readonly sqliteQueueWait = new Histogram({
    name: 'psg_db_sqlite_lock_wait_seconds',
    help: 'SQLite: time a unit of database work waited for the one connection (the UnitOfWork queue)',
    buckets: DB_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** One answered request. */
  observeRequest(request: AuthenticatedRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const labels = {
      route: routeLabel(request),
      method: METHODS.has(request.method) ? request.method : 'OTHER',
      status,
    };
    this.requests.inc(labels);
    this.latency.observe(labels, reply.elapsedTime / 1000);
    if (status === 429) {
      this.rateLimited.inc({ reason: labels.route.endsWith('/oauth/token') ? 'token_endpoint' : 'api_budget' });
    } else if (status === 401) {
      const reason = UNAUTHORIZED_REASONS[request.authFailure ?? 'JWT is missing'] ?? 'other';
      this.authFailures.inc({ status: 401, reason });
    } else if (status === 403) {
      for (const cause of request.accessDenied ?? [''])
        this.authFailures.inc({ status: 403, reason: forbiddenReason(cause) });
    }
  }

  /** A statement listener (see instrumentStatements) timing every SQL statement. */
  readonly statementListener = (sql: string) => {
    const end = this.statements.startTimer({ operation: operationOf(sql) });
    return (error?: unknown) => void end({ outcome: error === undefined ? 'ok' : 'error' });
  };

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

function forbiddenReason(cause: string): string {
  if (cause.startsWith('The token lacks the required user level')) return 'missing_authority';
  if (cause.startsWith('The token lacks a required scope')) return 'missing_scope';
  if (cause === USER_TOKEN_REQUIRED) return 'user_token_required';
  return 'other';
}
