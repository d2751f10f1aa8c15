/**
 * Apply: run a plan's changes (never its no-ops) through the executor in dependency order.
 *
 * - Refs resolve to the outputs of tasks applied earlier in this run, or found at plan time; a
 *   dependency that failed skips its dependents, so every ref a running task reads is known.
 * - `replace` deletes the old resource (when the kind can delete) and then creates the new one;
 *   a create-before-destroy mode is a later option. A retried replace does not delete twice.
 * - Deletions of orphans run last, dependents first (see `apply-graph.ts`).
 * - What the run creates is remembered with the time (its outputs' values and the task's name), so
 *   that a "not found" naming it is retried for `consistencyWindowMs` (eventual consistency),
 *   while one naming something found at plan time is not (`RetryContext`).
 * - After each apply the actual state the kind returned is diffed against the desired state; a
 *   difference (a kind that does not converge) is a warning, or an error with `verify: 'error'`.
 */
import { KopsError, error, warning, type Diagnostic } from '../diagnostics.js';
import { safeSink, type EventSink } from '../events.js';
import { applyGraph } from './apply-graph.js';
import { diffViews } from './diff.js';
import { execute, type ExecuteOptions, type SkippedTask, type TaskFailure } from './executor.js';
import { fingerprintDrift, planFingerprint } from './plan-fingerprint.js';
import type { PlanResult, PlannedChange } from './plan.js';
import type { TaskRegistry } from './registry.js';
import { resolverOf } from './resolve.js';
import { systemClock } from './retry.js';
import { taskKey, type Action, type AnyTaskKind, type FieldChange, type Outputs, type RefResolver, type Task, type TaskKey } from './types.js';

/** What a retry decision may know: the task, and the age of the values an error names. */
export interface RetryContext {
  readonly key: TaskKey;
  /** `fresh`: created by this run within the consistency window; `old`: found at plan time, or created earlier. */
  freshness(value: string): 'fresh' | 'old' | 'unknown';
  /** Whether this run created anything within the window. */
  readonly anyFresh: boolean;
}

/** How long after a create its "not found" errors count as eventual consistency (2 min). */
export const DEFAULT_CONSISTENCY_WINDOW_MS = 2 * 60_000;

export interface ApplyOptions extends Pick<ExecuteOptions, 'concurrency' | 'backoff' | 'taskTimeoutMs' | 'slowAfterMs' | 'clock' | 'random' | 'signal' | 'errorCode'> {
  readonly events?: EventSink;
  /** Errors worth retrying (throttling, eventual consistency), e.g. `isRetryableAwsError`. */
  readonly isRetryable?: (e: unknown, ctx: RetryContext) => boolean;
  /** For deletions: also "still has dependencies", e.g. `isRetryableAwsDeleteError`. Default: `isRetryable`. */
  readonly isRetryableDelete?: (e: unknown, ctx: RetryContext) => boolean;
  /** See `RetryContext` (default 2 min). */
  readonly consistencyWindowMs?: number;
  /** What to do when a kind's returned state still differs from the desired one (default `warn`). */
  readonly verify?: 'error' | 'warn' | 'off';
}

export type ApplyAction = Exclude<Action, 'noop'>;

export interface TaskOutcome {
  readonly key: TaskKey;
  readonly action: ApplyAction;
  readonly status: 'applied' | 'failed' | 'skipped';
}

export interface ApplyResult {
  readonly ok: boolean;
  /** One per planned change, sorted by key. */
  readonly results: readonly TaskOutcome[];
  /** Root failures, each once. */
  readonly failed: readonly TaskFailure[];
  readonly skipped: readonly SkippedTask[];
  /** The actual state of every task after the run: found at plan time, or returned by apply; deleted ones removed. */
  readonly actuals: ReadonlyMap<TaskKey, unknown>;
  /** Failures as error diagnostics, and warnings (kinds that did not converge). */
  readonly diagnostics: readonly Diagnostic[];
}

export async function applyPlan<C>(ctx: C, registry: TaskRegistry<C>, tasks: readonly Task[], planResult: PlanResult, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const { plan } = planResult;
  checkApplicable(tasks, planResult);
  const events = safeSink(opts.events);
  const run = new ApplyRun(ctx, registry, tasks, planResult, opts, events);
  const graph = applyGraph(planResult.graph, plan.changes);
  const changes = new Map(plan.changes.map((c) => [c.key, c]));
  const { noop: _noop, ...summary } = plan.summary;
  events({ code: 'apply.start', summary });
  const started = (opts.clock ?? systemClock).now();
  const retryable = opts.isRetryable ?? (() => false);
  const exec = await execute(graph, (key, { signal }) => run.apply(changes.get(key) as PlannedChange, signal), {
    ...opts,
    events,
    only: new Set(changes.keys()),
    kindConcurrency: registry.concurrencyLimits(),
    actionOf: (key) => changes.get(key)?.action,
    isRetryable: (e, key) => (changes.get(key)?.action === 'delete' ? (opts.isRetryableDelete ?? retryable)(e, run.retryContext(key)) : retryable(e, run.retryContext(key))),
  });
  const status = new Map<TaskKey, TaskOutcome['status']>();
  for (const k of exec.done) status.set(k, 'applied');
  for (const f of exec.failed) status.set(f.key, 'failed');
  for (const s of exec.skipped) status.set(s.key, 'skipped');
  const results = plan.changes.map((c) => ({ key: c.key, action: c.action as ApplyAction, status: status.get(c.key) ?? 'skipped' }));
  const diagnostics = [...run.diagnostics, ...exec.failed.map((f) => error(f.code, f.message.toLowerCase().includes(f.code.toLowerCase()) ? f.message : `${f.code}: ${f.message}`, { task: f.key }))];
  const ms = Math.round((opts.clock ?? systemClock).now() - started);
  events({ code: 'apply.done', applied: exec.done.length, failed: exec.failed.length, skipped: exec.skipped.length, ms });
  return { ok: exec.ok, results, failed: exec.failed, skipped: exec.skipped, actuals: run.actuals, diagnostics };
}

/** A plan with errors, or made from other tasks than these, is not applied. */
function checkApplicable(tasks: readonly Task[], { plan, found }: PlanResult): void {
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new KopsError('PlanHasErrors', `the plan has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was applied`, {
      diagnostics: errors,
      hint: 'fix the problems listed and plan again',
    });
  }
  const drift = fingerprintDrift({ desired: plan.fingerprint.desired, actual: {} }, { desired: planFingerprint(tasks, found).desired, actual: {} });
  if (drift.length > 0) {
    const keys = drift.slice(0, 5).map((d) => `${d.key} (${d.change})`).join(', ');
    throw new KopsError('StalePlan', `the tasks differ from the ones planned: ${keys}${drift.length > 5 ? ', ...' : ''}`, { hint: 'plan again and apply that plan' });
  }
}

/** The state of one apply run: outputs as they become known, and each task's application. */
class ApplyRun<C> {
  readonly actuals: Map<TaskKey, unknown>;
  readonly diagnostics: Diagnostic[] = [];
  private readonly initial: ReadonlyMap<TaskKey, unknown>;
  private readonly outputs = new Map<TaskKey, Outputs>();
  private readonly oldDeleted = new Set<TaskKey>();
  private readonly byKey: ReadonlyMap<TaskKey, Task>;
  private readonly pending: ReadonlySet<TaskKey>;
  /** Values of what this run created, with when. */
  private readonly created = new Map<string, number>();
  private found: Set<string> | undefined;

  constructor(
    private readonly ctx: C,
    private readonly registry: TaskRegistry<C>,
    tasks: readonly Task[],
    planResult: PlanResult,
    private readonly opts: ApplyOptions,
    private readonly events: EventSink,
  ) {
    this.byKey = new Map(tasks.map((t) => [taskKey(t.kind, t.name), t]));
    this.actuals = new Map(planResult.found);
    this.initial = planResult.found;
    // Until applied, a task being created or replaced has no outputs (and a deleted one keeps none).
    this.pending = new Set(planResult.plan.changes.filter((c) => c.action !== 'update').map((c) => c.key));
  }

  private readonly outputsOf = (key: TaskKey): Outputs | undefined => {
    const hit = this.outputs.get(key);
    if (hit || this.pending.has(key)) return hit;
    const actual = this.actuals.get(key);
    const task = this.byKey.get(key);
    if (actual === undefined || !task) return undefined;
    const out = this.registry.get(task.kind).outputs(actual);
    this.outputs.set(key, out);
    return out;
  };

  async apply(change: PlannedChange, signal?: AbortSignal): Promise<void> {
    const cancel = signal ? { signal } : {};
    const kind = this.registry.get(change.kind);
    if (change.action === 'delete') {
      if (!kind.delete) throw new KopsError('DeleteNotSupported', `${change.key}: kind ${change.kind} cannot delete resources`, { hint: 'delete the resource by hand' });
      await kind.delete(this.ctx, change.actual, cancel);
      this.actuals.delete(change.key);
      return;
    }
    const task = this.byKey.get(change.key) as Task;
    const refs = resolverOf(this.outputsOf, change.key);
    if (change.action === 'replace' && kind.delete && change.actual !== undefined && !this.oldDeleted.has(change.key)) {
      await kind.delete(this.ctx, change.actual, cancel);
      this.oldDeleted.add(change.key);
      this.actuals.delete(change.key);
    }
    const fields = knownFields(kind, task, change, refs);
    const req = { action: change.action as Exclude<ApplyAction, 'delete'>, name: task.name, desired: task.desired, fields, refs, ...cancel };
    const after = await kind.apply(this.ctx, change.action === 'update' ? { ...req, actual: change.actual } : req);
    this.verify(kind, task, change.key, after, refs);
    this.actuals.set(change.key, after);
    const outputs = kind.outputs(after);
    this.outputs.set(change.key, outputs);
    if (change.action !== 'update') {
      const at = this.now();
      for (const v of [task.name, ...stringValues(outputs)]) this.created.set(v, at);
    }
  }

  private now(): number {
    return (this.opts.clock ?? systemClock).now();
  }

  retryContext(key: TaskKey): RetryContext {
    const window = this.opts.consistencyWindowMs ?? DEFAULT_CONSISTENCY_WINDOW_MS;
    const now = this.now();
    const found = (this.found ??= this.foundValues());
    return {
      key,
      freshness: (v) => {
        const at = this.created.get(v);
        if (at !== undefined) return now - at <= window ? 'fresh' : 'old';
        return found.has(v) ? 'old' : 'unknown';
      },
      anyFresh: [...this.created.values()].some((at) => now - at <= window),
    };
  }

  /** The names and output values of everything found at plan time. */
  private foundValues(): Set<string> {
    const out = new Set<string>();
    for (const [key, task] of this.byKey) {
      const actual = this.initial.get(key);
      if (actual === undefined) continue;
      out.add(task.name);
      for (const v of stringValues(this.registry.get(task.kind).outputs(actual))) out.add(v);
    }
    return out;
  }

  private verify(kind: AnyTaskKind<C>, task: Task, key: TaskKey, after: unknown, refs: RefResolver): void {
    const mode = this.opts.verify ?? 'warn';
    if (mode === 'off' || task.shared) return;
    const left = diffViews(kind.actualView(after), kind.view(task.desired, refs), kind.fields).map((f) => f.field);
    if (left.length === 0) return;
    const summary = `after apply, ${key} still differs from the spec in ${left.join(', ')}`;
    if (mode === 'error') throw new KopsError('ApplyDidNotConverge', summary, { hint: 'this is a bug in the task kind; please report it' });
    this.events({ code: 'apply.not-converged', key, fields: left });
    this.diagnostics.push(warning('ApplyDidNotConverge', summary, { task: key, hint: 'the next update may plan this change again' }));
  }
}

function stringValues(outputs: Outputs): string[] {
  return Object.values(outputs).filter((v): v is string => typeof v === 'string' && v !== '');
}

/** The planned fields with their values as now known (values that were `UNKNOWN` at plan time). */
function knownFields<C>(kind: AnyTaskKind<C>, task: Task, change: PlannedChange, refs: RefResolver): FieldChange[] {
  const view = kind.view(task.desired, refs);
  return change.fields.map(({ afterDisplay: _shown, ...f }) => (f.field in view ? { ...f, after: view[f.field] } : f));
}
