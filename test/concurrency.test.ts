import { describe, expect, it } from 'vitest';
import { allInOrder, limiter, mapBounded } from '../src/concurrency.js';

/** A call that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { open, done };
}

describe('mapBounded', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const gates = Array.from({ length: 10 }, gate);
    const run = mapBounded(gates, 3, async (g, i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await g.done;
      inFlight--;
      return i * 10;
    });
    // Finish them in reverse order of start, a few at a time.
    for (let i = gates.length - 1; i >= 0; i--) {
      await Promise.resolve();
      gates[i]!.open();
    }
    expect(await run).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(peak).toBe(3);
  });

  it('runs calls concurrently (the limit is reached, not one at a time)', async () => {
    const started: number[] = [];
    const gates = Array.from({ length: 4 }, gate);
    const run = mapBounded(gates, 4, async (g, i) => {
      started.push(i);
      await g.done;
      return i;
    });
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);
    gates.forEach((g) => g.open());
    await run;
  });

  it('after a failure starts nothing new, waits for running calls, and throws the first failure in input order', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const gates = Array.from({ length: 6 }, gate);
    const run = mapBounded(gates, 2, async (g, i) => {
      started.push(i);
      await g.done;
      finished.push(i);
      if (i === 0 || i === 1) throw new Error(`failed ${i}`);
      return i;
    });
    const outcome = run.then(() => 'resolved', (e: Error) => e.message);
    gates[1]!.open();
    await new Promise((r) => setImmediate(r));
    let settled = false;
    void outcome.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false); // call 0 still runs: not abandoned
    gates[0]!.open();
    expect(await outcome).toBe('failed 0');
    expect(started).toEqual([0, 1]);
    expect(finished.sort()).toEqual([0, 1]);
  });

  it('handles an empty input and refuses a limit below 1', async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([]);
    await expect(mapBounded([1], 0, async (x) => x)).rejects.toThrow(/limit must be a positive integer/);
  });
});

describe('allInOrder', () => {
  it('returns every value in order, typed per position', async () => {
    const [a, b] = await allInOrder([Promise.resolve(1), Promise.resolve('two')] as const);
    expect([a + 1, b.toUpperCase()]).toEqual([2, 'TWO']);
  });

  it('throws the first rejection in the given order, not in time, and only once all have settled', async () => {
    let releaseFirst!: (e: Error) => void;
    const first = new Promise<number>((_, reject) => (releaseFirst = reject));
    let lastDone = false;
    const last = new Promise<number>((resolve) => setImmediate(() => { lastDone = true; resolve(3); }));
    const outcome = allInOrder([first, Promise.reject(new Error('second, earlier in time')), last] as const).then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await new Promise((r) => setImmediate(r));
    releaseFirst(new Error('first in order'));
    expect(await outcome).toBe('first in order');
    expect(lastDone).toBe(true);
  });
});

describe('limiter', () => {
  it('runs at most `limit` jobs at once, the others in the order they came, a failed job freeing its place', async () => {
    const run = limiter(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const jobs = gates.map((g, i) =>
      run(async () => {
        started.push(i);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await g.done;
        inFlight--;
        if (i === 1) throw new Error('job 1 failed');
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[1]!.open();
    await expect(jobs[1]).rejects.toThrow('job 1 failed');
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all([jobs[0], jobs[2], jobs[3], jobs[4]])).toEqual([0, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => limiter(0)).toThrow(RangeError);
    expect(() => limiter(1.5)).toThrow(RangeError);
  });
});
