import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthorizedError } from '../errors/domain-error';
import { ACCESS_REQUIREMENT, IS_PUBLIC, type AccessRequirement } from './access.decorator';
import { USER_TOKEN_REQUIRED, missingAuthority, missingScope } from './access-problems';
import type { AuthenticatedRequest } from './request-context';

/**
 * Last of the three global guards. Deny by default: a route that is neither `@Public()` nor
 * declares `@RequireAccess(...)` is refused to everyone.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = request.user;
    if (!principal) throw new UnauthorizedError(request.authFailure ?? 'JWT is missing');

    const requirement = this.reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_REQUIREMENT, targets);
    if (!requirement) throw new ForbiddenError(['This route declares no access requirement, so it is closed.']);

    const missing: string[] = [];
    if (requirement.authority && !principal.authorities.has(requirement.authority))
      missing.push(missingAuthority(requirement));
    if (!requirement.anyScope.some((scope) => principal.scopes.has(scope))) missing.push(missingScope(requirement));
    if (requirement.userToken && !principal.identityId) missing.push(USER_TOKEN_REQUIRED);
    if (missing.length > 0) {
      request.accessDenied = missing;
      throw new ForbiddenError(missing);
    }
    return true;
  }
}
