/**
 * `update cluster` reads and writes the state store in as few round trips one after another as
 * the objects allow: each request here takes a turn of the event loop, and the sequential depth
 * of the store's requests (the longest chain each starting after the previous ended,
 * src/cloud/aws/call-scope.ts) is what a distant store (S3 in another region: tens of ms a
 * request) multiplies. The spec's objects are read at once, and the cluster's CAs are made while
 * the cloud is applied.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sequentialDepth } from '../../src/cloud/aws/call-scope.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import type { KopsEvent } from '../../src/events.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { StateStore } from '../../src/statestore/types.js';
import { testAws } from '../helpers/aws.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

interface StoreCall {
  readonly op: 'read' | 'write' | 'list' | 'delete';
  readonly path: string;
  readonly startMs: number;
  endMs: number;
}

/** A memory store whose every request takes a turn of the event loop, recorded with its span. */
function timedStore(inner: StateStore): { store: StateStore; calls: StoreCall[] } {
  const calls: StoreCall[] = [];
  const timed = async <T>(op: StoreCall['op'], path: string, f: () => Promise<T>): Promise<T> => {
    const call: StoreCall = { op, path, startMs: performance.now(), endMs: Number.NaN };
    calls.push(call);
    try {
      await new Promise<void>((r) => setImmediate(r));
      return await f();
    } finally {
      call.endMs = performance.now();
    }
  };
  return {
    calls,
    store: {
      url: inner.url,
      read: (p) => timed('read', p, () => inner.read(p)),
      write: (p, d, o) => timed('write', p, () => inner.write(p, d, o)),
      list: (p) => timed('list', p, () => inner.list(p)),
      listSizes: (p) => timed('list', p, () => inner.listSizes(p)),
      delete: (p, o) => timed('delete', p, () => inner.delete(p, o)),
    },
  };
}

async function cluster(name: string) {
  const aws = testAws();
  const timed = timedStore(openStateStore(`memory://roundtrips-${aws.account}`));
  const cs = new Clientset(timed.store);
  const built = newCluster({ name, zones: ['us-east-1a'] });
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  timed.calls.length = 0;
  const { region: _region, ...awsOpts } = aws.options;
  return { timed, run: (yes: boolean, events?: (e: KopsEvent) => void) => updateCluster({ clientset: cs, clusterName: name, aws: awsOpts, yes, ...(events ? { events } : {}) }) };
}

describe('update cluster: state-store round trips', () => {
  it("reads the spec's objects (config, groups, completed spec, SSH key) at once: two requests deep, not six", async () => {
    const c = await cluster('reads.example.com');
    await c.run(false);
    const reads = c.timed.calls;
    // What the serial read made: config, the groups' listing then each of the 2 groups, the completed spec, the keys' listing then the key.
    expect(reads.filter((x) => x.op === 'list').map((x) => x.path).sort()).toEqual(['reads.example.com/instancegroup/', 'reads.example.com/pki/ssh/public/admin/']);
    // Plus `moved` (migrate state's marker), read beside config in the same round trip.
    expect(reads.filter((x) => x.op === 'read').map((x) => x.path)).toContain('reads.example.com/moved');
    expect(reads.filter((x) => x.op === 'read')).toHaveLength(6);
    expect(sequentialDepth(reads)).toBe(2);
  });

  it("makes the cluster's CAs while the cloud is applied, and is done with them before the bootstrap files are written", async () => {
    const c = await cluster('keysets.example.com');
    let applyStart = Number.NaN;
    let applyDone = Number.NaN;
    let locked = Number.NaN;
    const res = await c.run(true, (e) => {
      if (e.code === 'lock.acquired') locked = performance.now();
      if (e.code === 'apply.start') applyStart = performance.now();
      if (e.code === 'apply.done') applyDone = performance.now();
    });
    expect(res.applied?.ok).toBe(true);
    const keysetCalls = c.timed.calls.filter((x) => /\/pki\/(private|issued)\//.test(x.path));
    const keysetWrites = keysetCalls.filter((x) => x.op === 'write');
    const bootstrapWrites = c.timed.calls.filter((x) => x.op === 'write' && x.path.includes('/igconfig/'));
    expect(keysetWrites.length).toBeGreaterThan(0);
    expect(bootstrapWrites.length).toBeGreaterThan(0);
    // Not one after the other, asserted by order rather than by how long anything takes (key
    // generation on a loaded machine can outlast this small apply, so when the writes start is
    // no evidence). Not after the apply: the keysets are looked up before the apply is done (the
    // lookups start without any I/O in between, the apply needs the emulator's answers) ...
    expect(Math.min(...keysetCalls.map((x) => x.startMs))).toBeLessThan(applyDone);
    // ... not before it: the new keysets are written only after the apply started (generation
    // runs on libuv's threads, after the apply.start event, which the apply emits synchronously) ...
    expect(Math.max(...keysetWrites.map((x) => x.endMs))).toBeGreaterThan(applyStart);
    // ... and finished before any bootstrap file (which carries the CAs) is written.
    expect(Math.max(...keysetWrites.map((x) => x.endMs))).toBeLessThan(Math.min(...bootstrapWrites.map((x) => x.startMs)));
    // The keys' generation starts before the plan (pregenerateClusterKeysets): the store is asked
    // for the keysets before the lock is taken, which is after the plan.
    expect(Math.min(...keysetCalls.map((x) => x.startMs))).toBeLessThan(locked);
  });

  it('a plan without --yes neither reads nor generates the CAs', async () => {
    const c = await cluster('plan-only.example.com');
    await c.run(false);
    expect(c.timed.calls.filter((x) => /\/pki\/(private|issued)\//.test(x.path))).toEqual([]);
  });
});
