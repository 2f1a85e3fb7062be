import { createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The asymmetric algorithms the service verifies; everything else is refused. */
export type AsymmetricAlgorithm = 'RS256' | 'ES256';

export interface VerificationKey {
  key: KeyObject;
  /** The one algorithm this key may verify: a key never serves two algorithms. */
  algorithm: AsymmetricAlgorithm;
}

const MIN_RSA_BITS = 2048;

/**
 * The algorithm a public key can verify, or why it cannot be used: RSA keys of at least
 * 2048 bits verify RS256, EC P-256 keys verify ES256.
 */
export function algorithmOf(key: KeyObject): AsymmetricAlgorithm | `is ${string}` {
  if (key.type !== 'public') return 'is not a public key';
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) return `is an RSA key shorter than ${MIN_RSA_BITS} bits`;
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve !== 'prime256v1')
      return `is an EC key on ${details.namedCurve ?? 'an unknown curve'}; only P-256 (ES256) is supported`;
    return 'ES256';
  }
  return `is a ${key.asymmetricKeyType ?? 'unknown'} key; only RSA (RS256) and EC P-256 (ES256) are supported`;
}

/** A PEM public key (SPKI or PKCS#1) or an X.509 certificate, parsed once; or why it is unusable. */
export function parsePublicKeyPem(pem: string): VerificationKey | string {
  if (pem.includes('PRIVATE KEY')) return 'must be a public key; a private key does not belong in the service';
  let key: KeyObject;
  try {
    key = pem.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    return 'must be a PEM public key ("-----BEGIN PUBLIC KEY-----…") or certificate';
  }
  const algorithm = algorithmOf(key);
  if (algorithm !== 'RS256' && algorithm !== 'ES256') return algorithm;
  return { key, algorithm };
}

/**
 * One key of a JWKS document, or why it is skipped. A key that names its `alg` serves only
 * that algorithm; a key whose `use` is not `sig` is not a signing key.
 */
export function parseJwk(jwk: JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown }): VerificationKey | string {
  if (jwk.use !== undefined && jwk.use !== 'sig') return `has use ${JSON.stringify(jwk.use)}, not "sig"`;
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') return `has kty "${String(jwk.kty)}"; only RSA and EC are supported`;
  let key: KeyObject;
  try {
    // Only the public members: a JWKS that leaks private members must not yield a private key.
    const { kty, n, e, crv, x, y } = jwk;
    key = createPublicKey({ key: { kty, n, e, crv, x, y } as JsonWebKey, format: 'jwk' });
  } catch {
    return 'is not a valid public key';
  }
  const algorithm = algorithmOf(key);
  if (algorithm !== 'RS256' && algorithm !== 'ES256') return algorithm;
  if (jwk.alg !== undefined && jwk.alg !== algorithm)
    return `has alg ${JSON.stringify(jwk.alg)}; only ${algorithm} is supported for this key`;
  return { key, algorithm };
}
