/**
 * Secrets in the state store, as kops keeps them: `<cluster>/secrets/<name>`, each a JSON object
 * `{"Data":"<base64 of the value>"}`. The store is opened through the envelope decorator
 * (statestore/envelope.ts), so with a secret key the object at rest is ciphertext; this module
 * only sees plaintext.
 *
 * Every value read or created here is registered with the redactor (redact.ts): if it ever reached
 * a message, the CLI would print `<redacted>` instead.
 */
import { KopsError } from '../diagnostics.js';
import { objectURL, stateError } from '../statestore/errors.js';
import { clusterPaths } from '../statestore/layout.js';
import { validateName } from '../statestore/paths.js';
import type { StateStore } from '../statestore/types.js';
import { registerSecretValue } from './redact.js';

export interface StoredSecret {
  readonly name: string;
  readonly data: Uint8Array;
  readonly version: string;
}

/** kops's secret names: letters, digits, `-`, `_`, `.` and `:` (`system:monitoring`). */
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/;

export function secretPath(cluster: string, name: string): string {
  validateName('secret', name);
  if (!SECRET_NAME.test(name)) {
    throw new KopsError('InvalidSecretName', `"${name}" is not a valid secret name`, {
      hint: 'use letters, digits, "-", "_", "." and ":", starting with a letter or digit',
      exitCode: 2,
    });
  }
  return `${clusterPaths.secrets(cluster)}${name}`;
}

/** kops's file shape for a secret value. */
export function encodeSecret(data: Uint8Array): string {
  return `${JSON.stringify({ Data: Buffer.from(data).toString('base64') })}\n`;
}

/** Parses kops's shape; the error names the object, never its content. */
export function decodeSecret(bytes: Uint8Array, where: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw invalidSecret(where, 'it is not JSON');
  }
  const data = (parsed as { Data?: unknown } | null)?.Data;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof data !== 'string') {
    throw invalidSecret(where, 'it is not an object with a "Data" string');
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) throw invalidSecret(where, '"Data" is not base64');
  return new Uint8Array(Buffer.from(data, 'base64'));
}

function invalidSecret(where: string, why: string): KopsError {
  return stateError('InvalidStateObject', `the secret cannot be read: ${why}`, {
    file: where,
    hint: 'a secret is JSON {"Data":"<base64>"}: restore it from a backup, or delete it so that kops-ts creates a new one',
  });
}

/** The secret, or `undefined` when it does not exist. */
export async function readSecret(store: StateStore, cluster: string, name: string): Promise<StoredSecret | undefined> {
  const path = secretPath(cluster, name);
  const obj = await store.read(path);
  if (obj === undefined) return undefined;
  const data = decodeSecret(obj.data, objectURL(store.url, path));
  registerSecretValue(data);
  return { name, data, version: obj.version };
}

/**
 * Writes a secret: `ifAbsent` creates (a `StateConflict` if it exists), `ifVersion` replaces what
 * was read. Returns the new version.
 */
export async function writeSecret(
  store: StateStore,
  cluster: string,
  name: string,
  data: Uint8Array | string,
  opts: { ifAbsent?: boolean; ifVersion?: string } = {},
): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  registerSecretValue(bytes);
  const { version } = await store.write(secretPath(cluster, name), encodeSecret(bytes), opts);
  return version;
}

/**
 * The secret, created with `generate()` if it does not exist. Two runs racing both end with the
 * value that was stored first (the loser's create fails its `ifAbsent` and it reads the winner's),
 * as kops's `GetOrCreateSecret` does.
 */
export async function getOrCreateSecret(
  store: StateStore,
  cluster: string,
  name: string,
  generate: () => Uint8Array | string,
): Promise<StoredSecret & { readonly created: boolean }> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = await readSecret(store, cluster, name);
    if (existing) return { ...existing, created: false };
    const value = generate();
    const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
    try {
      const version = await writeSecret(store, cluster, name, bytes, { ifAbsent: true });
      return { name, data: bytes, version, created: true };
    } catch (e) {
      if (!KopsError.is(e, 'StateConflict')) throw e;
    }
  }
  throw new KopsError('StateConflict', `secret ${name} of cluster ${cluster} keeps changing while it is created`, {
    hint: 'another kops-ts is writing it: wait for it to finish and re-run the command',
  });
}

/** The names of the cluster's secrets, sorted (their values are not read). */
export async function listSecretNames(store: StateStore, cluster: string): Promise<string[]> {
  const prefix = clusterPaths.secrets(cluster);
  return (await store.list(prefix)).map((p) => p.slice(prefix.length)).filter((n) => n !== '' && !n.includes('/')).sort();
}
