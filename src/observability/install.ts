import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Metrics } from './metrics';
import { METRICS } from './observability.module';
import { requestScope } from './request-scope';

/**
 * The Fastify hooks of metrics (and, when on, the audit/tracing request context): the one call
 * createApp makes. With metrics off no hook is added.
 */
export function installObservability(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  // Writes run in a scope that knows their request: the audit trail reads the actor from it.
  // Entered last before the handler, so the guards and the handler run inside it.
  fastify.addHook('preHandler', (request, _reply, done) => {
    if (request.method === 'GET' || request.method === 'HEAD') done();
    else requestScope.run(request, done);
  });
  const metrics = app.get<Metrics | null>(METRICS, { strict: false });
  if (metrics) {
    // Callback-style, like the other per-request hooks (an async hook costs a promise each).
    fastify.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request, reply);
      done();
    });
  }
}
