import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { RecordingSink } from '../../src/events.js';
import { execute, type ExecuteOptions } from '../../src/tasks/executor.js';
import { Graph } from '../../src/tasks/graph.js';
import { backoffCeiling, tryAgainLater } from '../../src/tasks/retry.js';
import type { TaskKey } from '../../src/tasks/types.js';
import { serviceError } from './fake-kinds.js';
import { FakeClock, seededRandom } from './fake-clock.js';

/** A graph from `key: deps` lines, e.g. `{ 'A/b': ['A/a'] }`; the kind is the part before `/`. */
function graphOf(spec: Record<TaskKey, TaskKey[]>): Graph {
  return Graph.of(
    Object.keys(spec).map((key) => ({ key, kind: key.split('/')[0] as string })),
    new Map(Object.entries(spec)),
  );
}

/** Options with a virtual clock and no slow-task watch, plus the recorder. */
function opts(extra: ExecuteOptions = {}): ExecuteOptions & { rec: RecordingSink; clock: FakeClock } {
  const rec = new RecordingSink();
  const clock = new FakeClock();
  return { clock, random: seededRandom(), slowAfterMs: 0, events: rec.sink, rec, ...extra } as ExecuteOptions & { rec: RecordingSink; clock: FakeClock };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('execute', () => {
  it('runs every task after its dependencies', async () => {
    const g = graphOf({ 'N/net': [], 'S/a': ['N/net'], 'S/b': ['N/net'], 'V/vm': ['S/a', 'S/b'], 'X/free': [] });
    const finished: TaskKey[] = [];
    const o = opts();
    const r = await execute(
      g,
      async (key) => {
        for (const d of g.dependencies(key)) expect(finished).toContain(d);
        await o.clock.sleep(key.length * 10);
        finished.push(key);
      },
      o,
    );
    expect(r.ok).toBe(true);
    expect([...r.done].sort()).toEqual(g.keys());
    expect(finished.indexOf('V/vm')).toBe(4);
    expect(o.rec.of('task.start').map((e) => e.attempt)).toEqual([1, 1, 1, 1, 1]);
  });

  it('starts a task as soon as its own dependencies are done, not in waves', async () => {
    // slow/x takes long; fast/y depends only on fast/x and must not wait for slow/x.
    const g = graphOf({ 'slow/x': [], 'fast/x': [], 'fast/y': ['fast/x'] });
    const o = opts();
    const startedAt = new Map<TaskKey, number>();
    await execute(
      g,
      async (key) => {
        startedAt.set(key, o.clock.now());
        await o.clock.sleep(key === 'slow/x' ? 1000 : 10);
      },
      o,
    );
    expect(startedAt.get('fast/y')).toBe(10);
  });

  it('never exceeds the global and per-kind limits', async () => {
    const spec: Record<TaskKey, TaskKey[]> = {};
    for (let i = 0; i < 30; i++) spec[`A/${String(i).padStart(2, '0')}`] = [];
    for (let i = 0; i < 30; i++) spec[`B/${String(i).padStart(2, '0')}`] = i > 0 ? [`A/${String(i).padStart(2, '0')}`] : [];
    const g = graphOf(spec);
    const o = opts({ concurrency: 5, kindConcurrency: { B: 2 } });
    let now = 0;
    let max = 0;
    const perKind = new Map<string, number>();
    let maxB = 0;
    const r = await execute(
      g,
      async (key) => {
        const kind = key[0] as string;
        now++;
        perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
        max = Math.max(max, now);
        maxB = Math.max(maxB, perKind.get('B') ?? 0);
        await o.clock.sleep(1 + (key.charCodeAt(3) % 7));
        now--;
        perKind.set(kind, (perKind.get(kind) ?? 0) - 1);
      },
      o,
    );
    expect(r.done).toHaveLength(60);
    expect(max).toBe(5);
    expect(maxB).toBe(2);
  });

  it('retries retryable errors with full-jitter backoff within the bounds', async () => {
    const g = graphOf({ 'A/a': [] });
    const o = opts({ isRetryable: (e) => (e as Error).name === 'RequestLimitExceeded', backoff: { baseMs: 500, capMs: 4000 } });
    let attempts = 0;
    const r = await execute(
      g,
      async () => {
        if (++attempts < 7) throw serviceError('RequestLimitExceeded', 'Request limit exceeded.');
      },
      o,
    );
    expect(r.ok).toBe(true);
    const retries = o.rec.of('task.retry');
    expect(retries.map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(retries.every((e) => e.errorCode === 'RequestLimitExceeded')).toBe(true);
    retries.forEach((e) => {
      expect(e.delayMs).toBeGreaterThanOrEqual(0);
      expect(e.delayMs).toBeLessThan(backoffCeiling(e.attempt, { baseMs: 500, capMs: 4000 }));
    });
    // The ceilings double up to the cap: 500, 1000, 2000, 4000, 4000, 4000.
    expect(retries.map((e) => backoffCeiling(e.attempt, { baseMs: 500, capMs: 4000 }))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    // Full jitter: the delays are not all the same fraction of their ceiling.
    expect(new Set(retries.map((e) => e.delayMs / backoffCeiling(e.attempt, { baseMs: 500, capMs: 4000 }))).size).toBeGreaterThan(1);
    expect(o.rec.of('task.done')[0]).toMatchObject({ key: 'A/a', attempts: 7 });
    expect(o.clock.now()).toBe(retries.reduce((s, e) => s + e.delayMs, 0));
  });

  it('stops retrying at the task deadline and reports the last error', async () => {
    const g = graphOf({ 'A/a': [] });
    const o = opts({ isRetryable: () => true, taskTimeoutMs: 60_000, random: () => 0.999 });
    const attemptTimes: number[] = [];
    const r = await execute(
      g,
      async () => {
        attemptTimes.push(o.clock.now());
        throw serviceError('InvalidVpcID.NotFound', "The vpc ID 'vpc-1' does not exist");
      },
      o,
    );
    expect(r.ok).toBe(false);
    expect(r.failed).toHaveLength(1);
    const f = r.failed[0];
    expect(f?.code).toBe('TaskDeadlineExceeded');
    expect(f?.attempts).toBe(attemptTimes.length);
    expect(f?.message).toContain('A/a did not succeed within 1m0s');
    expect(f?.message).toContain("InvalidVpcID.NotFound: The vpc ID 'vpc-1' does not exist");
    // The last attempt is at the deadline, never after it, and nothing runs after.
    expect(attemptTimes[attemptTimes.length - 1]).toBe(60_000);
    expect(o.clock.now()).toBe(60_000);
    expect(((f?.error as KopsError).cause as Error).name).toBe('InvalidVpcID.NotFound');
  });

  it('does not retry an error the provider does not classify as retryable, but always retries TryAgainLater', async () => {
    const g = graphOf({ 'A/a': [], 'A/b': [] });
    const o = opts({ isRetryable: () => false });
    let bTries = 0;
    const r = await execute(
      g,
      async (key) => {
        if (key === 'A/a') throw serviceError('InvalidParameterValue', 'bad cidr');
        if (++bTries < 3) throw tryAgainLater('NAT gateway still pending');
      },
      o,
    );
    expect(r.failed.map((f) => [f.key, f.code, f.attempts])).toEqual([['A/a', 'InvalidParameterValue', 1]]);
    expect(r.done).toEqual(['A/b']);
    expect(o.rec.of('task.retry').map((e) => e.errorCode)).toEqual(['TryAgainLater', 'TryAgainLater']);
  });

  it('skips exactly the transitive dependents of a failure, reports it once, and finishes other branches', async () => {
    const g = graphOf({
      'N/net': [],
      'S/bad': ['N/net'],
      'V/on-bad': ['S/bad'],
      'W/deeper': ['V/on-bad', 'S/good'],
      'S/good': ['N/net'],
      'V/on-good': ['S/good'],
      'X/free': [],
    });
    const o = opts();
    const ran: TaskKey[] = [];
    const r = await execute(
      g,
      async (key) => {
        ran.push(key);
        if (key === 'S/bad') throw new Error('boom');
      },
      o,
    );
    expect(r.ok).toBe(false);
    expect(r.failed.map((f) => f.key)).toEqual(['S/bad']);
    expect(r.skipped).toEqual([
      { key: 'V/on-bad', reason: 'dependency-failed', because: 'S/bad' },
      { key: 'W/deeper', reason: 'dependency-failed', because: 'S/bad' },
    ]);
    expect([...ran].sort()).toEqual(['N/net', 'S/bad', 'S/good', 'V/on-good', 'X/free']);
    expect(o.rec.of('task.failed')).toHaveLength(1);
    expect(o.rec.of('task.skipped').map((e) => e.key)).toEqual(['V/on-bad', 'W/deeper']);
  });

  it('when slots are short, starts the ready task with the longest chain after it first, so the whole run is shorter', async () => {
    // Leaves A/leaf1 and A/leaf2 come first in topological order; B/root has C/next and D/last waiting on it.
    const g = graphOf({ 'A/leaf1': [], 'A/leaf2': [], 'B/root': [], 'C/next': ['B/root'], 'D/last': ['C/next'], 'E/off': ['A/leaf1'] });
    const o = opts({ concurrency: 2, only: new Set(['A/leaf1', 'A/leaf2', 'B/root', 'C/next', 'D/last']) });
    await execute(g, async () => o.clock.sleep(100), o);
    // B/root (3 to run on its chain) before the leaves; then the leaf first in order beside it. A pass-through
    // dependent (E/off, not in `only`) does not lengthen A/leaf1's chain. Each task takes 100 ms: 300 ms in all,
    // where topological order (the leaves first, B/root after them) takes 400 ms.
    expect(o.rec.of('task.start').map((e) => e.key)).toEqual(['B/root', 'A/leaf1', 'C/next', 'A/leaf2', 'D/last']);
    expect(o.clock.now()).toBe(300);
  });

  it('passes through keys not in `only`, keeping the ordering they imply', async () => {
    const g = graphOf({ 'A/a': [], 'B/noop': ['A/a'], 'C/c': ['B/noop'] });
    const o = opts({ only: new Set(['A/a', 'C/c']) });
    const order: TaskKey[] = [];
    const r = await execute(
      g,
      async (key) => {
        order.push(key);
        await o.clock.sleep(5);
      },
      o,
    );
    expect(order).toEqual(['A/a', 'C/c']);
    expect(r.done).toEqual(['A/a', 'C/c']);
    expect(o.rec.of('task.start').map((e) => e.key)).toEqual(['A/a', 'C/c']);
  });

  it('warns about slow tasks every slowAfterMs until they finish', async () => {
    const g = graphOf({ 'A/a': [] });
    const o = opts({ slowAfterMs: 30_000 });
    await execute(g, () => o.clock.sleep(95_000), o);
    expect(o.rec.of('task.slow').map((e) => e.elapsedMs)).toEqual([30_000, 60_000, 90_000]);
  });

  it('releases the slot while a task waits to retry', async () => {
    const g = graphOf({ 'A/a': [], 'A/b': [] });
    const o = opts({ concurrency: 1, isRetryable: () => true, random: () => 0.5 });
    let aTries = 0;
    const r = await execute(
      g,
      async (key) => {
        if (key === 'A/a' && ++aTries === 1) throw serviceError('Throttling');
      },
      o,
    );
    expect(r.ok).toBe(true);
    // b ran while a was backing off.
    expect(o.rec.of('task.start').map((e) => `${e.key}#${e.attempt}`)).toEqual(['A/a#1', 'A/b#1', 'A/a#2']);
  });

  it('stops starting tasks when cancelled and skips the rest', async () => {
    const g = graphOf({ 'A/a': [], 'A/b': ['A/a'], 'A/c': ['A/b'] });
    const ac = new AbortController();
    const o = opts({ signal: ac.signal });
    const r = await execute(
      g,
      async (key, run) => {
        expect(run.signal).toBe(ac.signal);
        if (key === 'A/a') ac.abort();
      },
      o,
    );
    expect(r.done).toEqual(['A/a']);
    expect(r.skipped.map((s) => [s.key, s.reason])).toEqual([
      ['A/b', 'cancelled'],
      ['A/c', 'cancelled'],
    ]);
  });

  it('handles an empty graph and a synchronous throw', async () => {
    expect((await execute(graphOf({}), async () => {})).ok).toBe(true);
    const r = await execute(
      graphOf({ 'A/a': [] }),
      () => {
        throw new KopsError('Bad', 'sync');
      },
      opts(),
    );
    expect(r.failed[0]?.code).toBe('Bad');
  });

  it('rejects a limit below 1', async () => {
    await expect(execute(graphOf({ 'A/a': [] }), async () => {}, { concurrency: 0 })).rejects.toThrow(/concurrency must be a whole number/);
  });

  it('runs with the real clock when none is given', async () => {
    let tries = 0;
    const r = await execute(
      graphOf({ 'A/a': [] }),
      async () => {
        await tick();
        if (++tries < 2) throw tryAgainLater('wait');
      },
      { backoff: { baseMs: 1, capMs: 1 } },
    );
    expect(r.ok).toBe(true);
    expect(tries).toBe(2);
  });
});
