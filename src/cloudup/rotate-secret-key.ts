/**
 * Re-encrypting a cluster's private keys and secrets under a new envelope key (`kops-ts rotate
 * secret-key`, docs/security.md "Secrets at rest", docs/state-store.md "Encryption at rest").
 *
 * The protected objects (`<cluster>/pki/private/**`, `<cluster>/secrets/**`, envelope.ts) are read
 * beneath the envelope decorator, as stored, and each is one of:
 *  - `plaintext`: written before any key was configured (or by kops);
 *  - `current`: an envelope under the current key (`--secret-key` / `KOPS_SECRET_KEY`);
 *  - `new`: an envelope under the new key already (a rotation stopped part way);
 *  - anything else (an envelope under a third key) is refused before anything is written: it
 *    could be neither read nor re-encrypted, and a store under two keys is worse than one.
 *
 * The rotation first reads and decrypts EVERY object (the `new` ones with the new key: a damaged
 * one is found now, not by the next `update`), then rewrites each object that is not yet under the
 * new key, sealed with it, conditional on the version it read. A stop at any write leaves some
 * objects under each key; the next run skips those under the new key and converges. The caller
 * holds the cluster lock. Nothing here prints; key ids (envelope.ts `secretKeyId`) are public,
 * keys and plaintext never leave this module except as ciphertext.
 */
import { KopsError, error } from '../diagnostics.js';
import { envelopeKeyId, isEnvelope, open, seal, secretKeyId } from '../statestore/envelope.js';
import { objectURL } from '../statestore/errors.js';
import type { StateStore } from '../statestore/types.js';
import { atRest } from './migrate-state.js';

export type KeyState = 'plaintext' | 'current' | 'new';

/** The two areas the envelope covers, with the prefix under the cluster each lives at. */
export const ROTATED_AREAS = [
  { area: 'keysets', prefix: 'pki/private/' },
  { area: 'secrets', prefix: 'secrets/' },
] as const;
export type RotatedArea = (typeof ROTATED_AREAS)[number]['area'];

export interface AreaCounts {
  readonly area: RotatedArea;
  readonly plaintext: number;
  readonly current: number;
  readonly new: number;
  readonly total: number;
}

export interface SecretKeyPlan {
  readonly cluster: string;
  /** The current key's id; `undefined` when none was given (the store is plaintext, or refused). */
  readonly currentKeyId: string | undefined;
  readonly newKeyId: string;
  readonly areas: readonly AreaCounts[];
  /** How many objects a rotation rewrites now: those not yet under the new key. */
  readonly toRewrite: number;
}

export interface SecretKeyResult extends SecretKeyPlan {
  /** Paths rewritten under the new key by this run, in order. */
  readonly rewritten: readonly string[];
}

export type SecretKeyProgress =
  /** One object read (keeps the caller's lock renewing on a slow store). */
  | { readonly step: 'read'; readonly path: string }
  | { readonly step: 'checked'; readonly path: string; readonly done: number; readonly total: number }
  | { readonly step: 'rewritten'; readonly path: string; readonly done: number; readonly total: number };

export interface SecretKeyRotationOptions {
  /** The store as the commands open it (the rotation works beneath its envelope decorator) or a bare backend. */
  readonly store: StateStore;
  readonly cluster: string;
  /** The key the store's envelopes are under now; absent when none is configured. */
  readonly currentKey?: Uint8Array;
  readonly newKey: Uint8Array;
  /** Stops before the next write starts (a write under way finishes). */
  readonly signal?: AbortSignal;
  readonly progress?: (p: SecretKeyProgress) => void;
}

/** A rotation that stopped (signal, failed write) after `written` of `total` rewrites. */
export class SecretKeyRotationStopped extends Error {
  constructor(
    readonly written: number,
    readonly total: number,
    readonly reason: unknown,
  ) {
    super(`stopped after re-encrypting ${written} of ${total} object(s); the rest are still under the key they were read with, and every object is readable with one of the two keys`);
    this.name = 'SecretKeyRotationStopped';
  }
}

interface ReadObject {
  readonly path: string;
  readonly area: RotatedArea;
  readonly state: KeyState;
  readonly version: string;
  /** The bytes as stored (of `version`). */
  readonly data: Uint8Array;
}

/** The same key twice would rewrite nothing and say it rotated: refused (exit 2) before the store is touched. */
export function checkKeysDiffer(currentKey: Uint8Array | undefined, newKey: Uint8Array): void {
  const id = secretKeyId(newKey);
  if (currentKey !== undefined && secretKeyId(currentKey) === id) throw refuseSameKey(id);
}

function refuseSameKey(id: string): KopsError {
  const summary = `the new secret key is the current one (key id ${id})`;
  const hint = 'give a different key with --new-secret-key <file> or KOPS_NEW_SECRET_KEY, e.g. one made with: openssl rand -base64 32';
  return new KopsError('SameSecretKey', summary, { exitCode: 2, diagnostics: [error('SameSecretKey', summary, { path: '--new-secret-key', hint })] });
}

function refuseUnknownKeys(store: StateStore, unknown: readonly { path: string; keyId: string }[], currentId: string | undefined, newId: string): KopsError {
  const ids = [...new Set(unknown.map((u) => u.keyId))].sort();
  const summary =
    `${unknown.length} protected object(s) are encrypted with a secret key that is neither the current one (${currentId ?? 'none given'}) nor the new one (${newId}): ` +
    `key id ${ids.join(', ')}; nothing was written`;
  const hint = `give the key whose id is ${ids[0]} with --secret-key <file> (or KOPS_SECRET_KEY): objects under it can be re-encrypted only once they can be read`;
  return new KopsError('SecretKeyUnknown', summary, {
    exitCode: 2,
    diagnostics: unknown.map((u) =>
      error('SecretKeyUnknown', `encrypted with the secret key ${u.keyId}, which is neither the current key (${currentId ?? 'none given'}) nor the new one (${newId}); nothing was written`, {
        file: objectURL(store.url, u.path),
        hint,
      }),
    ),
  });
}

/** Every protected object of the cluster, classified by the key it is under; unknown keys refused. */
async function classify(raw: StateStore, o: SecretKeyRotationOptions): Promise<ReadObject[]> {
  checkKeysDiffer(o.currentKey, o.newKey);
  const currentId = o.currentKey === undefined ? undefined : secretKeyId(o.currentKey);
  const newId = secretKeyId(o.newKey);
  const out: ReadObject[] = [];
  const unknown: { path: string; keyId: string }[] = [];
  for (const { area, prefix } of ROTATED_AREAS) {
    for (const path of await raw.list(`${o.cluster}/${prefix}`)) {
      const obj = await raw.read(path);
      o.progress?.({ step: 'read', path });
      if (!obj) continue; // deleted since the listing: nothing to re-encrypt
      if (!isEnvelope(obj.data)) {
        out.push({ path, area, state: 'plaintext', version: obj.version, data: obj.data });
        continue;
      }
      const keyId = envelopeKeyId(obj.data, objectURL(raw.url, path));
      if (keyId === newId) out.push({ path, area, state: 'new', version: obj.version, data: obj.data });
      else if (keyId === currentId) out.push({ path, area, state: 'current', version: obj.version, data: obj.data });
      else unknown.push({ path, keyId });
    }
  }
  if (unknown.length) throw refuseUnknownKeys(raw, unknown, currentId, newId);
  return out;
}

/**
 * Decrypts every object as read (`new` ones with the new key, which proves them too): a damaged
 * envelope fails here, before any write. Returns the plaintext of each, by index.
 */
function check(raw: StateStore, o: SecretKeyRotationOptions, objects: readonly ReadObject[]): Uint8Array[] {
  return objects.map((ob, i) => {
    const plaintext = ob.state === 'plaintext' ? ob.data : open(ob.state === 'new' ? o.newKey : o.currentKey, ob.path, ob.data, objectURL(raw.url, ob.path));
    o.progress?.({ step: 'checked', path: ob.path, done: i + 1, total: objects.length });
    return plaintext;
  });
}

function summarize(o: SecretKeyRotationOptions, objects: readonly ReadObject[]): SecretKeyPlan {
  const areas = ROTATED_AREAS.map(({ area }) => {
    const of = objects.filter((x) => x.area === area);
    const n = (s: KeyState) => of.filter((x) => x.state === s).length;
    return { area, plaintext: n('plaintext'), current: n('current'), new: n('new'), total: of.length };
  });
  return {
    cluster: o.cluster,
    currentKeyId: o.currentKey === undefined ? undefined : secretKeyId(o.currentKey),
    newKeyId: secretKeyId(o.newKey),
    areas,
    toRewrite: objects.filter((x) => x.state !== 'new').length,
  };
}

/** What a rotation would do now: classified and decrypted, nothing written (no lock needed). */
export async function planSecretKeyRotation(o: Omit<SecretKeyRotationOptions, 'signal'>): Promise<SecretKeyPlan> {
  const raw = atRest(o.store);
  const objects = await classify(raw, o);
  check(raw, o, objects);
  return summarize(o, objects);
}

/** The rotation (see the file's comment). The caller holds the cluster lock. */
export async function rotateSecretKey(o: SecretKeyRotationOptions): Promise<SecretKeyResult> {
  const raw = atRest(o.store);
  const objects = await classify(raw, o);
  const plaintexts = check(raw, o, objects);
  const plan = summarize(o, objects);
  const todo = objects.flatMap((ob, i) => (ob.state === 'new' ? [] : [{ ...ob, plaintext: plaintexts[i]! }]));
  const rewritten: string[] = [];
  for (const ob of todo) {
    if (o.signal?.aborted) throw new SecretKeyRotationStopped(rewritten.length, todo.length, o.signal.reason);
    try {
      await raw.write(ob.path, seal(o.newKey, ob.path, ob.plaintext), { ifVersion: ob.version });
    } catch (e) {
      throw new SecretKeyRotationStopped(rewritten.length, todo.length, e);
    }
    rewritten.push(ob.path);
    o.progress?.({ step: 'rewritten', path: ob.path, done: rewritten.length, total: todo.length });
  }
  return { ...plan, rewritten };
}
