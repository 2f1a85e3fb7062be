import type { AccessRequirement } from '../common/auth/access.decorator';

/**
 * SailPoint's scopes for this API (its specs' `security` per operation), plus `sp:scopes:all`,
 * which covers every scope. SailPoint's user level is `Any`: the rules on *whose* tokens a
 * caller may see or change are the service's (see PersonalAccessTokensService).
 */
export const SCOPES_ALL = 'sp:scopes:all';
export const MY_READ = 'sp:my-personal-access-tokens:read';
export const MY_MANAGE = 'sp:my-personal-access-tokens:manage';
export const ALL_READ = 'sp:all-personal-access-tokens:read';
export const ALL_MANAGE = 'sp:all-personal-access-tokens:manage';

/** The user level that may act on other users' tokens (with an `all-personal-access-tokens` scope). */
export const ADMIN_AUTHORITY = 'ORG_ADMIN';

export const LIST_TOKENS: AccessRequirement = {
  anyScope: [MY_READ, MY_MANAGE, ALL_READ, ALL_MANAGE, SCOPES_ALL],
  userToken: false,
};

/** A PAT acts as the user who made it: only a user token (with `identity_id`) can make one. */
export const CREATE_TOKEN: AccessRequirement = {
  anyScope: [MY_MANAGE, ALL_MANAGE, SCOPES_ALL],
  userToken: true,
};

/** SailPoint lets only the owner patch (`sp:my-personal-access-tokens:manage`). */
export const PATCH_TOKEN: AccessRequirement = {
  anyScope: [MY_MANAGE, SCOPES_ALL],
  userToken: true,
};

export const DELETE_TOKEN: AccessRequirement = {
  anyScope: [MY_MANAGE, ALL_MANAGE, SCOPES_ALL],
  userToken: false,
};

/** Scopes that let a caller read, or manage, other users' tokens (with ORG_ADMIN). */
export const READ_ALL_SCOPES = [ALL_READ, ALL_MANAGE, SCOPES_ALL];
export const MANAGE_ALL_SCOPES = [ALL_MANAGE, SCOPES_ALL];
