import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { ApiErrorResponses } from '../swagger/api-error-responses.decorator';
import { BEARER_SCHEME } from '../swagger/swagger-setup';

export const IS_PUBLIC = 'access:public';
export const ACCESS_REQUIREMENT = 'access:requirement';

export interface AccessRequirement {
  /** The user level the token must carry in `authorities`. */
  authority: string;
  /** Any one of these scopes grants access. */
  anyScope: readonly string[];
  /** Writes need a user token (one carrying `identity_id`), not a client-credentials token. */
  userToken: boolean;
}

/** Opens a route to anonymous callers (docs, health). Everything else is denied by default. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * States what a route requires. The same declaration is enforced by `AuthorizationGuard` and
 * written into the OpenAPI document (bearer security, user level, 401/403/429 responses), so
 * what is enforced and what is documented cannot drift apart.
 */
export function RequireAccess(requirement: AccessRequirement) {
  return applyDecorators(
    SetMetadata(ACCESS_REQUIREMENT, requirement),
    ApiBearerAuth(BEARER_SCHEME),
    ApiExtension('x-sailpoint-userLevels', [requirement.authority]),
    ApiExtension('x-required-scopes', [...requirement.anyScope]),
    ApiErrorResponses(401, 403, 429, 500, 503),
  );
}
