import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StatementListener } from './statement-instrumentation';

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
