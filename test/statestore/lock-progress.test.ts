/**
 * `withClusterLock` renews the lease only while the operation shows progress (`lock.heartbeat()`,
 * which `update cluster` calls on every AWS response): a run hung on an endpoint that never
 * answers lets its lease expire instead of blocking every other user for as long as it hangs.
 */
import { describe, expect, it } from 'vitest';
import { acquireClusterLock, openStateStore, readClusterLock, withClusterLock, type LockTimers } from '../../src/statestore/index.js';
import type { LockInfo } from '../../src/statestore/types.js';

const CLUSTER = 'progress.example.com';

function clock(start = '2026-03-01T10:00:00.000Z') {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

/** One interval timer the test fires by hand; `tick` waits for the renewal it may start. */
function manualTimer() {
  let fn: (() => void) | undefined;
  const timers: LockTimers = {
    setInterval: (f) => {
      fn = f;
      return 1;
    },
    clearInterval: () => {
      fn = undefined;
    },
  };
  return { timers, fire: () => fn?.() };
}

/** Lets the in-memory store's pending writes complete (event-loop turns, not a timed wait). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

describe('cluster lock renewal follows progress', () => {
  it('renews after a heartbeat, skips an interval without one, and the lease then expires', async () => {
    const store = openStateStore(`memory://progress-${Date.now()}`);
    const c = clock();
    const t = manualTimer();
    const idle: LockInfo[] = [];
    const expires: string[] = [];
    const after = async () => (await readClusterLock(store, CLUSTER))!.expires;
    await withClusterLock(
      store,
      CLUSTER,
      'update cluster',
      async (lock) => {
        expires.push(await after()); // 10:01:00
        lock.heartbeat(); // an AWS response
        c.advance(20_000);
        t.fire();
        await lock.renew().then(() => undefined); // waits for the timer's renewal (serialised), and renews once more
        expires.push(await after()); // 10:01:20
        c.advance(20_000);
        t.fire(); // no heartbeat since the last tick: no renewal
        expires.push(await after());
        expect(idle).toHaveLength(1);
        // Past the lease's end with no progress, another run takes the cluster over.
        c.advance(41_000);
        const other = await acquireClusterLock(store, CLUSTER, { operation: 'update cluster', holder: 'ci', now: c.now, ttlMs: 60_000 });
        expect(other.info.holder).toBe('ci');
        await other.release();
        return lock.heartbeats;
      },
      { now: c.now, ttlMs: 60_000, timers: t.timers, onIdle: (i) => idle.push(i) },
    ).catch((e: unknown) => {
      // The hung run finds its lease gone when it ends: LockLost, as for any lost lease.
      expect((e as { code?: string }).code).toBe('LockLost');
    });
    expect(expires).toEqual(['2026-03-01T10:01:00.000Z', '2026-03-01T10:01:20.000Z', '2026-03-01T10:01:20.000Z']);
  });

  it('keeps renewing while heartbeats come', async () => {
    const store = openStateStore(`memory://progress-b-${Date.now()}`);
    const c = clock();
    const t = manualTimer();
    let renewals = 0;
    await withClusterLock(
      store,
      CLUSTER,
      'update cluster',
      async (lock) => {
        for (let i = 0; i < 5; i++) {
          lock.heartbeat();
          c.advance(20_000);
          const before = lock.info.version;
          t.fire();
          await settle();
          if (lock.info.version !== before) renewals++;
        }
        // 5 × 20 s past acquisition, the lease still runs a full TTL from now.
        expect((await readClusterLock(store, CLUSTER))!.expires).toBe('2026-03-01T10:02:40.000Z');
        // And without heartbeats it stops.
        c.advance(20_000);
        const before = lock.info.version;
        t.fire();
        await settle();
        expect(lock.info.version).toBe(before);
      },
      { now: c.now, ttlMs: 60_000, timers: t.timers },
    );
    expect(renewals).toBe(5);
    expect(await readClusterLock(store, CLUSTER)).toBeUndefined();
  });
});
