import type { AccessRequirement } from './access.decorator';

/**
 * The causes of a 403, one per thing the token lacks. `AuthorizationGuard` sends them and
 * `@RequireAccess` documents them as the 403 examples, so the two cannot differ.
 */
export const missingAuthority = (requirement: AccessRequirement): string =>
  `The token lacks the required user level (authority) ${requirement.authority}.`;

export const missingScope = (requirement: AccessRequirement): string =>
  `The token lacks a required scope: one of ${requirement.anyScope.join(', ')}.`;

export const USER_TOKEN_REQUIRED =
  'This operation requires a user token (one with identity_id); application tokens cannot use it.';
