import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { Clientset, historyStamp, keepHistory, listHistory, readHistory } from '../../src/statestore/index.js';
import { backends, text } from './backends.js';
import { sampleCluster, sampleIG } from './fixtures.js';

const NAME = 'hist.example.com';

function ticking(start = '2026-05-01T12:00:00.000Z', stepMs = 61_000) {
  let t = Date.parse(start);
  return () => new Date((t += stepMs));
}

describe('history stamps', () => {
  it('sort by time and name the content', () => {
    const a = historyStamp(new Date('2026-01-02T03:04:05.006Z'), new TextEncoder().encode('x'));
    const b = historyStamp(new Date('2026-01-02T03:04:05.010Z'), new TextEncoder().encode('x'));
    const c = historyStamp(new Date('2026-01-02T03:04:05.006Z'), new TextEncoder().encode('y'));
    expect(a).toMatch(/^2026-01-02T03-04-05\.006Z-[0-9a-f]{8}$/);
    expect(a < b).toBe(true);
    expect(c).not.toBe(a);
  });
});

describe.each(backends)('history: $name', (backend) => {
  it('keeps every previous config, newest first, readable byte for byte', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store, { now: ticking() });
    await cs.createCluster(sampleCluster(NAME, '1.29.0'), [sampleIG('nodes')]);
    const bytes: string[] = [];
    let cur = await cs.getCluster(NAME);
    for (const v of ['1.30.0', '1.31.0']) {
      bytes.push(text((await store.read(`${NAME}/config`))?.data) ?? '');
      const next = structuredClone(cur.object);
      next.spec.kubernetesVersion = v;
      await cs.updateCluster(next, cur.version);
      cur = await cs.getCluster(NAME);
    }
    const entries = await listHistory(store, NAME, 'config');
    expect(entries).toHaveLength(2);
    expect(entries[0]!.time.getTime()).toBeGreaterThan(entries[1]!.time.getTime());
    expect(entries[0]!.path).toBe(`${NAME}/history/config/${entries[0]!.stamp}`);
    expect(text((await readHistory(store, NAME, 'config', entries[0]!.stamp))?.data)).toBe(bytes[1]);
    expect(text((await readHistory(store, NAME, 'config', entries[1]!.stamp))?.data)).toBe(bytes[0]);
    expect(text((await readHistory(store, NAME, 'config', entries[1]!.stamp))?.data)).toContain('kubernetesVersion: 1.29.0');
    expect(cur.object.spec.kubernetesVersion).toBe('1.31.0');
  });

  it('keeps instance groups apart, including one that was deleted', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store, { now: ticking() });
    await cs.createCluster(sampleCluster(NAME), [sampleIG('nodes'), sampleIG('nodes-b')]);
    const ig = await cs.getInstanceGroup(NAME, 'nodes');
    const bigger = structuredClone(ig.object);
    bigger.spec.maxSize = 5;
    const updated = await cs.updateInstanceGroup(NAME, bigger, ig.version);
    await cs.deleteInstanceGroup(NAME, 'nodes', updated.version);
    const entries = await listHistory(store, NAME, 'instancegroup/nodes');
    expect(entries).toHaveLength(2);
    expect(text((await store.read(entries[0]!.path))?.data)).toContain('maxSize: 5');
    expect(text((await store.read(entries[1]!.path))?.data)).toContain('maxSize: 2');
    expect(await listHistory(store, NAME, 'instancegroup/nodes-b')).toEqual([]);
    expect(await listHistory(store, NAME, 'config')).toEqual([]);
    // The history goes with the cluster.
    await cs.deleteClusterState(NAME);
    expect(await store.list(`${NAME}/`)).toEqual([]);
  });

  it('an update that changes nothing writes nothing and keeps no history entry', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store, { now: ticking() });
    await cs.createCluster(sampleCluster(NAME), [sampleIG('nodes')]);
    const cluster = await cs.getCluster(NAME);
    const ig = await cs.getInstanceGroup(NAME, 'nodes');
    const config = text((await store.read(`${NAME}/config`))?.data);
    // As stored, and as a manifest without the metadata the store keeps (creationTimestamp, label).
    const bare = structuredClone(ig.object);
    delete bare.metadata.creationTimestamp;
    delete bare.metadata.labels?.['kops.k8s.io/cluster'];
    const same = await cs.updateCluster(structuredClone(cluster.object), cluster.version);
    const sameIg = await cs.updateInstanceGroup(NAME, bare, ig.version);
    expect(same).toMatchObject({ unchanged: true, version: cluster.version });
    expect(sameIg).toMatchObject({ unchanged: true, version: ig.version });
    expect(text((await store.read(`${NAME}/config`))?.data)).toBe(config);
    expect(await listHistory(store, NAME, 'config')).toEqual([]);
    expect(await listHistory(store, NAME, 'instancegroup/nodes')).toEqual([]);
    // Still conditional: a version that is not the stored one is a conflict, change or not.
    await expect(cs.updateCluster(structuredClone(cluster.object), 'stale')).rejects.toMatchObject({ code: 'StateConflict' });
    // A change is written, and the version it replaced kept.
    const bigger = structuredClone(ig.object);
    bigger.spec.maxSize = 7;
    const written = await cs.updateInstanceGroup(NAME, bigger, ig.version);
    expect(written.unchanged).toBeUndefined();
    expect(written.version).not.toBe(ig.version);
    expect(await listHistory(store, NAME, 'instancegroup/nodes')).toHaveLength(1);
  });

  it('records the same content superseded at the same instant once', async () => {
    const store = await backend.fresh();
    const at = new Date('2026-05-01T12:00:00.000Z');
    const prev = { data: new TextEncoder().encode('spec: 1\n'), version: 'v' };
    const a = await keepHistory(store, NAME, 'config', prev, at);
    const b = await keepHistory(store, NAME, 'config', prev, at);
    expect(b).toEqual(a);
    expect(await listHistory(store, NAME, 'config')).toEqual([a]);
  });

  it('rejects what it keeps no history for', async () => {
    const store = await backend.fresh();
    await expect(listHistory(store, NAME, 'pki/private' as 'config')).rejects.toSatisfy((e) => KopsError.is(e, 'InvalidHistoryObject'));
    await expect(readHistory(store, NAME, 'config', '../../config')).rejects.toSatisfy((e) => KopsError.is(e, 'InvalidHistoryStamp'));
  });
});
