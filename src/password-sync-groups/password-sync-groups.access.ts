import type { AccessRequirement } from '../common/auth/access.decorator';

const ORG_ADMIN = 'ORG_ADMIN';
const MANAGE = 'idn:password-sync-group:manage';

export const READ_GROUPS: AccessRequirement = {
  authority: ORG_ADMIN,
  anyScope: ['idn:password-sync-group:read', MANAGE, 'sp:scopes:all'],
  userToken: false,
};

export const MANAGE_GROUPS: AccessRequirement = {
  authority: ORG_ADMIN,
  anyScope: [MANAGE, 'sp:scopes:all'],
  userToken: true,
};
