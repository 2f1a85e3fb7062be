import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal';

/** What the guards attach to a request. */
export interface AuthenticatedRequest extends FastifyRequest {
  user?: Principal | null;
  /** Why authentication failed; reported as 401 once the rate limiter has counted the request. */
  authFailure?: string;
  /** Why AuthorizationGuard refused (the 403's causes), for metrics. */
  accessDenied?: readonly string[];
}
