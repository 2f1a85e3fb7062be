import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../database/database-unavailable';
import { DomainError, UnauthorizedError } from './domain-error';
import { ENVELOPES, RATE_LIMIT_BODY, errorEnvelope, unauthorizedBody } from './error-envelope';

const ROUTABLE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * The one owner of every error body. Domain errors, framework errors (routing, body parsing,
 * throttling) and unexpected faults all leave through here, as SailPoint's envelopes.
 * Nothing of an unexpected error reaches the client; it is logged with its trackingId.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const trackingId = String(request.id);

    if (exception instanceof ThrottlerException) {
      void reply.status(429).send(RATE_LIMIT_BODY);
      return;
    }
    if (exception instanceof UnauthorizedError) {
      void reply.status(401).header('WWW-Authenticate', 'Bearer').send(unauthorizedBody(exception.reason));
      return;
    }
    let known = exception instanceof DomainError ? exception : this.translate(exception, request);
    if (!known && isDatabaseUnavailable(exception)) {
      // Transient and not a bug: logged without the stack, answered 503 so clients back off and retry.
      request.log.warn({ reason: errorText(exception) }, 'database unavailable');
      known = new DatabaseUnavailableError();
    }
    if (known) {
      const envelope = errorEnvelope(known.code, trackingId, known.causes);
      void reply.status(ENVELOPES[known.code].status).headers(known.headers).send(envelope);
      return;
    }
    // request.log carries the trackingId already (Fastify binds it to the request's logger).
    request.log.error({ err: exception }, 'unhandled error');
    void reply.status(500).send(errorEnvelope('INTERNAL', trackingId));
  }

  /**
   * Maps framework errors that are the client's fault; anything else is an internal fault.
   * Nest hands Fastify's own errors (body parsing, size limit, content type) to filters as
   * HttpExceptions carrying Fastify's status and message. Our code never throws
   * HttpExceptions (it throws DomainErrors), so a 4xx HttpException is always the framework's.
   */
  private translate(exception: unknown, request: FastifyRequest): DomainError | undefined {
    if (!(exception instanceof HttpException)) return undefined;
    const status = exception.getStatus() as HttpStatus;
    switch (status) {
      case HttpStatus.NOT_FOUND:
        return this.routeNotFound(request);
      case HttpStatus.PAYLOAD_TOO_LARGE:
        return new DomainError('PAYLOAD_TOO_LARGE', ['The request body exceeds the limit of 1 MiB (1048576 bytes).']);
      case HttpStatus.UNSUPPORTED_MEDIA_TYPE:
        return new DomainError('UNSUPPORTED_MEDIA_TYPE', [
          `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported; send application/json.`,
        ]);
      default:
        if (isClientError(exception.getStatus())) return new DomainError('BAD_SYNTAX', [exception.message]);
        return undefined;
    }
  }

  private routeNotFound(request: FastifyRequest): DomainError {
    const path = request.url.split('?')[0];
    // The causes name the path as the client sent it (with its version prefix or segment).
    const called = request.originalUrl.split('?')[0];
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const allowed = ROUTABLE_METHODS.filter((method) => {
      const route = fastify.findRoute({ method, url: path });
      // With CORS on, preflights are answered through an OPTIONS catch-all ('*'): that is not
      // a method of the resource.
      return route !== null && !(method === 'OPTIONS' && Object.hasOwn(route.params ?? {}, '*'));
    });
    if (allowed.length > 0) {
      return new DomainError(
        'METHOD_NOT_ALLOWED',
        [`${request.method} is not supported on ${called}; supported: ${allowed.join(', ')}.`],
        { Allow: allowed.join(', ') },
      );
    }
    return new DomainError('NOT_FOUND', [`No resource matches ${request.method} ${called}.`]);
  }
}

function errorText(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return [code, message].filter((part) => typeof part === 'string' && part.length > 0).join(': ') || String(error);
}

const isClientError = (status: number) => status >= 400 && status < 500;
