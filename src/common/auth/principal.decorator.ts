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
