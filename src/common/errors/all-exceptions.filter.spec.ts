import {
  BadRequestException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
  type ArgumentsHost,
} from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { ThrottlerException } from '@nestjs/throttler';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { BadRequestError, DomainError, ForbiddenError, NotFoundError, UnauthorizedError } from './domain-error';

const TRACKING_ID = 'req-7f3a';

const msg = (text: string) => ({ locale: 'en-US', localeOrigin: 'DEFAULT', text });

interface FakeReply {
  status: jest.Mock;
  header: jest.Mock;
  headers: jest.Mock;
  send: jest.Mock;
}

function fakeReply(): FakeReply {
  const reply = {} as FakeReply;
  reply.status = jest.fn(() => reply);
  reply.header = jest.fn(() => reply);
  reply.headers = jest.fn(() => reply);
  reply.send = jest.fn(() => reply);
  return reply;
}

interface Harness {
  reply: FakeReply;
  logError: jest.Mock;
  /** Runs the filter on `exception` and returns status, body and headers sent. */
  run(exception: unknown): { status: number; body: unknown; headers: Record<string, string> };
}

/**
 * A filter over a fake Fastify request/reply. `routes` lists "METHOD path" pairs that the fake
 * Fastify instance knows, for the 404/405 distinction.
 */
function harness(
  request: { method?: string; url?: string; headers?: Record<string, string> } = {},
  routes: string[] = [],
): Harness {
  const reply = fakeReply();
  const logError = jest.fn();
  const req = {
    id: TRACKING_ID,
    method: request.method ?? 'GET',
    url: request.url ?? '/password-sync-groups',
    originalUrl: request.url ?? '/password-sync-groups',
    headers: request.headers ?? {},
    log: { error: logError },
  };
  const fastify = {
    findRoute: ({ method, url }: { method: string; url: string }) =>
      routes.includes(`${method} ${url}`) ? { handler: () => undefined } : null,
  };
  const adapterHost = { httpAdapter: { getInstance: () => fastify } } as unknown as HttpAdapterHost;
  const host = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => reply, getNext: () => undefined }),
  } as unknown as ArgumentsHost;
  const filter = new AllExceptionsFilter(adapterHost);
  return {
    reply,
    logError,
    run(exception) {
      filter.catch(exception, host);
      expect(reply.status).toHaveBeenCalledTimes(1);
      expect(reply.send).toHaveBeenCalledTimes(1);
      const headers: Record<string, string> = {};
      for (const [name, value] of reply.header.mock.calls) headers[name] = value;
      for (const [set] of reply.headers.mock.calls) Object.assign(headers, set);
      return { status: reply.status.mock.calls[0][0], body: reply.send.mock.calls[0][0], headers };
    },
  };
}

describe('AllExceptionsFilter', () => {
  describe('domain errors', () => {
    it('BadRequestError → 400.1 envelope with one cause per problem', () => {
      const h = harness();
      expect(h.run(new BadRequestError(['name is required.', 'sourceIds is required.']))).toEqual({
        status: 400,
        headers: {},
        body: {
          detailCode: '400.1 Bad Request Content',
          trackingId: TRACKING_ID,
          messages: [msg('The request was syntactically correct but its content is semantically invalid.')],
          causes: [msg('name is required.'), msg('sourceIds is required.')],
        },
      });
      expect(h.logError).not.toHaveBeenCalled();
    });

    it('ForbiddenError → 403 envelope', () => {
      expect(harness().run(new ForbiddenError(['The token lacks a required scope.']))).toEqual({
        status: 403,
        headers: {},
        body: {
          detailCode: '403 Forbidden',
          trackingId: TRACKING_ID,
          messages: [msg('The server understood the request but refuses to authorize it.')],
          causes: [msg('The token lacks a required scope.')],
        },
      });
    });

    it('NotFoundError without a cause → 404 envelope with no causes', () => {
      expect(harness().run(new NotFoundError())).toEqual({
        status: 404,
        headers: {},
        body: {
          detailCode: '404 Not found',
          trackingId: TRACKING_ID,
          messages: [msg('The server did not find a current representation for the target resource.')],
          causes: [],
        },
      });
    });

    it('sends the headers a DomainError carries', () => {
      const result = harness().run(new DomainError('PRECONDITION_FAILED', ['ETag mismatch.'], { ETag: '"v2"' }));
      expect(result.status).toBe(412);
      expect(result.headers).toEqual({ ETag: '"v2"' });
      expect(result.body).toMatchObject({ detailCode: '412 Precondition Failed', causes: [msg('ETag mismatch.')] });
    });

    it('uses the request id as trackingId, as a string', () => {
      const reply = fakeReply();
      const host = {
        switchToHttp: () => ({
          getRequest: () => ({ id: 42, headers: {}, log: { error: jest.fn() } }),
          getResponse: () => reply,
        }),
      } as unknown as ArgumentsHost;
      new AllExceptionsFilter({} as HttpAdapterHost).catch(new NotFoundError(), host);
      expect(reply.send.mock.calls[0][0].trackingId).toBe('42');
    });
  });

  it("UnauthorizedError → exactly SailPoint's 401 body, with WWW-Authenticate: Bearer", () => {
    const h = harness();
    const result = h.run(new UnauthorizedError('JWT is expired'));
    expect(result.status).toBe(401);
    expect(result.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
    expect(result.body).toStrictEqual({ error: 'JWT validation failed: JWT is expired' });
  });

  it("ThrottlerException → exactly SailPoint's 429 body", () => {
    const result = harness().run(new ThrottlerException());
    expect(result.status).toBe(429);
    expect(result.headers).toEqual({});
    expect(JSON.stringify(result.body)).toBe('{"message":" Rate Limit Exceeded "}');
  });

  describe('framework HttpExceptions', () => {
    it('413 → PAYLOAD_TOO_LARGE envelope', () => {
      expect(harness({ method: 'POST' }).run(new PayloadTooLargeException('Request body is too large'))).toEqual({
        status: 413,
        headers: {},
        body: {
          detailCode: '413 Payload Too Large',
          trackingId: TRACKING_ID,
          messages: [msg('The request body is larger than the server is willing to process.')],
          causes: [msg('The request body exceeds the limit of 1 MiB (1048576 bytes).')],
        },
      });
    });

    it('415 → UNSUPPORTED_MEDIA_TYPE envelope naming the Content-Type sent', () => {
      const h = harness({ method: 'POST', headers: { 'content-type': 'text/plain' } });
      expect(h.run(new UnsupportedMediaTypeException('Unsupported Media Type: text/plain'))).toEqual({
        status: 415,
        headers: {},
        body: {
          detailCode: '415 Unsupported Media Type',
          trackingId: TRACKING_ID,
          messages: [msg('The request body is in a format not supported by the target resource.')],
          causes: [msg('Content-Type text/plain is not supported; send application/json.')],
        },
      });
    });

    it('415 without a Content-Type says "(none)"', () => {
      const result = harness({ method: 'POST' }).run(new HttpException('Unsupported Media Type', 415));
      expect(result.body).toMatchObject({
        causes: [msg('Content-Type (none) is not supported; send application/json.')],
      });
    });

    it('400 (e.g. unparsable JSON) → 400.0 BAD_SYNTAX envelope carrying the parser message', () => {
      const text = "Body is not valid JSON but content-type is set to 'application/json'";
      expect(harness({ method: 'POST' }).run(new BadRequestException(text))).toEqual({
        status: 400,
        headers: {},
        body: {
          detailCode: '400.0 Bad Request Syntax',
          trackingId: TRACKING_ID,
          messages: [msg('The request body could not be parsed.')],
          causes: [msg(text)],
        },
      });
    });

    it('other 4xx → 400.0 BAD_SYNTAX envelope', () => {
      const result = harness().run(new HttpException('Request Header Fields Too Large', 431));
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({
        detailCode: '400.0 Bad Request Syntax',
        causes: [msg('Request Header Fields Too Large')],
      });
    });

    it('404 on an unknown path → NOT_FOUND envelope naming method and path without the query', () => {
      const h = harness({ method: 'GET', url: '/nope?x=1' }, ['GET /password-sync-groups']);
      expect(h.run(new NotFoundException('Route GET:/nope?x=1 not found'))).toEqual({
        status: 404,
        headers: {},
        body: {
          detailCode: '404 Not found',
          trackingId: TRACKING_ID,
          messages: [msg('The server did not find a current representation for the target resource.')],
          causes: [msg('No resource matches GET /nope.')],
        },
      });
    });

    it('404 on a known path with another method → 405 with Allow', () => {
      const h = harness({ method: 'PATCH', url: '/password-sync-groups?limit=1' }, [
        'GET /password-sync-groups',
        'POST /password-sync-groups',
        'HEAD /password-sync-groups',
      ]);
      expect(h.run(new NotFoundException())).toEqual({
        status: 405,
        headers: { Allow: 'GET, HEAD, POST' },
        body: {
          detailCode: '405 Method Not Allowed',
          trackingId: TRACKING_ID,
          messages: [msg('The method received in the request-line is not supported by the target resource.')],
          causes: [msg('PATCH is not supported on /password-sync-groups; supported: GET, HEAD, POST.')],
        },
      });
    });
  });

  describe('unexpected faults', () => {
    const internal = {
      detailCode: '500.0 Internal Fault',
      trackingId: TRACKING_ID,
      messages: [msg('An internal fault occurred.')],
      causes: [],
    };

    it('an unknown Error → 500 envelope without its text, logged on the request logger, which carries the trackingId', () => {
      const h = harness();
      const error = new Error('connection to db-secret-host:5432 refused');
      const result = h.run(error);
      expect(result).toEqual({ status: 500, headers: {}, body: internal });
      expect(JSON.stringify(result.body)).not.toContain('db-secret-host');
      expect(h.logError).toHaveBeenCalledTimes(1);
      expect(h.logError).toHaveBeenCalledWith({ err: error }, 'unhandled error');
    });

    it('a 5xx HttpException is an internal fault too', () => {
      const h = harness();
      const result = h.run(new InternalServerErrorException('stack details'));
      expect(result).toEqual({ status: 500, headers: {}, body: internal });
      expect(h.logError).toHaveBeenCalledTimes(1);
    });

    it.each([['a string'], [undefined], [{ weird: true }]])('a thrown non-Error (%p) → 500', (thrown) => {
      const h = harness();
      expect(h.run(thrown)).toEqual({ status: 500, headers: {}, body: internal });
      expect(h.logError).toHaveBeenCalledWith({ err: thrown }, 'unhandled error');
    });

    it('does not log client errors', () => {
      const h = harness();
      h.run(new UnauthorizedError('JWT is missing'));
      expect(h.logError).not.toHaveBeenCalled();
    });
  });
});
