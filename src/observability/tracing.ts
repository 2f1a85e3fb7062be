import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { StatementListener } from './statement-instrumentation';

/**
 * OpenTelemetry tracing, opt-in through the standard variables: on when an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), unless
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. Off, no @opentelemetry module is loaded
 * and no hook, interceptor or driver wrapper is installed.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return !!(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** What the hooks, the interceptor and the driver wrapper call; implemented in tracing-sdk.ts. */
export interface Tracing {
  /** onRequest: the server span, its parent taken from `traceparent`; the trace id joins the request's log lines. */
  requestReceived(request: FastifyRequest): void;
  /** preHandler: the guards span starts; the rest of the request runs in the server span's context. */
  enterRequest(request: FastifyRequest, next: () => void): void;
  /** The interceptor (guards passed): the guards span ends, the handler runs in a span of its own. */
  runHandler<T>(request: FastifyRequest, name: string, handler: (done: (error?: unknown) => void) => T): T;
  /** onResponse: route, status, and the end of the request's spans. */
  requestAnswered(request: FastifyRequest, reply: FastifyReply): void;
  /** One span per SQL statement, in the context of the code that ran it. */
  statementListener: StatementListener;
  shutdown(): Promise<void>;
}

/** Injection token: the Tracing, or null when off. */
export const TRACING = Symbol('TRACING');

export async function startTracingIfEnabled(logger: Logger, dialect: string): Promise<Tracing | null> {
  if (!tracingEnabled()) return null;
  const sdk = await import('./tracing-sdk');
  return sdk.startTracing(logger, dialect);
}
