import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import { DatabaseUnavailableError } from '../database/database-unavailable';
import { ForbiddenError, UnauthorizedError } from '../errors/domain-error';
import { ApiErrorExamples, type ErrorExample } from '../swagger/api-error-responses.decorator';
import { APPLICATION_AUTH_SCHEME, BEARER_SCHEME, USER_AUTH_SCHEME } from '../swagger/swagger-setup';
import { USER_TOKEN_REQUIRED, missingAuthority, missingScope, type AccessRequirement } from './access-problems';

export type { AccessRequirement };

export const IS_PUBLIC = 'access:public';
export const ACCESS_REQUIREMENT = 'access:requirement';

/** Opens a route to anonymous callers (docs, health). Everything else is denied by default. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** In words, for the 403 response's description: what a token needs to be let through. */
export function describeAccess(requirement: AccessRequirement): string {
  const scopes = requirement.anyScope.map((scope) => `\`${scope}\``).join(', ');
  const parts = [`one of the scopes ${scopes}`];
  if (requirement.authority) parts.unshift(`the user level (authority) \`${requirement.authority}\``);
  if (requirement.userToken) parts.push('a user token (one with `identity_id`; application tokens are refused)');
  return `This operation needs ${parts.join('; ')}.`;
}

/**
 * States what a route requires. The same declaration is enforced by `AuthorizationGuard` and
 * written into the OpenAPI document (bearer security, user level, scopes, and the 401, 403,
 * 429 and 500 responses with the bodies the guards and the filter really send), so what is
 * enforced and what is documented cannot drift apart.
 */
export function RequireAccess(requirement: AccessRequirement) {
  const examples: Record<string, ErrorExample> = {
    'JWT is missing': new UnauthorizedError('JWT is missing'),
    'JWT is expired': new UnauthorizedError('JWT is expired'),
    'JWT signature is invalid': new UnauthorizedError('JWT signature is invalid'),
    'Token without a required scope': new ForbiddenError([missingScope(requirement)]),
  };
  if (requirement.authority) {
    examples['Token without the user level'] = new ForbiddenError([missingAuthority(requirement)]);
  }
  if (requirement.userToken) examples['Application token'] = new ForbiddenError([USER_TOKEN_REQUIRED]);
  examples['Rate limit exceeded'] = 'RATE_LIMIT';
  examples['Internal fault'] = 'INTERNAL';
  examples['Database unavailable'] = new DatabaseUnavailableError();
  return applyDecorators(
    SetMetadata(ACCESS_REQUIREMENT, requirement),
    // Alternatives, as SailPoint's specs list them: OAuth2 (a PAT exchanged at /oauth/token), or a bearer JWT.
    ApiSecurity(USER_AUTH_SCHEME, [...requirement.anyScope]),
    ...(requirement.userToken ? [] : [ApiSecurity(APPLICATION_AUTH_SCHEME, [...requirement.anyScope])]),
    ApiBearerAuth(BEARER_SCHEME),
    ApiExtension('x-sailpoint-userLevels', [requirement.authority ?? 'Any']),
    ApiExtension('x-required-scopes', [...requirement.anyScope]),
    ApiErrorExamples(examples, { 403: describeAccess(requirement) }),
  );
}
