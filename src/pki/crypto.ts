/**
 * Keys and certificates through @peculiar/x509 over Node's WebCrypto, and key encodings through
 * Node's KeyObject: no ASN.1 is written by hand here.
 *
 * `reflect-metadata` must be loaded before @peculiar/x509 (its ASN.1 schemas use decorators), so
 * this module imports it first; every other module in src/pki reaches x509 through this one.
 */
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { KopsError } from '../diagnostics.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };

/** kops's keys are RSA 2048; ECDSA P-256 is accepted (bring-your-own CAs) and faster to make. */
export type KeyAlgorithm = 'rsa-2048' | 'ecdsa-p256';
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'rsa-2048';

const subtle = webcrypto.subtle as unknown as SubtleCrypto;

function generationParams(alg: KeyAlgorithm): RsaHashedKeyGenParams | EcKeyGenParams {
  return alg === 'rsa-2048'
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: 'P-256' };
}

export async function generateKeyPair(alg: KeyAlgorithm = DEFAULT_KEY_ALGORITHM): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(generationParams(alg), true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** The algorithm a certificate is signed with by `key` (SHA-256 with the key's own scheme). */
export function signingAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? ({ name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams) : { name: 'RSASSA-PKCS1-v1_5' };
}

/**
 * A private key as PEM in kops's encodings: RSA as PKCS#1 (`RSA PRIVATE KEY`), EC as SEC1
 * (`EC PRIVATE KEY`), others PKCS#8.
 */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  const obj = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return pemOfKeyObject(obj);
}

function pemOfKeyObject(obj: KeyObject): string {
  const type = obj.asymmetricKeyType === 'rsa' ? 'pkcs1' : obj.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs8';
  return String(obj.export({ format: 'pem', type }));
}

/** Why a PEM private key cannot be used, or the key as Node reads it. */
export function readPrivateKey(pem: string, where: string, exitCode = 1): KeyObject {
  let obj: KeyObject;
  try {
    obj = createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new KopsError('InvalidPrivateKey', `${where}: not a PEM private key (${(e as Error).message.split('\n')[0]})`, {
      hint: 'give an unencrypted PEM key (BEGIN RSA PRIVATE KEY, BEGIN EC PRIVATE KEY or BEGIN PRIVATE KEY)',
      cause: e,
      exitCode,
    });
  }
  if (obj.asymmetricKeyType !== 'rsa' && obj.asymmetricKeyType !== 'ec') {
    throw new KopsError('InvalidPrivateKey', `${where}: a ${obj.asymmetricKeyType ?? 'unknown'} key; kops-ts signs with RSA or ECDSA keys`, { hint: 'use an RSA (2048 bits or more) or ECDSA P-256/P-384 key', exitCode });
  }
  return obj;
}

/** The PEM key re-encoded the way the store keeps keys (kops's encodings). */
export function normalizePrivateKeyPem(pem: string, where: string, exitCode = 1): string {
  return pemOfKeyObject(readPrivateKey(pem, where, exitCode));
}

const CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** A WebCrypto signing key from a PEM private key (RSA PKCS#1 v1.5 or ECDSA). */
export async function importSigningKey(pem: string, where: string): Promise<CryptoKey> {
  const obj = readPrivateKey(pem, where);
  const der = obj.export({ format: 'der', type: 'pkcs8' });
  if (obj.asymmetricKeyType === 'rsa') {
    return subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
  }
  const curve = CURVES[obj.asymmetricKeyDetails?.namedCurve ?? ''];
  if (!curve) throw new KopsError('InvalidPrivateKey', `${where}: the EC curve ${obj.asymmetricKeyDetails?.namedCurve ?? '(unknown)'} is not supported`, { hint: 'use P-256, P-384 or P-521' });
  return subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: curve }, true, ['sign']);
}

/** True when the private key is the one whose public half the certificate carries. */
export function keyMatchesCertificate(keyPem: string, cert: x509.X509Certificate): boolean {
  const fromKey = createPublicKey(createPrivateKey({ key: keyPem, format: 'pem' })).export({ format: 'der', type: 'spki' });
  return Buffer.from(cert.publicKey.rawData).equals(fromKey);
}

/**
 * A positive serial number as hex: 16 random bytes for leaves, 8 for CAs (whose decimal serial is
 * the keyset item's id, as in kops). The first byte is in 0x40..0x7f, so the DER integer needs no
 * sign padding and the hex is never shortened.
 */
export function randomSerial(bytes = 16): string {
  const b = randomBytes(bytes);
  b[0] = (b[0]! & 0x3f) | 0x40;
  return b.toString('hex');
}

export function parseCertificatePem(pem: string, where: string, exitCode = 1): x509.X509Certificate {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) {
    throw new KopsError('InvalidCertificate', `${where}: expected one PEM certificate, found ${blocks.length}`, {
      hint: 'give a file with a single -----BEGIN CERTIFICATE----- block',
      exitCode,
    });
  }
  try {
    return new x509.X509Certificate(blocks[0]!);
  } catch (e) {
    throw new KopsError('InvalidCertificate', `${where}: the certificate cannot be parsed (${(e as Error).message.split('\n')[0]})`, {
      hint: 'give a PEM X.509 certificate (openssl x509 -in FILE -text shows whether it is one)',
      cause: e,
      exitCode,
    });
  }
}
