/**
 * Prints what token verification costs per request, per mode, as the service does it
 * (VerificationKeys picks the cached KeyObject, jsonwebtoken verifies), next to what it would
 * cost if the key were parsed from its PEM/JWK on every request.
 *   npx ts-node --transpile-only scripts/bench-auth.ts [iterations]
 * A figure, not a test: the machine's load moves it.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { sign, verify, type Algorithm } from 'jsonwebtoken';
import { VerificationKeys } from '../src/common/auth/verification-keys';
import { loadConfig } from '../src/config/app-config';

const iterations = Number(process.argv[2] ?? 5000);
const claims = { tenant_id: 'acme', client_id: 'bench', authorities: ['ORG_ADMIN'], scope: ['sp:scopes:all'] };

async function time(label: string, work: () => unknown): Promise<void> {
  for (let i = 0; i < 200; i++) await work(); // warm up
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await work();
  const micros = ((performance.now() - start) * 1000) / iterations;
  process.stdout.write(
    `${label.padEnd(58)} ${micros.toFixed(1).padStart(8)} µs/token  ${Math.round(1e6 / micros)
      .toString()
      .padStart(7)} tokens/s\n`,
  );
}

async function viaService(keys: VerificationKeys, token: string): Promise<void> {
  const key = await keys.keyFor(token);
  verify(token, key as unknown as string, { algorithms: [...keys.algorithms] as Algorithm[] });
}

async function main(): Promise<void> {
  Logger.overrideLogger(false);
  const dataDir = mkdtempSync(join(tmpdir(), 'psg-bench-'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = (k: KeyObject) => k.export({ format: 'pem', type: 'spki' }).toString();
  const jwk = (k: KeyObject, kid: string, alg: string) => ({ ...k.export({ format: 'jwk' }), kid, alg, use: 'sig' });
  const jwks = JSON.stringify({ keys: [jwk(rsa.publicKey, 'rsa', 'RS256'), jwk(ec.publicKey, 'ec', 'ES256')] });
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  const base = { DATA_DIR: dataDir, DATABASE_URL: 'sqlite::memory:' };
  try {
    const secret = randomBytes(32).toString('hex');
    const hs = new VerificationKeys(loadConfig({ ...base, JWT_SECRET: secret }));
    const rsPem = new VerificationKeys(loadConfig({ ...base, JWT_PUBLIC_KEY: pem(rsa.publicKey) }));
    const esPem = new VerificationKeys(loadConfig({ ...base, JWT_PUBLIC_KEY: pem(ec.publicKey) }));
    const fromJwks = new VerificationKeys(loadConfig({ ...base, JWT_JWKS_URI: jwksUri }));
    await fromJwks.onApplicationBootstrap();

    const hsToken = sign(claims, secret, { algorithm: 'HS256', expiresIn: 600 });
    const rsToken = sign(claims, rsa.privateKey, { algorithm: 'RS256', expiresIn: 600, keyid: 'rsa' });
    const esToken = sign(claims, ec.privateKey, { algorithm: 'ES256', expiresIn: 600, keyid: 'ec' });

    process.stdout.write(`node ${process.version}, ${iterations} tokens per line\n`);
    await time('HS256, JWT_SECRET (KeyObject)', () => viaService(hs, hsToken));
    await time('RS256, JWT_PUBLIC_KEY (KeyObject parsed once)', () => viaService(rsPem, rsToken));
    await time('RS256, JWT_JWKS_URI (cached KeyObject by kid)', () => viaService(fromJwks, rsToken));
    await time('RS256, PEM parsed on every request (what caching avoids)', () =>
      verify(rsToken, createPublicKey(pem(rsa.publicKey)), { algorithms: ['RS256'] }),
    );
    await time('ES256, JWT_PUBLIC_KEY (KeyObject parsed once)', () => viaService(esPem, esToken));
    await time('ES256, JWT_JWKS_URI (cached KeyObject by kid)', () => viaService(fromJwks, esToken));
    await time('ES256, JWK parsed on every request (what caching avoids)', () =>
      verify(esToken, createPublicKey({ key: ec.publicKey.export({ format: 'jwk' }), format: 'jwk' }), {
        algorithms: ['ES256'],
      }),
    );
  } finally {
    server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
