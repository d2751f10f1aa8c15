import { beforeEach, describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { StateStoreProgress, progressPath } from '../../src/rolling-update/progress.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { KNOWN_CLUSTER_PREFIXES } from '../../src/statestore/layout.js';
import { MemoryStateStore, resetMemoryStores } from '../../src/statestore/memory.js';
import { HA_GROUPS, allCurrent, makeCluster, type GroupInit } from './harness.js';

beforeEach(() => resetMemoryStores());

const CLUSTER = 'example.com';
const GROUPS: GroupInit[] = [
  ...HA_GROUPS.filter((g) => g.role !== 'Node'),
  { name: 'nodes-us-east-1a', role: 'Node', size: 3, rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
  { name: 'nodes-us-east-1b', role: 'Node', size: 2 },
];

type Mode = 'image' | 'force';

function setup(mode: Mode, storeName: string) {
  const c = makeCluster(GROUPS);
  if (mode === 'image') c.cloud.bumpVersion();
  const store = new MemoryStateStore(storeName);
  const run = (extra: Parameters<typeof c.roll>[0] = {}) =>
    c.roll({ progress: new StateStoreProgress(store, CLUSTER), ...(mode === 'force' ? { force: true } : {}), ...extra });
  return { c, store, run };
}

function expectEachReplacedOnce(c: ReturnType<typeof makeCluster>, mode: Mode): void {
  expect(new Set(c.cloud.terminated).size).toBe(c.cloud.terminated.length);
  expect([...c.cloud.terminated].sort()).toEqual([...c.originals].sort());
  if (mode === 'image') expect(allCurrent(c.cloud)).toBe(true);
  for (const g of c.cloud.groups.values()) expect(g.instances.filter((i) => !i.detached)).toHaveLength(g.target);
  expect([...c.cloud.groups.values()].every((g) => g.instances.every((i) => !i.detached))).toBe(true);
}

describe('resuming an interrupted rolling update', () => {
  for (const mode of ['image', 'force'] as const) {
    it(`(${mode}) interrupted (Ctrl-C) after each event in turn, the next run completes, every instance replaced exactly once`, async () => {
      const full = setup(mode, `full-${mode}`);
      await full.run();
      const total = full.c.events.events.length;
      expect(total).toBeGreaterThan(50);
      for (let k = 1; k <= total; k++) {
        const { c, store, run } = setup(mode, `${mode}-${k}`);
        const ac = new AbortController();
        let n = 0;
        const first = await run({
          signal: ac.signal,
          events: (e) => {
            c.events.sink(e);
            if (++n === k) ac.abort(new Error('interrupted'));
          },
        }).then(
          () => 'completed',
          (e: unknown) => e,
        );
        if (first !== 'completed') expect((first as Error).message).toBe('interrupted');
        // A --force roll that got to the end is done: another one would rightly start over.
        if (mode === 'image' || first !== 'completed') {
          const second = await run();
          expect(second.resumed).toBe(first !== 'completed');
        }
        expectEachReplacedOnce(c, mode);
        expect(await store.read(progressPath(CLUSTER)), `k=${k}`).toBeUndefined();
      }
    });

    it(`(${mode}) a cloud call that fails after it took effect (lost response, expired credentials) at each mutation in turn`, async () => {
      const full = setup(mode, `fullc-${mode}`);
      await full.run();
      const mutations = full.c.cloud.log.filter((o) => o.op !== 'launch').length;
      for (let k = 1; k <= mutations; k++) {
        const { c, run } = setup(mode, `c-${mode}-${k}`);
        let n = 0;
        const crash = (op: { op: string }): void => {
          if (op.op !== 'launch' && ++n === k) throw new Error('ExpiredToken: the security token included in the request is expired');
        };
        c.cloud.observers.push(crash);
        const first = await run().then(
          () => 'completed',
          (e: unknown) => e,
        );
        c.cloud.observers.splice(c.cloud.observers.indexOf(crash), 1);
        if (mode === 'image' || first !== 'completed') await run();
        expectEachReplacedOnce(c, mode);
      }
    });
  }

  it('finishes the instance an interrupted surge left detached first', async () => {
    const { c, store, run } = setup('image', 'detached-first');
    const ac = new AbortController();
    let detached: string | undefined;
    await run({
      signal: ac.signal,
      events: (e) => {
        if (e.code === 'rolling-update.step' && e.step === 'detach' && e.group === 'nodes-us-east-1a') {
          detached = e.instance;
          ac.abort(new Error('interrupted'));
        }
      },
    }).catch(() => undefined);
    expect(detached).toBeDefined();
    const rec = await new StateStoreProgress(store, CLUSTER).load();
    expect(rec?.targeted['nodes-us-east-1a']).toContain(detached);
    expect(rec?.done).not.toContain(detached);
    c.events.clear();
    await run();
    const firstTerminate = c.events.of('rolling-update.step').find((e) => e.step === 'terminate' && e.group === 'nodes-us-east-1a');
    expect(firstTerminate?.instance).toBe(detached);
    // The detached instance still counts against maxSurge (1): the resumed run detaches no other.
    expect(c.cloud.log.filter((o) => o.op === 'detach' && o.group === 'nodes-us-east-1a')).toHaveLength(1);
    expectEachReplacedOnce(c, 'image');
  });
});

describe('a detach interrupted between its mark and the detach', () => {
  it('is finished first: the group launches the replacement, the instance is replaced once, the roll does not wait forever', async () => {
    const { c, run } = setup('image', 'half-detached');
    const g = c.cloud.groups.get('nodes-us-east-1a')!;
    const marked = g.instances[g.instances.length - 1]!.id;
    c.cloud.markDetached(marked);
    await run();
    const detaches = c.cloud.log.filter((o) => o.op === 'detach' && o.group === 'nodes-us-east-1a').map((o) => o.id);
    // The marked one is detached (finished) before anything else in its group, and counts against maxSurge (1).
    expect(detaches).toEqual([marked]);
    const firstTerminate = c.events.of('rolling-update.step').find((e) => e.step === 'terminate' && e.group === 'nodes-us-east-1a');
    expect(firstTerminate?.instance).toBe(marked);
    expectEachReplacedOnce(c, 'image');
  });
});

describe('the progress record in the state store', () => {
  it('lives under <cluster>/rolling-update/, which deleting the cluster state removes', async () => {
    expect(progressPath(CLUSTER)).toBe('example.com/rolling-update/state.yaml');
    expect(KNOWN_CLUSTER_PREFIXES).toContain('rolling-update/');
    const store = new MemoryStateStore('del');
    await store.write(`${CLUSTER}/config`, 'kind: Cluster\n');
    await new StateStoreProgress(store, CLUSTER).save({ started: '2026-01-01T00:00:00.000Z', targeted: { nodes: ['i-1'] }, done: [] });
    const deleted = await new Clientset(store).deleteClusterState(CLUSTER);
    expect(deleted).toContain(progressPath(CLUSTER));
    expect(await store.list(`${CLUSTER}/`)).toEqual([]);
  });

  it('round-trips, writes conditionally, and is cleared', async () => {
    const store = new MemoryStateStore('rec');
    const p = new StateStoreProgress(store, CLUSTER);
    expect(await p.load()).toBeUndefined();
    const rec = { started: '2026-01-01T00:00:00.000Z', targeted: { nodes: ['i-1', 'i-2'] }, done: ['i-1'] };
    await p.save(rec);
    expect(await new StateStoreProgress(store, CLUSTER).load()).toEqual(rec);
    // Another run changed it behind this one's back: the next write is refused, not lost.
    const other = new StateStoreProgress(store, CLUSTER);
    await other.load();
    await other.save({ ...rec, done: ['i-1', 'i-2'] });
    const err = await p.save(rec).catch((e: unknown) => e);
    expect(KopsError.is(err, 'StateConflict')).toBe(true);
    await other.clear();
    expect(await store.read(progressPath(CLUSTER))).toBeUndefined();
  });

  it('a damaged record is a clear error naming the file and what to do', async () => {
    const store = new MemoryStateStore('bad');
    await store.write(progressPath(CLUSTER), 'started: 2026-01-01\ntargeted: [a]\n');
    const err = await new StateStoreProgress(store, CLUSTER).load().catch((e: unknown) => e);
    expect(KopsError.is(err, 'InvalidRollingUpdateState')).toBe(true);
    expect((err as Error).message).toContain('example.com/rolling-update/state.yaml');
    expect((err as KopsError).diagnostics[0]?.hint).toContain('delete example.com/rolling-update/state.yaml');
  });
});
