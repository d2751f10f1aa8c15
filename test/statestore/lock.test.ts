import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import {
  acquireClusterLock,
  forceUnlock,
  readClusterLock,
  withClusterLock,
  type LockTimers,
} from '../../src/statestore/index.js';
import { rejectionOf } from '../helpers/errors.js';
import { backends, text } from './backends.js';

const CLUSTER = 'lock.example.com';

/** A clock the test moves by hand. */
function clock(start = '2026-03-01T10:00:00.000Z') {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

/** Interval timers the test fires by hand (no sleeping). */
function manualTimers() {
  const live = new Map<number, () => void>();
  let next = 0;
  const timers: LockTimers = {
    setInterval: (fn) => {
      live.set(++next, fn);
      return next;
    },
    clearInterval: (h) => void live.delete(h as number),
  };
  return { timers, live, fire: () => [...live.values()].forEach((fn) => fn()) };
}

describe.each(backends)('cluster lock: $name', (backend) => {
  it('lets one of two concurrent acquirers win; the other learns who holds it', async () => {
    const store = await backend.fresh();
    const c = clock();
    const results = await Promise.allSettled([
      acquireClusterLock(store, CLUSTER, { operation: 'update cluster', holder: 'alice@a pid 1', now: c.now }),
      acquireClusterLock(backend.reopen(store), CLUSTER, { operation: 'rolling-update cluster', holder: 'bob@b pid 2', now: c.now }),
    ]);
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const lock = won[0]!;
    const e = lost[0];
    expect(KopsError.is(e, 'ClusterLocked')).toBe(true);
    const msg = (e as KopsError).message;
    expect(msg).toContain(lock.info.holder);
    expect(msg).toContain(`"${lock.info.operation}"`);
    expect(msg).toContain('since 2026-03-01T10:00:00.000Z until 2026-03-01T10:05:00.000Z');
    expect(msg).toContain(`lock id ${lock.info.id}`);
    expect((e as KopsError).diagnostics[0]?.hint).toContain(`--force-unlock ${lock.info.id}`);
    expect(await readClusterLock(store, CLUSTER)).toEqual(lock.info);
  });

  it('stores the lease as JSON without its version', async () => {
    const store = await backend.fresh();
    const lock = await acquireClusterLock(store, CLUSTER, { operation: 'delete cluster', holder: 'h', now: clock().now, ttlMs: 60_000 });
    const stored = JSON.parse(text((await store.read(`${CLUSTER}/lock`))?.data) ?? '{}') as Record<string, unknown>;
    expect(stored).toEqual({ id: lock.info.id, holder: 'h', operation: 'delete cluster', acquired: '2026-03-01T10:00:00.000Z', expires: '2026-03-01T10:01:00.000Z' });
  });

  it('renews by extending the lease, and releases it', async () => {
    const store = await backend.fresh();
    const c = clock();
    const lock = await acquireClusterLock(store, CLUSTER, { operation: 'update cluster', now: c.now, ttlMs: 60_000 });
    c.advance(50_000);
    const renewed = await lock.renew();
    expect(renewed.expires).toBe('2026-03-01T10:01:50.000Z');
    expect(renewed.acquired).toBe('2026-03-01T10:00:00.000Z');
    expect(await readClusterLock(store, CLUSTER)).toEqual(renewed);
    // Past the first expiry, a second acquirer still finds it held thanks to the renewal.
    c.advance(30_000);
    const e = await rejectionOf(acquireClusterLock(backend.reopen(store), CLUSTER, { operation: 'x', now: c.now }), KopsError);
    expect(e.code).toBe('ClusterLocked');
    await lock.release();
    expect(await readClusterLock(store, CLUSTER)).toBeUndefined();
    const again = await acquireClusterLock(store, CLUSTER, { operation: 'x', now: c.now });
    expect(again.info.id).not.toBe(lock.info.id);
  });

  it('lets a new run take over an expired lease; the old holder then finds it lost', async () => {
    const store = await backend.fresh();
    const c = clock();
    const crashed = await acquireClusterLock(store, CLUSTER, { operation: 'update cluster', holder: 'crashed', now: c.now, ttlMs: 60_000 });
    c.advance(60_001);
    const taker = await acquireClusterLock(backend.reopen(store), CLUSTER, { operation: 'update cluster', holder: 'next', now: c.now });
    expect((await readClusterLock(store, CLUSTER))?.holder).toBe('next');
    const lost = await rejectionOf(crashed.renew(), KopsError);
    expect(lost.code).toBe('LockLost');
    expect(lost.message).toContain(`held by next`);
    expect(crashed.signal.aborted).toBe(true);
    // The old holder's release must not remove the new holder's lease.
    expect((await rejectionOf(crashed.release(), KopsError)).code).toBe('LockLost');
    expect((await readClusterLock(store, CLUSTER))?.id).toBe(taker.info.id);
  });

  it('lets only one of two runs take over the same expired lease', async () => {
    const store = await backend.fresh();
    const c = clock();
    await acquireClusterLock(store, CLUSTER, { operation: 'update cluster', now: c.now, ttlMs: 1_000 });
    c.advance(5_000);
    const results = await Promise.allSettled([
      acquireClusterLock(store, CLUSTER, { operation: 'a', holder: 'A', now: c.now }),
      acquireClusterLock(backend.reopen(store), CLUSTER, { operation: 'b', holder: 'B', now: c.now }),
    ]);
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(won).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(KopsError.is(rejected.reason, 'ClusterLocked')).toBe(true);
    expect((await readClusterLock(store, CLUSTER))?.id).toBe(won[0]!.info.id);
  });

  it('force-unlocks only with the right id', async () => {
    const store = await backend.fresh();
    const lock = await acquireClusterLock(store, CLUSTER, { operation: 'update cluster', holder: 'gone', now: clock().now });
    const wrong = await rejectionOf(forceUnlock(store, CLUSTER, 'deadbeefdeadbeef'), KopsError);
    expect(wrong.code).toBe('LockIdMismatch');
    expect(wrong.message).toContain(lock.info.id);
    expect(await readClusterLock(store, CLUSTER)).toEqual(lock.info);
    const removed = await forceUnlock(store, CLUSTER, lock.info.id);
    expect(removed.holder).toBe('gone');
    expect(await readClusterLock(store, CLUSTER)).toBeUndefined();
    expect((await rejectionOf(forceUnlock(store, CLUSTER, lock.info.id), KopsError)).code).toBe('LockNotFound');
    expect((await rejectionOf(lock.renew(), KopsError)).code).toBe('LockLost');
  });

  it('withClusterLock renews on its interval while the work runs and releases after', async () => {
    const store = await backend.fresh();
    const c = clock();
    const t = manualTimers();
    const seen: string[] = [];
    const result = await withClusterLock(
      store,
      CLUSTER,
      'rolling-update cluster',
      async (lock) => {
        seen.push((await readClusterLock(store, CLUSTER))!.expires);
        c.advance(20_000);
        t.fire();
        await lock.renew(); // joins the timer's renewal: both are serialised
        seen.push((await readClusterLock(store, CLUSTER))!.expires);
        return 'done';
      },
      { now: c.now, ttlMs: 60_000, timers: t.timers },
    );
    expect(result).toBe('done');
    expect(seen).toEqual(['2026-03-01T10:01:00.000Z', '2026-03-01T10:01:20.000Z']);
    expect(t.live.size).toBe(0);
    expect(await readClusterLock(store, CLUSTER)).toBeUndefined();
  });

  it('withClusterLock tells onAcquired the held lock and onReleased its release, on success and on failure', async () => {
    const store = await backend.fresh();
    const c = clock();
    const t = manualTimers();
    const events: string[] = [];
    const hooks = { onAcquired: (i: { id: string }) => events.push(`acquired ${i.id}`), onReleased: (i: { id: string }) => events.push(`released ${i.id}`) };
    let id = '';
    await withClusterLock(store, CLUSTER, 'rotate bootstrap-token', async (lock) => {
      id = lock.info.id;
      events.push(`work, stored ${(await readClusterLock(store, CLUSTER))!.id}`);
    }, { now: c.now, timers: t.timers, ...hooks });
    expect(events).toEqual([`acquired ${id}`, `work, stored ${id}`, `released ${id}`]);
    events.length = 0;
    await expect(withClusterLock(store, CLUSTER, 'rotate bootstrap-token', async (lock) => {
      id = lock.info.id;
      throw new Error('boom');
    }, { now: c.now, timers: t.timers, ...hooks })).rejects.toThrow('boom');
    expect(events).toEqual([`acquired ${id}`, `released ${id}`]);
  });

  it('withClusterLock releases when the work fails, and reports a lease lost meanwhile', async () => {
    const store = await backend.fresh();
    const c = clock();
    const t = manualTimers();
    await expect(
      withClusterLock(store, CLUSTER, 'update cluster', async () => Promise.reject(new Error('boom')), { now: c.now, timers: t.timers }),
    ).rejects.toThrow('boom');
    expect(await readClusterLock(store, CLUSTER)).toBeUndefined();

    let aborted = false;
    const e = await rejectionOf(
      withClusterLock(
        store,
        CLUSTER,
        'update cluster',
        async (lock) => {
          await forceUnlock(backend.reopen(store), CLUSTER, lock.info.id);
          t.fire();
          await lock.renew().catch(() => undefined);
          aborted = lock.signal.aborted;
          return 'finished anyway';
        },
        { now: c.now, timers: t.timers },
      ),
      KopsError,
    );
    expect(aborted).toBe(true);
    expect(e.code).toBe('LockLost');
    expect(e.message).toContain('removed');
  });
});
