import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { DomainError } from '../errors/domain-error';

/** What a 503 tells the client to wait, in whole seconds, when the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** 503 with Retry-After: what the filter answers for any error `isDatabaseUnavailable` recognises. */
export class DatabaseUnavailableError extends DomainError {
  constructor() {
    super('SERVICE_UNAVAILABLE', ['The database is unavailable.'], {
      'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS),
    });
  }
}

/** Socket-level failures: the database server is down, restarting, or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs that mean "not now" rather than "wrong": connection exceptions (class
 * 08), the server shutting down or starting up (57P01–57P03), too many connections (53300).
 */
const isUnavailableSqlState = (code: string) =>
  code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);

/** node-postgres reports a connection lost mid-query, or a connect that timed out, by message only. */
const CONNECTION_LOST =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Connection is not established)/;

/**
 * True when an error means the database cannot be used right now (as opposed to a bug or a
 * bad statement): the request is answered 503 with Retry-After, and the service recovers by
 * itself once the database is back (the pool opens new connections on the next request).
 * SQLite's SQLITE_BUSY (the file is locked by another process past busy_timeout) counts too, and
 * SQLITE_FULL (the disk is full: writes fail, reads go on, and writes work again as soon as
 * space is freed; the log line's reason names it for the operator).
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  // TypeORM releases a query runner whose connection emitted an error (the server ended the
  // session); the transaction's next statement then fails with one of these (which one depends
  // on whether it went through the runner or its EntityManager). This service never releases a
  // runner itself mid-transaction, so here they always mean a lost connection.
  if (error instanceof QueryRunnerAlreadyReleasedError || error instanceof QueryRunnerProviderAlreadyReleasedError)
    return true;
  const { code, message, errors, cause } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || code === 'SQLITE_BUSY' || code === 'SQLITE_FULL') return true;
    if (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code)) return true;
  }
  if (typeof message === 'string' && CONNECTION_LOST.test(message)) return true;
  if (error instanceof QueryFailedError && isDatabaseUnavailable(error.driverError, depth + 1)) return true;
  // A connect to a host name with several addresses fails with an AggregateError of each attempt.
  if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => isDatabaseUnavailable(e, depth + 1)))
    return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
