import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createContextKey,
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

/**
 * The spans of a sampled request, kept on it and in its context: statements find their parent
 * here (the handler span once the guards have passed) without a context switch per phase.
 */
interface RequestSpans {
  server: Span;
  context: Context;
  guards?: Span;
  handler?: Span;
}
const SPANS = Symbol('otel spans');
const SPANS_KEY = createContextKey('password-sync-groups request spans');
type TracedRequest = FastifyRequest & { [SPANS]?: RequestSpans };

const spansOfActiveRequest = () => context.active().getValue(SPANS_KEY) as RequestSpans | undefined;
const ignore = () => undefined;

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
  let contextEntered = false;

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
      // Sampled or not, the trace id joins the request's log lines. Fastify made this logger for
      // this request alone, so binding to it is safe, and costs less than another child.
      (request.log as Logger).setBindings({ traceId: server.spanContext().traceId });
      // Unsampled: nothing more to record, and no context to enter (on Node 20 the first
      // AsyncLocalStorage.run switches on promise hooks for the whole process).
      if (!server.isRecording()) return;
      const spans: RequestSpans = { server, context: trace.setSpan(parent, server) };
      spans.context = spans.context.setValue(SPANS_KEY, spans);
      request[SPANS] = spans;
    },

    enterRequest(request: TracedRequest, next: () => void) {
      const spans = request[SPANS];
      if (!spans) return next();
      spans.guards = tracer.startSpan('guards', {}, spans.context);
      contextEntered = true;
      context.with(spans.context, next);
    },

    guardsPassed(request: TracedRequest, handlerName: () => string) {
      const spans = request[SPANS];
      if (!spans) return;
      spans.guards?.end();
      spans.handler = tracer.startSpan(`handler ${handlerName()}`, {}, spans.context);
    },

    requestAnswered(request: TracedRequest, reply: FastifyReply) {
      const spans = request[SPANS];
      if (!spans) return;
      const route = routeLabel(request);
      const failed = reply.statusCode >= 500;
      if (spans.guards?.isRecording()) spans.guards.end();
      if (spans.handler) {
        if (failed) spans.handler.setStatus({ code: SpanStatusCode.ERROR });
        spans.handler.end();
      }
      spans.server.updateName(`${request.method} ${route}`);
      spans.server.setAttributes({ 'http.route': route, 'http.response.status_code': reply.statusCode });
      if (failed) spans.server.setStatus({ code: SpanStatusCode.ERROR });
      spans.server.end();
    },

    statementListener: (sql: string) => {
      // Only a sampled request's statements: others (unsampled requests, startup) record none.
      const spans = spansOfActiveRequest();
      if (!spans) return ignore;
      const operation = operationOf(sql);
      const span = tracer.startSpan(
        operation,
        {
          kind: SpanKind.CLIENT,
          attributes: { 'db.system.name': dbSystem, 'db.operation.name': operation, 'db.query.text': sql },
        },
        trace.setSpan(spans.context, spans.handler ?? spans.guards ?? spans.server),
      );
      return (error?: unknown) => {
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        span.end();
      };
    },

    contextEntered: () => contextEntered,

    shutdown: () => provider.shutdown(),
  };
}
