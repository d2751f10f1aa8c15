import { randomUUID, webcrypto } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { CPU_CONCURRENCY } from '../../src/concurrency.js';
import { MemoryStateStore } from '../../src/statestore/memory.js';
import { parseKopsYaml } from '../../src/statestore/codec.js';
import {
  KeysetStore,
  addItem,
  clusterKeysetNames,
  distrustItem,
  ensureClusterKeysets,
  generateCA,
  generateKeyset,
  issueFromKeyset,
  itemIdOf,
  keysetFromDocument,
  pregenerateClusterKeysets,
  promoteItem,
  trustBundle,
  trustedPublicKeysPem,
} from '../../src/pki/index.js';
import { opensslPubkeyOfCert, opensslVerify } from './openssl.js';

const NOW = new Date('2026-12-02T12:00:00Z');
const CLUSTER = 'k.example.com';
const cluster = {
  metadata: { name: CLUSTER },
  spec: { etcdClusters: [{ name: 'main', etcdMembers: [] }, { name: 'events', etcdMembers: [] }] },
};

function certsIn(bundle: string): number {
  return (bundle.match(/BEGIN CERTIFICATE/g) ?? []).length;
}

describe('keysets in the state store', () => {
  it("are generated once, at kops's paths and in kops's shape, with a public copy without keys under pki/issued", async () => {
    const store = new MemoryStateStore(randomUUID());
    const ks = new KeysetStore(store);
    const first = await ensureClusterKeysets(ks, cluster, { now: () => NOW, keyAlgorithm: 'ecdsa-p256' });
    expect(first.created).toEqual(['kubernetes-ca', 'apiserver-aggregator-ca', 'service-account', 'etcd-manager-ca-events', 'etcd-manager-ca-main']);
    expect(clusterKeysetNames(cluster)).toEqual(first.created);
    const again = await ensureClusterKeysets(ks, cluster, { now: () => NOW, keyAlgorithm: 'ecdsa-p256' });
    expect(again.created).toEqual([]);
    expect(again.keysets.get('kubernetes-ca')).toEqual(first.keysets.get('kubernetes-ca'));

    const raw = parseKopsYaml(new TextDecoder().decode((await store.read(`${CLUSTER}/pki/private/kubernetes-ca/keyset.yaml`))!.data)) as Record<string, any>;
    expect(raw.apiVersion).toBe('kops.k8s.io/v1alpha2');
    expect(raw.kind).toBe('Keyset');
    expect(raw.metadata.name).toBe('kubernetes-ca');
    expect(raw.spec.type).toBe('Keypair');
    const item = raw.spec.keys[0];
    expect(raw.spec.primaryID).toBe(item.id);
    expect(Buffer.from(item.publicMaterial, 'base64').toString()).toContain('-----BEGIN CERTIFICATE-----');
    expect(Buffer.from(item.privateMaterial, 'base64').toString()).toContain('PRIVATE KEY-----');
    expect(item.id).toBe(itemIdOf(Buffer.from(item.publicMaterial, 'base64').toString()));

    const issued = new TextDecoder().decode((await store.read(`${CLUSTER}/pki/issued/kubernetes-ca/keyset.yaml`))!.data);
    expect(issued).toContain('publicMaterial');
    expect(issued).not.toContain('privateMaterial');
    expect((await ks.list(CLUSTER))).toEqual([...first.created].sort());
  });

  it('generates at most CPU_CONCURRENCY keys at once (key generation is CPU, overlapping the apply), looking every keyset up at once', async () => {
    const store = new MemoryStateStore(randomUUID());
    let inFlight = 0;
    let peak = 0;
    const generate = webcrypto.subtle.generateKey.bind(webcrypto.subtle) as (...a: unknown[]) => Promise<unknown>;
    const spy = vi.spyOn(webcrypto.subtle, 'generateKey').mockImplementation((async (...args: unknown[]) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await generate(...args);
      } finally {
        inFlight--;
      }
    }) as never);
    try {
      const made = await ensureClusterKeysets(new KeysetStore(store), cluster, { keyAlgorithm: 'ecdsa-p256' });
      expect(made.created).toHaveLength(5);
      expect(spy).toHaveBeenCalledTimes(5);
      expect(peak).toBe(Math.min(CPU_CONCURRENCY, 5));
    } finally {
      spy.mockRestore();
    }
  });

  it('pregenerated keysets are the ones stored, generated only for what the store lacks, and dropped for one stored meanwhile', async () => {
    const store = new MemoryStateStore(randomUUID());
    const ks = new KeysetStore(store);
    // The store already holds one CA: nothing is generated for it.
    const held = await generateKeyset('kubernetes-ca', NOW, 'ecdsa-p256');
    await ks.create(CLUSTER, held);
    const pre = pregenerateClusterKeysets(ks, cluster, { now: () => NOW, keyAlgorithm: 'ecdsa-p256' });
    expect([...pre.keys()]).toEqual(clusterKeysetNames(cluster));
    expect(await pre.get('kubernetes-ca')).toBeUndefined();
    const front = await pre.get('apiserver-aggregator-ca');
    expect(front?.name).toBe('apiserver-aggregator-ca');
    // Nothing was written by the pregeneration.
    expect(await ks.list(CLUSTER)).toEqual(['kubernetes-ca']);
    // Another run stores the service-account key meanwhile: that one is kept, ours dropped.
    const other = await generateKeyset('service-account', NOW, 'ecdsa-p256');
    await ks.create(CLUSTER, other);
    const made = await ensureClusterKeysets(ks, cluster, { now: () => NOW, keyAlgorithm: 'ecdsa-p256', pregenerated: pre });
    expect(made.created).toEqual(['apiserver-aggregator-ca', 'etcd-manager-ca-events', 'etcd-manager-ca-main']);
    expect(made.keysets.get('apiserver-aggregator-ca')).toEqual(front);
    expect(made.keysets.get('kubernetes-ca')).toEqual(held);
    expect(made.keysets.get('service-account')).toEqual(other);
  });

  it('a failed pregeneration is no failure: ensureClusterKeysets generates the keyset itself', async () => {
    const store = new MemoryStateStore(randomUUID());
    const ks = new KeysetStore(store);
    const broken = new KeysetStore({ ...store, url: store.url, read: () => Promise.reject(new Error('store down')), write: store.write.bind(store), list: store.list.bind(store), listSizes: store.listSizes.bind(store), delete: store.delete.bind(store) });
    const pre = pregenerateClusterKeysets(broken, cluster, { keyAlgorithm: 'ecdsa-p256' });
    expect(await pre.get('kubernetes-ca')).toBeUndefined();
    const made = await ensureClusterKeysets(ks, cluster, { keyAlgorithm: 'ecdsa-p256', pregenerated: pre });
    expect(made.created).toHaveLength(5);
  });

  it('a concurrent second creator keeps the first CA: one keyset, never two CAs', async () => {
    const store = new MemoryStateStore(randomUUID());
    const [a, b] = await Promise.all([
      ensureClusterKeysets(new KeysetStore(store), cluster, { keyAlgorithm: 'ecdsa-p256' }),
      ensureClusterKeysets(new KeysetStore(store), cluster, { keyAlgorithm: 'ecdsa-p256' }),
    ]);
    const stored = (await new KeysetStore(store).get(CLUSTER, 'kubernetes-ca')).keyset;
    expect(a.keysets.get('kubernetes-ca')).toEqual(stored);
    expect(b.keysets.get('kubernetes-ca')).toEqual(stored);
    expect(stored.items).toHaveLength(1);
  });

  it('a replace based on a stale version is a StateConflict and loses nothing', async () => {
    const store = new MemoryStateStore(randomUUID());
    const ks = new KeysetStore(store);
    await ensureClusterKeysets(ks, { metadata: { name: CLUSTER }, spec: {} }, { keyAlgorithm: 'ecdsa-p256' });
    const read = await ks.get(CLUSTER, 'kubernetes-ca');
    const extra1 = await generateKeyset('kubernetes-ca', NOW, 'ecdsa-p256');
    const extra2 = await generateKeyset('kubernetes-ca', NOW, 'ecdsa-p256');
    await ks.replace(CLUSTER, addItem(read.keyset, extra1.items[0]!, false, CLUSTER), read.version);
    await expect(ks.replace(CLUSTER, addItem(read.keyset, extra2.items[0]!, false, CLUSTER), read.version)).rejects.toMatchObject({ code: 'StateConflict' });
    expect((await ks.get(CLUSTER, 'kubernetes-ca')).keyset.items.map((i) => i.id)).toEqual([read.keyset.primaryId, extra1.primaryId]);
  });
});

describe('CA rotation', () => {
  it('the bundle holds both CAs during the overlap, certificates of either verify; after distrust only the new one remains', async () => {
    const store = new MemoryStateStore(randomUUID());
    const ks = new KeysetStore(store);
    await ensureClusterKeysets(ks, { metadata: { name: CLUSTER }, spec: {} }, { keyAlgorithm: 'ecdsa-p256' });
    const start = await ks.get(CLUSTER, 'kubernetes-ca');
    const oldId = start.keyset.primaryId;
    const oldLeaf = await issueFromKeyset(start.keyset, CLUSTER, { commonName: 'old', usages: ['client'], keyAlgorithm: 'ecdsa-p256' });

    // 1. the new CA is added as a secondary: trusted, not signing.
    const next = (await generateKeyset('kubernetes-ca', new Date(), 'ecdsa-p256')).items[0]!;
    const staged = await ks.replace(CLUSTER, addItem(start.keyset, next, false, CLUSTER), start.version);
    expect(staged.keyset.primaryId).toBe(oldId);
    const overlap = trustBundle(staged.keyset);
    expect(certsIn(overlap)).toBe(2);
    expect(opensslVerify(overlap, oldLeaf.certificate).ok).toBe(true);

    // 2. promoted: it signs now; the old CA is still trusted, so old certificates still verify.
    const { keyset: promotedKs, id } = promoteItem(staged.keyset, undefined, CLUSTER);
    expect(id).toBe(next.id);
    const promoted = await ks.replace(CLUSTER, promotedKs, staged.version);
    const newLeaf = await issueFromKeyset(promoted.keyset, CLUSTER, { commonName: 'new', usages: ['client'], keyAlgorithm: 'ecdsa-p256' });
    const both = trustBundle(promoted.keyset);
    expect(certsIn(both)).toBe(2);
    expect(opensslVerify(both, oldLeaf.certificate).ok).toBe(true);
    expect(opensslVerify(both, newLeaf.certificate).ok).toBe(true);

    // 3. the old one distrusted: gone from the bundle; what it signed no longer verifies.
    const { keyset: distrustedKs } = distrustItem(promoted.keyset, oldId, NOW, CLUSTER);
    const done = await ks.replace(CLUSTER, distrustedKs, promoted.version);
    const after = trustBundle((await ks.get(CLUSTER, 'kubernetes-ca')).keyset);
    expect(certsIn(after)).toBe(1);
    expect(after).toBe(next.certificate.endsWith('\n') ? next.certificate : `${next.certificate}\n`);
    expect(opensslVerify(after, newLeaf.certificate).ok).toBe(true);
    expect(opensslVerify(after, oldLeaf.certificate).ok).toBe(false);
    expect(done.keyset.items.find((i) => i.id === oldId)?.distrustTimestamp).toBe('2026-12-02T12:00:00Z');
    // The verification keys (service-account's use) follow the same trust: only the new one now.
    expect(trustedPublicKeysPem(promoted.keyset)).toBe(opensslPubkeyOfCert(next.certificate) + opensslPubkeyOfCert(start.keyset.items[0]!.certificate));
    expect(trustedPublicKeysPem(done.keyset)).toBe(opensslPubkeyOfCert(next.certificate));
    // The public copy follows.
    const issued = new TextDecoder().decode((await store.read(`${CLUSTER}/pki/issued/kubernetes-ca/keyset.yaml`))!.data);
    expect(issued).toContain('distrustTimestamp');
  });

  it('refuses what would break the cluster: distrusting the primary, promoting a distrusted or key-less item, duplicate ids', async () => {
    const base = await generateKeyset('kubernetes-ca', NOW, 'ecdsa-p256');
    expect(() => distrustItem(base, base.primaryId, NOW, CLUSTER)).toThrow(/is the primary of "kubernetes-ca"/);
    expect(() => promoteItem(base, undefined, CLUSTER)).toThrow(/no trusted secondary item with a private key/);
    expect(() => distrustItem(base, '42', NOW, CLUSTER)).toThrow(/has no item with id 42/);
    const other = await generateCA({ commonName: 'other', keyAlgorithm: 'ecdsa-p256' });
    const trustOnly = { id: itemIdOf(other.certificate), certificate: other.certificate };
    const withTrustOnly = addItem(base, trustOnly, false, CLUSTER);
    expect(() => promoteItem(withTrustOnly, trustOnly.id, CLUSTER)).toThrow(/has no private key/);
    expect(() => addItem(withTrustOnly, trustOnly, false, CLUSTER)).toThrow(/already has an item with id/);
    expect(() => addItem(base, trustOnly, true, CLUSTER)).toThrow(/cannot be the primary/);
    const distrusted = distrustItem(withTrustOnly, trustOnly.id, NOW, CLUSTER).keyset;
    expect(distrustItem(distrusted, trustOnly.id, NOW, CLUSTER).already).toBe('2026-12-02T12:00:00Z');
    expect(() => promoteItem(distrusted, trustOnly.id, CLUSTER)).toThrow(/is distrusted/);
  });

  it('a damaged stored keyset is an error naming the field, never quoting key material', async () => {
    const where = 'memory://x/k.example.com/pki/private/kubernetes-ca/keyset.yaml';
    expect(() => keysetFromDocument({ kind: 'Keyset', spec: { keys: [] } }, where)).toThrow(`${where}: spec.keys is missing or empty`);
    expect(() => keysetFromDocument({ kind: 'Keyset', spec: { primaryID: '1', keys: [{ id: '1', publicMaterial: 'aGVsbG8=' }] } }, where)).toThrow('spec.keys[0].publicMaterial is not the base64 of a PEM certificate');
    const garbled = Buffer.from('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----').toString('base64');
    expect(() => keysetFromDocument({ kind: 'Keyset', spec: { primaryID: '1', keys: [{ id: '1', publicMaterial: garbled }] } }, where)).toThrow('spec.keys[0].publicMaterial is not a readable certificate');
    const secret = Buffer.from((await generateCA({ commonName: 'x', keyAlgorithm: 'ecdsa-p256' })).certificate).toString('base64');
    let message = '';
    try {
      keysetFromDocument({ kind: 'Keyset', spec: { primaryID: '2', keys: [{ id: '1', publicMaterial: secret, privateMaterial: 'c2VjcmV0LWtleQ==' }] } }, where);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('spec.keys[0].privateMaterial is not the base64 of a PEM private key');
    expect(message).not.toContain('c2VjcmV0');
  });
});
