import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
const queryFailed = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isDatabaseUnavailable: 503 for "not now", never for a bug or a bad statement', () => {
  it.each<[string, unknown]>([
    ['connection refused (server down)', withCode('ECONNREFUSED')],
    ['connection reset', withCode('ECONNRESET')],
    [
      'every address of a host name refused',
      Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), { code: 'ECONNREFUSED' }),
    ],
    ['an AggregateError without its own code', new AggregateError([withCode('ECONNREFUSED'), withCode('ETIMEDOUT')])],
    [
      'admin shutdown (57P01) in a query',
      queryFailed(withCode('57P01', 'terminating connection due to administrator command')),
    ],
    ['server starting up (57P03)', withCode('57P03', 'the database system is starting up')],
    ['too many connections (53300)', withCode('53300')],
    ['a connection exception (08006)', withCode('08006')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a query runner released after its connection failed', new QueryRunnerAlreadyReleasedError()],
    [
      "a statement through a released runner's EntityManager (orderly shutdown mid-transaction)",
      new QueryRunnerProviderAlreadyReleasedError(),
    ],
    ['SQLite busy past busy_timeout', queryFailed(withCode('SQLITE_BUSY', 'database is locked'))],
    ['SQLite disk full (a failed COMMIT)', queryFailed(withCode('SQLITE_FULL', 'database or disk is full'))],
    ['a cause chain', Object.assign(new Error('wrapped'), { cause: withCode('ECONNREFUSED') })],
  ])('%s → unavailable', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a unique violation', queryFailed(withCode('23505'))],
    ['a syntax error', queryFailed(withCode('42601'))],
    ['a deadlock (retried elsewhere)', queryFailed(withCode('40P01'))],
    ['an SQLite constraint', queryFailed(withCode('SQLITE_CONSTRAINT_PRIMARYKEY'))],
    ['a TypeError', new TypeError("Cannot read properties of null (reading 'x')")],
    ['a mixed AggregateError', new AggregateError([withCode('ECONNREFUSED'), new Error('boom')])],
    ['an empty AggregateError', new AggregateError([])],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    ['a message that only mentions a connection', new Error('Connection is fine, the bug is elsewhere')],
  ])('%s → not unavailable', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
