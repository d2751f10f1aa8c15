/**
 * The executor: walks a task graph, running each task as soon as all its dependencies succeeded.
 *
 * Guarantees (docs/task-engine.md):
 * - a task starts only after every dependency succeeded; a ready task starts at once if the global
 *   limit (default 32) and its kind's limit allow; when slots are short, the ready task with the
 *   longest chain of tasks still to run after it starts first, ties in topological order;
 * - at most `concurrency` tasks, and `kindConcurrency[kind]` of a kind, run at any moment (a task
 *   waiting to retry holds no slot);
 * - an error the provider classifies as retryable (or `TryAgainLater`) is retried with exponential
 *   backoff and full jitter until the task's deadline (default 10 min from its first start);
 * - a failed task's transitive dependents are skipped, never run; each root failure is reported
 *   once, with its attempts, and the skipped keys separately (Terraform's upstream suppression);
 * - independent branches run to completion whatever fails elsewhere.
 *
 * kops runs its tasks in unbounded waves, retries failures immediately while anything else
 * progresses, and finds cycles at run time; this walk is bounded, backs off, and gets a graph that
 * was checked for cycles when it was built.
 */
import { KopsError } from '../diagnostics.js';
import { safeSink, type EventSink } from '../events.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_SLOW_AFTER_MS,
  DEFAULT_TASK_TIMEOUT_MS,
  defaultErrorCode,
  errorMessage,
  type ExecuteOptions,
  type ExecutionResult,
  type RunTask,
  type SkippedTask,
  type TaskFailure,
} from './executor-options.js';
import type { Graph } from './graph.js';
import { DEFAULT_BACKOFF, backoffDelay, formatDuration, isAbortError, isTryAgainLater, systemClock, type Clock } from './retry.js';
import type { Action, TaskKey } from './types.js';

export * from './executor-options.js';

export async function execute(graph: Graph, runTask: RunTask, opts: ExecuteOptions = {}): Promise<ExecutionResult> {
  return new Execution(graph, runTask, opts).run();
}

type State = 'waiting' | 'ready' | 'running' | 'backoff' | 'done' | 'failed' | 'skipped';

class Execution {
  private readonly state = new Map<TaskKey, State>();
  private readonly unmet = new Map<TaskKey, number>();
  private readonly ready: TaskKey[] = [];
  /** Tasks to run on the longest chain from each key to the end of the graph, itself included (pass-through keys count 0). */
  private readonly height = new Map<TaskKey, number>();
  private readonly attempts = new Map<TaskKey, number>();
  private readonly started = new Map<TaskKey, number>();
  private readonly watchers = new Map<TaskKey, AbortController>();
  private readonly perKind = new Map<string, number>();
  private readonly done: TaskKey[] = [];
  private readonly failed: TaskFailure[] = [];
  private readonly skipped: SkippedTask[] = [];
  private inFlight = 0;
  private settled = 0;
  private finished = false;
  private readonly onAbort = () => this.guard(() => this.onCancel());
  private finish: (r: ExecutionResult) => void = () => {};
  private abort: (e: unknown) => void = () => {};
  private readonly emit: EventSink;
  private readonly clock: Clock;
  private readonly limit: number;
  private readonly cancel: AbortSignal;

  constructor(
    private readonly graph: Graph,
    private readonly runTask: RunTask,
    private readonly opts: ExecuteOptions,
  ) {
    this.emit = safeSink(opts.events);
    this.clock = opts.clock ?? systemClock;
    this.limit = opts.concurrency ?? DEFAULT_CONCURRENCY;
    this.cancel = opts.signal ?? new AbortController().signal;
    for (const [kind, n] of Object.entries(opts.kindConcurrency ?? {})) checkLimit(n, `kindConcurrency.${kind}`);
    checkLimit(this.limit, 'concurrency');
  }

  run(): Promise<ExecutionResult> {
    return new Promise<ExecutionResult>((resolve, reject) => {
      this.finish = resolve;
      this.abort = reject;
      this.guard(() => {
        const order = this.graph.order();
        for (let i = order.length - 1; i >= 0; i--) {
          const key = order[i] as TaskKey;
          let below = 0;
          for (const d of this.graph.dependents(key)) below = Math.max(below, this.height.get(d) ?? 0);
          this.height.set(key, below + (this.isRun(key) ? 1 : 0));
        }
        for (const key of order) {
          const n = this.graph.dependencies(key).length;
          this.unmet.set(key, n);
          this.state.set(key, 'waiting');
          if (n === 0) this.makeReady(key);
        }
        this.cancel.addEventListener('abort', this.onAbort, { once: true });
        if (this.cancel.aborted) this.onCancel();
        this.pump();
      });
    });
  }

  /** Runs a step of the walk; a bug in it rejects the run instead of hanging it. */
  private guard(step: () => void): void {
    try {
      step();
      this.checkFinished();
    } catch (e) {
      this.abort(e);
    }
  }

  private isRun(key: TaskKey): boolean {
    return this.opts.only === undefined || this.opts.only.has(key);
  }

  /**
   * Ready tasks queue by the longest chain still to run after them, then topological order: when
   * the global limit is reached, a task at the head of a long chain does not wait behind tasks
   * nothing depends on (docs/performance.md §2: the API load balancer queued behind security
   * group rules for a whole round trip).
   */
  private makeReady(key: TaskKey): void {
    this.state.set(key, 'ready');
    const pos = this.graph.indexOf(key);
    const h = this.height.get(key) ?? 0;
    let i = this.ready.findIndex((k) => {
      const hk = this.height.get(k) ?? 0;
      return hk < h || (hk === h && this.graph.indexOf(k) > pos);
    });
    if (i < 0) i = this.ready.length;
    this.ready.splice(i, 0, key);
  }

  /** Starts every ready task the limits allow; pass-through keys complete on the spot. */
  private pump(): void {
    for (let i = 0; i < this.ready.length; ) {
      const key = this.ready[i] as TaskKey;
      if (!this.isRun(key)) {
        this.ready.splice(i, 1);
        this.succeed(key);
        i = 0; // completing it may have made earlier-ordered keys ready
        continue;
      }
      if (this.cancel.aborted || this.inFlight >= this.limit || !this.kindHasRoom(key)) {
        i++;
        continue;
      }
      this.ready.splice(i, 1);
      this.start(key);
    }
  }

  private kindHasRoom(key: TaskKey): boolean {
    const kind = this.graph.kindOf(key);
    const max = this.opts.kindConcurrency?.[kind];
    return max === undefined || (this.perKind.get(kind) ?? 0) < max;
  }

  private start(key: TaskKey): void {
    const kind = this.graph.kindOf(key);
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    if (!this.started.has(key)) {
      this.started.set(key, this.clock.now());
      this.watchSlow(key);
    }
    this.state.set(key, 'running');
    this.inFlight++;
    this.perKind.set(kind, (this.perKind.get(kind) ?? 0) + 1);
    this.emit({ code: 'task.start', key, attempt, ...this.action(key) });
    let p: Promise<void>;
    try {
      p = this.runTask(key, { attempt, signal: this.cancel });
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => this.guard(() => this.attemptEnded(key, kind, undefined, true)),
      (e: unknown) => this.guard(() => this.attemptEnded(key, kind, e, false)),
    );
  }

  private attemptEnded(key: TaskKey, kind: string, err: unknown, ok: boolean): void {
    this.inFlight--;
    this.perKind.set(kind, (this.perKind.get(kind) ?? 1) - 1);
    if (ok) {
      const ms = this.clock.now() - (this.started.get(key) ?? 0);
      this.emit({ code: 'task.done', key, attempts: this.attempts.get(key) ?? 1, ms, ...this.action(key) });
      this.succeed(key);
    } else if (this.cancel.aborted && isAbortError(err)) {
      // A wait the run's signal ended (an SDK waiter): work left for the next run.
      this.cancelTask(key);
    } else if (this.retryable(err, key)) {
      // Cancelled: a retryable failure is work left for the next run, not a failure of its own.
      if (this.cancel.aborted) this.cancelTask(key);
      else this.retryLater(key, err);
    } else {
      this.fail(key, err);
    }
    this.pump();
  }

  private retryable(e: unknown, key: TaskKey): boolean {
    return isTryAgainLater(e) || (this.opts.isRetryable?.(e, key) ?? false);
  }

  private retryLater(key: TaskKey, err: unknown): void {
    const attempt = this.attempts.get(key) ?? 1;
    const timeout = this.opts.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
    const remaining = (this.started.get(key) ?? 0) + timeout - this.clock.now();
    if (remaining <= 0) {
      const code = this.code(err);
      const message = `${key} did not succeed within ${formatDuration(timeout)} (${attempt} attempt${attempt === 1 ? '' : 's'}); last error: ${code}: ${errorMessage(err)}`;
      this.fail(key, new KopsError('TaskDeadlineExceeded', message, { cause: err, hint: 'the error kept being retryable (throttling or eventual consistency); check the cloud console and re-run update' }));
      return;
    }
    const delayMs = Math.min(backoffDelay(attempt, this.opts.random ?? Math.random, { ...DEFAULT_BACKOFF, ...this.opts.backoff }), remaining);
    this.emit({ code: 'task.retry', key, attempt, errorCode: this.code(err), message: errorMessage(err), delayMs });
    this.state.set(key, 'backoff');
    this.clock.sleep(delayMs, this.cancel).then(
      () =>
        this.guard(() => {
          if (this.cancel.aborted) this.cancelTask(key);
          else this.makeReady(key);
          this.pump();
        }),
      (e: unknown) => this.abort(e),
    );
  }

  private succeed(key: TaskKey): void {
    this.settle(key, 'done');
    if (this.isRun(key)) this.done.push(key);
    for (const d of this.graph.dependents(key)) {
      const n = (this.unmet.get(d) ?? 1) - 1;
      this.unmet.set(d, n);
      if (n === 0 && this.state.get(d) === 'waiting') this.makeReady(d);
    }
  }

  private fail(key: TaskKey, error: unknown): void {
    this.settle(key, 'failed');
    const attempts = this.attempts.get(key) ?? 0;
    const code = this.code(error);
    const message = errorMessage(error);
    this.failed.push({ key, error, attempts, code, message });
    this.emit({ code: 'task.failed', key, attempts, errorCode: code, message });
    for (const d of this.graph.transitiveDependents(key)) {
      const s = this.state.get(d);
      if (s !== 'waiting' && s !== 'ready') continue;
      this.removeReady(d);
      this.settle(d, 'skipped');
      if (this.isRun(d)) {
        this.skipped.push({ key: d, reason: 'dependency-failed', because: key });
        this.emit({ code: 'task.skipped', key: d, reason: 'dependency-failed', because: key });
      }
    }
  }

  /**
   * Cancelled: nothing new starts; tasks not started are skipped, and so are tasks waiting to retry
   * (their sleep ends at once); running attempts finish (their waits end: `RunContext.signal`),
   * and one that then fails with a retryable error or an `AbortError` is skipped too
   * (`cancelled`): a re-run finishes it.
   */
  private onCancel(): void {
    for (const key of this.graph.order()) {
      const s = this.state.get(key);
      if (s !== 'waiting' && s !== 'ready') continue;
      this.removeReady(key);
      this.cancelTask(key);
    }
  }

  private cancelTask(key: TaskKey): void {
    this.settle(key, 'skipped');
    if (!this.isRun(key)) return;
    this.skipped.push({ key, reason: 'cancelled' });
    this.emit({ code: 'task.skipped', key, reason: 'cancelled' });
  }

  private removeReady(key: TaskKey): void {
    const i = this.ready.indexOf(key);
    if (i >= 0) this.ready.splice(i, 1);
  }

  private settle(key: TaskKey, s: 'done' | 'failed' | 'skipped'): void {
    this.state.set(key, s);
    this.settled++;
    this.watchers.get(key)?.abort();
    this.watchers.delete(key);
  }

  private checkFinished(): void {
    if (this.finished || this.settled < this.graph.size) return;
    this.finished = true;
    this.cancel.removeEventListener('abort', this.onAbort);
    const byKey = <T extends { key: TaskKey }>(a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    this.finish({ ok: this.failed.length === 0 && this.skipped.length === 0, done: this.done, failed: [...this.failed].sort(byKey), skipped: [...this.skipped].sort(byKey) });
  }

  /** Emits `task.slow` every `slowAfterMs` until the task settles. */
  private watchSlow(key: TaskKey): void {
    const every = this.opts.slowAfterMs ?? DEFAULT_SLOW_AFTER_MS;
    if (!(every > 0) || !Number.isFinite(every)) return;
    const ac = new AbortController();
    this.watchers.set(key, ac);
    const loop = async (): Promise<void> => {
      for (;;) {
        await this.clock.sleep(every, ac.signal);
        if (ac.signal.aborted) return;
        const elapsedMs = this.clock.now() - (this.started.get(key) ?? 0);
        this.emit({ code: 'task.slow', key, elapsedMs, attempt: this.attempts.get(key) ?? 1 });
      }
    };
    loop().catch((e: unknown) => this.abort(e));
  }

  private code(e: unknown): string {
    return this.opts.errorCode?.(e) ?? defaultErrorCode(e);
  }

  private action(key: TaskKey): { action?: Action } {
    const a = this.opts.actionOf?.(key);
    return a === undefined ? {} : { action: a };
  }
}

function checkLimit(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new KopsError('InvalidOption', `${what} must be a whole number of at least 1, not ${n}`);
}
