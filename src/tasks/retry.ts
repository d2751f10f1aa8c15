/**
 * Time and retries for the executor. Time is injected (`Clock`, `random`) so that tests of
 * backoff, deadlines and slow-task warnings neither sleep nor flake.
 */
import { KopsError } from '../diagnostics.js';

export interface Clock {
  /** Milliseconds, monotonic enough for durations and deadlines. */
  now(): number;
  /** Resolves after `ms`, or early (without error) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};

export interface BackoffOptions {
  /** The ceiling of the first retry's delay (default 500 ms). */
  readonly baseMs?: number;
  /** No delay is longer than this (default 20 s). */
  readonly capMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 500, capMs: 20_000 };

/** The upper bound of the delay before retry number `retry` (1-based): `min(cap, base * 2^(retry-1))`. */
export function backoffCeiling(retry: number, opts: BackoffOptions = {}): number {
  const { baseMs, capMs } = { ...DEFAULT_BACKOFF, ...opts };
  return Math.min(capMs, baseMs * 2 ** Math.max(0, retry - 1));
}

/**
 * Exponential backoff with full jitter (a uniformly random delay below the ceiling): retries of
 * many tasks throttled at once spread out instead of hitting the API again together.
 */
export function backoffDelay(retry: number, random: () => number, opts: BackoffOptions = {}): number {
  return Math.floor(random() * backoffCeiling(retry, opts));
}

/**
 * A task kind throws this when it must wait for something outside its control (a NAT gateway
 * still `pending`, an instance profile not visible yet). The executor always retries it, whatever
 * the provider's classification (kops's `TryAgainLaterError`).
 */
export function tryAgainLater(message: string, cause?: unknown): KopsError {
  return new KopsError('TryAgainLater', message, cause === undefined ? {} : { cause });
}

export function isTryAgainLater(e: unknown): boolean {
  return KopsError.is(e, 'TryAgainLater');
}

/**
 * A wait given the run's signal that ended because the run was cancelled (the SDK's waiters throw
 * an `Error` named `AbortError`): the task is cancelled, not failed, and a re-run finishes it.
 */
export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/** `1h2m3s` style, as Go prints durations (kops's messages do). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}
