import { describe, expect, it } from 'vitest';
import { SimClock } from '../helpers/sim-clock.js';

describe('SimClock', () => {
  it('jumps to the next timer once every task waits, firing timers in time order', async () => {
    const clock = new SimClock({ start: 0 });
    const order: string[] = [];
    await Promise.all([
      clock.sleep(30_000).then(() => order.push(`b@${clock.now()}`)),
      clock.sleep(10_000).then(() => order.push(`a@${clock.now()}`)),
      (async () => {
        await clock.sleep(5_000);
        await clock.sleep(40_000);
        order.push(`c@${clock.now()}`);
      })(),
    ]);
    expect(order).toEqual(['a@10000', 'b@30000', 'c@45000']);
    expect(clock.now()).toBe(45_000);
  });

  it('runs hours of waits in a blink', async () => {
    const clock = new SimClock({ start: 0 });
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) await clock.sleep(15_000);
    expect(clock.now()).toBe(30_000_000);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('an aborted sleep rejects with the reason and its timer is dropped', async () => {
    const clock = new SimClock({ start: 0, auto: false });
    const ac = new AbortController();
    const p = clock.sleep(1000, ac.signal);
    expect(clock.pending).toBe(1);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
    await expect(clock.sleep(5, ac.signal)).rejects.toThrow('stop');
  });

  it('advance() by hand fires what is due and no more', async () => {
    const clock = new SimClock({ start: 0, auto: false });
    let fired = 0;
    void clock.sleep(100).then(() => fired++);
    void clock.sleep(300).then(() => fired++);
    clock.advance(200);
    await Promise.resolve();
    expect(fired).toBe(1);
    expect(clock.now()).toBe(200);
    expect(clock.pending).toBe(1);
  });

  it('onSleep sees each sleep as it starts: the count so far and the virtual time', async () => {
    const clock = new SimClock({ start: 0 });
    const seen: [number, number][] = [];
    clock.onSleep = (n, now) => seen.push([n, now]);
    await clock.sleep(1_000);
    await clock.sleep(2_000);
    expect(seen).toEqual([[1, 0], [2, 1_000]]);
  });
});
