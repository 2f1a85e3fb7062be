import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { IS_PUBLIC } from '../auth/access.decorator';
import type { AuthenticatedRequest } from '../auth/request-context';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { apiVersionOf } from '../http/api-versions';

/**
 * Second of the three global guards. One budget per client per API version (a yearly prefix, the
 * per-service `/{service}/v1` paths, or the bare path), across all routes (SailPoint's "100
 * requests per 10 seconds"): the key ignores the route, unlike the throttler's default. With
 * THROTTLE_SCOPE=client one budget per client covers every version. Callers that failed
 * authentication are counted by IP address.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  // Property injection: the base class's constructor is the throttler's own.
  @Inject(APP_CONFIG) private readonly config!: AppConfig;

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AuthenticatedRequest;
    const version = this.config.throttle.scope === 'version' ? apiVersionOf(request.raw) : 'all';
    const principal = request.user;
    return principal ? `${version}|client|${principal.tenantId}|${principal.clientId}` : `${version}|ip|${request.ip}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}|${tracker}`;
  }
}
