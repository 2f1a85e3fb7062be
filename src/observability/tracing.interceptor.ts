import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { TRACING, type Tracing } from './tracing';

/**
 * Nest calls interceptors once the guards have passed: here the guards span ends and the
 * handler runs in a span of its own, so its database statements become that span's children.
 * Registered only when tracing is on.
 */
@Injectable()
export class TracingInterceptor implements NestInterceptor {
  constructor(@Inject(TRACING) private readonly tracing: Tracing) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    const name = `${execution.getClass().name}.${execution.getHandler().name}`;
    return new Observable((subscriber) =>
      this.tracing.runHandler(request, name, (done) =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (err: unknown) => {
            done(err);
            subscriber.error(err);
          },
          complete: () => {
            done();
            subscriber.complete();
          },
        }),
      ),
    );
  }
}
