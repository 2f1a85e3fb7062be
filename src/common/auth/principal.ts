/** Who is calling: read from the verified JWT, attached to the request by the auth guard. */
export interface Principal {
  tenantId: string;
  /** `client_id`, else the token subject: the rate-limit identity. */
  clientId: string;
  /** Present for user tokens (personal access tokens, authorization-code flow). */
  identityId?: string;
  userName?: string;
  authorities: ReadonlySet<string>;
  scopes: ReadonlySet<string>;
}

/** A claim set, as SailPoint issues it. */
export interface SailPointClaims {
  tenant_id?: unknown;
  client_id?: unknown;
  sub?: unknown;
  identity_id?: unknown;
  user_name?: unknown;
  authorities?: unknown;
  scope?: unknown;
  exp?: unknown;
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function stringSet(v: unknown): Set<string> {
  if (Array.isArray(v)) return new Set(v.filter((x): x is string => typeof x === 'string'));
  if (typeof v === 'string') return new Set(v.split(' ').filter(Boolean));
  return new Set();
}

/**
 * Builds the principal, or returns the reason the token is unusable (for the 401 body).
 */
export function principalFromClaims(claims: SailPointClaims): Principal | string {
  // RFC 7519 §7.2: the claims set is a JSON object; `"abc"`, `[]`, `null` are malformed tokens.
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return 'JWT is malformed';
  const tenantId = nonEmpty(claims.tenant_id);
  if (!tenantId) return 'JWT has no tenant';
  if (typeof claims.exp !== 'number') return 'JWT has no expiry';
  return {
    tenantId,
    clientId: nonEmpty(claims.client_id) ?? nonEmpty(claims.sub) ?? 'anonymous',
    identityId: nonEmpty(claims.identity_id),
    userName: nonEmpty(claims.user_name),
    authorities: stringSet(claims.authorities),
    scopes: stringSet(claims.scope),
  };
}
