import type { ClaimNames } from '../../config/app-config';

/** Who is calling: read from the verified JWT, attached to the request by the auth guard. */
export interface Principal {
  tenantId: string;
  /** The client claim (`client_id`), else the token subject: the rate-limit identity. */
  clientId: string;
  /** Present for user tokens (personal access tokens, authorization-code flow). */
  identityId?: string;
  userName?: string;
  authorities: ReadonlySet<string>;
  scopes: ReadonlySet<string>;
}

/** A verified claim set. SailPoint's names are the defaults; others come from configuration. */
export type Claims = Record<string, unknown>;

/** Where each principal field comes from, and the tenant of tokens that carry none. */
export interface ClaimMapping extends ClaimNames {
  defaultTenant?: string;
}

/** SailPoint's claim names. */
export const SAILPOINT_CLAIMS: ClaimMapping = {
  tenant: 'tenant_id',
  authorities: 'authorities',
  scope: 'scope',
  client: 'client_id',
  user: 'identity_id',
};

/**
 * A claim by name or dot path: `realm_access.roles` reads `claims.realm_access.roles`. A claim
 * whose own name contains dots (Auth0's namespaced `https://example.com/roles`) is found by
 * that exact name first.
 */
export function readClaim(claims: Claims, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let node: unknown = claims;
  for (const segment of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, segment)) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** An array of strings, or a space-separated string (OAuth's `scope`). */
function stringSet(v: unknown): Set<string> {
  if (Array.isArray(v)) return new Set(v.filter((x): x is string => typeof x === 'string' && x.length > 0));
  if (typeof v === 'string') return new Set(v.split(' ').filter(Boolean));
  return new Set();
}

/**
 * Builds the principal, or returns the reason the token is unusable (for the 401 body).
 */
export function principalFromClaims(claims: Claims, mapping: ClaimMapping = SAILPOINT_CLAIMS): Principal | string {
  // RFC 7519 §7.2: the claims set is a JSON object; `"abc"`, `[]`, `null` are malformed tokens.
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return 'JWT is malformed';
  const tenantId = nonEmpty(readClaim(claims, mapping.tenant)) ?? mapping.defaultTenant;
  if (!tenantId) return 'JWT has no tenant';
  if (typeof claims.exp !== 'number') return 'JWT has no expiry';
  return {
    tenantId,
    clientId: nonEmpty(readClaim(claims, mapping.client)) ?? nonEmpty(claims.sub) ?? 'anonymous',
    identityId: nonEmpty(readClaim(claims, mapping.user)),
    userName: nonEmpty(claims.user_name),
    authorities: stringSet(readClaim(claims, mapping.authorities)),
    scopes: stringSet(readClaim(claims, mapping.scope)),
  };
}
