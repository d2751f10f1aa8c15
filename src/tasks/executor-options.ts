/**
 * The executor's options and results (see `executor.ts` for the guarantees), and how an error is
 * named in events and reports.
 */
import { KopsError } from '../diagnostics.js';
import type { EventSink } from '../events.js';
import type { BackoffOptions, Clock } from './retry.js';
import type { Action, TaskKey } from './types.js';

export interface RunContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborts when the caller cancels the run (`ExecuteOptions.signal`). */
  readonly signal: AbortSignal;
}

export type RunTask = (key: TaskKey, run: RunContext) => Promise<void>;

export interface ExecuteOptions {
  /** At most this many tasks run at once (default 32, `DEFAULT_CONCURRENCY`). */
  readonly concurrency?: number;
  /** Per-kind limits (from `TaskKind.concurrency`); kinds not listed only have the global limit. */
  readonly kindConcurrency?: Readonly<Record<string, number>>;
  /** Whether an error is worth retrying (throttling, eventual consistency). Default: only `TryAgainLater`. */
  readonly isRetryable?: (e: unknown, key: TaskKey) => boolean;
  /** A stable code for an error, for events and reports (e.g. the AWS error code). */
  readonly errorCode?: (e: unknown) => string | undefined;
  /** Default 500 ms .. 20 s. */
  readonly backoff?: BackoffOptions;
  /** A task that has not succeeded this long after its first start fails (default 10 min, as kops). */
  readonly taskTimeoutMs?: number;
  /** Emit `task.slow` every this many ms while a task is unfinished (default 30 s; 0 disables). */
  readonly slowAfterMs?: number;
  readonly clock?: Clock;
  /** In [0, 1); default `Math.random`. */
  readonly random?: () => number;
  readonly events?: EventSink;
  /**
   * The keys to run. Other keys of the graph are pass-through: they complete as soon as their
   * dependencies did (keeping the ordering they imply), count against no limit and emit nothing.
   * Default: every key.
   */
  readonly only?: ReadonlySet<TaskKey>;
  /** Labels events with the task's action. */
  readonly actionOf?: (key: TaskKey) => Action | undefined;
  /** Cancels the run: nothing new starts, waiting tasks are skipped, running ones see the signal. */
  readonly signal?: AbortSignal;
}

export interface TaskFailure {
  readonly key: TaskKey;
  readonly error: unknown;
  readonly attempts: number;
  readonly code: string;
  readonly message: string;
}

export interface SkippedTask {
  readonly key: TaskKey;
  readonly reason: 'dependency-failed' | 'cancelled';
  /** The root failure that caused the skip. */
  readonly because?: TaskKey;
}

export interface ExecutionResult {
  readonly ok: boolean;
  /** Keys that succeeded, in completion order (pass-through keys not included). */
  readonly done: readonly TaskKey[];
  /** Root failures only, sorted by key. */
  readonly failed: readonly TaskFailure[];
  /** Sorted by key. */
  readonly skipped: readonly SkippedTask[];
}

/**
 * 32: the first apply of an HA cluster is 75 tasks in a graph 4 deep, so most are ready at once; at 8 (16) the
 * executor's slots, not the dependency chain, set the pace when each request takes 200 ms
 * (docs/performance.md, benchmark 2). EC2 meters each API action in its own token bucket (a
 * mutating action's holds 50 requests), so a burst of 32 mixed requests fits; the per-kind limits
 * still hold (IAM: 4), and throttling beyond that is absorbed by the SDK's adaptive retries.
 */
export const DEFAULT_CONCURRENCY = 32;
export const DEFAULT_TASK_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_SLOW_AFTER_MS = 30_000;

/** A stable code for any error: a KopsError's code, an SDK error's name, a Node error's code. */
export function defaultErrorCode(e: unknown): string {
  if (e instanceof KopsError) return e.code;
  if (typeof e === 'object' && e !== null) {
    const { name, code } = e as { name?: unknown; code?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  }
  return 'Error';
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
