import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuthenticatedRequest } from '../common/auth/request-context';

/**
 * The request a piece of work belongs to, for code far from the controller: the audit trail
 * reads who is acting from it. Entered for writes only (installObservability), so reads pay
 * nothing for it.
 */
export const requestScope = new AsyncLocalStorage<AuthenticatedRequest>();
