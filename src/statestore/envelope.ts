/**
 * Client-side envelope encryption of the state store's private keys and secrets.
 *
 * `EnvelopeStateStore` wraps any backend. Objects under `<cluster>/pki/private/` and
 * `<cluster>/secrets/` are encrypted with AES-256-GCM under the user's 32-byte secret key before
 * they reach the backend, and decrypted when read; every other path passes through untouched.
 * Callers (the clientset, the PKI keyset store, the secret store) see plaintext and the backend's
 * own versions, so conditional writes work exactly as without the decorator.
 *
 * The object at rest is one ASCII line:
 *
 *   kops-ts-envelope:v1:<key id>:<iv base64>:<tag base64>:<ciphertext base64>\n
 *
 * - `key id`: the first 8 bytes of SHA-256("kops-ts-envelope-key-id" + key), hex: it names the key
 *   without revealing it, so a wrong key is reported as such, never decrypted into garbage;
 * - a fresh random 12-byte IV per write;
 * - the object's path is the GCM additional data: a ciphertext copied to another path (another
 *   cluster's keyset, another secret) fails authentication instead of being accepted there.
 *
 * Reading an encrypted object without a key, or with another key, is `SecretKeyRequired` /
 * `SecretKeyMismatch`; a damaged envelope is `EncryptedObjectCorrupt`. A plaintext object under a
 * protected path (written before a key was configured) is read as it is; the next write of it
 * encrypts it (docs/state-store.md, "Encryption at rest").
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { KopsError } from '../diagnostics.js';
import { objectURL, stateError } from './errors.js';
import { toBytes } from './paths.js';
import type { DeleteOptions, ListedObject, StateStore, StoredObject, WriteOptions } from './types.js';

export const ENVELOPE_MAGIC = 'kops-ts-envelope:v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Whether `path` holds a private key or a secret: `<cluster>/pki/private/...` or `<cluster>/secrets/...`. */
export function isProtectedPath(path: string): boolean {
  return /^[^/]+\/(pki\/private|secrets)\//.test(path);
}

/** The public name of a key: 16 hex digits, the same for the same key, revealing nothing of it. */
export function secretKeyId(key: Uint8Array): string {
  return createHash('sha256').update('kops-ts-envelope-key-id').update(key).digest('hex').slice(0, 16);
}

/** Whether stored bytes are an envelope (as opposed to a plaintext object). */
export function isEnvelope(data: Uint8Array): boolean {
  if (data.length < ENVELOPE_MAGIC.length) return false;
  return Buffer.from(data.subarray(0, ENVELOPE_MAGIC.length)).toString('latin1') === ENVELOPE_MAGIC;
}

/** Encrypts `plaintext` for `path` under `key` (32 bytes). */
export function seal(key: Uint8Array, path: string, plaintext: Uint8Array): Uint8Array {
  checkKeyLength(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(path, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const line = `${ENVELOPE_MAGIC}${secretKeyId(key)}:${iv.toString('base64')}:${tag.toString('base64')}:${body.toString('base64')}\n`;
  return new Uint8Array(Buffer.from(line, 'latin1'));
}

/**
 * Decrypts an envelope read from `path`. `where` (the object's URL) goes into errors, which never
 * carry any of the plaintext.
 */
export function open(key: Uint8Array | undefined, path: string, data: Uint8Array, where: string): Uint8Array {
  const { keyId, ivB64, tagB64, bodyB64 } = parseEnvelope(data, where);
  if (key === undefined) {
    throw stateError('SecretKeyRequired', `it is encrypted with the secret key ${keyId} and no secret key was given`, {
      file: where,
      hint: 'pass --secret-key <file> or set KOPS_SECRET_KEY to the key the store was written with (docs/state-store.md)',
    });
  }
  checkKeyLength(key);
  const given = secretKeyId(key);
  if (given !== keyId) {
    throw stateError('SecretKeyMismatch', `it is encrypted with the secret key ${keyId}, but the key given is ${given}`, {
      file: where,
      hint:
        `this object is under another secret key, id ${keyId} (not ${given}): if the store's key was changed ` +
        `(kops-ts rotate secret-key --name <cluster> re-encrypts every key and secret), give the key whose id is ${keyId} with --secret-key <file> or KOPS_SECRET_KEY; ` +
        'the id is printed, the key never is',
    });
  }
  const iv = Buffer.from(ivB64, 'base64');
  const tag = Buffer.from(tagB64, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw corrupt(where, 'its IV or authentication tag has the wrong length');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(path, 'utf8'));
    decipher.setAuthTag(tag);
    return new Uint8Array(Buffer.concat([decipher.update(Buffer.from(bodyB64, 'base64')), decipher.final()]));
  } catch {
    throw corrupt(where, 'it fails authentication with the right key: it was changed, damaged or copied from another path');
  }
}

interface EnvelopeParts {
  readonly keyId: string;
  readonly ivB64: string;
  readonly tagB64: string;
  readonly bodyB64: string;
}

function parseEnvelope(data: Uint8Array, where: string): EnvelopeParts {
  const text = Buffer.from(data).toString('latin1').trimEnd();
  const parts = text.slice(ENVELOPE_MAGIC.length).split(':');
  const [keyId, ivB64, tagB64, bodyB64] = parts;
  if (parts.length !== 4 || !keyId || !ivB64 || !tagB64 || bodyB64 === undefined || !/^[0-9a-f]{16}$/.test(keyId)) {
    throw corrupt(where, 'its envelope does not have the form kops-ts-envelope:v1:<key id>:<iv>:<tag>:<ciphertext>');
  }
  return { keyId, ivB64, tagB64, bodyB64 };
}

/**
 * The id of the key an envelope was sealed with, read without decrypting (`EncryptedObjectCorrupt`
 * when it is not a well-formed envelope). `where` names the object for that error.
 */
export function envelopeKeyId(data: Uint8Array, where: string): string {
  return parseEnvelope(data, where).keyId;
}

function corrupt(where: string, why: string): KopsError {
  return stateError('EncryptedObjectCorrupt', `cannot decrypt it: ${why}`, {
    file: where,
    hint: 'restore the object from a backup or a previous S3 version; kops-ts will not use a damaged secret',
  });
}

function checkKeyLength(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new Error(`a secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
}

/**
 * The decorator: encrypts protected paths on write (when a key is given) and decrypts envelopes on
 * read (failing clearly without the key). With no key it still refuses to hand out ciphertext as
 * if it were plaintext.
 */
export class EnvelopeStateStore implements StateStore {
  readonly url: string;
  /** The key's public id, for messages (`undefined`: no key, writes pass through). */
  readonly keyId: string | undefined;

  constructor(
    readonly inner: StateStore,
    private readonly key: Uint8Array | undefined,
  ) {
    if (key !== undefined) checkKeyLength(key);
    this.url = inner.url;
    this.keyId = key === undefined ? undefined : secretKeyId(key);
  }

  async read(path: string): Promise<StoredObject | undefined> {
    const obj = await this.inner.read(path);
    if (obj === undefined || !isProtectedPath(path) || !isEnvelope(obj.data)) return obj;
    return { data: open(this.key, path, obj.data, objectURL(this.url, path)), version: obj.version };
  }

  write(path: string, data: Uint8Array | string, opts?: WriteOptions): Promise<{ version: string }> {
    if (this.key === undefined || !isProtectedPath(path)) return this.inner.write(path, data, opts);
    return this.inner.write(path, seal(this.key, path, toBytes(data)), opts);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  /** The stored objects' sizes: of the envelopes where encrypted (what a copy beneath the decorator moves). */
  listSizes(prefix: string): Promise<ListedObject[]> {
    return this.inner.listSizes(prefix);
  }

  get maxObjectBytes(): number | undefined {
    return this.inner.maxObjectBytes;
  }

  delete(path: string, opts?: DeleteOptions): Promise<void> {
    return this.inner.delete(path, opts);
  }
}
