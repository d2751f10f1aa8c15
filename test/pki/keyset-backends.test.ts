/** Keysets on every backend (memory, file, S3 on the emulator): two processes creating at once keep one CA; a stale rotation is refused. */
import { describe, expect, it } from 'vitest';
import { KeysetStore, addItem, ensureClusterKeysets, generateKeyset } from '../../src/pki/index.js';
import { backends } from '../statestore/backends.js';

const CLUSTER = 'b.example.com';
const cluster = { metadata: { name: CLUSTER }, spec: { etcdClusters: [{ name: 'main', etcdMembers: [] }] } };

describe.each(backends)('keysets on the $name store', (backend) => {
  it('two runs generating at once store one CA per keyset, and both use it', async () => {
    const store = await backend.fresh();
    const [a, b] = await Promise.all([
      ensureClusterKeysets(new KeysetStore(store), cluster, { keyAlgorithm: 'ecdsa-p256' }),
      ensureClusterKeysets(new KeysetStore(backend.reopen(store)), cluster, { keyAlgorithm: 'ecdsa-p256' }),
    ]);
    const ks = new KeysetStore(store);
    expect(await ks.list(CLUSTER)).toEqual(['apiserver-aggregator-ca', 'etcd-manager-ca-main', 'kubernetes-ca', 'service-account']);
    for (const name of await ks.list(CLUSTER)) {
      const stored = (await ks.get(CLUSTER, name)).keyset;
      expect(stored.items).toHaveLength(1);
      expect(a.keysets.get(name)).toEqual(stored);
      expect(b.keysets.get(name)).toEqual(stored);
    }
    expect([...a.created, ...b.created].sort()).toEqual(['apiserver-aggregator-ca', 'etcd-manager-ca-main', 'kubernetes-ca', 'service-account']);
  });

  it('a rotation based on a stale read is a StateConflict; the public copy follows the private keyset', async () => {
    const store = await backend.fresh();
    const ks = new KeysetStore(store);
    await ensureClusterKeysets(ks, { metadata: { name: CLUSTER }, spec: {} }, { keyAlgorithm: 'ecdsa-p256' });
    const read = await ks.get(CLUSTER, 'kubernetes-ca');
    const [x, y] = await Promise.all([generateKeyset('kubernetes-ca', new Date(), 'ecdsa-p256'), generateKeyset('kubernetes-ca', new Date(), 'ecdsa-p256')]);
    await new KeysetStore(backend.reopen(store)).replace(CLUSTER, addItem(read.keyset, x.items[0]!, false, CLUSTER), read.version);
    await expect(ks.replace(CLUSTER, addItem(read.keyset, y.items[0]!, false, CLUSTER), read.version)).rejects.toMatchObject({ code: 'StateConflict' });
    const issued = new TextDecoder().decode((await store.read(`${CLUSTER}/pki/issued/kubernetes-ca/keyset.yaml`))!.data);
    expect(issued.match(/publicMaterial/g)).toHaveLength(2);
    expect(issued).not.toContain('privateMaterial');
  });
});
