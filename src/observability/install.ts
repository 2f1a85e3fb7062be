import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Metrics } from './metrics';
import { METRICS } from './observability.module';
import { TRACING, type Tracing } from './tracing';

/** The Fastify hooks of tracing and metrics (each only when on): the one call createApp makes. */
export function installObservability(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const tracing = app.get<Tracing | null>(TRACING, { strict: false });
  if (tracing) {
    fastify.addHook('onRequest', (request, _reply, done) => {
      tracing.requestReceived(request);
      done();
    });
    fastify.addHook('preHandler', (request, _reply, done) => tracing.enterRequest(request, done));
    fastify.addHook('onResponse', (request, reply, done) => {
      tracing.requestAnswered(request, reply);
      done();
    });
  }
  const metrics = app.get<Metrics | null>(METRICS, { strict: false });
  if (metrics) {
    // Callback-style, like the other per-request hooks (an async hook costs a promise each).
    fastify.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request, reply);
      done();
    });
  }
}
