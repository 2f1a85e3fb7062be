import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StatementListener } from './statement-instrumentation';

/** What the hooks, the guard and the driver wrapper call; implemented in tracing-sdk.ts. */
export interface Tracing {
  /** onRequest: the server span, its parent taken from `traceparent`; the trace id joins the request's log lines. */
  requestReceived(request: FastifyRequest): void;
  /** preHandler: the guards span starts; a sampled request runs on in its trace's context. */
  enterRequest(request: FastifyRequest, next: () => void): void;
  /** TracingGuard, after the other guards: the guards span ends and the handler span starts. */
  guardsPassed(request: FastifyRequest, handlerName: () => string): void;
  /** onResponse: route, status, and the end of the request's spans. */
  requestAnswered(request: FastifyRequest, reply: FastifyReply): void;
  /** One span per SQL statement, a child of the span of the sampled request that ran it. */
  statementListener: StatementListener;
  /**
   * Whether a sampled request has run in its trace's context yet. From then on, callbacks that
   * may run in another request's context (PostgreSQL's pool) must be bound to their caller's.
   */
  contextEntered: () => boolean;
  shutdown(): Promise<void>;
}
