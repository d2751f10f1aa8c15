/**
 * The envelope key: 32 random bytes, base64-encoded (44 characters), from
 *
 * - `--secret-key <file>`: a file holding the base64 key (a path, so the key is never in the
 *   command line that `ps` shows), else
 * - `KOPS_SECRET_KEY`: the base64 key itself.
 *
 * Make one with `openssl rand -base64 32 > ~/.kops-ts/secret.key && chmod 600 ~/.kops-ts/secret.key`.
 * Anything else is a `InvalidSecretKey` error naming where it came from and what is expected; the
 * key's content is never part of a message (its public id, envelope.ts's `secretKeyId`, is).
 */
import { KopsError, error } from '../diagnostics.js';
import { registerSecretValue } from './redact.js';

export const SECRET_KEY_ENV = 'KOPS_SECRET_KEY';
export const SECRET_KEY_FLAG = '--secret-key';
/** `rotate secret-key`'s key to re-encrypt under: the same two forms under their own names. */
export const NEW_SECRET_KEY_ENV = 'KOPS_NEW_SECRET_KEY';
export const NEW_SECRET_KEY_FLAG = '--new-secret-key';
const HOW = 'a 32-byte key in base64 (44 characters), e.g. made with: openssl rand -base64 32';

export interface SecretKeySources {
  /** `--secret-key`: path of the key file. */
  readonly file?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
}

/** The key, or `undefined` when neither the flag nor the variable is set. */
export function loadSecretKey(src: SecretKeySources): Uint8Array | undefined {
  return loadKey(src, SECRET_KEY_FLAG, SECRET_KEY_ENV);
}

/**
 * `rotate secret-key`'s new key, from `--new-secret-key <file>` else `KOPS_NEW_SECRET_KEY`, read,
 * checked and registered for redaction exactly as the current key is; `undefined` when neither is set.
 */
export function loadNewSecretKey(src: SecretKeySources): Uint8Array | undefined {
  return loadKey(src, NEW_SECRET_KEY_FLAG, NEW_SECRET_KEY_ENV);
}

function loadKey(src: SecretKeySources, flag: string, envName: string): Uint8Array | undefined {
  if (src.file !== undefined && src.file.trim() !== '') {
    let text: string;
    try {
      text = src.readFile(src.file);
    } catch (e) {
      throw invalid(`${flag} ${src.file}`, 'the file cannot be read', `give the path of a file holding ${HOW}`, e);
    }
    return parseSecretKey(text, `${flag} ${src.file}`);
  }
  const env = src.env[envName];
  if (env !== undefined && env.trim() !== '') return parseSecretKey(env, envName);
  return undefined;
}

/** Decodes a base64 key; `source` names where it came from for the error. */
export function parseSecretKey(text: string, source: string): Uint8Array {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t) || t.length % 4 !== 0) {
    throw invalid(source, `it is not base64 (${t.length} characters)`, `expected ${HOW}`);
  }
  const key = Buffer.from(t, 'base64');
  if (key.length !== 32) throw invalid(source, `it decodes to ${key.length} bytes, not 32`, `expected ${HOW}`);
  registerSecretValue(t);
  return new Uint8Array(key);
}

function invalid(source: string, why: string, hint: string, cause?: unknown): KopsError {
  const summary = `invalid secret key: ${why}`;
  return new KopsError('InvalidSecretKey', summary, {
    exitCode: 2,
    diagnostics: [error('InvalidSecretKey', summary, { path: source, hint })],
    ...(cause !== undefined ? { cause } : {}),
  });
}
