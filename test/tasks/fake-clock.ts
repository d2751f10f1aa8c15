/**
 * A virtual clock for executor tests: `sleep` never waits for real time. Once the code under test
 * has nothing left to do but sleep (checked on the next macrotask, after every promise has
 * settled), time jumps to the earliest wake-up. Aborted sleeps are forgotten.
 */
import type { Clock } from '../../src/tasks/retry.js';

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly wake: () => void;
}

export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private sleepers: Sleeper[] = [];
  private scheduled = false;
  /** Every sleep asked for, in order. */
  readonly requested: number[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.requested.push(ms);
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const s: Sleeper = { at: this.t + ms, seq: this.seq++, wake: resolve };
      this.sleepers.push(s);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((x) => x !== s);
          resolve();
        },
        { once: true },
      );
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.advance();
    });
  }

  private advance(): void {
    if (this.sleepers.length === 0) return;
    const next = this.sleepers.reduce((a, b) => (b.at < a.at || (b.at === a.at && b.seq < a.seq) ? b : a));
    this.t = Math.max(this.t, next.at);
    const due = this.sleepers.filter((s) => s.at <= this.t).sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.wake();
    if (this.sleepers.length > 0) this.schedule();
  }
}

/** A deterministic `random` in [0, 1): a small LCG. */
export function seededRandom(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
