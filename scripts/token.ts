/**
 * Prints, alone on stdout, a JWT that the service (started with the same environment) accepts.
 *   npm run token -- --tenant acme --authorities ORG_ADMIN --scopes sp:scopes:all \
 *                    --client-id cli --identity-id me --expires-in 3600
 * Lists take commas or spaces. --app mints an application token (no identity_id).
 */
import { parseArgs } from 'node:util';
import { DEV_TOKEN_DEFAULTS, mintToken } from '../src/common/auth/dev-token';
import { signingSecretOf } from '../src/common/auth/signing-key';
import { loadConfig } from '../src/config/app-config';

const list = (value: string) => value.split(/[\s,]+/).filter(Boolean);

const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: DEV_TOKEN_DEFAULTS.tenant },
    authorities: { type: 'string', default: DEV_TOKEN_DEFAULTS.authorities.join(',') },
    scopes: { type: 'string', default: DEV_TOKEN_DEFAULTS.scopes.join(' ') },
    'client-id': { type: 'string', default: DEV_TOKEN_DEFAULTS.clientId },
    'identity-id': { type: 'string', default: DEV_TOKEN_DEFAULTS.identityId },
    'user-name': { type: 'string' },
    app: { type: 'boolean', default: false },
    'expires-in': { type: 'string', default: String(DEV_TOKEN_DEFAULTS.expiresInSeconds) },
  },
  strict: true,
});

const expires = Number(values['expires-in']);
if (!Number.isInteger(expires) || expires <= 0) {
  process.stderr.write(`--expires-in must be a positive number of seconds (got ${values['expires-in']})\n`);
  process.exit(2);
}
const config = loadConfig();
const secret = signingSecretOf(config);
if (!secret) {
  process.stderr.write(
    `npm run token signs with the HS256 secret (JWT_SECRET or the development secret); this environment verifies ` +
      `tokens with ${config.jwt.key.mode === 'jwks' ? 'JWT_JWKS_URI' : 'JWT_PUBLIC_KEY'}, so get tokens from your identity provider.\n`,
  );
  process.exit(2);
}
const { key } = secret;
process.stdout.write(
  mintToken(key, {
    tenant: values.tenant,
    authorities: list(values.authorities),
    scopes: list(values.scopes),
    clientId: values['client-id'],
    identityId: values.app ? undefined : values['identity-id'],
    userName: values['user-name'],
    expiresInSeconds: expires,
  }) + '\n',
);
