/**
 * SSH public keys as kops stores them: `pki/ssh/public/admin/<fingerprint without colons>`, where
 * the fingerprint is the MD5 of the key's wire-format blob (the base64 field of an
 * `authorized_keys` line), written `aa:bb:...` (what `ssh-keygen -l -E md5` prints).
 */
import { createHash } from 'node:crypto';
import { KopsError, error } from '../diagnostics.js';

export interface ParsedSSHPublicKey {
  readonly type: string;
  readonly blob: Uint8Array;
  readonly comment: string;
}

const KEY_TYPE = /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;

/** Parses an `authorized_keys` style line (options before the key type are skipped). */
export function parseSSHPublicKey(publicKey: string): ParsedSSHPublicKey {
  const fields = publicKey.trim().split(/\s+/);
  const at = fields.findIndex((f) => KEY_TYPE.test(f));
  const type = at >= 0 ? fields[at] : undefined;
  const b64 = at >= 0 ? fields[at + 1] : undefined;
  if (type === undefined || b64 === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw invalidKey('expected "<type> <base64> [comment]", e.g. the contents of ~/.ssh/id_ed25519.pub');
  }
  const blob = new Uint8Array(Buffer.from(b64, 'base64'));
  // The blob starts with the key type as a length-prefixed string; a mismatch means a damaged key.
  if (blob.length < 4) throw invalidKey('the key data is too short');
  const len = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0);
  const inner = Buffer.from(blob.subarray(4, 4 + len)).toString('latin1');
  if (inner !== type) throw invalidKey(`the key data is for "${inner.slice(0, 40)}", not "${type}"`);
  return { type, blob, comment: fields.slice(at + 2).join(' ') };
}

/** kops's id for a key: MD5 of the blob as colon-separated hex. */
export function sshPublicKeyFingerprint(publicKey: string): string {
  const { blob } = parseSSHPublicKey(publicKey);
  return colonHex(createHash('md5').update(blob).digest('hex'));
}

/** `aabb..` → `aa:bb:..` (the file name in the store is the former, the id the latter). */
export function colonHex(hex: string): string {
  return hex.match(/.{1,2}/g)?.join(':') ?? '';
}

function invalidKey(why: string): KopsError {
  return new KopsError('InvalidSSHPublicKey', `invalid SSH public key: ${why}`, {
    hint: 'pass the public key file (ending in .pub), not the private key',
  });
}

/**
 * The key a flag's file holds (`-i`, `--ssh-public-key`), checked before anything is read from or
 * written to the store: a file that is not a public key is a usage error (exit 2) naming the file.
 */
export function publicKeyFromFile(text: string, file: string): string {
  try {
    parseSSHPublicKey(text);
  } catch (e) {
    if (!KopsError.is(e, 'InvalidSSHPublicKey')) throw e;
    const d = e.diagnostics[0]!;
    throw new KopsError(e.code, e.message, { exitCode: 2, diagnostics: [error(e.code, d.summary, { file, ...(d.hint ? { hint: d.hint } : {}) })] });
  }
  return text;
}
