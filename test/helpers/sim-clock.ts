/**
 * A simulated clock: `sleep` timers live on virtual time, and the clock jumps to the next timer
 * once every task is waiting (nothing left to run for a few event-loop turns). A 100-node roll
 * whose waits add up to hours runs in well under a second of real time.
 *
 * "Every task is waiting" is judged by letting the event loop turn `settleTurns` times
 * (`setImmediate`) with no new work: right for in-memory effects. Effects that do real I/O (HTTP
 * to an emulator) need more turns, or `advance()` driven by hand.
 *
 * `onSleep` lets a test change the world when the code under test waits (a replica becomes Ready):
 * it is called at each sleep with the count of sleeps so far and the virtual time.
 */
import type { Clock } from '../../src/rolling-update/types.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

export class SimClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  private scheduled = false;
  /** Every sleep asked for, in ms (tests assert intervals with it). */
  readonly sleeps: number[] = [];
  onSleep?: (count: number, now: number) => void;
  private readonly settleTurns: number;
  private readonly auto: boolean;

  constructor(opts: { start?: number; settleTurns?: number; auto?: boolean } = {}) {
    this.t = opts.start ?? Date.parse('2026-01-01T00:00:00Z');
    this.settleTurns = opts.settleTurns ?? 3;
    this.auto = opts.auto ?? true;
  }

  now(): number {
    return this.t;
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    this.onSleep?.(this.sleeps.length, this.t);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(signal?.reason);
      };
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
      this.schedule();
    });
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > until) break;
      this.fire(next);
    }
    this.t = until;
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const x of this.timers) if (!best || x.at < best.at || (x.at === best.at && x.seq < best.seq)) best = x;
    return best;
  }

  private fire(x: Timer): void {
    this.timers = this.timers.filter((y) => y !== x);
    if (x.at > this.t) this.t = x.at;
    x.resolve();
  }

  private schedule(): void {
    if (!this.auto || this.scheduled) return;
    this.scheduled = true;
    void this.tick();
  }

  private async tick(): Promise<void> {
    for (let i = 0; i < this.settleTurns; i++) await new Promise<void>((r) => setImmediate(r));
    this.scheduled = false;
    const next = this.earliest();
    if (!next) return;
    // Fire every timer due at that instant together.
    for (let x = this.earliest(); x && x.at === next.at; x = this.earliest()) this.fire(x);
    if (this.timers.length > 0) this.schedule();
  }
}
