import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TRACING, type Tracing } from './tracing';

/**
 * Registered only when tracing is on, after the global guards (ObservabilityModule is imported
 * after CoreModule): reaching it means every guard has passed, so the guards span ends here and
 * the handler span starts. A guard rather than an interceptor because any global interceptor
 * makes Nest wrap every request in rxjs and two AsyncResources (docs/performance.md).
 */
@Injectable()
export class TracingGuard implements CanActivate {
  constructor(@Inject(TRACING) private readonly tracing: Tracing) {}

  canActivate(execution: ExecutionContext): boolean {
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    this.tracing.guardsPassed(request, () => `${execution.getClass().name}.${execution.getHandler().name}`);
    return true;
  }
}
