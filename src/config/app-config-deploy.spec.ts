import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, PRODUCTION_KEY_REQUIRED, environmentVariableNames, loadConfig } from './app-config';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

const SECRET = 'x'.repeat(32);
const rsaPem = (bits = 2048) =>
  generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'pem', type: 'spki' }).toString();

describe('loadConfig: token verification', () => {
  it('defaults to the development secret, SailPoint claim names, 5 s clock tolerance', () => {
    const config = loadConfig({});
    expect(config.jwt).toEqual({
      key: { mode: 'dev-secret' },
      issuer: undefined,
      audience: undefined,
      clockToleranceSeconds: 5,
      claims: {
        tenant: 'tenant_id',
        authorities: 'authorities',
        scope: 'scope',
        client: 'client_id',
        user: 'identity_id',
      },
      defaultTenant: undefined,
    });
  });

  it('NODE_ENV=production refuses to start without a verification key, saying what to set', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([PRODUCTION_KEY_REQUIRED]);
    expect(PRODUCTION_KEY_REQUIRED).toMatch(/JWT_JWKS_URI/);
    expect(PRODUCTION_KEY_REQUIRED).toMatch(/JWT_PUBLIC_KEY/);
    expect(PRODUCTION_KEY_REQUIRED).toMatch(/JWT_SECRET/);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: SECRET })).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'production', JWT_JWKS_URI: 'https://idp.example.com/jwks' })).toEqual([]);
  });

  it('the migration CLI, which verifies no tokens, may run in production without a key', () => {
    expect(loadConfig({ NODE_ENV: 'production' }, { tokensVerified: false }).env).toBe('production');
  });

  it('the three key sources are alternatives', () => {
    expect(problemsOf({ JWT_SECRET: SECRET, JWT_JWKS_URI: 'https://idp.example.com/jwks' })).toEqual([
      'JWT_JWKS_URI and JWT_SECRET are alternatives: set only one of JWT_JWKS_URI, JWT_PUBLIC_KEY, JWT_SECRET',
    ]);
  });

  it('validates JWT_PUBLIC_KEY at boot: PEM, public, RSA >= 2048 or EC P-256; "\\n" escapes accepted', () => {
    const pem = rsaPem();
    expect(loadConfig({ JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n') }).jwt.key).toEqual({
      mode: 'public-key',
      publicKeyPem: pem,
    });
    expect(problemsOf({ JWT_PUBLIC_KEY: 'hello' })).toEqual([
      'JWT_PUBLIC_KEY must be a PEM public key ("-----BEGIN PUBLIC KEY-----…") or certificate',
    ]);
    expect(problemsOf({ JWT_PUBLIC_KEY: rsaPem(1024) })).toEqual([
      'JWT_PUBLIC_KEY is an RSA key shorter than 2048 bits',
    ]);
    const priv = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    expect(problemsOf({ JWT_PUBLIC_KEY: priv })).toEqual([
      'JWT_PUBLIC_KEY must be a public key; a private key does not belong in the service',
    ]);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .publicKey.export({ format: 'pem', type: 'spki' })
      .toString();
    expect(problemsOf({ JWT_PUBLIC_KEY: p384 })).toEqual([
      'JWT_PUBLIC_KEY is an EC key on secp384r1; only P-256 (ES256) is supported',
    ]);
  });

  it('reads issuer/audience lists, claim paths and DEFAULT_TENANT', () => {
    const config = loadConfig({
      JWT_ISSUER: 'https://a.example',
      JWT_AUDIENCE: 'api-1, api-2',
      JWT_AUTHORITIES_CLAIM: 'realm_access.roles',
      DEFAULT_TENANT: 'acme',
      JWT_CLOCK_TOLERANCE_SECONDS: '0',
    });
    expect(config.jwt).toMatchObject({
      issuer: ['https://a.example'],
      audience: ['api-1', 'api-2'],
      clockToleranceSeconds: 0,
      claims: { authorities: 'realm_access.roles' },
      defaultTenant: 'acme',
    });
    expect(problemsOf({ JWT_TENANT_CLAIM: 'org..tenant' })).toEqual([
      'JWT_TENANT_CLAIM must be a claim name or a dot path such as realm_access.roles (got "org..tenant")',
    ]);
    expect(problemsOf({ JWT_JWKS_URI: 'idp.example.com/jwks' })).toEqual([
      'JWT_JWKS_URI must be an http(s):// URL of a JSON Web Key Set (got "idp.example.com/jwks")',
    ]);
  });
});

describe('loadConfig: operations', () => {
  it('has production-minded defaults', () => {
    const config = loadConfig({});
    expect(config.pool).toEqual({ size: 10, statementTimeoutMs: 15000, connectionTimeoutMs: 10000 });
    expect(config.redis).toBeUndefined();
    expect(config.shutdownTimeoutSeconds).toBe(25);
    expect(config.corsOrigins).toBeUndefined();
    expect(config.http).toEqual({ requestTimeoutSeconds: 30, keepAliveTimeoutSeconds: 72, trustProxy: false });
  });

  it('reads Redis, CORS, proxies and pool settings, and names bad values', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://127.0.0.1:6379/2',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      TRUST_PROXY: '10.0.0.0/8, 192.168.1.1',
      DB_POOL_SIZE: '4',
    });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379/2', keyPrefix: 'psg:throttle:' });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.http.trustProxy).toEqual(['10.0.0.0/8', '192.168.1.1']);
    expect(config.pool.size).toBe(4);
    expect(loadConfig({ CORS_ORIGINS: '*', TRUST_PROXY: 'true' })).toMatchObject({
      corsOrigins: true,
      http: { trustProxy: true },
    });
    expect(problemsOf({ TRUST_PROXY: '1' })).toEqual([
      'TRUST_PROXY must be false, true, or a comma-separated list of proxy IPs/CIDRs; a hop count is not accepted, ' +
        'since it cannot tell the proxy from a client that connects directly and forges X-Forwarded-For (got "1")',
    ]);
    expect(problemsOf({ REDIS_URL: 'localhost:6379', CORS_ORIGINS: 'app.example.com', DB_POOL_SIZE: '0' })).toEqual([
      'DB_POOL_SIZE must not be less than 1 (got 0)',
      'REDIS_URL must be a redis:// or rediss:// URL (got "localhost:6379")',
      'CORS_ORIGINS must be * or a comma-separated list of origins such as https://app.example.com,http://localhost:5173 (got "app.example.com")',
    ]);
  });
});

describe('.env.example', () => {
  it('lists every variable the service reads, and no other', () => {
    const text = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    const listed = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(environmentVariableNames().sort());
  });
});
