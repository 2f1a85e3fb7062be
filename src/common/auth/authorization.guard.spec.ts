import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { MANAGE_GROUPS, READ_GROUPS } from '../../password-sync-groups/password-sync-groups.access';
import { DomainError, ForbiddenError, UnauthorizedError } from '../errors/domain-error';
import { Public, RequireAccess } from './access.decorator';
import { AuthorizationGuard } from './authorization.guard';
import type { Principal } from './principal';
import type { AuthenticatedRequest } from './request-context';

class GroupsController {
  @RequireAccess(READ_GROUPS)
  list() {}

  @RequireAccess(MANAGE_GROUPS)
  create() {}

  @Public()
  docs() {}

  undeclared() {}
}

@Public()
class PublicController {
  health() {}
}

@RequireAccess(READ_GROUPS)
class ClassLevelController {
  list() {}

  @RequireAccess(MANAGE_GROUPS)
  create() {}
}

type Handler = () => void;

function contextFor(
  handler: Handler,
  cls: new () => unknown,
  request: Partial<AuthenticatedRequest>,
): ExecutionContext {
  return {
    getHandler: () => handler,
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}), getNext: () => undefined }),
  } as unknown as ExecutionContext;
}

function principal(
  overrides: Partial<Omit<Principal, 'authorities' | 'scopes'>> & {
    authorities?: string[];
    scopes?: string[];
  } = {},
): Principal {
  const { authorities = ['ORG_ADMIN'], scopes = ['sp:scopes:all'], ...rest } = overrides;
  return {
    tenantId: 'acme',
    clientId: 'cli',
    identityId: 'id-1',
    userName: 'jane',
    ...rest,
    authorities: new Set(authorities),
    scopes: new Set(scopes),
  };
}

/** The error the guard throws, or fails the test when it lets the request through. */
function rejection(handler: Handler, cls: new () => unknown, request: Partial<AuthenticatedRequest>): DomainError {
  const guard = new AuthorizationGuard(new Reflector());
  try {
    guard.canActivate(contextFor(handler, cls, request));
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('the guard let the request through');
}

const allows = (handler: Handler, cls: new () => unknown, request: Partial<AuthenticatedRequest>) =>
  new AuthorizationGuard(new Reflector()).canActivate(contextFor(handler, cls, request));

const AUTHORITY_CAUSE = 'The token lacks the required user level (authority) ORG_ADMIN.';
const READ_SCOPE_CAUSE =
  'The token lacks a required scope: one of idn:password-sync-group:read, idn:password-sync-group:manage, sp:scopes:all.';
const MANAGE_SCOPE_CAUSE = 'The token lacks a required scope: one of idn:password-sync-group:manage, sp:scopes:all.';
const USER_TOKEN_CAUSE =
  'This operation requires a user token (one with identity_id); application tokens cannot use it.';

describe('AuthorizationGuard', () => {
  describe('public routes', () => {
    it('lets a @Public() handler through without a principal', () => {
      expect(allows(GroupsController.prototype.docs, GroupsController, { authFailure: 'JWT is expired' })).toBe(true);
    });

    it('lets every handler of a @Public() class through', () => {
      expect(allows(PublicController.prototype.health, PublicController, {})).toBe(true);
    });
  });

  describe('no principal → 401', () => {
    it('uses the reason recorded by the authentication guard', () => {
      const error = rejection(GroupsController.prototype.list, GroupsController, {
        user: null,
        authFailure: 'JWT signature is invalid',
      });
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as UnauthorizedError).reason).toBe('JWT signature is invalid');
    });

    it('says "JWT is missing" when nothing was recorded', () => {
      const error = rejection(GroupsController.prototype.list, GroupsController, {});
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as UnauthorizedError).reason).toBe('JWT is missing');
    });

    it('answers 401 before 403 on a route without a requirement', () => {
      const error = rejection(GroupsController.prototype.undeclared, GroupsController, { user: null });
      expect(error).toBeInstanceOf(UnauthorizedError);
    });
  });

  describe('deny by default', () => {
    it('refuses a route with no @RequireAccess, even to an all-powerful principal', () => {
      const error = rejection(GroupsController.prototype.undeclared, GroupsController, { user: principal() });
      expect(error).toBeInstanceOf(ForbiddenError);
      expect(error.causes).toEqual(['This route declares no access requirement, so it is closed.']);
    });
  });

  describe('requirements', () => {
    it.each([['sp:scopes:all'], ['idn:password-sync-group:read'], ['idn:password-sync-group:manage']])(
      'read: an ORG_ADMIN with scope %s passes',
      (scope) => {
        expect(
          allows(GroupsController.prototype.list, GroupsController, { user: principal({ scopes: [scope] }) }),
        ).toBe(true);
      },
    );

    it('read: an application token (no identity_id) passes', () => {
      const user = principal({ identityId: undefined, userName: undefined });
      expect(allows(GroupsController.prototype.list, GroupsController, { user })).toBe(true);
    });

    it('manage: a user token with ORG_ADMIN and the manage scope passes', () => {
      const user = principal({ scopes: ['idn:password-sync-group:manage'] });
      expect(allows(GroupsController.prototype.create, GroupsController, { user })).toBe(true);
    });

    it('missing authority only', () => {
      const error = rejection(GroupsController.prototype.list, GroupsController, {
        user: principal({ authorities: ['HELPDESK'] }),
      });
      expect(error).toBeInstanceOf(ForbiddenError);
      expect(error.causes).toEqual([AUTHORITY_CAUSE]);
    });

    it('missing scope only (read)', () => {
      const error = rejection(GroupsController.prototype.list, GroupsController, {
        user: principal({ scopes: ['idn:sources:read'] }),
      });
      expect(error).toBeInstanceOf(ForbiddenError);
      expect(error.causes).toEqual([READ_SCOPE_CAUSE]);
    });

    it('the read scope does not grant manage', () => {
      const error = rejection(GroupsController.prototype.create, GroupsController, {
        user: principal({ scopes: ['idn:password-sync-group:read'] }),
      });
      expect(error.causes).toEqual([MANAGE_SCOPE_CAUSE]);
    });

    it('missing user token only (manage with an application token)', () => {
      const error = rejection(GroupsController.prototype.create, GroupsController, {
        user: principal({ identityId: undefined }),
      });
      expect(error).toBeInstanceOf(ForbiddenError);
      expect(error.causes).toEqual([USER_TOKEN_CAUSE]);
    });

    it('lists every missing requirement, in order: authority, scope, user token', () => {
      const error = rejection(GroupsController.prototype.create, GroupsController, {
        user: principal({ authorities: [], scopes: [], identityId: undefined }),
      });
      expect(error).toBeInstanceOf(ForbiddenError);
      expect(error.code).toBe('FORBIDDEN');
      expect(error.causes).toEqual([AUTHORITY_CAUSE, MANAGE_SCOPE_CAUSE, USER_TOKEN_CAUSE]);
    });

    it('does not confuse authorities with scopes', () => {
      const error = rejection(GroupsController.prototype.list, GroupsController, {
        user: principal({ authorities: ['sp:scopes:all'], scopes: ['ORG_ADMIN'] }),
      });
      expect(error.causes).toEqual([AUTHORITY_CAUSE, READ_SCOPE_CAUSE]);
    });
  });

  describe('class-level requirements', () => {
    it('apply to handlers without their own', () => {
      const user = principal({ identityId: undefined, scopes: ['idn:password-sync-group:read'] });
      expect(allows(ClassLevelController.prototype.list, ClassLevelController, { user })).toBe(true);
    });

    it('are overridden by a handler-level requirement', () => {
      const error = rejection(ClassLevelController.prototype.create, ClassLevelController, {
        user: principal({ identityId: undefined, scopes: ['idn:password-sync-group:read'] }),
      });
      expect(error.causes).toEqual([MANAGE_SCOPE_CAUSE, USER_TOKEN_CAUSE]);
    });
  });
});
