/**
 * A simulated Clock for the Kubernetes-side tests: `sleep` registers a timer and the earliest
 * timer fires on the next turn of the event loop, moving `now` to its time; no real time passes.
 * `onSleep` lets a test change the world when the code under test waits (a replica becomes Ready).
 */
import type { Clock } from '../../src/rolling-update/types.js';

export class SimClock implements Clock {
  private t: number;
  private timers: { at: number; resolve: () => void }[] = [];
  readonly sleeps: number[] = [];
  onSleep?: (count: number, now: number) => void;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.sleeps.push(ms);
    this.onSleep?.(this.sleeps.length, this.t);
    return new Promise<void>((resolve) => {
      this.timers.push({ at: this.t + ms, resolve });
      setImmediate(() => this.fire());
    });
  }

  private fire(): void {
    this.timers.sort((a, b) => a.at - b.at);
    const next = this.timers.shift();
    if (!next) return;
    this.t = Math.max(this.t, next.at);
    next.resolve();
  }
}
