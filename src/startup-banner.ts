import type { AddressInfo } from 'node:net';
import { DEV_TOKEN_DEFAULTS, mintToken } from './common/auth/dev-token';
import { signingSecretOf } from './common/auth/signing-key';
import { API_VERSION_PREFIXES } from './common/http/api-versions';
import { DOCS_PATH } from './common/swagger/swagger-setup';
import type { AppConfig } from './config/app-config';

/** How long the token printed at a development start stays valid. */
export const STARTUP_TOKEN_HOURS = 4;

/** The URL a person can open for a listening address (a wildcard address means this machine). */
export function baseUrlOf(address: AddressInfo | string | null, config: AppConfig): string {
  if (address === null || typeof address === 'string') return `http://localhost:${config.port}`;
  const host = ['0.0.0.0', '::', ''].includes(address.address) ? 'localhost' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/**
 * What `npm start` prints. In development (only) it includes a full-access user token, signed
 * with the service's own HS256 secret (JWT_SECRET or the generated development secret) and
 * valid for a few hours, so that a person can paste it into Swagger UI's Authorize dialog
 * without any command line.
 */
export function startupBanner(
  config: AppConfig,
  baseUrl: string,
  now: Date = new Date(),
  /** The development PAT (see ensureDevPat), printed as the SAIL_* lines SailPoint's SDK and CLI read. */
  signIn?: { clientId: string; clientSecret: string },
): string {
  const db = config.database.type === 'sqlite' ? `SQLite at ${config.database.database}` : 'PostgreSQL';
  const prefixes = API_VERSION_PREFIXES.map((p) => `/${p}`).join(', ');
  const lines = [
    `Password Sync Groups API listening on ${baseUrl} (${db})`,
    `  API:   ${baseUrl}/password-sync-groups/v1 (SailPoint's per-service path; also ${baseUrl}/password-sync-groups, bare or under ${prefixes})`,
    `  Docs:  ${baseUrl}/${DOCS_PATH}`,
  ];
  // Only where the service signs its own tokens (JWT_SECRET or the development secret).
  const secret = signingSecretOf(config);
  if (config.env === 'development' && secret) {
    const expiresInSeconds = STARTUP_TOKEN_HOURS * 3600;
    const { key } = secret;
    const token = mintToken(key, { expiresInSeconds });
    const until = new Date(now.getTime() + expiresInSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const d = DEV_TOKEN_DEFAULTS;
    lines.push(
      `  Token: paste into Authorize at ${baseUrl}/${DOCS_PATH} (development only; tenant "${d.tenant}", ` +
        `${d.authorities.join(' ')}, ${d.scopes.join(' ')}, user "${d.identityId}"; valid until ${until}):`,
      `         ${token}`,
      '         Others: npm run token -- --tenant acme --expires-in 3600   (all flags: README)',
    );
  } else {
    lines.push('  Token: npm run token   (mints a JWT the service accepts; see README)');
  }
  if (signIn) {
    lines.push(
      '  SailPoint SDK / CLI: paste into a shell (development PAT of user "dev-admin", tenant "dev"; README "Sign in like SailPoint"):',
      `         export SAIL_BASE_URL=${baseUrl}`,
      `         export SAIL_CLIENT_ID=${signIn.clientId}`,
      `         export SAIL_CLIENT_SECRET=${signIn.clientSecret}`,
    );
  }
  return lines.join('\n') + '\n';
}
