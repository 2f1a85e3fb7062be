import type { CanActivate, Type } from '@nestjs/common';
import { AuthenticationGuard } from './auth/authentication.guard';
import { AuthorizationGuard } from './auth/authorization.guard';
import { ApiThrottlerGuard } from './throttling/api-throttler.guard';

/**
 * The global guards, in the order Nest runs them. The order is part of the behaviour, so it
 * is written here once (CoreModule registers the list as it stands):
 *
 * 1. `AuthenticationGuard` verifies the bearer JWT but DEFERS a failure: it records the reason
 *    on the request (`authFailure`) and lets the request go on, so that
 * 2. `ApiThrottlerGuard` counts every caller, a client by its token and an unauthenticated one
 *    by IP address (a flood of bad tokens is rate limited too: 429 before 401), then
 * 3. `AuthorizationGuard` answers the deferred 401, or the 403 of a missing authority or scope.
 *
 * test/guard-order.e2e-spec.ts fails if the order changes.
 */
export const GLOBAL_GUARDS: ReadonlyArray<Type<CanActivate>> = [
  AuthenticationGuard,
  ApiThrottlerGuard,
  AuthorizationGuard,
];
