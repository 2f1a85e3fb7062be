import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import type { KeyObject } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { signingSecretOf } from '../../common/auth/signing-key';
import type { FormFields } from '../../common/http/form-bodies';
import { PAT_CLAIM } from '../pat-liveness';
import { PAT_ID, PatSecretHasher } from '../pat-secrets';
import { SCOPES_ALL } from '../personal-access-tokens.access';
import { PersonalAccessTokensRepository } from '../personal-access-tokens.repository';
import { FailedAttempts } from './failed-attempts';

/** RFC 6749 §5.1: what a successful token request answers, with SailPoint's extra fields. */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
  tenant_id: string;
  pod: string;
  strong_auth_supported: boolean;
  org: string;
  identity_id: string;
  user_name: string;
  strong_auth: boolean;
  jti: string;
}

/** An answer of the token endpoint that is not a token: status, body and headers. */
export interface TokenRefusal {
  status: number;
  body: Record<string, string>;
  headers: Record<string, string>;
}

export const NO_SIGNING_KEY_DESCRIPTION =
  'This service verifies tokens from an outside identity provider (JWT_JWKS_URI or JWT_PUBLIC_KEY) and has no key to sign its own; get tokens from that identity provider.';
export const CLIENT_AUTH_FAILED = 'Client authentication failed.';

/** RFC 6749 §5.2. `invalid_client` is a 401 with a challenge (§5.2: the client may authenticate with Basic). */
function refusal(error: string, description: string): TokenRefusal {
  if (error === 'invalid_client') {
    return {
      status: 401,
      body: { error, error_description: description },
      headers: { 'WWW-Authenticate': 'Basic realm="oauth", charset="UTF-8"', 'Cache-Control': 'no-store' },
    };
  }
  return { status: 400, body: { error, error_description: description }, headers: { 'Cache-Control': 'no-store' } };
}

export interface TokenRequest {
  /** Form fields of the body (undefined: no body; 'other': a body that is not a form). */
  body: FormFields | 'other' | undefined;
  /** The query string's parameters, as Fastify parsed them. */
  query: Record<string, string | string[] | undefined>;
  authorization: string | undefined;
  ip: string;
}

const ONE_DAY_MS = 24 * 3600 * 1000;
const FIELDS = ['grant_type', 'client_id', 'client_secret', 'scope'] as const;

/**
 * OAuth 2.0's client-credentials grant (RFC 6749 §4.4) for personal access tokens: the PAT's
 * id and secret are the client credentials. The access token is a JWT signed with the
 * service's HS256 secret, so every instance sharing that secret accepts it; it acts as the
 * PAT's owner (tenant, identity, the authorities stored at creation) with the PAT's scopes,
 * narrowed by `scope` when asked, never widened.
 */
@Injectable()
export class OAuthTokenService {
  private readonly logger = new Logger('OAuthToken');
  private readonly signingKey?: KeyObject;
  private readonly hasher?: PatSecretHasher;
  /** A hash to compare against when the client id names no PAT, so both cases cost the same. */
  private readonly decoyHash: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: PersonalAccessTokensRepository,
    private readonly failures: FailedAttempts,
  ) {
    this.signingKey = signingSecretOf(config)?.key;
    this.hasher = PatSecretHasher.of(config);
    this.decoyHash = this.hasher?.hash(randomUUID()) ?? '';
  }

  async exchange(request: TokenRequest): Promise<TokenResponse | TokenRefusal> {
    if (request.body === 'other') {
      return refusal(
        'invalid_request',
        'Send the parameters as application/x-www-form-urlencoded or multipart/form-data, or in the query string.',
      );
    }
    const params: Partial<Record<(typeof FIELDS)[number], string>> = {};
    for (const name of FIELDS) {
      const values = [...valuesOf(request.query[name]), ...(request.body?.[name] ?? [])];
      // RFC 6749 §3.2: request parameters must not be included more than once.
      if (values.length > 1) return refusal('invalid_request', `${name} must be sent once.`);
      if (values.length === 1) params[name] = values[0];
    }
    const basic = parseBasic(request.authorization);
    if (basic === 'malformed') return refusal('invalid_client', CLIENT_AUTH_FAILED);
    if (
      basic &&
      (params.client_secret !== undefined || (params.client_id !== undefined && params.client_id !== basic.id))
    ) {
      return refusal('invalid_request', 'Authenticate the client one way: HTTP Basic or client_id and client_secret.');
    }
    if (params.grant_type === undefined || params.grant_type === '') {
      return refusal('invalid_request', 'grant_type is required.');
    }
    if (params.grant_type !== 'client_credentials') {
      return refusal('unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
    }
    if (!this.signingKey || !this.hasher) return refusal('unsupported_grant_type', NO_SIGNING_KEY_DESCRIPTION);
    const clientId = basic ? basic.id : params.client_id;
    const secret = basic ? basic.secret : params.client_secret;
    if (!clientId || !secret) return refusal('invalid_client', CLIENT_AUTH_FAILED);

    const retryAfter = await this.failures.retryAfter(clientId, request.ip);
    if (retryAfter > 0)
      return {
        status: 429,
        body: { message: ' Rate Limit Exceeded ' },
        headers: { 'Retry-After': String(retryAfter) },
      };

    const found = PAT_ID.test(clientId) ? await this.repository.findCredentials({ id: clientId }) : undefined;
    // The hash is computed whether or not the PAT exists: the answer's timing says nothing of which half was wrong.
    const secretMatches = this.hasher.matches(secret, found?.secretHash ?? this.decoyHash);
    const now = Date.now();
    const expiresAt = found?.record.expirationDate ? Date.parse(found.record.expirationDate) : Infinity;
    if (!found || !secretMatches || expiresAt - now < 1000) {
      await this.failures.recordFailure(clientId, request.ip);
      return refusal('invalid_client', CLIENT_AUTH_FAILED);
    }
    const pat = found.record;

    let scopes = pat.scopes;
    if (params.scope !== undefined && params.scope.trim() !== '') {
      const requested = [...new Set(params.scope.split(' ').filter(Boolean))];
      const outside = pat.scopes.includes(SCOPES_ALL) ? [] : requested.filter((s) => !pat.scopes.includes(s));
      if (outside.length > 0) {
        return refusal('invalid_scope', `The personal access token does not hold: ${outside.join(' ')}.`);
      }
      scopes = requested;
    }

    const expiresIn = Math.min(pat.accessTokenValiditySeconds, Math.floor((expiresAt - now) / 1000));
    const jti = randomUUID();
    const claims = {
      tenant_id: pat.tenantId,
      client_id: pat.id,
      identity_id: pat.ownerId,
      user_name: pat.ownerName,
      authorities: pat.authorities,
      scope: scopes,
      [PAT_CLAIM]: pat.id,
      jti,
    };
    const { issuer, audience } = this.config.jwt;
    const accessToken = sign(claims, this.signingKey, {
      algorithm: 'HS256',
      expiresIn,
      ...(issuer ? { issuer: issuer[0] } : {}),
      ...(audience ? { audience: audience[0] } : {}),
    });
    await this.noteUse(pat.id, pat.lastUsed, now);
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: expiresIn,
      scope: scopes.join(' '),
      tenant_id: pat.tenantId,
      pod: 'self-hosted',
      strong_auth_supported: false,
      org: pat.tenantId,
      identity_id: pat.ownerId,
      user_name: pat.ownerName,
      strong_auth: false,
      jti,
    };
  }

  /** `lastUsed` at most once a day (SailPoint's granularity): most exchanges write nothing. */
  private async noteUse(id: string, lastUsed: string | null, now: number): Promise<void> {
    if (lastUsed !== null && now - Date.parse(lastUsed) < ONE_DAY_MS) return;
    try {
      await this.repository.touchLastUsed({
        id,
        at: new Date(now).toISOString(),
        notSince: new Date(now - ONE_DAY_MS).toISOString(),
      });
    } catch (err) {
      // The token is good either way; lastUsed is advisory.
      this.logger.warn(`lastUsed of a personal access token was not updated: ${(err as Error).message}`);
    }
  }
}

function valuesOf(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** RFC 6749 §2.3.1: `Basic base64(urlencode(id):urlencode(secret))`; undefined without Basic. */
function parseBasic(header: string | undefined): { id: string; secret: string } | 'malformed' | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) return 'malformed';
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return 'malformed';
  }
}
