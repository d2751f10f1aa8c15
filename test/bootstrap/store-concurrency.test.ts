/**
 * The bootstrap files and the keysets are read and written concurrently, bounded (src/concurrency.ts):
 * several requests in flight, never more than the bound, results as the serial loop gave them,
 * and a failed write still fails the call.
 */
import { describe, expect, it } from 'vitest';
import { STORE_CONCURRENCY } from '../../src/concurrency.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { ensureClusterKeysets } from '../../src/pki/cluster.js';
import { KeysetStore } from '../../src/pki/store.js';
import { writeBootstrapConfig } from '../../src/bootstrap/store.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { StateStore } from '../../src/statestore/types.js';

const LB = 'api-x-0123.elb.us-east-1.amazonaws.com';

/** A store whose every request waits a turn of the event loop, counting how many are in flight at once. */
function metered(inner: StateStore, failWrite?: (path: string) => boolean) {
  let inFlight = 0;
  const m = { peak: 0, requests: 0 };
  const wrap = async <T>(f: () => Promise<T>): Promise<T> => {
    inFlight++;
    m.requests++;
    m.peak = Math.max(m.peak, inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      return await f();
    } finally {
      inFlight--;
    }
  };
  const store: StateStore = {
    url: inner.url,
    read: (p) => wrap(() => inner.read(p)),
    write: (p, d, o) => wrap(async () => {
      if (failWrite?.(p)) throw new Error(`injected write failure at ${p}`);
      return inner.write(p, d, o);
    }),
    list: (p) => wrap(() => inner.list(p)),
    listSizes: (p) => wrap(() => inner.listSizes(p)),
    delete: (p, o) => wrap(() => inner.delete(p, o)),
  };
  return { store, m };
}

function completed() {
  const built = newCluster({ name: 'conc.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] });
  return completeCluster(built.cluster, built.instanceGroups);
}

describe('bootstrap configuration and keysets, concurrently', () => {
  it('ensureClusterKeysets reads and creates every keyset at once', async () => {
    const { store, m } = metered(openStateStore('memory://conc-keysets'));
    const { cluster } = completed();
    const r = await ensureClusterKeysets(new KeysetStore(store), cluster);
    // kubernetes-ca, apiserver-aggregator-ca, service-account, etcd-manager-ca-main.
    expect(r.created.length).toBe(4);
    expect(m.peak).toBeGreaterThanOrEqual(r.created.length);
    expect(m.peak).toBeLessThanOrEqual(STORE_CONCURRENCY);
    // Created in the stable order of clusterKeysetNames, as before.
    expect(r.created).toEqual([...r.keysets.keys()]);
  });

  it('writeBootstrapConfig keeps up to STORE_CONCURRENCY requests in flight, reports in file order, and writes nothing the second time', async () => {
    const inner = openStateStore('memory://conc-bootstrap');
    const { cluster, instanceGroups } = completed();
    await ensureClusterKeysets(new KeysetStore(inner), cluster);
    const { store, m } = metered(inner);
    const first = await writeBootstrapConfig({ store, cluster, instanceGroups, loadBalancerDnsName: LB });
    expect(first.written.length).toBeGreaterThan(STORE_CONCURRENCY);
    expect(m.peak).toBe(STORE_CONCURRENCY);
    // Reported in the serial loop's order: each group's files with groups by name, then the addons,
    // then the control planes' PKI copies (3 control planes x 8 files).
    const groupOf = (p: string) => p.split('/')[3]!;
    const files = first.written.filter((p) => p.includes('/igconfig/') && !p.includes('/pki/')).map(groupOf);
    expect(files).toEqual([...files].sort((a, b) => a.localeCompare(b)));
    const firstAddon = first.written.findIndex((p) => p.includes('/addons/'));
    const firstPki = first.written.findIndex((p) => p.includes('/pki/'));
    expect(first.written.slice(0, firstAddon).every((p) => p.includes('/igconfig/') && !p.includes('/pki/'))).toBe(true);
    expect(firstPki).toBeGreaterThan(firstAddon);
    expect(first.written.filter((p) => p.includes('/pki/')).length).toBe(3 * 8);
    expect(first.unchanged).toEqual([]);
    const second = await writeBootstrapConfig({ store, cluster, instanceGroups, loadBalancerDnsName: LB });
    expect(second.written).toEqual([]);
    expect(second.unchanged).toEqual(first.written);
  });

  it('a failed write fails the call, naming the first failed path in file order', async () => {
    const inner = openStateStore('memory://conc-fail');
    const { cluster, instanceGroups } = completed();
    await ensureClusterKeysets(new KeysetStore(inner), cluster);
    const { store } = metered(inner, (p) => p.endsWith('/bootstrap.env'));
    await expect(writeBootstrapConfig({ store, cluster, instanceGroups, loadBalancerDnsName: LB })).rejects.toThrow(/injected write failure at conc\.example\.com\/igconfig\/control-plane\/control-plane-us-east-1a\/bootstrap\.env/);
  });
});
