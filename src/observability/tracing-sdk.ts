import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  defaultTextMapGetter,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { routeLabel } from './route-label';
import { operationOf } from './statement-instrumentation';
import type { Tracing } from './tracing-api';

/** The spans of one request, kept on it. */
interface RequestSpans {
  server: Span;
  context: Context;
  guards?: Span;
}
const SPANS = Symbol('otel spans');
type TracedRequest = FastifyRequest & { [SPANS]?: RequestSpans };

/**
 * Loaded only when tracing is on (see tracing.ts). The SDK reads the standard variables itself:
 * the exporter OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT/HEADERS/TIMEOUT, the provider
 * OTEL_TRACES_SAMPLER/_ARG (default parentbased_always_on), the batch processor OTEL_BSP_*,
 * the resource OTEL_SERVICE_NAME/OTEL_RESOURCE_ATTRIBUTES.
 */
export function startTracing(logger: Logger, dialect: string): Tracing {
  // One context manager per process (a second app in the same process reuses it).
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'password-sync-groups' }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  const tracer = provider.getTracer('password-sync-groups');
  const propagator = new W3CTraceContextPropagator();
  const dbSystem = dialect === 'postgres' ? 'postgresql' : 'sqlite';
  logger.info({ context: 'Tracing' }, 'OpenTelemetry tracing on (OTLP/HTTP)');

  return {
    requestReceived(request: TracedRequest) {
      const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
      const server = tracer.startSpan(
        request.method,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': request.method, 'url.path': request.url.split('?')[0] },
        },
        parent,
      );
      request[SPANS] = { server, context: trace.setSpan(parent, server) };
      request.log = request.log.child({ traceId: server.spanContext().traceId });
    },

    enterRequest(request: TracedRequest, next: () => void) {
      const spans = request[SPANS];
      if (!spans) return next();
      spans.guards = tracer.startSpan('guards', {}, spans.context);
      context.with(spans.context, next);
    },

    runHandler<T>(request: TracedRequest, name: string, handler: (done: (error?: unknown) => void) => T): T {
      const spans = request[SPANS];
      spans?.guards?.end();
      const span = tracer.startSpan(`handler ${name}`, {}, spans?.context ?? context.active());
      const done = (error?: unknown) => {
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      };
      return context.with(trace.setSpan(context.active(), span), () => handler(done));
    },

    requestAnswered(request: TracedRequest, reply: FastifyReply) {
      const spans = request[SPANS];
      if (!spans) return;
      const route = routeLabel(request);
      if (spans.guards?.isRecording()) spans.guards.end();
      spans.server.updateName(`${request.method} ${route}`);
      spans.server.setAttributes({ 'http.route': route, 'http.response.status_code': reply.statusCode });
      if (reply.statusCode >= 500) spans.server.setStatus({ code: SpanStatusCode.ERROR });
      spans.server.end();
    },

    statementListener: (sql: string) => {
      const operation = operationOf(sql);
      const span = tracer.startSpan(operation, {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': dbSystem, 'db.operation.name': operation, 'db.query.text': sql },
      });
      return (error?: unknown) => {
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        span.end();
      };
    },

    shutdown: () => provider.shutdown(),
  };
}
