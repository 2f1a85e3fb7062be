import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Principal } from './principal';
import type { AuthenticatedRequest } from './request-context';

function principalOf(context: ExecutionContext): Principal {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  // Only reachable if a route reads the principal while being @Public(): a programming error.
  if (!principal) throw new Error('The principal was read on a route that is not authenticated');
  return principal;
}

/** The verified caller of a route guarded by `@RequireAccess`. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOf(context),
);

/** The caller's tenant: every query of a feature module is scoped by it. */
export const TenantId = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => principalOf(context).tenantId,
);

/**
 * Who is making a write, as an audit trail records it. Passed down explicitly (not kept in an
 * AsyncLocalStorage: on Node 20 that turns on promise hooks for the whole process once used,
 * which cost every request about 15% of its CPU time, docs/performance.md).
 */
export interface Actor {
  tenantId: string;
  /** The user, for user tokens; null for application (client-credentials) tokens. */
  identityId: string | null;
  clientId: string;
  /** The request's X-Tracking-Id; null for a write no request made (`systemActor`). */
  trackingId: string | null;
}

/**
 * The actor of a write made outside any request, by a program of this service (an operator's
 * CLI, the service's own startup): no identity, no tracking id; `clientId` names the program
 * (e.g. `npm-run-pat`), so an audit trail tells it from every token's client.
 */
export const systemActor = (tenantId: string, clientId: string): Actor => ({
  tenantId,
  identityId: null,
  clientId,
  trackingId: null,
});

/** The caller of a write route, with the request's tracking id (see `Actor`). */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const principal = principalOf(context);
  return {
    tenantId: principal.tenantId,
    identityId: principal.identityId ?? null,
    clientId: principal.clientId,
    trackingId: String(context.switchToHttp().getRequest<AuthenticatedRequest>().id),
  };
});
