/** update cluster generates the cluster's keysets on the first apply, under the lock, and keeps them after. */
import { describe, expect, it } from 'vitest';
import { setupCluster } from './update-helpers.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import type { StateStore } from '../../src/statestore/types.js';
import { KeysetStore } from '../../src/pki/index.js';

describe('update cluster and the PKI', () => {
  it('a plan writes no keys; the first apply generates every keyset under the lock; later applies keep them', async () => {
    const c = await setupCluster({ name: 'pki.example.com', zones: ['us-east-1a'] });
    const keysets = new KeysetStore(c.cs.store);
    await c.update(false);
    expect(await c.cs.store.list(`${c.name}/pki/private/`)).toEqual([]);

    // Record, for each keyset write, whether this run's lock was held at that moment.
    const store = c.cs.store;
    const heldAtWrite: Record<string, boolean> = {};
    const watching: StateStore = {
      url: store.url,
      read: (p) => store.read(p),
      list: (p) => store.list(p),
      listSizes: (p) => store.listSizes(p),
      delete: (p, o) => store.delete(p, o),
      async write(path, data, opts) {
        if (path.includes('/pki/private/')) heldAtWrite[path.split('/')[3]!] = (await store.read(`${c.name}/lock`)) !== undefined;
        return store.write(path, data, opts);
      },
    };
    const { region: _r, ...awsOpts } = c.aws.options;
    const applied = await updateCluster({ clientset: new Clientset(watching), clusterName: c.name, aws: awsOpts, yes: true });
    expect(applied.applied?.ok).toBe(true);
    expect(heldAtWrite).toEqual({
      'kubernetes-ca': true,
      'apiserver-aggregator-ca': true,
      'service-account': true,
      'etcd-manager-ca-main': true,
    });
    expect(await keysets.list(c.name)).toEqual(['apiserver-aggregator-ca', 'etcd-manager-ca-main', 'kubernetes-ca', 'service-account']);
    const before = (await keysets.get(c.name, 'kubernetes-ca')).keyset;

    await c.update(true);
    expect((await keysets.get(c.name, 'kubernetes-ca')).keyset).toEqual(before);
  });
});
