/**
 * The re-encryption of `rotate secret-key` (src/cloudup/rotate-secret-key.ts) on real backends:
 * a plaintext store encrypted, A → B, a stop at every k-th write converging on re-run, a third key
 * or a damaged envelope refused before any write, a changed object refused by its version, and the
 * old key's error after it naming the new key id.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { atRest } from '../../src/cloudup/migrate-state.js';
import { planSecretKeyRotation, rotateSecretKey, SecretKeyRotationStopped } from '../../src/cloudup/rotate-secret-key.js';
import { KopsError } from '../../src/diagnostics.js';
import { ENVELOPE_MAGIC, EnvelopeStateStore, secretKeyId } from '../../src/statestore/envelope.js';
import type { StateStore } from '../../src/statestore/types.js';
import { rejectionOf } from '../helpers/errors.js';
import { backends, snapshot } from '../statestore/backends.js';
import { FaultyStore } from '../statestore/faulty.js';

const C = 'rekey.example.com';
const A = new Uint8Array(randomBytes(32));
const B = new Uint8Array(randomBytes(32));
const THIRD = new Uint8Array(randomBytes(32));

/** Protected objects and their plaintext; the unprotected ones are written as they are. */
const PROTECTED: Record<string, string> = {
  [`${C}/pki/private/kubernetes-ca/keyset.yaml`]: `kind: Keyset\nprivateMaterial: ${randomBytes(24).toString('base64')}\n`,
  [`${C}/pki/private/service-account/keyset.yaml`]: `kind: Keyset\nprivateMaterial: ${randomBytes(24).toString('base64')}\n`,
  [`${C}/pki/private/etcd-clients-ca/keyset.yaml`]: `kind: Keyset\nprivateMaterial: ${randomBytes(24).toString('base64')}\n`,
  [`${C}/secrets/bootstrap-token`]: 'abcdef.0123456789abcdef',
  [`${C}/secrets/encryptionconfig`]: `{"Data":"${randomBytes(24).toString('base64')}"}`,
};
const OTHER: Record<string, string> = {
  [`${C}/config`]: 'kind: Cluster\n',
  [`${C}/pki/issued/kubernetes-ca/keyset.yaml`]: 'kind: Keyset\npublicMaterial: x\n',
  [`${C}/igconfig/control-plane/cp/pki/ca.key`]: '-----BEGIN RSA PRIVATE KEY-----\nplaintext copy for the node\n',
  'other.example.com/secrets/admin': 'another cluster: not touched',
};

/** The store with every object written under `key` (undefined: plaintext). */
async function seed(store: StateStore, key: Uint8Array | undefined): Promise<StateStore> {
  const raw = atRest(store);
  const enc = new EnvelopeStateStore(raw, key);
  for (const [p, v] of Object.entries(PROTECTED)) await enc.write(p, v);
  for (const [p, v] of Object.entries(OTHER)) await raw.write(p, v);
  return raw;
}

/** The key id each protected object is under at rest (`plaintext` for none). */
async function keyIds(raw: StateStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of Object.keys(PROTECTED)) {
    const t = Buffer.from((await raw.read(p))!.data).toString('latin1');
    out[p] = t.startsWith(ENVELOPE_MAGIC) ? t.slice(ENVELOPE_MAGIC.length, ENVELOPE_MAGIC.length + 16) : 'plaintext';
  }
  return out;
}

/** Every protected object reads back as its plaintext with `key`, and the other objects are unchanged. */
async function expectReadable(raw: StateStore, key: Uint8Array): Promise<void> {
  const enc = new EnvelopeStateStore(raw, key);
  for (const [p, v] of Object.entries(PROTECTED)) expect(Buffer.from((await enc.read(p))!.data).toString('utf8'), p).toBe(v);
  for (const [p, v] of Object.entries(OTHER)) expect(Buffer.from((await raw.read(p))!.data).toString('utf8'), p).toBe(v);
}

const all = (id: string) => Object.fromEntries(Object.keys(PROTECTED).map((p) => [p, id]));

describe.each(backends)('rotate secret-key on $name', (backend) => {
  it('encrypts a plaintext store under the new key; the preview counted it and wrote nothing', async () => {
    const raw = await seed(await backend.fresh(), undefined);
    const before = await snapshot(raw);
    const plan = await planSecretKeyRotation({ store: raw, cluster: C, newKey: A });
    expect(plan).toEqual({
      cluster: C,
      currentKeyId: undefined,
      newKeyId: secretKeyId(A),
      areas: [
        { area: 'keysets', plaintext: 3, current: 0, new: 0, total: 3 },
        { area: 'secrets', plaintext: 2, current: 0, new: 0, total: 2 },
      ],
      toRewrite: 5,
    });
    expect(await snapshot(raw)).toEqual(before);
    const r = await rotateSecretKey({ store: raw, cluster: C, newKey: A });
    expect([...r.rewritten].sort()).toEqual(Object.keys(PROTECTED).sort());
    expect(await keyIds(raw)).toEqual(all(secretKeyId(A)));
    await expectReadable(raw, A);
  });

  it('A → B through the decorated store: every object under B, the old key refused with a hint naming B', async () => {
    const raw = await seed(await backend.fresh(), A);
    const store = new EnvelopeStateStore(raw, A); // as the commands open it
    const r = await rotateSecretKey({ store, cluster: C, currentKey: A, newKey: B });
    expect(r.rewritten).toHaveLength(5);
    expect(r.areas.map((a) => a.current)).toEqual([3, 2]);
    expect(await keyIds(raw)).toEqual(all(secretKeyId(B)));
    await expectReadable(raw, B);
    const e = await rejectionOf(store.read(`${C}/secrets/bootstrap-token`), KopsError);
    expect(e.code).toBe('SecretKeyMismatch');
    expect(e.diagnostics[0]?.hint).toContain(`id ${secretKeyId(B)}`);
    expect(e.diagnostics[0]?.hint).toContain('kops-ts rotate secret-key');
    // A second run has nothing left to do.
    const again = await rotateSecretKey({ store: raw, cluster: C, currentKey: A, newKey: B });
    expect(again.rewritten).toEqual([]);
    expect(again.areas.map((a) => a.new)).toEqual([3, 2]);
  });

  it('an object under a third key: refused before any write, naming the object and its key id', async () => {
    const raw = await seed(await backend.fresh(), A);
    const odd = `${C}/secrets/dockerconfig`;
    await new EnvelopeStateStore(raw, THIRD).write(odd, 'under another key');
    const before = await snapshot(raw);
    for (const run of [() => planSecretKeyRotation({ store: raw, cluster: C, currentKey: A, newKey: B }), () => rotateSecretKey({ store: raw, cluster: C, currentKey: A, newKey: B })]) {
      const e = await rejectionOf(run(), KopsError);
      expect(e.code).toBe('SecretKeyUnknown');
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain(secretKeyId(THIRD));
      expect(e.diagnostics.map((d) => d.file)).toEqual([`${raw.url}/${odd}`]);
      expect(e.diagnostics[0]?.hint).toContain(`give the key whose id is ${secretKeyId(THIRD)} with --secret-key`);
    }
    // Without the current key, A's objects are the unknown ones.
    const none = await rejectionOf(rotateSecretKey({ store: raw, cluster: C, newKey: B }), KopsError);
    expect(none.diagnostics).toHaveLength(6);
    expect(await snapshot(raw)).toEqual(before);
  });
});

describe('stops and refusals (memory and file)', () => {
  const local = backends.filter((b) => b.name === 'memory' || b.name === 'file');

  it.each(local)('$name: a failing k-th write, for every k, leaves a mixed store that a re-run converges', async (backend) => {
    const n = Object.keys(PROTECTED).length;
    for (let k = 1; k <= n; k++) {
      const raw = await seed(await backend.fresh(), A);
      let writes = 0;
      const faulty = new FaultyStore(raw, () => ++writes === k);
      const e = await rejectionOf(rotateSecretKey({ store: faulty, cluster: C, currentKey: A, newKey: B }), SecretKeyRotationStopped);
      expect([e.written, e.total], `k=${k}`).toEqual([k - 1, n]);
      const ids = Object.values(await keyIds(raw));
      expect(ids.filter((i) => i === secretKeyId(B)), `k=${k}`).toHaveLength(k - 1);
      expect(ids.filter((i) => i === secretKeyId(A)), `k=${k}`).toHaveLength(n - k + 1);
      const plan = await planSecretKeyRotation({ store: raw, cluster: C, currentKey: A, newKey: B });
      expect(plan.toRewrite, `k=${k}`).toBe(n - k + 1);
      const r = await rotateSecretKey({ store: raw, cluster: C, currentKey: A, newKey: B });
      expect(r.rewritten, `k=${k}`).toHaveLength(n - k + 1);
      expect(await keyIds(raw)).toEqual(all(secretKeyId(B)));
      await expectReadable(raw, B);
    }
  });

  it('a damaged envelope is refused before any write (every object is decrypted first)', async () => {
    const raw = await seed(await backends[0]!.fresh(), A);
    const last = `${C}/secrets/encryptionconfig`;
    const t = Buffer.from((await raw.read(last))!.data).toString('latin1');
    await raw.write(last, `${t.slice(0, -6)}AAAA=\n`);
    const before = await snapshot(raw);
    const e = await rejectionOf(rotateSecretKey({ store: raw, cluster: C, currentKey: A, newKey: B }), KopsError);
    expect(e.code).toBe('EncryptedObjectCorrupt');
    expect(await snapshot(raw)).toEqual(before);
  });

  it('an object changed after it was read is not overwritten: the write is conditional on its version', async () => {
    const raw = await seed(await backends[0]!.fresh(), A);
    const victim = `${C}/secrets/encryptionconfig`;
    let first = true;
    const racing = new FaultyStore(raw, () => false);
    const write = racing.write.bind(racing);
    racing.write = async (path, data, opts) => {
      if (first) {
        first = false;
        await new EnvelopeStateStore(raw, A).write(victim, 'written by another run');
      }
      return write(path, data, opts);
    };
    const e = await rejectionOf(rotateSecretKey({ store: racing, cluster: C, currentKey: A, newKey: B }), SecretKeyRotationStopped);
    expect(KopsError.is(e.reason, 'StateConflict')).toBe(true);
    expect(Buffer.from((await new EnvelopeStateStore(raw, A).read(victim))!.data).toString()).toBe('written by another run');
  });

  it('the same key twice, and a stop signal: nothing written', async () => {
    const raw = await seed(await backends[0]!.fresh(), A);
    const before = await snapshot(raw);
    const same = await rejectionOf(rotateSecretKey({ store: raw, cluster: C, currentKey: A, newKey: A }), KopsError);
    expect([same.code, same.exitCode]).toEqual(['SameSecretKey', 2]);
    const stopped = await rejectionOf(rotateSecretKey({ store: raw, cluster: C, currentKey: A, newKey: B, signal: AbortSignal.abort() }), SecretKeyRotationStopped);
    expect(stopped.written).toBe(0);
    expect(await snapshot(raw)).toEqual(before);
  });
});
