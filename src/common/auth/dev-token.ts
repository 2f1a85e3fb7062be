import type { KeyObject } from 'node:crypto';
import { sign } from 'jsonwebtoken';

export interface DevTokenOptions {
  tenant: string;
  authorities: string[];
  scopes: string[];
  clientId: string;
  /** Omit for an application (client-credentials) token. */
  identityId?: string;
  userName?: string;
  expiresInSeconds: number;
}

export const DEV_TOKEN_DEFAULTS: DevTokenOptions = {
  tenant: 'dev',
  authorities: ['ORG_ADMIN'],
  scopes: ['sp:scopes:all'],
  clientId: 'dev-cli',
  identityId: 'dev-admin',
  userName: 'dev.admin',
  expiresInSeconds: 3600,
};

/** Signs a token shaped like SailPoint's, with the service's HS256 secret. */
export function mintToken(key: KeyObject, options: Partial<DevTokenOptions> = {}): string {
  const o = { ...DEV_TOKEN_DEFAULTS, ...options };
  const claims: Record<string, unknown> = {
    tenant_id: o.tenant,
    client_id: o.clientId,
    authorities: o.authorities,
    scope: o.scopes,
    sub: o.identityId ?? o.clientId,
  };
  if (o.identityId) {
    claims.identity_id = o.identityId;
    claims.user_name = o.userName ?? o.identityId;
  }
  return sign(claims, key, { algorithm: 'HS256', expiresIn: o.expiresInSeconds });
}
