import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign, type Algorithm } from 'jsonwebtoken';

/** A signing key of the test identity provider. */
export interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function rsaKey(kid: string, modulusLength = 2048): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return { kid, alg: 'RS256', privateKey, publicKey };
}

export function ecKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, publicKey };
}

export const publicPem = (key: TestKey) => key.publicKey.export({ format: 'pem', type: 'spki' }).toString();

/**
 * A JWKS endpoint on loopback, as an identity provider serves one: GET /jwks.json lists the
 * public half of `keys` (change the array to rotate). `fetches` counts the requests it got.
 */
export class JwksServer {
  keys: TestKey[] = [];
  fetches = 0;
  private server?: Server;

  get uri(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/jwks.json`;
  }

  /** `port`: a fixed one (an endpoint that comes back where it was); a free one by default. */
  async start(keys: TestKey[], port = 0): Promise<this> {
    this.keys = keys;
    this.server = createServer((req, res) => {
      if (req.url !== '/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      this.fetches += 1;
      const body = JSON.stringify({
        keys: this.keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg, use: 'sig' })),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** Claims of a full-access SailPoint-shaped user token of tenant "acme". */
export const sailPointClaims = (extra: Record<string, unknown> = {}) => ({
  tenant_id: 'acme',
  client_id: 'idp-client',
  identity_id: 'idp-user',
  authorities: ['ORG_ADMIN'],
  scope: ['sp:scopes:all'],
  ...extra,
});

export interface SignOptions {
  issuer?: string;
  audience?: string | string[];
  expiresIn?: number;
  notBefore?: number;
  /** Override the `kid` header (undefined: the key's own; null: none). */
  kid?: string | null;
}

/** A token signed by `key` with its algorithm. */
export function signWith(key: TestKey, claims: object, options: SignOptions = {}): string {
  const kid = options.kid === null ? undefined : (options.kid ?? key.kid);
  return sign(claims, key.privateKey, {
    algorithm: key.alg,
    ...(kid !== undefined ? { keyid: kid } : {}),
    expiresIn: options.expiresIn ?? 600,
    ...(options.notBefore !== undefined ? { notBefore: options.notBefore } : {}),
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  });
}

/** A token with an arbitrary header and an HMAC signature over it (for the confusion attacks). */
export function signHmac(
  secret: string | Buffer,
  claims: object,
  header: Record<string, unknown>,
  alg: Algorithm = 'HS256',
): string {
  const now = Math.floor(Date.now() / 1000);
  // A claim given as undefined is left out (e.g. { exp: undefined } for a token without expiry).
  const payload = Object.fromEntries(
    Object.entries({ iat: now, exp: now + 600, ...claims }).filter(([, v]) => v !== undefined),
  );
  return sign(payload, createSecretKey(Buffer.from(secret)), {
    algorithm: alg,
    header: { alg, ...header },
  });
}

/** A token with `alg: none` and no signature. */
export function unsigned(claims: object, header: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT', ...header })}.${encode({ iat: now, exp: now + 600, ...claims })}.`;
}

export const randomKid = () => randomBytes(8).toString('hex');
