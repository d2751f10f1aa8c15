/**
 * The service-account keyset as a JSON Web Key Set (`openid/v1/jwks` in the discovery store,
 * src/model/issuer-discovery.ts): every trusted item's public key, as the API server's own
 * `/openid/v1/jwks` lists them.
 *
 * The key id is Kubernetes's (`keyIDFromPublicKey` in pkg/serviceaccount/jwt.go): the SHA-256 of
 * the public key's PKIX DER, base64url without padding. Tokens carry it as `kid`, so a verifier
 * (IAM's STS) picks the key by it.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { Keyset } from './keyset.js';

export interface Jwk {
  readonly kty: string;
  readonly kid: string;
  readonly use: 'sig';
  readonly alg: string;
  readonly [member: string]: string;
}

/** Kubernetes's key id of a public key. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('base64url');
}

/** The JWS algorithm the API server signs with for a key: RS256 for RSA, ES256/384/512 for ECDSA by curve. */
export function signingAlgorithmOf(publicKey: KeyObject): string {
  if (publicKey.asymmetricKeyType === 'rsa') return 'RS256';
  if (publicKey.asymmetricKeyType === 'ec') {
    const curve = publicKey.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new Error(`a service-account key of type ${publicKey.asymmetricKeyType ?? 'unknown'} cannot sign tokens`);
}

/** One public key as a JWK (its public members only). */
export function publicJwk(publicKey: KeyObject): Jwk {
  const members = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const pub = Object.fromEntries(['kty', 'crv', 'x', 'y', 'n', 'e'].filter((k) => typeof members[k] === 'string').map((k) => [k, members[k]!]));
  return { ...pub, kty: members.kty!, kid: keyIdOf(publicKey), use: 'sig', alg: signingAlgorithmOf(publicKey) };
}

/** The keyset's trusted (not distrusted) items' public keys, sorted by kid as kops sorts them. */
export function keysetJwks(ks: Keyset): Jwk[] {
  const keys = ks.items.filter((i) => i.distrustTimestamp === undefined).map((i) => publicJwk(createPublicKey(i.certificate)));
  const byKid = new Map(keys.map((k) => [k.kid, k]));
  return [...byKid.values()].sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0));
}

/** The `openid/v1/jwks` document. */
export function jwksDocument(ks: Keyset): string {
  return `${JSON.stringify({ keys: keysetJwks(ks) }, null, 2)}\n`;
}
