/** What a route requires of a token (declared with `@RequireAccess`). */
export interface AccessRequirement {
  /** The user level the token must carry in `authorities`; omitted: any user level (SailPoint's `Any`). */
  authority?: string;
  /** Any one of these scopes grants access. */
  anyScope: readonly string[];
  /** Writes need a user token (one carrying `identity_id`), not a client-credentials token. */
  userToken: boolean;
}

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
